/* SPDX-License-Identifier: MIT */
/* status_text.c — expands daf.h's X-macro lists into the lookups of daf_status_text.h. */
#include "daf_status_text.h"

#include "daf.h"

#define DAF_HIDDEN __attribute__((visibility("hidden")))

#define DAF_NAME_CASE_(name, value, message) \
    case value: return #name;
#define DAF_MESSAGE_CASE_(name, value, message) \
    case value: return message;

DAF_HIDDEN const char *dafi_status_name(int status) {
    switch (status) {
        DAF_STATUS_LIST(DAF_NAME_CASE_)
    default: return 0;
    }
}

DAF_HIDDEN const char *dafi_status_message(int status) {
    switch (status) {
        DAF_STATUS_LIST(DAF_MESSAGE_CASE_)
    default: return 0;
    }
}

DAF_HIDDEN const char *dafi_version_string(void) { return DAF_VERSION_STRING; }
