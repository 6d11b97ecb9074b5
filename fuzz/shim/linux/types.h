/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-ins for the kernel headers driver/control.c includes, so
 * that the parser itself, unchanged, runs under the tests and the fuzzer of
 * fuzz/ (see "make fuzz" in README.md).
 */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H
#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as the kernel has it */
typedef long long s64;

#define __rcu		/* an annotation for sparse only */

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
#endif
