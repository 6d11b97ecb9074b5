// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the per-task state, its counters and how it is programmed
 *
 * See struct perfctr_task for the locking and lifetime rules.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/error-injection.h>
#include <linux/fault-inject.h>
#include <linux/module.h>
#include <linux/perf_event.h>
#include "kernel.h"
#include <linux/pid.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "records.h"
#include "task.h"

/*
 * States come from their own cache, unmerged, so that the fault-injection
 * framework can fail their allocation alone (/sys/kernel/slab/perfctr_task/
 * failslab): that is how the tests reach the fork path that loses a child.
 * They are charged to the memory cgroup of the task that allocates them
 * (the forking parent, or the writer that gives a task its first control),
 * so that a user's counted tasks cannot pin kernel memory outside it.
 *
 * The cache is SLAB_TYPESAFE_BY_RCU (see struct perfctr_task), so a state
 * is constructed once, when its slab is (pc_task_ctor()), and is freed in
 * that form again: its locks initialised, every @events slot NULL
 * (pc_task_free() checks it).  Allocation resets only the fields that are
 * not per counter; the per-counter arrays are set up, for the slots of a
 * control, by whoever installs the control (pc_task_start(),
 * pc_task_program()).  Zeroing the whole state at every fork cost a sixth
 * of what counting tsc added to a thread's creation.
 */
static struct kmem_cache *pc_task_cache;

/* The last perfctr_task::serial given; 0 means "none" in the exits file. */
static atomic64_t pc_task_serials = ATOMIC64_INIT(0);

static void pc_task_ctor(void *obj)
{
	struct perfctr_task *st = obj;

	memset(st, 0, sizeof(*st));
	mutex_init(&st->mutex);
	raw_spin_lock_init(&st->lock);
}

/*
 * /sys/kernel/debug/fail_perfctr_events: the fault-injection framework
 * fails perf event creation as perf would refuse an event, at fork and at
 * programming alike (with CONFIG_FAULT_INJECTION_DEBUG_FS; nothing without).
 * It is checked in task context, so that its task filter (make-it-fail)
 * works, which fail_function's kprobe, entered from int3 as NMI, cannot.
 */
static DECLARE_FAULT_ATTR(pc_fail_events);
static struct dentry *pc_fail_dir;

int pc_task_init(void)
{
	pc_task_cache = kmem_cache_create("perfctr_task",
					  sizeof(struct perfctr_task), 0,
					  SLAB_NO_MERGE | SLAB_ACCOUNT |
					  SLAB_TYPESAFE_BY_RCU, pc_task_ctor);
	if (!pc_task_cache)
		return -ENOMEM;
	pc_fail_dir = fault_create_debugfs_attr("fail_perfctr_events", NULL,
						&pc_fail_events);
	if (IS_ERR(pc_fail_dir))	/* no debugfs: no injection, no error */
		pc_fail_dir = NULL;
	return 0;
}

/* Only once no state is left: each one pins the module. */
void pc_task_exit(void)
{
	debugfs_remove_recursive(pc_fail_dir);
	kmem_cache_destroy(pc_task_cache);
}

/*
 * Allocates a state that pins the module and the hooks, with no control and
 * nothing counted.  Its per-counter arrays are left as the last owner left
 * them (see pc_task_ctor()).  Called from module code that already holds a
 * pin (a file access, or a parent's state), which makes __module_get()
 * safe.  @gfp is GFP_KERNEL but at a stock kernel's fork tracepoint, which
 * cannot sleep.
 */
struct perfctr_task *pc_task_alloc(gfp_t gfp)
{
	struct perfctr_task *st = kmem_cache_alloc(pc_task_cache, gfp);

