/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: what the module needs from the kernel, on either way into it
 *
 * The module runs on a kernel with the perfctr hooks (kernel/series,
 * CONFIG_PERFCTR=y), where the kernel keeps the state pointer in
 * task_struct::perfctr, calls the module at fork, exit, release and
 * context switch, and serves /proc/<pid>/perfctr/; or, in stock mode, on an
 * unpatched kernel, where the module keeps the states in a table of its own
 * (stock-state.c), hooks the kernel through tracepoints, a kprobe and
 * preempt notifiers (stock-hooks.c) and serves its files from a filesystem
 * of its own at /sys/fs/perfctr (stock-fs.c).  Everything that counts,
 * inherits, merges, formats and parses is shared; it reaches the kernel
 * only through this header.  Documentation/perfctr-stock.rst says what
 * differs between the two.
 */
#ifndef _PERFCTR_KERNEL_H
#define _PERFCTR_KERNEL_H

#include <linux/sched.h>
#include <linux/types.h>

struct file;
struct perfctr_task;
struct pid_namespace;

#ifdef CONFIG_PERFCTR

#include <linux/fs.h>
#include <linux/perfctr.h>
#include <linux/proc_fs.h>

#define PC_STOCK	0

/* The pid namespace the names of an open perfctr file are in. */
static inline struct pid_namespace *pc_file_pid_ns(const struct file *file)
{
	return proc_pid_ns(file_inode(file)->i_sb);
}

/* The state of current, or of a task that cannot be released meanwhile. */
static inline struct perfctr_task *pc_task_state(struct task_struct *task)
{
	return READ_ONCE(task->perfctr);
}

/* A new child's state, before the child can run (the fork hook). */
static inline int pc_task_publish(struct task_struct *child,
				  struct perfctr_task *st)
{
	WRITE_ONCE(child->perfctr, st);
	return 0;
}

/* A released task, or a child whose fork failed, lets go of its state @st. */
static inline void pc_task_unpublish(struct task_struct *task,
				     struct perfctr_task *st)
{
	WRITE_ONCE(task->perfctr, NULL);
}

static inline int pc_kernel_attach(struct task_struct *task,
				   struct perfctr_task *st)
{
	return perfctr_attach(task, st);
}

static inline int pc_hooks_get(void)
{
	return perfctr_hooks_get();
}

static inline void pc_hooks_put(void)
{
	perfctr_hooks_put();
}

static inline u64 pc_next_id(void)
{
	return perfctr_next_id();
}

static inline int pc_may_count(bool kernel)
{
	return perfctr_may_count(kernel);
}

static inline u64 pc_task_runtime(struct task_struct *task)
{
	return perfctr_task_runtime(task);
}

static inline bool pc_current_clock(struct perfctr_clock *clk)
{
	return perfctr_current_clock(clk);
}

static inline bool pc_next_clock(struct task_struct *next,
				 struct perfctr_clock *clk)
{
	return perfctr_next_clock(next, clk);
}

#else /* stock mode */

#define PC_STOCK	1

/*
 * What <linux/perfctr.h> gives a patched kernel's module, for the code
 * both modes share: the read-only files and the room they are read into
 * (the same values, so that the formats cannot differ), and a clock's
 * conversion, which stock mode never has (pc_current_clock()).
 */
enum perfctr_file {
	PERFCTR_FILE_CONTROL,
	PERFCTR_FILE_ID,
	PERFCTR_FILE_COUNTS,
	PERFCTR_FILE_CHILDREN,
	PERFCTR_FILE_LOST,
};

#define PERFCTR_READ_MAX	1024

struct perfctr_clock {
	u64 base;
	u64 cycles;
	u64 mask;
	u32 mult;
	u32 shift;
};

struct perfctr_task *pc_task_state(struct task_struct *task);
struct pid_namespace *pc_file_pid_ns(const struct file *file);
int pc_task_publish(struct task_struct *child, struct perfctr_task *st);
void pc_task_unpublish(struct task_struct *task, struct perfctr_task *st);
int pc_kernel_attach(struct task_struct *task, struct perfctr_task *st);
u64 pc_next_id(void);
int pc_may_count(bool kernel);
u64 pc_task_runtime(struct task_struct *task);

/* The hooks are attached for as long as the module is loaded. */
static inline int pc_hooks_get(void)
{
	return 0;
}

static inline void pc_hooks_put(void)
{
}

/*
 * A stock kernel does not publish a running task's runtime as a clock: a
 * thread's own task-clock is read through pc_task_runtime(), and the page
 * never gives it exactly.
 */
static inline bool pc_current_clock(struct perfctr_clock *clk)
{
	return false;
}

static inline bool pc_next_clock(struct task_struct *next,
				 struct perfctr_clock *clk)
{
	return false;
}

#endif /* CONFIG_PERFCTR */

#endif /* _PERFCTR_KERNEL_H */
