/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for what driver/control.c takes from <linux/kernel.h>.
 * A WARN is a bug wherever it fires: here it aborts, so that the unit tests
 * and the fuzzer report it.
 */
#ifndef _SHIM_LINUX_KERNEL_H
#define _SHIM_LINUX_KERNEL_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))

#define WARN_ON_ONCE(cond) ({						\
	int __c = !!(cond);						\
	if (__c) {							\
		fprintf(stderr, "WARNING: %s:%d: %s\n", __FILE__,	\
			__LINE__, #cond);				\
		abort();						\
	}								\
	__c;								\
})

/* The kernel's contract: the whole string, digits of @base only. */
static inline int kstrtoull(const char *s, unsigned int base,
			    unsigned long long *res)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*res = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end == '\n')
		end++;
	return *end ? -EINVAL : 0;
}
#endif