	if (!st)
		return NULL;
	if (pc_hooks_get()) {
		kmem_cache_free(pc_task_cache, st);
		return NULL;
	}
	RCU_INIT_POINTER(st->control, NULL);
	st->kept_id = 0;
	st->kept = NULL;
	st->lost = 0;
	st->own_clock.valid = false;
	st->events_failed = 0;
	st->exiting = false;
	st->exited = false;
	st->page = NULL;
	st->programmed = false;
	st->released = false;
	st->forker = NULL;
	st->serial = atomic64_inc_return(&pc_task_serials);
	st->leader_serial = st->serial;	/* a thread's caller sets its own */
	/*
	 * The state is ready before pc_task_get() can count it as in use:
	 * a reference tried on this object while it was free (at 0) failed.
	 */
	refcount_set_release(&st->users, 1);
	__module_get(THIS_MODULE);
	return st;
}

/**
 * pc_task_set_leader() - the process identity of a state given to a thread
 * @task: a task that is not being forked, about to get @st
 * @st: its new state, not published yet
 *
 * A thread takes its leader's perfctr_task::leader_serial, or 0 if the
 * leader has no state: then its process has no identity in the records.
 */
void pc_task_set_leader(struct task_struct *task, struct perfctr_task *st)
{
	struct perfctr_task *lst;

	if (thread_group_leader(task))
		return;
	/* a task_struct is freed after a grace period: the leader's is there */
	rcu_read_lock();
	lst = pc_task_get(READ_ONCE(task->group_leader));
	rcu_read_unlock();
	st->leader_serial = lst ? lst->leader_serial : 0;
	if (lst)
		pc_task_put(lst);
}

/*
 * Any context.  The module may be unloaded once this returns.  The state
 * goes back to its cache as pc_task_ctor() left it: no perf event (all
 * released at exit or at a failed fork), no listener, unlocked, and no
 * reference: pc_task_get() may still try one on the free object, and must
 * find 0.  Only pc_task_put() calls this.
 */
static void pc_task_free(struct perfctr_task *st)
{
	unsigned int i;

	WARN_ON_ONCE(refcount_read(&st->users));

	for (i = 0; i < PC_EVENTS; i++)
		WARN_ON_ONCE(st->events[i]);
	/* an open exits file holds a reference on the state */
	WARN_ON_ONCE(rcu_access_pointer(st->exits));
	pc_control_put(rcu_dereference_protected(st->control, 1));
	if (st->kept) {
		pc_control_put(st->kept->ctl);
		kfree(st->kept);
	}
	put_pid(st->forker);
	pc_page_free(st->page);
	kmem_cache_free(pc_task_cache, st);
	pc_hooks_put();
	module_put(THIS_MODULE);
}

/**
 * pc_task_get() - a task's state, for a context that may see it released
 * @task: the task, of which the caller holds a reference
 *
 * Context: any context.
 * Return: the state with a reference (pc_task_put()), or NULL if @task has
 * none, never had one or was released.
 */
struct perfctr_task *pc_task_get(struct task_struct *task)
{
	struct perfctr_task *st;

	rcu_read_lock();
	st = pc_task_state(task);
	if (st && !refcount_inc_not_zero_acquire(&st->users))
		st = NULL;
	/*
	 * The object cannot have been freed to the page allocator, but it
	 * may have been freed and given to another task since it was read:
	 * then @task's pointer, cleared before its release dropped the
	 * task's reference, no longer leads to it.
	 */
	if (st && pc_task_state(task) != st) {
		pc_task_put(st);
		st = NULL;
	}
	rcu_read_unlock();
	return st;
}

/**
 * pc_task_put() - drop a reference on a state, freeing it with the last
 * @st: the state
 *
 * Context: any context.  The last reference drops the state's pin on the
 * module: the caller must hold a pin of its own, or be in an RCU read-side
 * section (which module unloading waits for).
 */
void pc_task_put(struct perfctr_task *st)
{
	if (refcount_dec_and_test(&st->users))
		pc_task_free(st);
}

/**
 * pc_task_detach() - the task lets go of its state
 * @task: a task being released, or a child whose fork failed
 * @st: its state
 *
 * After this pc_task_get() finds no state on @task.  Context as
 * pc_task_put().
 */
