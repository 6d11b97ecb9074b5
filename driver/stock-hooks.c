// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: stock mode's hooks, on a kernel without the perfctr series
 *
 * What the patched kernel calls the module for, a stock kernel reaches
 * through its tracepoints, one kprobe and preempt notifiers
 * (Documentation/perfctr-stock.rst):
 *
 *  - fork: the sched_process_fork tracepoint, in the parent after
 *    copy_process(), before the child is woken, preemption off.  The child
 *    gets its state and control there (pc_fork()); its perf events and its
 *    context-switch notifier wait for its start work, a TWA_RESUME task
 *    work that the child runs before its first user-mode instruction.
 *  - exit: the sched_process_exit tracepoint, after perf_event_exit_task()
 *    and exit_mm(), preemption off.  It queues the exit work, which
 *    exit_task_work() runs, sleepable, before exit_notify(): the final
 *    counts are taken there (pc_exit()).
 *  - release: a kprobe on cgroup_release(), which release_task() calls once
 *    for every task it releases, the zapped leader of its second round
 *    included (an entry probe on release_task() misses that one).  No
 *    tasklist_lock is held: pc_release() copes (pc_merge_up()).  The
 *    sched_process_free tracepoint, when the task_struct goes, frees a
 *    state whose release the probe missed, and counts it.
 *  - context switch: the task's preempt notifier, registered by the task
 *    itself; it stands in for the switch hook.
 *
 *  - an exec that raises the task's privilege: the sched_process_exec
 *    tracepoint, and a task work before the new program runs.
 *
 * The page's fault counts and user-mode reads of hardware counters have no
 * hook here: see the documentation for what that means.
 */
#include <linux/kprobes.h>
#include <linux/perf_event.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/timex.h>
#include <linux/tracepoint.h>

#include "inherit.h"
#include "stock-hooks.h"
#include "task.h"
#include "tsc.h"

/* What could not be done and was counted instead (stock-fs.c shows it). */
atomic_long_t pc_stock_missed_release;
atomic_long_t pc_stock_missed_exit;

static struct perfctr_task *pc_notifier_state(struct preempt_notifier *pn)
{
	return container_of(pn, struct perfctr_task, stock.notifier);
}

/* finish_task_switch(): current is the task, preemption is off. */
static void pc_stock_sched_in(struct preempt_notifier *pn, int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	pc_switch_in(current, pc_notifier_state(pn), get_cycles());
	local_irq_restore(flags);
}

/* prepare_task_switch(): current is the task, interrupts are off. */
static void pc_stock_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
	pc_switch_out(pc_notifier_state(pn), get_cycles());
}

static struct preempt_ops pc_stock_preempt_ops = {
	.sched_in	= pc_stock_sched_in,
	.sched_out	= pc_stock_sched_out,
};

/*
 * current starts taking part in context switches, as if it had just been
 * switched in: its tsc counts from here.
 */
static void pc_stock_notify(struct perfctr_task *st)
{
	unsigned long flags;

	if (st->stock.notifying)
		return;
	preempt_notifier_init(&st->stock.notifier, &pc_stock_preempt_ops);
	local_irq_save(flags);
	preempt_notifier_register(&st->stock.notifier);
	st->stock.notifying = true;
	pc_switch_in(current, st, get_cycles());
	local_irq_restore(flags);
}

static void pc_stock_unnotify(struct perfctr_task *st)
{
	unsigned long flags;

	if (!st->stock.notifying)
		return;
	local_irq_save(flags);
	pc_switch_out(st, get_cycles());
	preempt_notifier_unregister(&st->stock.notifier);
	st->stock.notifying = false;
	local_irq_restore(flags);
}

/*
 * The start work, in the task, before it next runs in user mode.  A task
 * work still pending at exit runs after the exit work (they run last in,
 * first out): an exiting task does nothing here.
 */
static void pc_stock_start(struct callback_head *head)
{
	struct perfctr_task *st = container_of(head, struct perfctr_task,
					       stock.start);

	if (current->flags & PF_EXITING)
		return;
	if (pc_task_start_events(current, st))
		pc_fork_failed(current, st);
	pc_stock_notify(st);
}

/* The exit work, in exit_task_work(): the task's final counts. */
static void pc_stock_exit_work(struct callback_head *head)
{
	struct perfctr_task *st = container_of(head, struct perfctr_task,
					       stock.exit);

	pc_stock_unnotify(st);
	pc_exit(current);
}

/**
 * pc_stock_attached() - another task's write gave @task its first state
 * @task: the task, which may be current
 * @st: its state, in the table
 *
 * current registers its notifier at once; another task does it in its
 * start work, so its tsc counts from its next return to user mode.
 */
void pc_stock_attached(struct task_struct *task, struct perfctr_task *st)
{
	if (task == current) {
		pc_stock_notify(st);
		return;
	}
	init_task_work(&st->stock.start, pc_stock_start);
	/* fails only for a task past exit_task_work(), which counts no more */
	task_work_add(task, &st->stock.start, TWA_RESUME);
}

