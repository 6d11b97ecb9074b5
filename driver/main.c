// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: per-task performance counters with inheritance
 *
 * Registers the behaviour behind the kernel's perfctr hooks.  Every per-task
 * state pins this module, so it can only be unloaded once no task has one.
 */
#include <linux/module.h>
#include <linux/perfctr.h>

#include "exits.h"
#include "inherit.h"
#include "page.h"
#include "records.h"
#include "procfs.h"
#include "task.h"
#include "tsc.h"

static const struct perfctr_ops pc_ops = {
	.owner		= THIS_MODULE,
	.fork		= pc_fork,
	.fork_abort	= pc_fork_abort,
	.exit_events	= pc_exit_events,
	.exit		= pc_exit,
	.secure_exec	= pc_secure_exec,
	.release	= pc_release,
	.released	= pc_released,
	.sched_switch	= pc_sched_switch,
	.fault		= pc_fault,
	.counter_read_trapped = pc_counter_read_trapped,
	.show		= pc_show,
	.read		= pc_read,
	.write_control	= pc_write_control,
	.write_max	= PERFCTR_CONTROL_MAX,
	.open_page	= pc_open_page,
	.mmap_page	= pc_mmap_page,
	.open_exits	= pc_open_exits,
};

static int __init pc_init(void)
{
	int err = pc_task_init();

	if (err)
		return err;
	err = perfctr_register(&pc_ops);
	if (err)
		pc_task_exit();
	return err;
}

static void __exit pc_exit_module(void)
{
	perfctr_unregister(&pc_ops);
	pc_task_exit();
}

module_init(pc_init);
module_exit(pc_exit_module);

MODULE_DESCRIPTION("Per-task performance counters with inheritance");
MODULE_LICENSE("GPL");