void pc_task_detach(struct task_struct *task, struct perfctr_task *st)
{
	pc_task_unpublish(task, st);
	pc_task_put(st);
}

/*
 * The state's control, with a reference, or NULL.  Any context.  No lock:
 * controls are freed after a grace period, and one whose last reference
 * is going was replaced in the state first, so a retry finds the new one.
 */
struct pc_control *pc_task_control(struct perfctr_task *st)
{
	struct pc_control *ctl;

	rcu_read_lock();
	do {
		ctl = rcu_dereference(st->control);
	} while (ctl && !refcount_inc_not_zero(&ctl->ref));
	rcu_read_unlock();
	return ctl;
}

static void pc_events_release(struct perf_event **events, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (events[i]) {
			perf_event_release_kernel(events[i]);
			events[i] = NULL;
		}
	}
}

/*
 * Creates @ctl's perf events on @task (callers skip it for a control without
 * any: ctl->nr_perf), and on a stock kernel the reference event last if any
 * is a hardware event (PC_EVENT_REF), counting at once, or created off with
 * @disabled, for pc_events_start() to start.  They are pinned so that they
 * are never multiplexed: a count is either whole or the event is in error,
 * and reads as PC_NOT_COUNTED (pc_event_counted()).  On failure nothing is
 * left behind.  The fault-injection framework may fail it:
 * fail_perfctr_events above, and fail_function too (noinline so that it
 * can).
 */
static noinline int pc_events_create(struct task_struct *task,
				     const struct pc_control *ctl,
				     struct perf_event **events, bool disabled)
{
	struct perf_event_attr ref = {
		.type		= PERF_TYPE_SOFTWARE,
		.size		= sizeof(ref),
		.config		= PERF_COUNT_SW_DUMMY,
		.pinned		= 1,
		.disabled	= disabled,
	};
	struct perf_event *event;
	bool hardware = false;
	unsigned int i;

	if (should_fail(&pc_fail_events, 1))
		return -ENOMEM;
	for (i = 0; i < ctl->nr; i++) {
		const struct pc_event *ev = &ctl->ev[i];
		struct perf_event_attr attr = {
			.type		= ev->type,
			.size		= sizeof(attr),
			.config		= ev->config,
			.pinned		= 1,
			.disabled	= disabled,
			.exclude_user	= ev->mod == PC_MOD_KERNEL,
			.exclude_kernel	= ev->mod == PC_MOD_USER,
			.exclude_hv	= ev->mod != PC_MOD_NONE,
		};

		if (ev->kind != PC_KIND_PERF)
			continue;
		pc_records_attr(&attr);
		event = perf_event_create_kernel_counter(&attr, -1, task,
							 NULL, NULL);
		if (IS_ERR(event)) {
			pc_events_release(events, i);
			return PTR_ERR(event);
		}
		events[i] = event;
		hardware |= ev->type != PERF_TYPE_SOFTWARE;
	}
	if (!hardware || !PC_STOCK)
		return 0;
	event = perf_event_create_kernel_counter(&ref, -1, task, NULL, NULL);
	if (IS_ERR(event)) {
		pc_events_release(events, ctl->nr);
		return PTR_ERR(event);
	}
	events[PC_EVENT_REF] = event;
	return 0;
}
ALLOW_ERROR_INJECTION(pc_events_create, ERRNO);

/*
 * Whether perf put @event in error: a pinned event the PMU cannot hold goes
 * there, and its count freezes.
 */
static bool pc_event_in_error(struct perf_event *event)
{
	return READ_ONCE(event->state) == PERF_EVENT_STATE_ERROR;
}

