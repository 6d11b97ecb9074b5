// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the tsc counter, driven by the context-switch hooks
 *
 * get_cycles() is the time-stamp counter on x86.  The hooks run with the
 * runqueue lock held and interrupts off, so they only take the state's raw
 * spinlock, and only for a task whose control counts tsc.
 */
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timex.h>

#include "task.h"
#include "tsc.h"

/* Caller holds the state's lock with interrupts off. */
void pc_tsc_reset(struct pc_tsc *tsc, bool on, bool running)
{
	tsc->sum = 0;
	WRITE_ONCE(tsc->on, on);
	tsc->running = on && running;
	tsc->start = tsc->running ? get_cycles() : 0;
}

/* Caller holds the state's lock with interrupts off. */
u64 pc_tsc_read(const struct pc_tsc *tsc)
{
	if (!tsc->running)
		return tsc->sum;
	return tsc->sum + (get_cycles() - tsc->start);
}

void pc_sched_out(struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);

	if (!READ_ONCE(st->tsc.on))
		return;
	raw_spin_lock(&st->lock);
	if (st->tsc.running) {
		st->tsc.sum += get_cycles() - st->tsc.start;
		st->tsc.running = false;
	}
	raw_spin_unlock(&st->lock);
}

void pc_sched_in(struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);

	if (!READ_ONCE(st->tsc.on))
		return;
	raw_spin_lock(&st->lock);
	if (st->tsc.on) {
		st->tsc.start = get_cycles();
		st->tsc.running = true;
	}
	raw_spin_unlock(&st->lock);
}
