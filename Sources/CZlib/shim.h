/* SPDX-License-Identifier: MIT */
/* zlib's gzopen/gzread for the gzipped IDX files of Fashion-MNIST (zlib1g-dev). */
#include <zlib.h>