/*
 * Whether a perf event's count is real: the event is not in error
 * (pc_event_in_error()), it ran all the time it was enabled (never, for
 * one that was created and never scheduled), and it was enabled at least
 * as long as the reference event, read before it (@ref: its enabled time,
 * or 0 without one; see PC_EVENT_REF).  @enabled and @running are perf's
 * times.  An event the exit_events hook found in error is not counted
 * either (perfctr_task::events_failed), which its callers check.
 */
static bool pc_event_counted(struct perf_event *event, u64 enabled,
			     u64 running, u64 ref)
{
	return !pc_event_in_error(event) && running >= enabled &&
	       enabled >= ref;
}

/* Disables @event if it is counting; returns whether it did. */
static bool pc_event_stop(struct perf_event *event)
{
	if (!event || READ_ONCE(event->state) < PERF_EVENT_STATE_INACTIVE)
		return false;
	perf_event_disable(event);
	return true;
}

/*
 * Stops @st's events that count, the reference event first (PC_EVENT_REF).
 * Caller holds @st's mutex.  Returns the slots it stopped.
 */
static unsigned long pc_events_stop(struct perfctr_task *st)
{
	unsigned long stopped = 0;
	unsigned int i;

	if (pc_event_stop(st->events[PC_EVENT_REF]))
		__set_bit(PC_EVENT_REF, &stopped);
	for (i = 0; i < PERFCTR_MAX_COUNTERS; i++) {
		if (pc_event_stop(st->events[i]))
			__set_bit(i, &stopped);
	}
	return stopped;
}

/*
 * Starts the events of a write, created off (pc_events_create()), in place
 * of the state's.  Caller holds @st's mutex.  The old events stop first, so
 * that the new pinned ones do not compete with them for the PMU's counters.
 * perf schedules the events of a task that programs itself at once, so one
 * the PMU cannot hold is in error already: then the new events stop, the
 * old ones that were counting go on (missing the kernel-mode events of this
 * write), and the write fails with -ENOSPC.  Another task's events are
 * scheduled when it next runs: the counts say which did not fit.  The
 * reference events stop first and start last (PC_EVENT_REF).
 */
static int pc_events_start(struct task_struct *task, struct perfctr_task *st,
			   struct perf_event **events)
{
	unsigned long stopped = pc_events_stop(st);
	unsigned int i;
	bool fit = true;

	for (i = 0; i < PC_EVENTS; i++) {	/* PC_EVENT_REF last */
		if (events[i])
			perf_event_enable(events[i]);
	}
	if (task != current)
		return 0;
	for (i = 0; i < PERFCTR_MAX_COUNTERS; i++)
		fit &= !events[i] || !pc_event_in_error(events[i]);
	if (fit)
		return 0;
	for (i = 0; i < PC_EVENTS; i++) {
		if (events[i])
			perf_event_disable(events[i]);
	}
	for_each_set_bit(i, &stopped, PC_EVENTS)	/* PC_EVENT_REF last */
		perf_event_enable(st->events[i]);
	return -ENOSPC;
}

/*
 * perf events are subject to what perf_event_open(2) would allow the writer
 * (perf_event_paranoid, the LSM hook); tsc alone needs nothing.
 */
static int pc_control_may_count(const struct pc_control *ctl)
{
	bool kernel = false;
	unsigned int i;

	if (!ctl->nr_perf)
		return 0;
	for (i = 0; i < ctl->nr; i++)
		kernel |= ctl->ev[i].kind == PC_KIND_PERF &&
			  ctl->ev[i].mod != PC_MOD_USER;
	return pc_may_count(kernel);
}

/*
 * The accounting figures of @task for @ctl's accounting counters, the base
 * their counts start from.
 */
static void pc_account_base(struct task_struct *task,
			    const struct pc_control *ctl, u64 *base)
{
	struct pc_switches sw;
	unsigned int i;

	pc_switches_read(task, &sw);
	for (i = 0; i < ctl->nr; i++) {
		if (ctl->ev[i].kind == PC_KIND_ACCOUNT)
			base[i] = pc_account_read(task, ctl->ev[i].acct, &sw);
	}
}

