/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: stock mode, where the module keeps a task's state itself
 */
#ifndef _PERFCTR_STOCK_STATE_H
#define _PERFCTR_STOCK_STATE_H

#include <linux/preempt.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

struct perfctr_task;
struct task_struct;

/**
 * struct pc_stock - what stock mode adds to a state (perfctr_task::stock)
 * @node: the state's entry in the table of states (stock-state.c), from
 *	pc_task_publish() or pc_kernel_attach() to pc_task_unpublish()
 * @task: the task it is the state of, the table's key; set before the
 *	state enters the table and left as it is after
 * @notifier: the task's context-switch notifier, which stands in for the
 *	patched kernel's switch hook; registered by the task itself, in its
 *	start work, and unregistered by it in its exit work
 * @start: the start work (stock-hooks.c), queued at fork or when another
 *	task attaches the state, run by the task before it next runs in user
 *	mode
 * @exit: the exit work, queued at the exit tracepoint and run by the task
 *	in exit_task_work(), before anything can release it
 * @seal: the seal work, queued at the exec tracepoint of an exec that
 *	raised the task's privilege, run before the new program's first
 *	user-mode instruction
 * @notifying: @notifier is registered; the task's own context only
 *
 * The table's lock is the rhashtable's; lookups are under RCU.  The rules
 * of struct perfctr_task hold as on a patched kernel: a state is in the
 * table from attach to release, where the reap probe takes it out.
 */
struct pc_stock {
	struct rhash_head node;
	struct task_struct *task;
	struct preempt_notifier notifier;
	struct callback_head start;
	struct callback_head exit;
	struct callback_head seal;
	bool notifying;
};

int pc_stock_state_init(void);
void pc_stock_state_exit(void);
void pc_stock_attached(struct task_struct *task, struct perfctr_task *st);
int pc_sysctl_int(const char *path, int fallback);

#endif /* _PERFCTR_STOCK_STATE_H */
