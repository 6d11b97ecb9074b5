// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: per-task performance counters with inheritance, stock mode
 *
 * The module built against a kernel without the perfctr series: its own
 * table of states, its own hooks and its own filesystem (kernel.h).  Every
 * per-task state pins the module, so it can only be unloaded once no task
 * has one.
 */
#include <linux/module.h>

#include "stock-fs.h"
#include "stock-hooks.h"
#include "stock-state.h"
#include "task.h"

static int __init pc_stock_init(void)
{
	int err = pc_task_init();

	if (err)
		return err;
	err = pc_stock_state_init();
	if (err)
		goto task;
	err = pc_stock_hook();
	if (err)
		goto state;
	err = pc_stock_fs_init();
	if (err)
		goto hooks;
	pr_info("perfctr: stock mode, files at /sys/fs/perfctr (mount -t perfctr none /sys/fs/perfctr)\n");
	return 0;
hooks:
	pc_stock_unhook();
state:
	pc_stock_state_exit();
task:
	pc_task_exit();
	return err;
}

static void __exit pc_stock_exit_module(void)
{
	pc_stock_fs_exit();
	pc_stock_unhook();
	pc_stock_state_exit();
	pc_task_exit();
}

module_init(pc_stock_init);
module_exit(pc_stock_exit_module);

MODULE_DESCRIPTION("Per-task performance counters with inheritance (stock kernel)");
MODULE_LICENSE("GPL");
