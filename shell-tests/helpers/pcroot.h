/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the test helpers find the perfctr files, shared by every helper:
 * below $PERFCTR_ROOT, which the guest sets to /proc on the patched kernel
 * and to /sys/fs/perfctr (the module's own filesystem) on a stock one.  The
 * layout below it is the same: <pid>/perfctr/..., <pid>/task/<tid>/perfctr/...,
 * self/perfctr/..., thread-self/perfctr/...
 */
#ifndef PERFCTR_TEST_PCROOT_H
#define PERFCTR_TEST_PCROOT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* The root: $PERFCTR_ROOT, or /proc when it is unset or empty. */
static inline const char *pc_root(void)
{
	const char *root = getenv("PERFCTR_ROOT");

	return root && *root ? root : "/proc";
}

/*
 * The path of @below (e.g. "self/perfctr/control") under the root, in one of
 * the calling thread's PC_PATHS buffers, used in turn: it stays valid until
 * the PC_PATHS-th next call in the same thread.  Copy it to keep it longer.
 */
#define PC_PATHS 4
static inline const char *pc_path(const char *below)
{
	static __thread char bufs[PC_PATHS][PATH_MAX];
	static __thread unsigned int next;
	char *buf = bufs[next++ % PC_PATHS];

	snprintf(buf, PATH_MAX, "%s/%s", pc_root(), below);
	return buf;
}

#endif /* PERFCTR_TEST_PCROOT_H */
