/* SPDX-License-Identifier: MIT */
/* OpenBLAS's CBLAS for the trainer's matrix products (libopenblas-dev). */
#include <cblas.h>
/* Declared by OpenBLAS's cblas.h; repeated here so a netlib cblas.h chosen by
 * update-alternatives still lets the trainer set OpenBLAS's thread count. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
