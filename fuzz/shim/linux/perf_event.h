/* SPDX-License-Identifier: GPL-2.0 */
/* The event types and configs: the system's UAPI header has them. */
#include_next <linux/perf_event.h>
