/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the exits file, the final counts of every task under a control
 */
#ifndef _PERFCTR_EXITS_H
#define _PERFCTR_EXITS_H

#include <linux/types.h>

struct file;
struct pc_control;
struct pc_exits;
struct perfctr_task;
struct task_struct;

int pc_open_exits(struct task_struct *task, struct file *file);
void pc_exits_record(struct task_struct *tsk, struct perfctr_task *st,
		     const struct pc_control *ctl, const u64 *self,
		     const u64 *children, struct task_struct *into,
		     u64 into_serial);
void pc_exits_end(struct pc_exits *ex);
void pc_exits_wake(struct pc_exits *ex);

#endif /* _PERFCTR_EXITS_H */
