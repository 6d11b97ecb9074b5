/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the tsc counter
 */
#ifndef _PERFCTR_TSC_H
#define _PERFCTR_TSC_H

#include <linux/types.h>

struct task_struct;

/**
 * struct pc_tsc - time-stamp-counter ticks accumulated while a task runs
 * @sum: ticks of the task's finished time slices
 * @start: the counter when the current time slice began, if @running
 * @on: the control counts tsc
 * @running: the task is on a CPU and @start is valid
 *
 * Protected by the owning perfctr_task::lock.  Only the context-switch hooks
 * move it forward: a task programmed by another task starts counting tsc at
 * its next switch in, a task programming itself at once.
 */
struct pc_tsc {
	u64 sum;
	u64 start;
	bool on;
	bool running;
};

void pc_tsc_reset(struct pc_tsc *tsc, bool on, bool running);
u64 pc_tsc_read(const struct pc_tsc *tsc);
void pc_sched_out(struct task_struct *tsk);
void pc_sched_in(struct task_struct *tsk);

#endif /* _PERFCTR_TSC_H */
