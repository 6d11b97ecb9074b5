// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: counters read from the task's own accounting
 *
 * The fault and switch figures are incremented by the task itself, without
 * atomics; another task reads a value that was true an instant ago, as
 * getrusage() and /proc/<pid>/stat do.  Once the task has exited they no
 * longer move.
 */
#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/math64.h>
#include <linux/perfctr.h>
#include <linux/sched.h>
#include <linux/timex.h>

#include "account.h"

/*
 * current's task-clock.  Where the kernel's task clock is a scaling of the
 * TSC (perfctr_current_clock(), as for the counter page), it is that
 * scaling of get_cycles(): the same value task_sched_runtime() would give,
 * without its update_curr() and the task's pi_lock, which were most of
 * what a read of one's own counts cost.
 */
static u64 pc_current_runtime(void)
{
	struct perfctr_clock clk;
	unsigned long flags;
	u64 runtime;
	bool tsc;

	local_irq_save(flags);
	tsc = perfctr_current_clock(&clk);
	if (tsc)
		runtime = clk.base + mul_u64_u32_shr(get_cycles(), clk.mult,
						     clk.shift);
	local_irq_restore(flags);
	return tsc ? runtime : perfctr_task_runtime(current);
}

/*
 * Any context but the runqueue lock's (task-clock takes it).  The plain
 * increments of the figures race with these reads by design; READ_ONCE()
 * only keeps each read whole.
 */
u64 pc_account_read(struct task_struct *task, enum pc_account item)
{
	switch (item) {
	case PC_ACCT_MIN_FLT:
		return READ_ONCE(task->min_flt);
	case PC_ACCT_MAJ_FLT:
		return READ_ONCE(task->maj_flt);
	case PC_ACCT_SWITCHES:
		return READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw);
	case PC_ACCT_VOLUNTARY:
		return READ_ONCE(task->nvcsw);
	case PC_ACCT_INVOLUNTARY:
		return READ_ONCE(task->nivcsw);
	case PC_ACCT_MIGRATIONS:
		return READ_ONCE(task->se.nr_migrations);
	case PC_ACCT_RUNTIME:
		return task == current ? pc_current_runtime() :
					 perfctr_task_runtime(task);
	}
	return 0;
}
