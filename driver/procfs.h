/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the files of /proc/<pid>/perfctr/
 */
#ifndef _PERFCTR_PROCFS_H
#define _PERFCTR_PROCFS_H

#include "kernel.h"
#include <linux/types.h>

int pc_show(struct seq_file *m, struct task_struct *task,
	    enum perfctr_file file);
ssize_t pc_read(struct task_struct *task, enum perfctr_file file, char *buf,
		size_t size);
char *pc_put_u64(char *p, u64 v);
char *pc_put_count(char *p, u64 v);
ssize_t pc_write_control(struct task_struct *task, const char *text,
			 size_t count, loff_t *ppos);

#endif /* _PERFCTR_PROCFS_H */
