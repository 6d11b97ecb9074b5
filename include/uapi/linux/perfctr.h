/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * perfctr: per-task performance counters with inheritance
 *
 * The interface is a directory of text files, /proc/<pid>/perfctr/ and
 * /proc/<pid>/task/<tid>/perfctr/; see Documentation/perfctr.rst for the
 * formats.  This header holds the limits those formats obey and the layout
 * of the page a thread maps to read its own counters without a system call
 * (Documentation/perfctr-page.rst).
 */
#ifndef _UAPI_LINUX_PERFCTR_H
#define _UAPI_LINUX_PERFCTR_H

#include <linux/const.h>
#include <linux/types.h>

/* Most counters in one control; a control naming more fails with E2BIG. */
#define PERFCTR_MAX_COUNTERS	16

/* Longest write(2) to the control file; a longer one fails with EINVAL. */
#define PERFCTR_CONTROL_MAX	4096

/*
 * The exits file, /proc/<pid>/perfctr/exits: lines of text, each record
 * whole (Documentation/perfctr.rst, "Exit records").  A read(2) with a
 * buffer of this many bytes always gets at least one record; a smaller
 * buffer than the next record fails with EINVAL.
 */
#define PERFCTR_EXITS_LINE_MAX	1024

/* Records the exits file holds for its reader; later ones are dropped. */
#define PERFCTR_EXITS_RECORDS	1024