/*
 * The current counts of a task that has not exited.  Caller holds the
 * state's mutex, which keeps @events and @base.
 */
static void pc_counts_read(struct task_struct *task, struct perfctr_task *st,
			   const struct pc_control *ctl, u64 *counts)
{
	bool self = task == current;
	u64 enabled, running, v, ref = 0;
	const struct pc_event *ev;
	struct pc_switches sw;
	unsigned int i;

	/* perf's reads may sleep: they come first, the reference first */
	if (st->events[PC_EVENT_REF])
		perf_event_read_value(st->events[PC_EVENT_REF], &ref, &running);
	for (i = 0; ctl->nr_perf && i < ctl->nr; i++) {
		if (ctl->ev[i].kind != PC_KIND_PERF)
			continue;
		/* stock mode: a child whose start has not run yet (stock-hooks.c) */
		if (PC_STOCK && !st->events[i]) {
			counts[i] = 0;
			continue;
		}
		counts[i] = perf_event_read_value(st->events[i], &enabled,
						  &running);
		if (test_bit(i, &st->events_failed) ||
		    !pc_event_counted(st->events[i], enabled, running, ref))
			counts[i] = PC_NOT_COUNTED;
	}
	/*
	 * Then the task's own figures and tsc, for a thread reading itself
	 * with preemption off: it cannot switch between two of them, so that
	 * one read is one instant and its context-switches are exactly its
	 * voluntary plus involuntary switches.  Another task's figures are
	 * each true an instant ago (see account.c).
	 */
	if (self)
		preempt_disable();
	pc_switches_read(task, &sw);
	for (i = 0; i < ctl->nr; i++) {
		ev = &ctl->ev[i];
		switch (ev->kind) {
		case PC_KIND_PERF:
			break;
		case PC_KIND_ACCOUNT:
			/*
			 * A task's own task-clock comes from the TSC, a base
			 * another task took from task_sched_runtime(): with
			 * the TSCs of two CPUs a few cycles apart, the first
			 * may lag the second by nanoseconds.  Never wrap.
			 */
			if (ev->acct == PC_ACCT_RUNTIME && self)
				v = pc_own_runtime(&st->own_clock);
			else
				v = pc_account_read(task, ev->acct, &sw);
			counts[i] = max(v, st->base[i]) - st->base[i];
			break;
		case PC_KIND_TSC:
			counts[i] = pc_tsc_read(&st->tsc);
			break;
		}
	}
	if (self)
		preempt_enable();
}

/**
 * pc_task_start() - start counting in a state nobody else can see yet
 * @task: the new task
 * @st: its new state
 * @ctl: the control; the state takes over this reference on success
 *
 * Used at fork, before the child can run, so it counts from its first
 * instruction.  tsc starts at the child's first switch in.  The accounting
 * counters need nothing: the child's figures start at zero, and so does
 * the new state's @base.  (They are not read here: copy_process() only
 * clears the fault and switch figures after this hook.)  Only @ctl's slots
 * of the per-counter arrays are reset: nothing reads beyond a control's
 * slots.
 *
 * Return: 0 or the errno of the failed perf event.
 */
int pc_task_start(struct task_struct *task, struct perfctr_task *st,
		  struct pc_control *ctl)
{
	unsigned int i;
	int err;

	/* a stock kernel's fork cannot sleep: pc_task_start_events() */
	if (!PC_STOCK && ctl->nr_perf) {
		err = pc_events_create(task, ctl, st->events, false);
		if (err)
			return err;
	}
	for (i = 0; i < ctl->nr; i++) {
		st->children[i] = 0;
		st->base[i] = 0;
	}
	RCU_INIT_POINTER(st->control, ctl);
	pc_tsc_init(&st->tsc, ctl->tsc >= 0);
	return 0;
}

