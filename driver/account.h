/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: counters read from the task's own accounting
 */
#ifndef _PERFCTR_ACCOUNT_H
#define _PERFCTR_ACCOUNT_H

#include <linux/types.h>

struct task_struct;

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

u64 pc_account_read(struct task_struct *task, enum pc_account item);

#endif /* _PERFCTR_ACCOUNT_H */