/*
 * The counter page: /proc/<pid>/task/<tid>/perfctr/page (or
 * /proc/thread-self/perfctr/page), mapped by that thread itself, read-only,
 * at offset 0: one page, or @map_size bytes, which add the records of the
 * thread's hardware counters where the page gives those (below).  Forked
 * children do not inherit the mapping.
 *
 * Only the mapping thread may read the page as its own: the values are
 * computed with that thread's time stamp counter at switch-in.  @tid names
 * that thread, as gettid() returns it in the thread itself; a reader that
 * keeps a mapping for a thread checks it before trusting the page, since
 * the C library may give a new thread the descriptor (and the variables)
 * of a dead one before that thread's exit publishes PERFCTR_PAGE_EXITED.
 * A reader:
 *
 *	if (pg->tid != gettid())
 *		-> read(2) counts instead: not this thread's page
 *	for (;;) {
 *		seq = READ_ONCE(pg->seq);
 *		barrier();			(read barrier: a compiler barrier on
 *						 x86, which orders loads; DMB ISHLD
 *						 on arm64)
 *		if (seq & 1)
 *			continue;		(a writer is busy: again)
 *		if (pg->requested != pg->applied)
 *			-> read(2) counts instead: the page is behind a change
 *		id = pg->id;
 *		nr = pg->nr;
 *		for (i = 0; i < nr; i++) {
 *			c = &pg->counter[i];
 *			if (c->flags & PERFCTR_COUNTER_PERF) {
 *				value[i] = c->sum + perf_read(c->start);
 *				continue;
 *			}
 *			if (!(c->flags & PERFCTR_COUNTER_EXACT))
 *				-> read(2) counts instead, for this counter
 *			value[i] = c->sum;
 *			if (c->flags & PERFCTR_COUNTER_TSC)
 *				value[i] += rdtsc_ordered() - c->start;
 *			if (c->flags & PERFCTR_COUNTER_CLOCK)
 *				value[i] += mul_u64_u32_shr(
 *					(rdtsc_ordered() - c->time_cycles) &
 *					c->time_mask, c->time_mult,
 *					c->time_shift);
 *		}
 *		barrier();
 *		if (pg->requested != pg->applied)
 *			-> read(2) counts instead: a change began meanwhile
 *		if (READ_ONCE(pg->seq) == seq)
 *			break;			(else the kernel wrote: again)
 *	}
 *
 * where mul_u64_u32_shr(a, m, s) is (a * m) >> s with the product taken in
 * 96 bits, and rdtsc_ordered() reads the counter tsc counts, the kernel's
 * get_cycles(), so that the time stamp is not taken before the loads of
 * seq and start, nor after the second check of requested: on x86-64
 * "lfence; rdtsc"; on arm64 "isb; mrs cntvct_el0" followed by a load whose
 * address depends on the value read (Documentation/perfctr-page.rst).  The
 * page gives tsc and task-clock only where the thread can read that
 * counter itself; elsewhere they are not PERFCTR_COUNTER_EXACT.  seq
 * changes at every switch of the thread onto a CPU, so a read that was
 * switched out midway retries.
 *
 * A hardware counter (PERFCTR_COUNTER_PERF) is read as perf's own
 * self-monitoring page is read: perf keeps a record of the counter, the
 * fields of struct perf_event_mmap_page before __reserved, @start bytes
 * into the mapping, through every switch, reprogramming and overflow of
 * the counter.  perf_read(start), with rec the record there:
 *
 *	do {
 *		lock = READ_ONCE(rec->lock);
 *		barrier();
 *		index = rec->index;
 *		if (!rec->cap_user_rdpmc || !index)
 *			-> read(2) counts instead: not readable now
 *		count = rec->offset + sign_extend(read_counter(index - 1),
 *						  rec->pmc_width);
 *		barrier();
 *	} while (READ_ONCE(rec->lock) != lock);
 *
 * read_counter(n) reads hardware counter n: on arm64 PMEVCNTR<n>_EL0, or
 * PMCCNTR_EL0 for n = 31, which the PMU lets the thread read only where
 * the kernel.perf_user_access sysctl is 1.  Another task that changes the
 * control, or that sysctl going to 0, can take the counter away between
 * the look at the record and the read; the read then gives 0 instead of
 * trapping, and the kernel makes the page's seq change, so the reader
 * retries and, until the page is published again, finds no
 * PERFCTR_COUNTER_PERF.  Elsewhere, and on x86-64 for now, hardware
 * counters are read(2)'s.
 *
 * Writers bump seq to odd, update, and bump it to even, with a write
 * barrier after the first bump and before the second.  All of them run in
 * the owning thread's own context, so a reader (that thread) can only see a
 * change as a new seq after it was switched out or took a fault:
 *
 *  - at every switch onto a CPU, the scheduler's hook rewrites the sums and
 *    start stamps of the counters that change only while the thread is
 *    switched out (context switches, cpu migrations) or with the time
 *    stamp counter (tsc, and task-clock where the kernel's task clock is
 *    a scaling of it);
 *  - at every fault the thread takes, the fault hook rewrites the fault
 *    counts;
 *  - when the thread programs its own control, opens its page file, reads
 *    its own counts file while the page is stale, or exits, the whole page
 *    is rewritten.
 *
 * Another task that programs or clears this thread's control cannot write
 * the page: it raises @requested (one 64-bit store) before it changes
 * anything.  From then until the owner rewrites the page and sets @applied
 * to match, the page is stale and readers must use read(2), which rewrites
 * it.  So a reader sees a control change, whoever makes it, as a new @id
 * and counter set, never as a torn mix.
 *
 * Where @flags has PERFCTR_PAGE_REQUEST_SEQ, that task then also adds 2 to
 * seq (the parity stays the owner's), after @requested and before the
 * control changes: a reader that found @requested equal to @applied at one
 * seq knows the page fresh for as long as it finds that seq, and may skip
 * the second check of @requested above and, in later reads at the same
 * seq, the first.
 */
#define PERFCTR_PAGE_VERSION	2

/* perfctr_page_counter::flags */
#define PERFCTR_COUNTER_EXACT	_BITULL(0)	/* the page gives the value */
#define PERFCTR_COUNTER_TSC	_BITULL(1)	/* add rdtsc - start */
#define PERFCTR_COUNTER_CLOCK	_BITULL(2)	/* add the scaled counter */
#define PERFCTR_COUNTER_PERF	_BITULL(3)	/* add perf's record at start */

/* The bytes perf keeps of a counter's record, and their step in the map. */
#define PERFCTR_RECORD_SIZE	128

