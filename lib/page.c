// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The counter page: a thread's own counters, read without a system call
 * by the protocol of include/uapi/linux/perfctr.h.
 *
 * The page is usable only as a whole: fresh (no control change pending
 * from another task), not the frozen page of an exited thread, and, for
 * values, every counter exact.  Anything else sends the caller to read(2)
 * of the counts file, which is always right and makes the kernel rewrite
 * the page, so that the next read is fast again.
 *
 * The caller has checked that the page names it (pc_own_page()).  An
 * exited owner reads nothing, so a reader that finds PERFCTR_PAGE_EXITED
 * is another thread that has the dead owner's pthread_t (the C library
 * reuses them) and, by now, its thread id (the kernel frees the id only
 * after the exit has published the flag): it gets what read(2) says, as
 * any non-owner does.
 */
#include <linux/perf_event.h>

#include "internal.h"

/* One 64-bit field of the page, loaded once (READ_ONCE). */
static inline uint64_t pc_load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void pc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

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
 * pc_pmu_read(): hardware counter @n, as perf's record numbers it (its
 * index less one).  Only where the kernel gives hardware counters on the
 * page (PERFCTR_COUNTER_PERF); elsewhere it fails and the caller uses
 * read(2).
 */
#if defined(__aarch64__)
/*
 * arm64: PMEVCNTR<n>_EL0, or PMCCNTR_EL0 for 31, readable at EL0 while the
 * thread has perf events that asked for it (Documentation/perfctr-page.rst).
 * The register is named in the instruction, hence the switch.  A read
 * that loses the race with the counter being taken away reads 0 rather
 * than trapping, and the page's seq changes (include/uapi/linux/perfctr.h).
 * Every write of the record happens on this CPU while the thread is
 * interrupted or off it, and an exception completes the instructions
 * before it and restarts those after, so the read needs no barrier of
 * its own.
 */
#define PC_EVCNTR(n)							\
	case n:								\
		__asm__ __volatile__("mrs %0, pmevcntr" #n "_el0"	\
				     : "=r"(*v) :: "memory");		\
		return 0

static inline int pc_pmu_read(unsigned int n, uint64_t *v)
{
	switch (n) {
	PC_EVCNTR(0); PC_EVCNTR(1); PC_EVCNTR(2); PC_EVCNTR(3);
	PC_EVCNTR(4); PC_EVCNTR(5); PC_EVCNTR(6); PC_EVCNTR(7);
	PC_EVCNTR(8); PC_EVCNTR(9); PC_EVCNTR(10); PC_EVCNTR(11);
	PC_EVCNTR(12); PC_EVCNTR(13); PC_EVCNTR(14); PC_EVCNTR(15);
	PC_EVCNTR(16); PC_EVCNTR(17); PC_EVCNTR(18); PC_EVCNTR(19);
	PC_EVCNTR(20); PC_EVCNTR(21); PC_EVCNTR(22); PC_EVCNTR(23);
	PC_EVCNTR(24); PC_EVCNTR(25); PC_EVCNTR(26); PC_EVCNTR(27);
	PC_EVCNTR(28); PC_EVCNTR(29); PC_EVCNTR(30);
	case 31:
		__asm__ __volatile__("mrs %0, pmccntr_el0" : "=r"(*v) :: "memory");
		return 0;
	}
	return -1;
}
#undef PC_EVCNTR
#else
static inline int pc_pmu_read(unsigned int n, uint64_t *v)
{
	(void)n;
	(void)v;
	return -1;
}
#endif

/*
 * A hardware counter from perf's record of it, @start bytes into the
 * mapping (PERFCTR_COUNTER_PERF), by perf's own protocol: the lock word
 * around the index, the offset, the width and the register.  -1 if the
 * counter is not readable now.
 */