static void pc_stock_fork(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	struct perfctr_task *from = pc_task_state(current), *st;

	if (!from)
		return;
	/* the tracepoint has no clone flags; the child is set up already */
	st = pc_fork_from(from, child,
			  thread_group_leader(child) ? 0 : CLONE_THREAD);
	if (!st)
		return;
	init_task_work(&st->stock.start, pc_stock_start);
	if (task_work_add(child, &st->stock.start, TWA_RESUME))
		pc_fork_failed(child, st);	/* cannot happen to a new task */
}

static void pc_stock_exit(void *data, struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);

	if (!st)
		return;
	init_task_work(&st->stock.exit, pc_stock_exit_work);
	if (task_work_add(tsk, &st->stock.exit, TWA_NONE))
		atomic_long_inc(&pc_stock_missed_exit);
}

/* The seal work: as the patched kernel's secure_exec hook (pc_task_seal()). */
static void pc_stock_seal_work(struct callback_head *head)
{
	pc_secure_exec(current);
}

/*
 * The exec tracepoint, after the new program is set up and before it runs,
 * preemption off.  An exec that made the task undumpable (set-uid, set-gid,
 * file capabilities, an unreadable binary) raised its privilege: counting
 * stops before the program's first instruction.  Unlike on a patched
 * kernel, this is after exec_update_lock was dropped; a writer bound to the
 * old program is refused all the same (stock-fs.c compares exec ids), and
 * any other needs access to an undumpable task.
 */
static void pc_stock_exec(void *data, struct task_struct *tsk, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	struct perfctr_task *st = pc_task_state(tsk);

	if (!st || !tsk->mm || get_dumpable(tsk->mm) == SUID_DUMP_USER)
		return;
	init_task_work(&st->stock.seal, pc_stock_seal_work);
	/* fails only for a task that exits before the program runs */
	task_work_add(tsk, &st->stock.seal, TWA_RESUME);
}

/*
 * release_task() calls cgroup_release() for each task it releases, before
 * it takes tasklist_lock.  The kprobe's handler runs with preemption off.
 */
static int pc_stock_release(struct kprobe *kp, struct pt_regs *regs)
{
	struct task_struct *tsk = (void *)regs_get_kernel_argument(regs, 0);
	struct perfctr_task *st = pc_task_state(tsk);

	if (!st)
		return 0;
	pc_release_state(tsk, st);
	pc_released_state(tsk, st);
	return 0;
}

static struct kprobe pc_stock_release_probe = {
	.symbol_name	= "cgroup_release",
	.pre_handler	= pc_stock_release,
};

/* The task_struct goes: a state still in the table missed its release. */
static void pc_stock_free(void *data, struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);

	if (!st)
		return;
	atomic_long_inc(&pc_stock_missed_release);
	pc_task_detach(tsk, st);
}

struct pc_stock_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct pc_stock_tracepoint pc_stock_tracepoints[] = {
	{ "sched_process_fork", pc_stock_fork },
	{ "sched_process_exit", pc_stock_exit },
	{ "sched_process_free", pc_stock_free },
	{ "sched_process_exec", pc_stock_exec },
};

static void pc_stock_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pc_stock_tracepoints); i++)
		if (!strcmp(tp->name, pc_stock_tracepoints[i].name))
			pc_stock_tracepoints[i].tp = tp;
}

static void pc_stock_unhook_tracepoints(unsigned int nr)
{
	while (nr--)
		tracepoint_probe_unregister(pc_stock_tracepoints[nr].tp,
					    pc_stock_tracepoints[nr].probe,
					    NULL);
	tracepoint_synchronize_unregister();
}

/**
 * pc_stock_hook() - attach stock mode's hooks
 *
 * Refuses, with a message that names what is missing, a kernel whose
 * tracepoints or probe target are not what stock mode was written for.
 *
 * Return: 0 or a negative errno.
 */
int pc_stock_hook(void)
{
	unsigned int i;
	int err;

	for_each_kernel_tracepoint(pc_stock_find, NULL);
	for (i = 0; i < ARRAY_SIZE(pc_stock_tracepoints); i++) {
		if (!pc_stock_tracepoints[i].tp) {
			pr_err("perfctr: this kernel has no %s tracepoint\n",
			       pc_stock_tracepoints[i].name);
			return -ENOENT;
		}
	}
	err = register_kprobe(&pc_stock_release_probe);
	if (err) {
		pr_err("perfctr: cannot probe cgroup_release(): %d\n", err);
		return err;
	}
	preempt_notifier_inc();
	for (i = 0; i < ARRAY_SIZE(pc_stock_tracepoints); i++) {
		err = tracepoint_probe_register(pc_stock_tracepoints[i].tp,
						pc_stock_tracepoints[i].probe,
						NULL);
		if (err) {
			pr_err("perfctr: cannot attach to %s: %d\n",
			       pc_stock_tracepoints[i].name, err);
			pc_stock_unhook_tracepoints(i);
			preempt_notifier_dec();
			unregister_kprobe(&pc_stock_release_probe);
			return err;
		}
	}
	return 0;
}

/* Only once no state is left: each one pins the module. */
void pc_stock_unhook(void)
{
	pc_stock_unhook_tracepoints(ARRAY_SIZE(pc_stock_tracepoints));
	unregister_kprobe(&pc_stock_release_probe);
	preempt_notifier_dec();
}

/* The probe's misses: a reentered kprobe skips its handler and counts. */
unsigned long pc_stock_missed_probes(void)
{
	return pc_stock_release_probe.nmissed;
}
