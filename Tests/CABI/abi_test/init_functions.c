/* SPDX-License-Identifier: MIT */
/* abi_test: cases for the _init functions. */
#include "abi_test.h"

/* ============================================================================================
 * _init functions
 * ========================================================================================== */

void quantize_params_init_defaults(void) {
    daf_quantize_params params;
    memset(&params, 0xA5, sizeof params);
    CHECK_STATUS(daf_quantize_params_init(&params), DAF_OK);
    CHECK_SIZE(params.struct_size, sizeof(daf_quantize_params));
    CHECK_SIZE(params.bits, DAF_DEFAULT_BITS);
    CHECK_SIZE(params.group_size, DAF_DEFAULT_GROUP_SIZE);
    CHECK_SIZE(params.rounding, DAF_ROUND_NEAREST);
    CHECK_SIZE(params.seed, 0);
}

void options_init_defaults(void) {
    daf_options options;
    memset(&options, 0xA5, sizeof options);
    CHECK_STATUS(daf_options_init(&options), DAF_OK);
    CHECK_SIZE(options.struct_size, sizeof(daf_options));
    CHECK_SIZE(options.bits, DAF_DEFAULT_BITS);
    CHECK_SIZE(options.group_size, DAF_DEFAULT_GROUP_SIZE);
    CHECK_SIZE(options.rounding, DAF_DEFAULT_ROUNDING);
    CHECK_SIZE(DAF_DEFAULT_ROUNDING, DAF_ROUND_STOCHASTIC);
    CHECK_SIZE(options.seed, 0);
    CHECK_SIZE(options.threads, 0);
    CHECK_SIZE(options.policy, DAF_POLICY_FAIL);
    CHECK_SIZE(options.budget_bytes, 0);
    CHECK_SIZE(options.chunk_bytes, DAF_DEFAULT_CHUNK_BYTES);
    CHECK_SIZE(options.page_size, DAF_DEFAULT_PAGE_SIZE);
    CHECK_SIZE(options.degrade_floor_bits, 1);
    CHECK_SIZE(options.pool_flags, 0);
    CHECK_SIZE(options.reserved, 0);
    CHECK(options.spill_dir == NULL);
}

void save_params_init_defaults(void) {
    daf_save_params params;
    memset(&params, 0xA5, sizeof params);
    CHECK_STATUS(daf_save_params_init(&params), DAF_OK);
    CHECK_SIZE(params.struct_size, sizeof(daf_save_params));
    CHECK_SIZE(params.bits, 0);
    CHECK(params.importance == 0.0f);
    CHECK_SIZE(params.reserved, 0);
    CHECK(params.recompute == NULL && params.recompute_user == NULL);
}

void init_functions_reject_null(void) {
    CHECK_STATUS(daf_quantize_params_init(NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_options_init(NULL), DAF_E_NULL_ARGUMENT);
    CHECK_STATUS(daf_save_params_init(NULL), DAF_E_NULL_ARGUMENT);
}
