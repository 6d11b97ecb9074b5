/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfread.h: perf's own user-mode read of a hardware counter, and the bare
 * counter registers, as a program reads its own counters without a system
 * call.  Shared by bench/pcbench.c (the selfread row of make bench) and
 * shell-tests/lib-helpers/pchwpage.c (its cost figures), so that both
 * measure the same thing.
 *
 * arm64 only, where QEMU's TCG emulates a PMUv3 and perf lets user space
 * read a counter register when kernel.perf_user_access is 1 and the event
 * asks for it (config1 bit 1).  Elsewhere every read fails (returns -1),
 * and the callers report that they cannot measure.
 */
#ifndef PERFCTR_BENCH_SELFREAD_H
#define PERFCTR_BENCH_SELFREAD_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu.h"		/* the library's own register read (lib/) */

#if defined(__aarch64__)
#define SELFREAD_REGISTERS	1
/* The PMU's config1 bit that asks for user-mode reads (format "rdpmc"). */
#define SR_CONFIG1_USER_READ	2
#else
#define SELFREAD_REGISTERS	0
#define SR_CONFIG1_USER_READ	0
#endif

/*
 * sr_register(): PMEVCNTR<n>_EL0, or PMCCNTR_EL0 for 31, into *@v, read as
 * libperfctr reads it (pc_pmu_read() takes perf's index, the number plus
 * one), so that perf's read and the library's compare like with like; -1
 * for a number with no register here.
 */
static inline int sr_register(unsigned int n, uint64_t *v)
{
	if (pc_pmu_read(n + 1, v)) {
		*v = 0;
		return -1;
	}
	return 0;
}

/*
 * A hardware event of this thread, not inherited: with @user_read, user
 * mode only and readable from user space (its mmap page gives the
 * register); without, user and kernel mode, for counting the instructions
 * of a measurement.  The fd, or -1 with errno set.
 */
static inline int sr_perf_open(uint64_t config, bool user_read)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = config;
	attr.exclude_kernel = user_read;
	attr.exclude_hv = 1;
	attr.config1 = user_read ? SR_CONFIG1_USER_READ : 0;
	return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

/*
 * perf's own self-read of an mmapped event, as libperf does it: the lock
 * word around the index, the offset, the width and the register, the raw
 * value sign-extended from pmc_width bits.  -1 if the event is not
 * readable from user space now.
 */
static inline int sr_perf_read(const volatile struct perf_event_mmap_page *pg,
			       uint64_t *value)
{
	uint64_t offset, raw;
	uint32_t lock, index;
	uint16_t width;

	do {
		lock = pg->lock;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		index = pg->index;
		offset = pg->offset;
		width = pg->pmc_width;
		if (!index || !pg->cap_user_rdpmc || !width || width > 64 ||
		    sr_register(index - 1, &raw))
			return -1;
		if (width < 64)
			raw = (uint64_t)((int64_t)(raw << (64 - width)) >>
					 (64 - width));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (pg->lock != lock);
	*value = offset + raw;
	return 0;
}

#endif /* PERFCTR_BENCH_SELFREAD_H */