static int pc_record_value(const struct perfctr_page *pg, uint64_t start,
			   uint64_t *v)
{
	const volatile struct perf_event_mmap_page *rec;
	uint64_t offset, raw, width;
	uint32_t lock, index;
	uint64_t size = pc_load(&pg->map_size);

	/* within what pc_map_page() mapped: map_size bytes */
	if (start < sizeof(*pg) || start % PERFCTR_RECORD_SIZE ||
	    size < PERFCTR_RECORD_SIZE || start > size - PERFCTR_RECORD_SIZE)
		return -1;
	rec = (const volatile void *)((const char *)pg + start);
	do {
		lock = __atomic_load_n(&rec->lock, __ATOMIC_ACQUIRE);
		index = rec->index;
		if (!index || !rec->cap_user_rdpmc)
			return -1;
		offset = rec->offset;
		width = rec->pmc_width;
		if (!width || width > 64 || pc_pmu_read(index - 1, &raw))
			return -1;
		/* the loads above complete before the lock is read again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (rec->lock != lock);
	if (width < 64)
		raw = (uint64_t)((int64_t)(raw << (64 - width)) >>
				 (64 - width));
	*v += offset + raw;
	return 0;
}

/* Counter @i's value, or -1 if the page cannot give it. */
/*
 * One counter's value.  @now caches the one time stamp a snapshot takes
 * (0 until a counter needs it), so that all of its counters are of one
 * instant.
 */
static int pc_page_value(const struct perfctr_page *pg, unsigned int i,
			 uint64_t *v, uint64_t *now)
{
	const struct perfctr_page_counter *c = &pg->counter[i];
	uint64_t flags = pc_load(&c->flags);

	if (flags & PERFCTR_COUNTER_PERF) {
		*v = pc_load(&c->sum);
		return pc_record_value(pg, pc_load(&c->start), v);
	}
	if (!(flags & PERFCTR_COUNTER_EXACT))
		return -1;
	*v = pc_load(&c->sum);
	if (!(flags & (PERFCTR_COUNTER_TSC | PERFCTR_COUNTER_CLOCK)))
		return 0;
	if (!PC_HAVE_TSC)
		return -1;
	if (!*now)
		*now = pc_rdtsc_ordered();
	if (flags & PERFCTR_COUNTER_TSC)
		*v += *now - pc_load(&c->start);
	if (flags & PERFCTR_COUNTER_CLOCK) {
		uint64_t shift = pc_load(&c->time_shift);

		if (shift > 63)
			return -1;
		*v += pc_mul_u64_u32_shr((*now - pc_load(&c->time_cycles)) &
					 pc_load(&c->time_mask),
					 (uint32_t)pc_load(&c->time_mult),
					 (unsigned int)shift);
	}
	return 0;
}

/*
 * One update of the page: the id (into @id, if not NULL), the number of
 * counters (returned) and, if @vals, their values (room for @n).  Returns
 * -1 as soon as the page cannot serve the read: falling back to read(2) is
 * always right, so an answer taken from a torn state only costs a system
 * call; -2 if @vals has room for fewer than the counters.  Only a success
 * needs the seq check.  A writer runs in the owner's own context, and the
 * owner is the only reader, so a retry means the owner was switched out
 * meanwhile: the loop ends.  A counter the page gives as a plain sum (the
 * common case) costs two loads.
 */
static int pc_page_load(const struct perfctr_page *pg, uint64_t *id,
			uint64_t *vals, unsigned int n)
{
	uint64_t seq, nr, now, flags;
	unsigned int i;

	for (;;) {
		seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			pc_cpu_relax();
			continue;
		}
		if (pc_load(&pg->requested) != pc_load(&pg->applied) ||
		    pc_load(&pg->flags) & PERFCTR_PAGE_EXITED)
			return -1;
		if (id)
			*id = pc_load(&pg->id);
		nr = pc_load(&pg->nr);
		if (nr > n)
			return nr > PERFCTR_MAX_COUNTERS ? -1 : -2;
		now = 0;
		for (i = 0; vals && i < nr; i++) {
			flags = pc_load(&pg->counter[i].flags);
			if (flags == PERFCTR_COUNTER_EXACT)
				vals[i] = pc_load(&pg->counter[i].sum);
			else if (pc_page_value(pg, i, &vals[i], &now))
				return -1;
		}
		/* the loads above complete before seq is read again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/*
		 * Another task may have begun a change since the first check
		 * (it cannot bump seq): then these values are of a control
		 * that was already being replaced when the time stamp was
		 * taken.
		 */
		if (pc_load(&pg->requested) != pc_load(&pg->applied))
			return -1;
		if (pc_load(&pg->seq) == seq)
			return nr;
	}
}

/* The id, the number of counters and (if @values) the values, or -1. */
int pc_page_snapshot(const struct perfctr_page *pg, struct pc_snap *s,
		     bool values)
{
	int nr = pc_page_load(pg, &s->id, values ? s->val : NULL,
			      PERFCTR_MAX_COUNTERS);

	if (nr < 0)
		return -1;
	s->nr = nr;
	return 0;
}

/*
 * perfctr_read()'s fast path: the values straight into the caller's
 * @counts.  Returns the number of counters, -1 if the page cannot serve the
 * read (use read(2); @counts may hold garbage), or -2 if @n is smaller than
 * the number of counters.
 */
int pc_page_read(const struct perfctr_page *pg, uint64_t *counts,
		 unsigned int n)
{
	return pc_page_load(pg, NULL, counts, n);
}