/**
 * pc_task_start_events() - create the perf events of a new child's control
 * @task: the child, current, before its first user-mode instruction
 * @st: its state, started by pc_task_start() in a context that could not
 *	sleep (a stock kernel's fork tracepoint)
 *
 * Does nothing if the child exited or was programmed since: programming
 * created the events of its own control.
 *
 * Return: 0, or the errno of the failed perf event; the child then counts
 * nothing of its perf events (they read 0) and its parent is told.
 */
int pc_task_start_events(struct task_struct *task, struct perfctr_task *st)
{
	struct pc_control *ctl;
	unsigned int i;
	int err = 0;

	mutex_lock(&st->mutex);
	ctl = pc_task_ctl(st);
	for (i = 0; i < PC_EVENTS; i++)
		if (st->events[i])
			break;
	if (ctl && ctl->nr_perf && !st->exited && !st->programmed &&
	    i == PC_EVENTS)
		err = pc_events_create(task, ctl, st->events, false);
	mutex_unlock(&st->mutex);
	return err;
}

/*
 * @task's state, with a reference (pc_task_put()), given one if it has
 * none.  Returns it or an ERR_PTR: -ENOMEM, or -ESRCH for a task that is
 * exiting or was released.
 */
struct perfctr_task *pc_task_get_state(struct task_struct *task)
{
	struct perfctr_task *st = pc_task_get(task);
	int err;

	if (st)
		return st;
	st = pc_task_alloc(GFP_KERNEL);
	if (!st)
		return ERR_PTR(-ENOMEM);
	/* a recycled state's tsc may still run: stopped until programmed */
	pc_tsc_init(&st->tsc, false);
	pc_task_set_leader(task, st);
	refcount_inc(&st->users);	/* the caller's, next to the task's */
	err = pc_kernel_attach(task, st);
	if (!err)
		return st;
	/* never published: both references go */
	refcount_dec(&st->users);
	pc_task_put(st);
	if (err != -EEXIST)
		return ERR_PTR(err);
	st = pc_task_get(task);	/* somebody else attached one first */
	return st ?: ERR_PTR(-ESRCH);
}

/*
 * Replaces @task's control with @ctl, as pc_task_program() says.  With
 * @seal, the old control is an exec's that raised @task's privilege: its
 * id and the counts so far are kept in @st->kept (in @kept, if there was
 * room), for the parent to merge at release.
 */
