// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: stock mode's table of task states, and what else a patched
 * kernel would give the module (kernel.h)
 *
 * A patched kernel keeps a task's state in task_struct::perfctr.  A stock
 * kernel has no such field, so states live in a hash table keyed by the
 * task_struct's address.  A state enters it at fork (from the fork
 * tracepoint, which cannot sleep) or when a task is first programmed, and
 * leaves it at release (the reap probe), or, should that probe have missed
 * the task, when the task_struct is freed (stock-hooks.c).  The address
 * cannot be reused in between.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/perf_event.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "kernel.h"
#include "task.h"

static struct rhashtable pc_states;

static const struct rhashtable_params pc_states_params = {
	.key_len		= sizeof(struct task_struct *),
	.key_offset		= offsetof(struct perfctr_task, stock.task),
	.head_offset		= offsetof(struct perfctr_task, stock.node),
	.automatic_shrinking	= true,
};

int pc_stock_state_init(void)
{
	return rhashtable_init(&pc_states, &pc_states_params);
}

/* Only once no state is left: each one pins the module. */
void pc_stock_state_exit(void)
{
	rhashtable_destroy(&pc_states);
}

/*
 * The state of current, or of a task that cannot be released meanwhile
 * (see struct perfctr_task); any context.  States are SLAB_TYPESAFE_BY_RCU:
 * a lookup that raced with a state's reuse compares the new key, and the
 * table restarts a walk that a moved entry led astray.
 *
 * While nobody counts, the hooks find the table empty and look no further:
 * every task that forks, exits or is reaped passes here.  An insertion
 * counts its entry after linking it, so a lookup that finds the count 0
 * is one that came before the insertion, as a lookup that missed the new
 * entry would be (pc_kernel_attach() inserts and counts under task_lock()).
 */
struct perfctr_task *pc_task_state(struct task_struct *task)
{
	struct perfctr_task *st;

	if (!atomic_read(&pc_states.nelems))
		return NULL;
	rcu_read_lock();
	st = rhashtable_lookup(&pc_states, &task, pc_states_params);
	rcu_read_unlock();
	return st;
}

/*
 * A new child's state, from the fork tracepoint: atomic context, so the
 * table may have no room (it grows from a worker).  Returns 0 or -ENOMEM;
 * the child then runs without counters.
 */
int pc_task_publish(struct task_struct *child, struct perfctr_task *st)
{
	st->stock.task = child;
	st->stock.notifying = false;
	return rhashtable_insert_fast(&pc_states, &st->stock.node,
				      pc_states_params) ? -ENOMEM : 0;
}

void pc_task_unpublish(struct task_struct *task, struct perfctr_task *st)
{
	rhashtable_remove_fast(&pc_states, &st->stock.node, pc_states_params);
}

/*
 * A running task's first state.  The exit tracepoint looks the task up
 * after exit_mm(), which takes task_lock() after PF_EXITING is set: so
 * either the state is in the table by then, or PF_EXITING is seen here.
 * Kernel threads never count.
 */
int pc_kernel_attach(struct task_struct *task, struct perfctr_task *st)
{
	int err;

	if (task->flags & PF_KTHREAD)
		return -EPERM;
	st->stock.task = task;
	st->stock.notifying = false;
	task_lock(task);
	if (task->flags & PF_EXITING)
		err = -ESRCH;
	else
		err = rhashtable_lookup_insert_fast(&pc_states, &st->stock.node,
						    pc_states_params);
	task_unlock(task);
	if (err == -EEXIST || err == -ESRCH)
		return err;
	if (err)
		return -ENOMEM;
	pc_stock_attached(task, st);
	return 0;
}

/*
 * Control ids: system-wide, strictly increasing, never 0, and never reused
 * while the system runs.  A patched kernel keeps the counter, so that ids
 * go on across a reload of the module; a module's own counter would start
 * again at 1.  So here an id is the boot-time clock in nanoseconds when it
 * is handed out, or one more than the last id if that is later (two in one
 * nanosecond): a reloaded module's first id is the clock then, above every
 * id handed out before, since each of those was at most the clock of its
 * own time, give or take the ids of one nanosecond.
 */
u64 pc_next_id(void)
{
	static atomic64_t pc_last_id = ATOMIC64_INIT(0);
	s64 now = ktime_get_boottime_ns();
	s64 last = atomic64_read(&pc_last_id), next;

	do {
		next = max(last + 1, now);
	} while (!atomic64_try_cmpxchg(&pc_last_id, &last, next));
	return next;
}

/**
 * pc_sysctl_int() - a sysctl the kernel does not export, as its file reads
 * @path: the file, under /proc/sys
 * @fallback: the value for a file that cannot be read: the strictest
 *
 * Read as the caller would read it, through its own root: a caller in a
 * mount namespace without /proc gets @fallback.  Process context.
 *
 * Return: the value.
 */
int pc_sysctl_int(const char *path, int fallback)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	char buf[16] = "";
	int value;
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return fallback;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0 || kstrtoint(strim(buf), 10, &value))
		return fallback;
	return value;
}

/*
 * Kernel counters bypass the checks of perf_event_open(2); apply them here,
 * against current's credentials, which during a write are the opener's
 * (stock-fs.c), as a patched kernel does: Debian's perf_event_paranoid
 * level 3 (no perf for unprivileged users; the variable is not exported,
 * its file is read, and level 3 assumed if it cannot be), and
 * perf_allow_kernel() for kernel-mode counting, which also asks the LSMs.
 * The LSM hook perf_event_open(2) calls for every event is not exported: a
 * user-mode event does not ask it.
 */
int pc_may_count(bool kernel)
{
	if (pc_sysctl_int("/proc/sys/kernel/perf_event_paranoid", 3) > 2 &&
	    !capable(CAP_SYS_ADMIN))
		return -EACCES;
	return kernel ? perf_allow_kernel() : 0;
}

/*
 * The scheduler's runtime of @task as of its last tick or switch: a stock
 * kernel does not export task_sched_runtime(), which adds the slice that a
 * running task is in.  A task that is not running, and one that exited,
 * read exactly.
 */
u64 pc_task_runtime(struct task_struct *task)
{
	return READ_ONCE(task->se.sum_exec_runtime);
}
