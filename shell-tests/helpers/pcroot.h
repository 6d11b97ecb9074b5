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

#include <stdio.h>
#include <stdlib.h>

/* The root: $PERFCTR_ROOT, or /proc when it is unset or empty. */
static inline const char *pc_root(void)
{
	const char *root = getenv("PERFCTR_ROOT");

	return root && *root ? root : "/proc";
}

/* Room for a path: the root and, below it, at most "<pid>/task/<tid>/perfctr/<file>". */
#define PC_PATH_MAX 128

/* @buf (PC_PATH_MAX bytes) gets the path of @below under the root. */
static inline const char *pc_path_in(char *buf, const char *below)
{
	if (snprintf(buf, PC_PATH_MAX, "%s/%s", pc_root(), below) >= PC_PATH_MAX) {
		fprintf(stderr, "PERFCTR_ROOT %s is too long\n", pc_root());
		exit(2);
	}
	return buf;
}

/*
 * pc_path("self/perfctr/control"): the path of a file below the root, in a
 * buffer of the caller's, valid until the end of the enclosing block.  On
 * the stack rather than in thread-local storage, which would be taken from
 * every thread's stack: pcmany's threads have PTHREAD_STACK_MIN.
 */
#define pc_path(below) pc_path_in((char[PC_PATH_MAX]){ 0 }, (below))

#endif /* PERFCTR_TEST_PCROOT_H */
