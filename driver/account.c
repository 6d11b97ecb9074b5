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
#include "kernel.h"
#include <linux/sched.h>
#include <linux/timex.h>

#include "account.h"

/**
 * pc_own_runtime() - current's task-clock, for a read of its own counts
 * @oc: current's own clock
 *
 * Where the kernel's task clock is a scaling of the TSC (as for the counter
 * page), this is that scaling of get_cycles(): what task_sched_runtime()
 * would give, without its runqueue lock, the task's pi_lock and
 * update_curr(), which were most of what a read of one's own counts cost.
 * The scaling is taken once per stay on a CPU.
 *
 * Return: the nanoseconds current has spent on a CPU.
 */
u64 pc_own_runtime(struct pc_own_clock *oc)
{
	unsigned long flags;
	u64 runtime = 0;
	bool tsc;

	local_irq_save(flags);
	if (!oc->valid)
		oc->valid = pc_current_clock(&oc->clk);
	tsc = oc->valid;
	if (tsc)
		runtime = oc->clk.base +
			  mul_u64_u32_shr((get_cycles() - oc->clk.cycles) &
					  oc->clk.mask, oc->clk.mult,
					  oc->clk.shift);
	local_irq_restore(flags);
	return tsc ? runtime : pc_task_runtime(current);
}
