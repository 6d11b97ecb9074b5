/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the task life-cycle hooks
 */
#ifndef _PERFCTR_INHERIT_H
#define _PERFCTR_INHERIT_H

#include <linux/types.h>

struct perfctr_task;
struct task_struct;

void pc_fork(struct task_struct *child, u64 clone_flags);
struct perfctr_task *pc_fork_from(struct perfctr_task *parent,
				  struct task_struct *child, u64 clone_flags);
void pc_fork_abort(struct task_struct *child);
void pc_fork_failed(struct task_struct *child, struct perfctr_task *st);
void pc_exit_events(struct task_struct *tsk);
void pc_exit(struct task_struct *tsk);
void pc_secure_exec(struct task_struct *tsk);
void pc_release(struct task_struct *tsk);
void pc_release_state(struct task_struct *tsk, struct perfctr_task *st);
void pc_released(struct task_struct *tsk);
void pc_released_state(struct task_struct *tsk, struct perfctr_task *st);

#endif /* _PERFCTR_INHERIT_H */