static int pc_task_replace(struct task_struct *task, struct pc_control *ctl,
			   bool seal)
{
	struct perf_event *events[PC_EVENTS] = {};
	struct pc_kept *kept = NULL;
	struct perfctr_task *st;
	struct pc_control *old;
	bool flipped = false;
	unsigned long flags;
	unsigned int i;
	int err = 0;

	if (ctl) {
		/* a task that never counted gets no state from a failed write */
		err = pc_control_may_count(ctl);
		if (err)
			return err;
		if (ctl->nr_perf) {
			err = pc_events_create(task, ctl, events, true);
			if (err)
				return err;
		}
		st = pc_task_get_state(task);
		if (IS_ERR(st)) {
			err = PTR_ERR(st);
			goto release;
		}
	} else {
		st = pc_task_get(task);
		if (!st)	/* never counted, or released: nothing to clear */
			return task->flags & PF_EXITING ? -ESRCH : 0;
	}

	mutex_lock(&st->mutex);
	if (st->exiting || st->exited) {
		err = -ESRCH;
		goto unlock;
	}
	old = pc_task_ctl(st);
	if (ctl && ctl->nr_perf) {
		flipped = pc_records_attach(st, ctl, events);
		/*
		 * The last refusal: a task that never counted keeps the
		 * empty state it was given, which reads as no control.
		 */
		err = pc_events_start(task, st, events);
		if (err)
			goto unlock;
	} else if (st->page && st->page->records) {
		/* their records may serve the next control's (records.c) */
		pc_events_stop(st);
	}
	/* a second such exec has nothing to keep: its parent's id is kept */
	seal = seal && old && !st->kept_id;
	if (seal) {
		kept = kzalloc(struct_size(kept, counts, 2 * old->nr),
			       GFP_KERNEL_ACCOUNT);
		if (kept)
			pc_counts_read(task, st, old, kept->counts);
	}
	if (st->page && task != current)
		pc_page_request(st->page);
	if (ctl) {
		ctl->id = pc_next_id();
		pc_account_base(task, ctl, st->base);
	}

	raw_spin_lock_irqsave(&st->lock, flags);
	if (seal) {
		st->kept_id = old->id;
		if (kept) {
			memcpy(kept->counts + old->nr, st->children,
			       old->nr * sizeof(u64));
			kept->lost = st->lost;
			kept->ctl = old;	/* takes over the reference */
			st->kept = kept;
			kept = NULL;
			old = NULL;
		}
	}
	/* pairs with rcu_dereference() in pc_task_control(): @ctl is complete */
	rcu_assign_pointer(st->control, ctl);
	st->programmed = !!ctl;
	memset(st->children, 0, sizeof(st->children));
	st->lost = 0;
	raw_spin_unlock_irqrestore(&st->lock, flags);
	pc_tsc_program(task, &st->tsc, ctl && ctl->tsc >= 0);

	for (i = 0; i < PC_EVENTS; i++)
		swap(events[i], st->events[i]);
	pc_records_commit(st, ctl, flipped);
	if (st->page && task == current)
		pc_page_publish(task, st);
	pc_control_put(old);
unlock:
	mutex_unlock(&st->mutex);
	pc_task_put(st);
release:
	/* the old ones, or the unused new ones */
	pc_events_release(events, PC_EVENTS);
	return err;
}

/**
 * pc_task_program() - replace a task's control
 * @task: the task, running or not, current or not
 * @ctl: the new control, or NULL to clear; the state takes over this
 *	reference on success
 *
 * All or nothing: the new counters are created before anything changes (and
 * before a task that never counted gets a state), started in place of the
 * old ones (pc_events_start(), which may refuse), and then the control, a
 * new id, zeroed children and lost counts and zeroed counters replace the
 * old ones at once.  The old counters are released after the mutex.  A
 * thread's counter page is rewritten at once if the thread programs itself;
 * for another task it is marked stale first (see struct pc_page).
 *
 * Context: process context; the caller holds @task's exec_update_lock for
 * reading or writing.
 * Return: 0; -ESRCH if @task is exiting; -EACCES if perf_event_open(2)
 * would refuse the writer (perf_event_paranoid, an LSM); -ENOMEM; -ENOSPC
 * if @task is current and the PMU cannot hold all of @ctl's hardware events
 * (pc_events_start()); or the errno perf gave for an event it cannot count
 * (-ENOENT or -EOPNOTSUPP for hardware events without a PMU).
 */
int pc_task_program(struct task_struct *task, struct pc_control *ctl)
{
	return pc_task_replace(task, ctl, false);
}

/**
 * pc_task_seal() - stop counting a task whose exec raised its privilege
 * @task: current, in the exec, with its exec_update_lock held for writing
 *
 * Clears the control as pc_task_program() does, so that nothing of the
 * privileged program is counted or inherited, but keeps what was counted
 * before: the control's id and the task's own and children counts at this
 * point.  At release they merge into the parent as the task's final counts
 * would have (pc_release()), and children forked before the exec still
 * merge into them.  Without memory for the counts, the task counts as lost
 * in its parent instead, so that the loss shows.
 */
void pc_task_seal(struct task_struct *task)
{
	pc_task_replace(task, NULL, true);
}

/**
 * pc_task_discard() - release the counters of a state that never counted
 * @st: the state of a child whose fork failed
 *
 * Nothing is read: the child never ran, and its accounting figures may
 * still be its parent's.
 */
