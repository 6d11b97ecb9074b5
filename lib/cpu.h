/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * What the counter page reader reads of the CPU itself: the counter the
 * kernel's tsc counts, and the hardware counter registers.  Header-only
 * and self-contained, so that the tests that measure the reader
 * (shell-tests/lib-helpers/pchwpage.c) read the registers the same way.
 */
#ifndef PERFCTR_CPU_H
#define PERFCTR_CPU_H

#include <stdint.h>

/*
 * pc_rdtsc_ordered(): the counter the kernel's tsc counts, get_cycles(),
 * read as the kernel reads it, and ordered after the loads of the page that
 * precede it (seq, then sum and start: the kernel rewrites them at a switch
 * onto a CPU, and a time stamp from before that switch would be counted
 * twice).  The page marks a tsc or task-clock counter readable only where
 * the thread can read that counter directly (Documentation/perfctr-page.rst).
 */
#if defined(__x86_64__)
#define PC_HAVE_TSC	1

/*
 * x86-64: the time stamp counter.  "lfence; rdtsc": lfence does not let
 * rdtsc execute before the loads that precede it have completed.
 */
static inline uint64_t pc_rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}
#elif defined(__aarch64__)
#define PC_HAVE_TSC	1

/*
 * arm64: the architected virtual counter, CNTVCT_EL0, which the kernel's
 * get_cycles() reads (arch_timer_read_counter()) and which arm64 Linux lets
 * EL0 read unless a timer erratum workaround traps it.
 *
 * Before: the Arm architecture lets a read of the counter be performed
 * speculatively and out of order with other instructions; an ISB is a
 * context synchronization event, and the counter read that follows it is
 * not performed until the instructions before it, here the acquire load of
 * seq and the loads of sum and start, are complete.
 *
 * After: the caller re-reads requested, applied and seq once every value is
 * computed, behind an acquire fence (DMB ISHLD), which orders loads but not
 * system register reads.  So the value feeds the address of a dummy load
 * (value ^ value is 0, from the stack pointer): that load cannot be
 * performed before the counter is read, and the fence keeps the re-reads
 * after that load.  The Linux vDSO reads the counter the same way.
 */
static inline uint64_t pc_rdtsc_ordered(void)
{
	uint64_t v, zero;

	__asm__ __volatile__("isb\n\t"
			     "mrs	%0, cntvct_el0\n\t"
			     "eor	%1, %0, %0\n\t"
			     "ldr	xzr, [sp, %1]"
			     : "=r"(v), "=&r"(zero) :: "memory");
	return v;
}
#else
/* Without a counter we know how to read, tsc and task-clock are read(2)'s. */
#define PC_HAVE_TSC	0

static inline uint64_t pc_rdtsc_ordered(void)
{
	return 0;
}
#endif

/*
 * pc_pmu_read(): the hardware counter that perf's record names by @index
 * (the counter's number plus one; 0 for none), into @v.  Only where the
 * kernel gives hardware counters on the page (PERFCTR_COUNTER_PERF);
 * elsewhere, and for an index the architecture has no register for, it
 * returns -1 and the caller uses read(2).
 */
#if defined(__aarch64__)
/*
 * arm64: PMEVCNTR<n>_EL0, or PMCCNTR_EL0 for 31, readable at EL0 while the
 * thread has perf events that asked for it (Documentation/perfctr-page.rst).
 * The register is named in the instruction, so the read is a branch into a
 * table of "mrs; b" pairs, one per counter: three instructions to reach
 * the mrs, where a switch takes five and a range check of its own.  With
 * branch target identification each entry starts with its landing pad.
 *
 * A read that loses the race with the counter being taken away reads 0
 * rather than trapping, and the page's seq changes
 * (include/uapi/linux/perfctr.h).  Every write of the record happens on
 * this CPU while the thread is interrupted or off it, and an exception
 * completes the instructions before it and restarts those after, so the
 * read needs no barrier of its own.
 */
