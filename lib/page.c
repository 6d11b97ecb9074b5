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

#include "cpu.h"
#include "internal.h"

/*
 * One 64-bit field of the page, loaded once (READ_ONCE).  Where a 64-bit
 * load is one instruction, a volatile one, as the kernel's READ_ONCE() is:
 * gcc addresses a relaxed atomic load on arm64 through a register of its
 * own, one instruction more per field.  Elsewhere (i386) the atomic load,
 * which is one load there, where a volatile one may be two.
 */
static inline uint64_t pc_load(const __u64 *p)
{
	if (sizeof(long) == sizeof(*p))
		return *(const volatile __u64 *)p;
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

/* A record's address within the mapping of @map_size bytes, or NULL. */
static const struct perf_event_mmap_page *
pc_page_record(const struct perfctr_page *pg, uint64_t start,
	       uint64_t map_size)
{
	if (start < sizeof(*pg) || start % PERFCTR_RECORD_SIZE ||
	    map_size < PERFCTR_RECORD_SIZE ||
	    start > map_size - PERFCTR_RECORD_SIZE)
		return NULL;
	return (const void *)((const char *)pg + start);
}

/*
 * A hardware counter from perf's record of it, @start bytes into the
 * mapping (PERFCTR_COUNTER_PERF), by perf's own protocol: the lock word
 * around the index, the offset, the width and the register.  -1 if the
 * counter is not readable now.
 */
static int pc_record_value(const struct perfctr_page *pg, uint64_t start,
			   uint64_t *v)
{
	/* within what pc_map_page() mapped: map_size bytes */
	const volatile struct perf_event_mmap_page *rec =
		pc_page_record(pg, start, pc_load(&pg->map_size));
	uint64_t offset, raw, width;
	uint32_t lock, index;

	if (!rec)
		return -1;
	do {
		lock = __atomic_load_n(&rec->lock, __ATOMIC_ACQUIRE);
		index = rec->index;
		if (!index || !rec->cap_user_rdpmc)
			return -1;
		offset = rec->offset;
		width = rec->pmc_width;
		if (!width || width > 64 || pc_pmu_read(index, &raw))
			return -1;
		/* the loads above complete before the lock is read again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (rec->lock != lock);
	*v += offset + pc_sign_extend(raw, width);
	return 0;
}

/*
 * Counter @i's value, or -1 if the page cannot give it.  @now caches the
 * one time stamp a snapshot takes (0 until a counter needs it), so that
 * all of its counters are of one instant.
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


/*
 * Plans
 * =====
 *
 * Everything on the page changes only with seq, the stale mark too where
 * the page says PERFCTR_PAGE_REQUEST_SEQ (a plan is made only of such a
 * page), and seq never takes a value twice: so what a read learns of the
 * page at one seq (fresh, which counters, their kinds and sums, where
 * their records are, that those lie within the mapping) holds for every
 * read that finds the same seq.  The owner writes it down as a plan
 * (struct pc_plan), and its reads until the page changes check seq against
 * it before and after, and otherwise only compute:
 * a sum, a sum and the time stamp, or a sum and a hardware counter, whose
 * record perf rewrites at any interrupt and is read by its own lock as
 * ever.  seq changes at every switch of the thread onto a CPU, so the
 * first read after one makes the plan again (pc_read_slow()).
 *
 * The plan is the owner's alone, but the owner may make one in a signal
 * handler while its interrupted code makes or reads one.  It is marked
 * unusable before it changes and given its seq after, and a maker gives
 * the seq only after checking that the page still has it: the handler
 * runs to the end before the interrupted code goes on, so a plan labelled
 * with a seq either was made at that seq throughout or, if the
 * interrupted maker finished what the handler had made, was made at a seq
 * the page has since left, and never has again.  A reader that finds its
 * plan remade under it sees the page's seq change, or finds it equal to
 * the seq both plans were made at.
 */

_Static_assert(offsetof(struct perf_event_mmap_page, lock) == PC_PLAN_PERF &&
	       PERFCTR_RECORD_SIZE % (2 * PC_PLAN_PERF) == 0 &&
	       PERFCTR_MAX_COUNTERS < PC_PLAN_PERF << (8 * sizeof(uintptr_t) -
						       PC_PLAN_CLOCK_SHIFT - 4),
	       "a record's lock word has bit 3 of its address set, and only it");

/* Counter @c's line of a plan; -1 if a plan cannot give it. */
static int pc_plan_counter(const struct perfctr_page_counter *c,
			   const struct perfctr_page *pg, size_t map_size,
			   struct pc_plan_counter *e)
{
	uint64_t flags = pc_load(&c->flags);
	const struct perf_event_mmap_page *rec;

	e->base = pc_load(&c->sum);
	e->src = 0;
	if (flags == PERFCTR_COUNTER_EXACT)
		return 0;
	if (flags == (PERFCTR_COUNTER_EXACT | PERFCTR_COUNTER_TSC) &&
	    PC_HAVE_TSC) {
		e->base -= pc_load(&c->start);
		e->src = PC_PLAN_TSC;
		return 0;
	}
	if (flags == (PERFCTR_COUNTER_EXACT | PERFCTR_COUNTER_CLOCK) &&
	    PC_HAVE_TSC && pc_load(&c->time_shift) < 64) {
		e->src = (uintptr_t)(c - pg->counter) << PC_PLAN_CLOCK_SHIFT |
			 PC_PLAN_CLOCK;
		return 0;
	}
	if (flags == PERFCTR_COUNTER_PERF) {
		rec = pc_page_record(pg, pc_load(&c->start), map_size);
		if (!rec)
			return -1;
		e->src = (uintptr_t)&rec->lock;
		return 0;
	}
	return -1;	/* not exact: read(2); or a kind this reader skips */
}

/*
 * pc_plan_make() - write down how to read the owner's page at its seq
 * @pc: the handle, whose owner the caller is
 * @pg: its page
 *
 * By the reader's protocol: the page as one update, fresh, not an exited
 * thread's.  Return: 0, or -1 if the page cannot serve reads as it is
 * (the caller reads it the general way, or uses read(2)); the plan is then
 * unusable.
 */
int pc_plan_make(struct perfctr *pc, const struct perfctr_page *pg)
{
	struct pc_plan *p = &pc->plan;
	uint64_t seq, nr, applied, flags;
	unsigned int i;
	bool now;

	pc_plan_drop(pc);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	for (;;) {
		seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			pc_cpu_relax();
			continue;
		}
		applied = pc_load(&pg->applied);
		flags = pc_load(&pg->flags);
		if (pc_load(&pg->requested) != applied ||
		    (flags & (PERFCTR_PAGE_EXITED | PERFCTR_PAGE_REQUEST_SEQ)) !=
		    PERFCTR_PAGE_REQUEST_SEQ)
			return -1;
		nr = pc_load(&pg->nr);
		/* no counters: the general read, which the fast path need not test */
		if (!nr || nr > PERFCTR_MAX_COUNTERS)
			return -1;
		now = false;
		for (i = 0; i < nr; i++) {
			if (pc_plan_counter(&pg->counter[i], pg, pc->map_size,
					    &p->c[i]))
				return -1;
			now |= (p->c[i].src & (PC_PLAN_TSC | PC_PLAN_CLOCK)) != 0;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (pc_load(&pg->requested) != applied)
			return -1;
		if (pc_load(&pg->seq) == seq)
			break;
	}
	p->nr = nr | (now ? PC_PLAN_NOW : 0);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&p->seq, seq, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Field @f of perf's record whose lock word is at @lockp, loaded once,
 * addressed from the lock word: one load with an offset, where a pointer
 * to the record's start would cost an instruction to compute.  @qual is
 * volatile, or empty for a field the compiler may load as it likes
 * between the lock word's two loads, which the acquires order: pmc_width,
 * whose zero extension gcc then folds into the load.
 */
#define PC_RECORD_FIELD(lockp, f, qual)					\
	(*(const qual __typeof__(((struct perf_event_mmap_page *)0)->f) *) \
	 ((const char *)(lockp) + offsetof(struct perf_event_mmap_page, f) - \
	  offsetof(struct perf_event_mmap_page, lock)))
#define PC_RECORD(lockp, f)	PC_RECORD_FIELD(lockp, f, volatile)

/* The capabilities bit of cap_user_rdpmc, a bit-field of the record. */
static const struct perf_event_mmap_page pc_cap_user_rdpmc = {
	.cap_user_rdpmc = 1,
};

/*
 * A hardware counter by perf's record whose lock word is at @lockp (its
 * lock, index, offset and width, and the register), added to @v; -1 if it
 * is not readable now, 1 if perf rewrote the record meanwhile.  A width
 * outside 1 to 64, which perf never gives, is taken as 64.
 */
static inline __attribute__((always_inline)) int
pc_plan_record_read(const uint32_t *lockp, uint64_t *v)
{
	uint64_t raw;
	uint32_t lock, index;

	lock = __atomic_load_n(lockp, __ATOMIC_ACQUIRE);
	index = PC_RECORD(lockp, index);
	if (!(PC_RECORD(lockp, capabilities) & pc_cap_user_rdpmc.capabilities) ||
	    pc_pmu_read(index, &raw))
		return -1;
	*v += PC_RECORD(lockp, offset) +
	      pc_sign_extend(raw, PC_RECORD_FIELD(lockp, pmc_width, ));
	/* the loads above complete before the lock is read again */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return PC_RECORD(lockp, lock) != lock;
}

/*
 * The values by the plan @p, labelled @seq, of its @nr counters: the
 * number of counters; -1 if the page cannot serve the read (use read(2));
 * -3 if the page or a record changed during the read (make the plan again,
 * or read again).  @timed: some counter needs the time stamp; without it,
 * every counter is a plain sum or a hardware counter.  A plan has at least
 * one counter (pc_plan_make()).
 */
static inline __attribute__((always_inline)) int
pc_plan_walk(const struct pc_plan *p, const __u64 *seqp, uint64_t seq,
	     uint64_t *counts, unsigned int nr, bool timed)
{
	const struct perfctr_page *pg = (const void *)((const char *)seqp -
				offsetof(struct perfctr_page, seq));
	const struct pc_plan_counter *e, *end = p->c + nr;
	const struct perfctr_page_counter *c;
	uint64_t v, now = 0;
	uintptr_t src;
	int ret;

	if (PC_HAVE_TSC && timed)
		now = pc_rdtsc_ordered();
	e = p->c;
	do {
		v = e->base;
		src = e->src;
		if (src & PC_PLAN_PERF) {
			ret = pc_plan_record_read((const uint32_t *)src, &v);
			if (ret)
				return ret < 0 ? -1 : -3;
		} else if (timed && src & PC_PLAN_TSC) {
			v += now;
		} else if (timed && src & PC_PLAN_CLOCK) {
			c = &pg->counter[src >> PC_PLAN_CLOCK_SHIFT];
			v += pc_mul_u64_u32_shr((now - pc_load(&c->time_cycles)) &
						pc_load(&c->time_mask),
						(uint32_t)pc_load(&c->time_mult),
						pc_load(&c->time_shift) & 63);
		}
		*counts++ = v;
	} while (++e < end);
	/* the loads above complete before seq is read again */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (pc_load(seqp) != seq)
		return -3;
	return nr;
}

/*
 * The read with the plan: the number of counters; -1 if the page cannot
 * serve it (use read(2)); -2 if @n is smaller than the number of
 * counters; -3 if the plan is not the page's now, or the page or a record
 * changed during the read (make the plan again, or read again).  Inlined
 * into perfctr_read(), whose checks come first.  A plan whose counters
 * are all plain sums and hardware counters, which fit in @counts, passes
 * one comparison; one that needs the time stamp a second.
 */
static inline __attribute__((always_inline)) int
pc_plan_use(struct perfctr *pc, const __u64 *seqp, uint64_t *counts,
	    unsigned int n)
{
	const struct pc_plan *p = &pc->plan;
	uint64_t seq, nr;

	seq = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
	/* volatile, not a relaxed atomic: one load with an offset on arm64 */
	if (seq != *(const volatile uint64_t *)&p->seq)
		return -3;
	nr = p->nr;
	if (nr <= n) {
		/* as pc_plan_make() made it: 1 to what the page can hold */
		if (!nr || nr > PERFCTR_MAX_COUNTERS)
			__builtin_unreachable();
		return pc_plan_walk(p, seqp, seq, counts, nr, false);
	}
	if (!(nr & PC_PLAN_NOW) || (unsigned int)nr > n)
		return -2;
	nr = (unsigned int)nr;
	if (!nr || nr > PERFCTR_MAX_COUNTERS)
		__builtin_unreachable();
	return pc_plan_walk(p, seqp, seq, counts, nr, true);
}

/* pc_plan_use() for pc_read_slow(), which found @pg the caller's own. */
int pc_plan_read(struct perfctr *pc, const struct perfctr_page *pg,
		 uint64_t *counts, unsigned int n)
{
	return pc_plan_use(pc, &pg->seq, counts, n);
}

/*
 * perfctr_read()'s fast path: the owner of a bound handle, with a plan of
 * its page at the page's seq, reads it; everything else goes to
 * pc_read_slow() (read.c), which checks again the way every entry point
 * does, makes the plan, and otherwise reads the page the general way or
 * uses read(2).  The checks are those of pc_enter(), pc_own_page() and the
 * buffer's, in the order that touches the page last; a caller that fails
 * one is sent on to the same checks, which then decide.
 */
PC_EXPORT int perfctr_read(struct perfctr *pc, uint64_t *counts,
			   unsigned int n)
{
	const __u64 *seqp;
	int ret;

	if (__builtin_expect(!pc || !counts ||
	    __atomic_load_n(pc->canary, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&pc->gen, __ATOMIC_ACQUIRE) ||
	    pc->owner != pc_self(), 0))
		goto slow;
	/* the page's seq, or pc_no_seq: never NULL */
	seqp = *(const __u64 *const volatile *)&pc->seq;
	if (pc_load(seqp + PC_PAGE_SEQ_TID) != (uint64_t)pc_self_tid)
		goto slow;
	ret = pc_plan_use(pc, seqp, counts, n);
	if (__builtin_expect(ret >= 0, 1))
		return ret;
slow:
	return pc_read_slow(pc, counts, n);
}
