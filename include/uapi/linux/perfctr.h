/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * perfctr: per-task performance counters with inheritance
 *
 * The interface is a directory of text files, /proc/<pid>/perfctr/ and
 * /proc/<pid>/task/<tid>/perfctr/; see Documentation/perfctr.rst for the
 * formats.  This header holds the limits those formats obey.
 */
#ifndef _UAPI_LINUX_PERFCTR_H
#define _UAPI_LINUX_PERFCTR_H

/* Most counters in one control; a control naming more fails with E2BIG. */
#define PERFCTR_MAX_COUNTERS	16

/* Longest write(2) to the control file; a longer one fails with EINVAL. */
#define PERFCTR_CONTROL_MAX	4096

#endif /* _UAPI_LINUX_PERFCTR_H */