#ifdef __ARM_FEATURE_BTI_DEFAULT
#define PC_PMU_PAD	"bti	j\n\t"
#define PC_PMU_END	"\n\tnop\n\t"
#define PC_PMU_SHIFT	"4"
#else
#define PC_PMU_PAD	""
#define PC_PMU_END	"\n\t"
#define PC_PMU_SHIFT	"3"
#endif
#define PC_PMU_ENTRY(n)							\
	PC_PMU_PAD "mrs	%0, pmevcntr" #n "_el0\n\tb	2f" PC_PMU_END

static inline int pc_pmu_read(uint32_t index, uint64_t *v)
{
	uint32_t n = index - 1;
	uint64_t val, entry;

	if (n > 31)
		return -1;
	__asm__ __volatile__("adr	%1, 1f\n\t"
			     "add	%1, %1, %w2, uxtw #" PC_PMU_SHIFT "\n\t"
			     "br	%1\n"
			     "1:\n\t"
			     PC_PMU_ENTRY(0) PC_PMU_ENTRY(1) PC_PMU_ENTRY(2)
			     PC_PMU_ENTRY(3) PC_PMU_ENTRY(4) PC_PMU_ENTRY(5)
			     PC_PMU_ENTRY(6) PC_PMU_ENTRY(7) PC_PMU_ENTRY(8)
			     PC_PMU_ENTRY(9) PC_PMU_ENTRY(10) PC_PMU_ENTRY(11)
			     PC_PMU_ENTRY(12) PC_PMU_ENTRY(13) PC_PMU_ENTRY(14)
			     PC_PMU_ENTRY(15) PC_PMU_ENTRY(16) PC_PMU_ENTRY(17)
			     PC_PMU_ENTRY(18) PC_PMU_ENTRY(19) PC_PMU_ENTRY(20)
			     PC_PMU_ENTRY(21) PC_PMU_ENTRY(22) PC_PMU_ENTRY(23)
			     PC_PMU_ENTRY(24) PC_PMU_ENTRY(25) PC_PMU_ENTRY(26)
			     PC_PMU_ENTRY(27) PC_PMU_ENTRY(28) PC_PMU_ENTRY(29)
			     PC_PMU_ENTRY(30)
			     PC_PMU_PAD "mrs	%0, pmccntr_el0\n"
			     "2:"
			     : "=r"(val), "=&r"(entry) : "r"(n) : "memory");
	*v = val;
	return 0;
}
#undef PC_PMU_ENTRY
#else
static inline int pc_pmu_read(uint32_t index, uint64_t *v)
{
	(void)index;
	(void)v;
	return -1;
}
#endif

/*
 * pc_sign_extend(): the low @width bits of @raw, sign-extended, as perf's
 * records ask of a counter value (pmc_width): shifted up by 64 - width
 * and arithmetically back down.  A width outside 1 to 64, which perf never
 * gives, is taken modulo 64, 0 as 64.
 */
#if defined(__aarch64__)
/*
 * LSLV and ASRV take their count modulo 64, so that 64 - width is
 * -width: three instructions, where C's shift, whose count must be below
 * 64, needs its count masked first.
 */
static inline uint64_t pc_sign_extend(uint64_t raw, unsigned int width)
{
	unsigned int count = -width;
	uint64_t v;

	/* only the count's low 6 bits count: its 32-bit register will do */
	__asm__("lslv	%0, %1, %x2\n\t"
		"asrv	%0, %0, %x2"
		: "=&r"(v) : "r"(raw), "r"(count));
	return v;
}
#else
static inline uint64_t pc_sign_extend(uint64_t raw, unsigned int width)
{
	unsigned int count = (64 - width) & 63;

	return (uint64_t)((int64_t)(raw << count) >> count);
}
#endif

#endif /* PERFCTR_CPU_H */
