// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the tsc counter, driven by the context-switch hook
 *
 * get_cycles() is the time-stamp counter on x86.  The hook runs once per
 * switch with the runqueue lock held and interrupts off; it reads the
 * counter once for both tasks and takes no lock.  See struct pc_tsc for
 * who writes what.
 */
#include <linux/irqflags.h>
#include <linux/perfctr.h>
#include <linux/sched.h>
#include <linux/timex.h>

#include "page.h"
#include "task.h"
#include "tsc.h"

/* A state nobody else can see yet: a child's, at fork. */
void pc_tsc_init(struct pc_tsc *tsc, bool on)
{
	seqcount_init(&tsc->seq);
	tsc->sum = 0;
	tsc->start = 0;
	tsc->running = false;
	tsc->on = on;
	tsc->applied = 0;
	tsc->requested = 0;
	tsc->want = on;
}

/* Restart the count as the last request says.  Owner, interrupts off. */
static void pc_tsc_restart(struct pc_tsc *tsc, unsigned int requested)
{
	tsc->on = READ_ONCE(tsc->want);
	tsc->sum = 0;
	tsc->running = false;
	tsc->applied = requested;
}

/*
 * The owner's side of a context switch: apply a pending request, then
 * account a switch away from the CPU (@in false) or onto it (@in true) at
 * @now.  Interrupts off.
 */
static __always_inline void pc_tsc_switch(struct pc_tsc *tsc, bool in,
					  u64 now)
{
	/* pairs with smp_store_release() in pc_tsc_program() */
	unsigned int requested = smp_load_acquire(&tsc->requested);

	if (!tsc->on && !tsc->running && requested == tsc->applied)
		return;
	raw_write_seqcount_begin(&tsc->seq);
	if (requested != tsc->applied)
		pc_tsc_restart(tsc, requested);
	if (in && tsc->on) {
		tsc->start = now;
		tsc->running = true;
	} else if (!in && tsc->running) {
		tsc->sum += now - tsc->start;
		tsc->running = false;
	}
	raw_write_seqcount_end(&tsc->seq);
}

/**
 * pc_tsc_program() - restart a task's tsc count, on or off
 * @task: the task that owns @tsc
 * @tsc: its tsc counter
 * @on: whether it counts tsc from now on
 *
 * Context: the owning state's mutex held.  For current, the count restarts
 * at once; for another task, at its next switch onto a CPU.
 */
void pc_tsc_program(struct task_struct *task, struct pc_tsc *tsc, bool on)
{
	unsigned long flags;

	WRITE_ONCE(tsc->want, on);
	/* pairs with smp_load_acquire() in pc_tsc_switch() */
	smp_store_release(&tsc->requested, tsc->requested + 1);
	if (task != current)
		return;
	/* current cannot switch with interrupts off: it is the only writer */
	local_irq_save(flags);
	raw_write_seqcount_begin(&tsc->seq);
	pc_tsc_restart(tsc, tsc->requested);
	if (tsc->on) {
		tsc->start = get_cycles();
		tsc->running = true;
	}
	raw_write_seqcount_end(&tsc->seq);
	local_irq_restore(flags);
}

/*
 * Apply a restart another task asked for now rather than at the next
 * switch: the owner (current), interrupts off.
 */
void pc_tsc_sync(struct pc_tsc *tsc)
{
	/* pairs with smp_store_release() in pc_tsc_program() */
	unsigned int requested = smp_load_acquire(&tsc->requested);

	if (requested == tsc->applied)
		return;
	raw_write_seqcount_begin(&tsc->seq);
	pc_tsc_restart(tsc, requested);
	if (tsc->on) {
		tsc->start = get_cycles();
		tsc->running = true;
	}
	raw_write_seqcount_end(&tsc->seq);
}

/*
 * Any context.  A reader on another CPU than the task's compares its own
 * counter with a start taken on the task's CPU: where the two counters are
 * not synchronised, the reader's may lag by a few cycles, and the running
 * slice then counts as nothing rather than wrapping to about 2^64.  As
 * task-clock's base, the count is never below what the finished slices
 * add up to.
 */
u64 pc_tsc_read(struct pc_tsc *tsc)
{
	unsigned int seq;
	u64 count;
	s64 slice;

	do {
		seq = raw_read_seqcount_begin(&tsc->seq);
		count = tsc->sum;
		if (READ_ONCE(tsc->requested) != tsc->applied) {
			count = 0;	/* restarts at the next switch */
		} else if (tsc->running) {
			slice = get_cycles() - tsc->start;
			count += max(slice, 0LL);
		}
	} while (read_seqcount_retry(&tsc->seq, seq));
	return count;
}

/*
 * An exited task's state may be released by its parent, on another CPU,
 * while the task makes its last switches: as the kernel's test before the
 * call (perfctr_switch_counts()), this leaves out a task with an
 * exit_state.
 */
void pc_sched_switch(struct task_struct *prev, struct task_struct *next)
{
	struct perfctr_task *out = pc_task_state(prev);
	struct perfctr_task *in = pc_task_state(next);
	u64 now = get_cycles();
	struct pc_page *pg;

	if (out && unlikely(READ_ONCE(prev->exit_state)))
		out = NULL;
	if (in && unlikely(READ_ONCE(next->exit_state)))
		in = NULL;

	if (out)
		pc_tsc_switch(&out->tsc, false, now);
	if (in) {
		in->own_clock.valid = false;
		pc_tsc_switch(&in->tsc, true, now);
		pg = READ_ONCE(in->page);
		if (pg)
			pc_page_switch_in(next, in, pg);
	}
}
