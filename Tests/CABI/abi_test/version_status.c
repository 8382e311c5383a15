/* SPDX-License-Identifier: MIT */
/* abi_test: version and status code cases. */
#include "abi_test.h"

/* ============================================================================================
 * Version and status codes
 * ========================================================================================== */

void version_number_matches_header(void) {
    CHECK_SIZE(daf_version_number(), DAF_VERSION_NUMBER);
    CHECK_SIZE(DAF_VERSION_NUMBER, DAF_VERSION_MAJOR * 10000 + DAF_VERSION_MINOR * 100 + DAF_VERSION_PATCH);
}

void version_string_matches_header(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", DAF_VERSION_MAJOR, DAF_VERSION_MINOR,
             DAF_VERSION_PATCH);
    CHECK_STRING(DAF_VERSION_STRING, expected);
    CHECK_STRING(daf_version_string(), DAF_VERSION_STRING);
}

void status_values_are_frozen(void) {
    /* Released values never change: pinned here as literals. */
    CHECK(DAF_OK == 0);
    CHECK(DAF_E_NULL_ARGUMENT == -1);
    CHECK(DAF_E_INVALID_ARGUMENT == -2);
    CHECK(DAF_E_STRUCT_SIZE == -3);
    CHECK(DAF_E_OVERFLOW == -4);
    CHECK(DAF_E_MISALIGNED == -5);
    CHECK(DAF_E_DST_TOO_SMALL == -6);
    CHECK(DAF_E_CORRUPT == -7);
    CHECK(DAF_E_UNSUPPORTED_FORMAT == -8);
    CHECK(DAF_E_SIZE_MISMATCH == -9);
    CHECK(DAF_E_OUT_OF_RANGE == -10);
    CHECK(DAF_E_NO_MEMORY == -11);
    CHECK(DAF_E_INVALID_CONTEXT == -12);
    CHECK(DAF_E_UNKNOWN_HANDLE == -13);
    CHECK(DAF_E_INTERNAL == -14);
    CHECK(DAF_E_BUDGET_EXCEEDED == -15);
    CHECK(DAF_E_IO == -16);
    CHECK(DAF_E_RECOMPUTE_FAILED == -17);
    CHECK(DAF_E_INVALID_POOL == -18); /* since 0.2.0 */
}

void status_names_match_list(void) {
#define DAF_TEST_NAME_(name, value, message)          \
    where("status %s (%d)", #name, (int)(value));   \
    CHECK_STRING(daf_status_name(value), #name);
    DAF_STATUS_LIST(DAF_TEST_NAME_)
#undef DAF_TEST_NAME_
}

void status_messages_match_list(void) {
#define DAF_TEST_MESSAGE_(name, value, message)                           \
    where("status %s (%d)", #name, (int)(value));                       \
    CHECK(daf_status_message(value) != NULL);                           \
    CHECK(daf_status_message(value) != NULL && daf_status_message(value)[0] != '\0'); \
    CHECK_STRING(daf_status_message(value), message);
    DAF_STATUS_LIST(DAF_TEST_MESSAGE_)
#undef DAF_TEST_MESSAGE_
}

void unknown_status_codes(void) {
    static const int unknown[] = {12345, -9999, 1, -19, -100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        where("status %d", unknown[i]);
        CHECK_STRING(daf_status_name(unknown[i]), "DAF_E_UNKNOWN_STATUS");
        const char *message = daf_status_message(unknown[i]);
        CHECK(message != NULL && message[0] != '\0');
    }
}
