/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test helpers of shell-tests/helpers/ and shell-tests/lib-helpers/
 * share: dying with a message, and the calling thread's id.
 */
#ifndef PERFCTR_TEST_HELPER_H
#define PERFCTR_TEST_HELPER_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The message on standard error, after the program's name and followed by
 * errno's text (which means something only after a call that failed), and
 * exit status 1: the tests print the output of a helper that failed.
 */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (errno: %s)\n", strerror(err));
	va_end(ap);
	exit(1);
}

static inline pid_t tid(void)
{
	return syscall(SYS_gettid);
}

#endif /* PERFCTR_TEST_HELPER_H */
