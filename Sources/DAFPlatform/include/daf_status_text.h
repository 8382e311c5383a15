/* SPDX-License-Identifier: MIT */
/* daf_status_text.h — the status names and messages and the version string, generated in C
 * from include/daf.h's DAF_STATUS_LIST and DAF_VERSION_STRING, so the library cannot drift
 * from its header. Internal: hidden symbols, not part of the ABI. */
#ifndef DAF_STATUS_TEXT_H
#define DAF_STATUS_TEXT_H

#include <stdbool.h>

/** The code's name and message, or NULL for a value not in DAF_STATUS_LIST. */
const char *dafi_status_name(int status);
const char *dafi_status_message(int status);
/** DAF_VERSION_STRING of the header the library was built with. */
const char *dafi_version_string(void);

#endif
