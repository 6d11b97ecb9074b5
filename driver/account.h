/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: counters read from the task's own accounting
 */
#ifndef _PERFCTR_ACCOUNT_H
#define _PERFCTR_ACCOUNT_H

#include <linux/types.h>

/**
 * enum pc_account - a figure the kernel keeps in every task_struct
 * @PC_ACCT_MIN_FLT: minor faults (->min_flt), getrusage()'s ru_minflt
 * @PC_ACCT_MAJ_FLT: major faults (->maj_flt), ru_majflt
 * @PC_ACCT_SWITCHES: context switches away from the task (->nvcsw +
 *	->nivcsw), ru_nvcsw + ru_nivcsw
 * @PC_ACCT_VOLUNTARY: voluntary context switches (->nvcsw), ru_nvcsw
 * @PC_ACCT_INVOLUNTARY: involuntary context switches (->nivcsw), ru_nivcsw
 * @PC_ACCT_MIGRATIONS: moves to another CPU (->se.nr_migrations)
 * @PC_ACCT_RUNTIME: nanoseconds on a CPU (the scheduler's
 *	->se.sum_exec_runtime, brought up to date for a running task)
 *
 * The kernel updates them whether anyone counts or not, so counting them
 * costs nothing at fork, context switch or fault: a counter is the figure
 * now minus the figure when counting started.  All of them start at zero
 * in a new task (copy_mm() and __sched_fork()).
 */
enum pc_account {
	PC_ACCT_MIN_FLT,
	PC_ACCT_MAJ_FLT,
	PC_ACCT_SWITCHES,
	PC_ACCT_VOLUNTARY,
	PC_ACCT_INVOLUNTARY,
	PC_ACCT_MIGRATIONS,
	PC_ACCT_RUNTIME,
};

/*
 * The rest is the kernel's; control.c, built for user space too, needs
 * the enum.
 */
#ifdef __KERNEL__
#include <linux/compiler.h>
#include "kernel.h"
#include <linux/sched.h>

/**
 * struct pc_own_clock - a thread's task clock as a function of the TSC, for
 *	its own reads
 * @clk: from pc_current_clock(), taken at the thread's first read of
 *	its own task-clock since it last came onto a CPU
 * @valid: @clk holds while the thread stays on that CPU; the context-switch
 *	hook clears it as the thread comes onto a CPU.
 *
 * Only the thread itself, with preemption off, and the switch hook, while
 * the thread is not running, touch it: it needs no lock.
 */
struct pc_own_clock {
	struct perfctr_clock clk;
	bool valid;
};

/**
 * struct pc_switches - one reading of a task's switch figures
 * @nv: ->nvcsw
 * @niv: ->nivcsw
 *
 * context-switches, voluntary-switches and involuntary-switches of one
 * read (or one base) all come from one such reading, so that the first is
 * always exactly the sum of the other two, even when the task switches
 * between the loads.
 */
struct pc_switches {
	unsigned long nv;
	unsigned long niv;
};

static inline void pc_switches_read(struct task_struct *task,
				    struct pc_switches *sw)
{
	sw->nv = READ_ONCE(task->nvcsw);
	sw->niv = READ_ONCE(task->nivcsw);
}

/*
 * @task's figure now; the switch figures from @sw, read by the caller.
 * Any context but the runqueue lock's (task-clock takes it).  The plain
 * increments of the figures race with these reads by design; READ_ONCE()
 * only keeps each read whole.  Inline: a read of four counts is a few
 * hundred instructions, and calls were a tenth of it.
 */
static inline u64 pc_account_read(struct task_struct *task,
				  enum pc_account item,
				  const struct pc_switches *sw)
{
	switch (item) {
	case PC_ACCT_MIN_FLT:
		return READ_ONCE(task->min_flt);
	case PC_ACCT_MAJ_FLT:
		return READ_ONCE(task->maj_flt);
	case PC_ACCT_SWITCHES:
		return sw->nv + sw->niv;
	case PC_ACCT_VOLUNTARY:
		return sw->nv;
	case PC_ACCT_INVOLUNTARY:
		return sw->niv;
	case PC_ACCT_MIGRATIONS:
		return READ_ONCE(task->se.nr_migrations);
	case PC_ACCT_RUNTIME:
		return pc_task_runtime(task);
	}
	return 0;
}

u64 pc_own_runtime(struct pc_own_clock *oc);
#endif /* __KERNEL__ */

#endif /* _PERFCTR_ACCOUNT_H */