void pc_task_discard(struct perfctr_task *st)
{
	mutex_lock(&st->mutex);
	pc_events_release(st->events, PC_EVENTS);
	st->exited = true;
	mutex_unlock(&st->mutex);
}

/**
 * pc_task_stop_events() - stop an exiting task's perf events
 * @task: current, in do_exit(), right before perf tears its events down
 * @st: its state
 *
 * Their counts end here rather than at the teardown, a few hundred kernel
 * instructions later: the same user-mode counts.  Stopped, no event can go
 * to error any more, and those already there stay so for pc_task_stop(),
 * which cannot tell them once perf put them in its exit state: noted in
 * @st->events_failed.  No control is written from now on.
 */
void pc_task_stop_events(struct task_struct *task, struct perfctr_task *st)
{
	unsigned int i;

	mutex_lock(&st->mutex);
	st->exiting = true;
	pc_events_stop(st);
	for (i = 0; i < PERFCTR_MAX_COUNTERS; i++) {
		if (st->events[i] && pc_event_in_error(st->events[i]))
			__set_bit(i, &st->events_failed);
	}
	mutex_unlock(&st->mutex);
}

/**
 * pc_task_stop() - take the final counts of an exiting task
 * @task: current, in do_exit()
 * @st: its state
 *
 * After this the state only changes by merges into its children counts.
 */
void pc_task_stop(struct task_struct *task, struct perfctr_task *st)
{
	struct pc_control *ctl;

	mutex_lock(&st->mutex);
	ctl = pc_task_ctl(st);
	if (ctl) {
		pc_counts_read(task, st, ctl, st->final);
		/* @events is indexed like the control: nothing beyond it */
		pc_events_release(st->events, ctl->nr);
		pc_events_release(st->events + PC_EVENT_REF, 1);
	}
	/*
	 * The counts are @final from here on: the tsc accumulator is left
	 * to run, unread, and nothing programs the state again.
	 */
	st->exited = true;
	if (st->page)
		pc_page_publish(task, st);
	mutex_unlock(&st->mutex);
}

/**
 * pc_task_counts_begin() - one snapshot of a task's own counts
 * @task: the task
 * @st: its state
 * @counts: PERFCTR_MAX_COUNTERS slots to fill
 *
 * Holds @st's mutex, so that the control stays as it is (without a
 * reference of its own) until pc_task_counts_end().
 *
 * Return: the control the counts belong to, or NULL.
 */
struct pc_control *pc_task_counts_begin(struct task_struct *task,
					struct perfctr_task *st, u64 *counts)
{
	struct pc_control *ctl;

	mutex_lock(&st->mutex);
	/* the thread's own read(2) is how its page catches up with a change */
	if (task == current && st->page && pc_page_stale(st->page))
		pc_page_publish(task, st);
	ctl = pc_task_ctl(st);
	if (ctl && st->exited)
		memcpy(counts, st->final, ctl->nr * sizeof(*counts));
	else if (ctl)
		pc_counts_read(task, st, ctl, counts);
	return ctl;
}

/**
 * pc_task_counts_end() - done with pc_task_counts_begin()'s snapshot
 * @st: the state
 */
void pc_task_counts_end(struct perfctr_task *st)
{
	mutex_unlock(&st->mutex);
}

/**
 * pc_task_read_children() - one snapshot of a task's children counts
 * @st: the state
 * @counts: PERFCTR_MAX_COUNTERS slots to fill
 * @lost: the lost children count
 *
 * Return: the control the counts belong to, with a reference, or NULL.
 */
struct pc_control *pc_task_read_children(struct perfctr_task *st, u64 *counts,
					 u64 *lost)
{
	struct pc_control *ctl;
	unsigned long flags;

	raw_spin_lock_irqsave(&st->lock, flags);
	ctl = pc_control_get(pc_task_ctl(st));
	if (ctl)
		memcpy(counts, st->children, ctl->nr * sizeof(*counts));
	*lost = st->lost;
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return ctl;
}