/* perfctr_page::flags */
#define PERFCTR_PAGE_EXITED	_BITULL(0)	/* final counts, frozen */
#define PERFCTR_PAGE_REQUEST_SEQ _BITULL(1)	/* a raise of requested changes seq */

/**
 * struct perfctr_page_counter - one counter on the page
 * @flags: PERFCTR_COUNTER_*; without PERFCTR_COUNTER_EXACT or
 *	PERFCTR_COUNTER_PERF the page cannot give this counter (software
 *	perf events, and hardware ones where the thread cannot read them
 *	itself; tsc and task-clock where the thread
 *	cannot read the counter tsc counts itself; task-clock where the
 *	kernel's task clock is not a scaling of it; after exit, a hardware
 *	counter that was not counting) and the other fields are 0
 * @sum: the count when the thread was last switched onto a CPU (or when
 *	the page was last rewritten); with PERFCTR_COUNTER_CLOCK, the count
 *	less the scaled time stamp counter, modulo 2^64; with
 *	PERFCTR_COUNTER_PERF, what to add to the count perf's record gives
 * @start: with PERFCTR_COUNTER_TSC, the time stamp counter at that moment;
 *	with PERFCTR_COUNTER_PERF, where the counter's record is: its offset
 *	in bytes from the start of the mapping, below @map_size
 * @time_mult: with PERFCTR_COUNTER_CLOCK, the multiplier (below 2^32) ...
 * @time_shift: ... and the shift of the scaling: the 96-bit product of
 *	the scaled counter value and @time_mult, shifted right by @time_shift
 * @time_cycles: with PERFCTR_COUNTER_CLOCK, the counter value subtracted
 *	before scaling (0 on x86-64; sched_clock's epoch on arm64) ...
 * @time_mask: ... and the mask applied to the difference (the counter's
 *	width): the scaled value is (counter - @time_cycles) & @time_mask
 *
 * Page version 2 added @time_cycles and @time_mask: a version 1 reader,
 * which knew neither, would compute task-clock wrongly where they are not
 * 0 and all ones.  PERFCTR_COUNTER_PERF came later, without a new version:
 * a reader that does not know it finds the counter not exact and uses
 * read(2), as it did for hardware counters before.
 */
struct perfctr_page_counter {
	__u64 flags;
	__u64 sum;
	__u64 start;
	__u64 time_mult;
	__u64 time_shift;
	__u64 time_cycles;
	__u64 time_mask;
};

/**
 * struct perfctr_page - what a thread maps to read its own counters
 * @version: PERFCTR_PAGE_VERSION; a reader that does not know it must use
 *	read(2).  It changes only if a field changes meaning or place: a new
 *	field takes a field that read 0 before (@tid was the reserved field)
 *	and reads 0 from a kernel that predates it.
 * @seq: odd while a writer updates the page, changed by every update
 *	(and, with PERFCTR_PAGE_REQUEST_SEQ, by every raise of @requested)
 * @id: the control's id, as in the id file; 0 without a control
 * @nr: the number of counters, as in the control file; 0 without one
 * @requested: raised by another task before it changes the control
 * @applied: the @requested value the page reflects
 * @flags: PERFCTR_PAGE_*
 * @tid: the thread the page is of, in its own pid namespace (what gettid()
 *	returns in it), set when it opens its page file; 0 from a kernel that
 *	predates the field, which is never a thread's id
 * @counter: @nr counters, in control order
 * @map_size: how many bytes of the page file the thread may map: the page
 *	alone, or the page and the records of its hardware counters that
 *	follow it (PERFCTR_COUNTER_PERF); 0 from a kernel that predates the
 *	field, whose page gives no such counter
 *
 * All fields are 64 bits, naturally aligned, with no holes; the rest of
 * the page reads as zero.
 */
struct perfctr_page {
	__u64 version;
	__u64 seq;
	__u64 id;
	__u64 nr;
	__u64 requested;
	__u64 applied;
	__u64 flags;
	__u64 tid;
	struct perfctr_page_counter counter[PERFCTR_MAX_COUNTERS];
	__u64 map_size;
};

#endif /* _UAPI_LINUX_PERFCTR_H */
