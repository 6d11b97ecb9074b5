/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the tsc counter
 */
#ifndef _PERFCTR_TSC_H
#define _PERFCTR_TSC_H

#include <linux/seqlock.h>
#include <linux/types.h>

#include "kernel.h"

struct perfctr_task;
struct task_struct;

/**
 * struct pc_tsc - time-stamp-counter ticks accumulated while a task runs
 * @seq: makes @sum, @start, @running and @applied one snapshot for readers
 * @sum: ticks of the finished time slices since counting started
 * @start: the counter when the current time slice began, if @running
 * @cpu: the CPU that slice runs on, whose counter @start was read from
 * @running: counting, with the task on a CPU
 * @on: the task counts tsc, as last applied
 * @applied: the last @requested that was applied
 * @requested: bumped by pc_tsc_program() for another task, after @want
 * @want: whether that task is to count tsc
 *
 * One writer: the task's own context.  Its switch hook (interrupts off)
 * moves the count forward and applies a new @requested at the task's next
 * switch: it restarts the count from zero with @want as @on.  The task
 * itself, with interrupts off, applies its own programming at once; its
 * exit hook takes the final count (after which the accumulator runs on,
 * unread).  No lock is taken at a context switch.
 *
 * Programmers hold the owning perfctr_task::mutex, which serialises
 * @requested and @want; they only write those two.  Readers anywhere use
 * @seq: a count whose @requested is not applied yet reads 0, so a task
 * programmed by another task counts tsc from its next switch onto a CPU.
 * The running slice is only measured on @cpu: the time-stamp counters of
 * two CPUs need not agree, and a count extrapolated with another CPU's
 * counter could exceed what the slice adds when it ends, and go back.
 */
struct pc_tsc {
	seqcount_t seq;
	u64 sum;
	u64 start;
	int cpu;
	bool running;
	bool on;
	unsigned int applied;
	unsigned int requested;
	bool want;
};

void pc_tsc_init(struct pc_tsc *tsc, bool on);
void pc_tsc_program(struct task_struct *task, struct pc_tsc *tsc, bool on);
void pc_tsc_sync(struct pc_tsc *tsc);
u64 pc_tsc_read(struct pc_tsc *tsc);
bool pc_tsc_user_readable(struct task_struct *task);
#if PC_STOCK
void pc_switch_out(struct perfctr_task *st, u64 now);
void pc_switch_in(struct task_struct *task, struct perfctr_task *st, u64 now);
#else
void pc_sched_switch(struct task_struct *prev, struct task_struct *next);
#endif

#endif /* _PERFCTR_TSC_H */
