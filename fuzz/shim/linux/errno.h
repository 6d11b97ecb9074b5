/* SPDX-License-Identifier: GPL-2.0 */
/* The errno values: the system's UAPI header has them. */
#include_next <linux/errno.h>
