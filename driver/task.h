/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the per-task state
 */
#ifndef _PERFCTR_TASK_H
#define _PERFCTR_TASK_H

#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "account.h"
#include "control.h"
#include "kernel.h"
#include "page.h"
#include "tsc.h"
#if PC_STOCK
#include "stock-state.h"
#endif

struct pc_exits;
struct perf_event;
struct pid;

/*
 * The slots of perfctr_task::events: the control's, then PC_EVENT_REF.
 *
 * A hardware event that the PMU cannot hold goes to perf's error state,
 * and perf's teardown of an exiting task's events, before the exit hook
 * takes the final counts, turns that into the exit state.  A patched
 * kernel calls the exit_events hook just before the teardown: it stops the
 * events and notes those in error (perfctr_task::events_failed).  A stock
 * kernel has no hook there, so there a control with hardware events also
 * has a reference event in slot PC_EVENT_REF: a software event (dummy: it
 * counts nothing), enabled after the others and disabled before them.
 * perf's enabled time of a hardware event that counts is therefore never
 * below the reference's, while one in error stops growing as the
 * reference goes on, which survives the teardown.
 */
#define PC_EVENT_REF		PERFCTR_MAX_COUNTERS
#define PC_EVENTS		(PERFCTR_MAX_COUNTERS + 1)

/**
 * struct pc_kept - a task's counts from before an exec that raised its
 *	privilege (perfctr_task::kept)
 * @ctl: the control the task had, with a reference
 * @lost: its lost count at the exec, and what merged into it since
 * @counts: its own counts at the exec, then its children counts: those it
 *	had and those merged since by children forked before the exec that
 *	share @ctl's id; @ctl->nr of each
 */
struct pc_kept {
	struct pc_control *ctl;
	u64 lost;
	u64 counts[];
};

/**
 * struct perfctr_task - the perfctr state of one task (task_struct::perfctr)
 * @mutex: serialises whatever touches @events, @events_failed, @exiting,
 *	@base or @final, and the programmers of @tsc: programming, the exit
 *	hooks, reading the task's own counts.  Sleeps.
 * @lock: protects @control, @programmed, @children, @lost, @released and
 *	@exits.  Taken
 *	with interrupts off, nested inside tasklist_lock (release hook) and
 *	pc_exits_lock (exits.c); nothing is taken inside it.
 * @users: references: one for the task's pointer to the state, from attach
 *	to the release hook, and one for each holder of pc_task_get().
 * @control: the current control, or NULL.  Changed under @mutex and @lock,
 *	so holding either is enough to read it (pc_task_ctl()); frozen once
 *	@exited.  Read without them too, under RCU, to take a reference
 *	(pc_task_control()).
 * @kept_id: the id of the control an exec that raised the task's privilege
 *	cleared (pc_task_seal()), or 0.  Its parent merges by it.
 * @kept: the counts the task had then (struct pc_kept), merged at release
 *	as @final and @children would be, so that nothing counted before the
 *	exec is lost, while nothing the privileged program does is counted; or
 *	NULL if there was no room for them: the task then counts as lost where
 *	it merges.  Both set once, under @mutex and @lock; merges into @kept
 *	happen under @lock.
 * @children: counts merged from released children, indexed like @control;
 *	only @control's slots mean anything (see pc_task_ctor()).  A slot
 *	that merged a PC_NOT_COUNTED count stays PC_NOT_COUNTED until the
 *	next control write (pc_count_add()).  Merges
 *	into it happen under tasklist_lock, and none after the task's own
 *	release hook, which reads it in place.
 * @lost: descendants that run without counters because their state could
 *	not be set up at fork; merged like @children.
 * @tsc: the tsc counter, written by the task's own context (see
 *	struct pc_tsc); the context-switch hook takes no lock.
 * @own_clock: the task's task clock for its own reads (struct pc_own_clock);
 *	the task and the context-switch hook only.
 * @events: the perf events of @control, NULL in the other slots, and in
 *	slot PC_EVENT_REF the reference event of a control with hardware
 *	events; owned by the state until @exited, when they are released.
 *	Hardware events are pinned: one the PMU cannot hold goes to perf's
 *	error state for good, and reads as PC_NOT_COUNTED (see
 *	PC_EVENT_REF).
 * @events_failed: the slots of @events that were in error when the
 *	exit_events hook stopped them (patched kernels only).
 * @base: for the accounting counters of @control, the task's figure when
 *	counting started (0 in a new child: its figures start at zero).
 * @final: the task's own counts when it stopped counting at exit
 *	(PC_NOT_COUNTED for an event that was not counting).
 * @exiting: the exit_events hook has run: @events are stopped and
 *	@control is frozen.
 * @exited: the exit hook has run: @final is valid and @control is frozen.
 * @page: the thread's counter page, or NULL until it first opens its page
 *	file.  Set once, by the thread itself under @mutex; see struct pc_page.
 * @programmed: @control was written to this task, not inherited.
 * @released: the release hook has run: no merge and no record will come.
 * @exits: the listener of an open exits file of this task, which ends when
 *	the task is released.  Set and cleared under pc_exits_lock and @lock;
 *	the release hook uses it under RCU (exits.c).
 * @forker: the process that forked the task, if its parent's control had a
 *	listener then (the exits file names it), with a reference; else NULL.
 * @serial: the state's identity in the exits file: unique among all the
 *	states this module ever attaches (a 64-bit count from 1 that is
 *	never reused while the module is loaded, unlike pid numbers).  Set at
 *	attach, before the state is published, and never changed: readable
 *	by whoever may look at the state.
 * @leader_serial: @serial of the task's thread-group leader's state, the
 *	identity of its process: its own for a leader; a thread forked with
 *	a state has its forker's; a thread given a state by a write takes
 *	its leader's, or 0 (unknown) if the leader has none.  Set and read
 *	like @serial.
 * @stock: stock mode only: the table entry, the context-switch notifier and
 *	the task works that stand in for the patched kernel's hooks
 *	(stock-state.h).
 *
 * Lifetime: attached once, when the task forks from a parent with a control
 * or when its control is first written; detached by the task's release
 * hook, which drops the task's reference, and freed by the last
 * pc_task_put().  The task's pointer never changes in between.  Hence:
 *
 *  - the task itself, until its release (an exiting thread releases itself
 *    in exit_notify(), after which it never looks at its state), and the
 *    thread-group leader of current, which is released last, use
 *    pc_task_state() as they are;
 *  - so do the release hooks of a task's children, for the task they merge
 *    into: both happen under tasklist_lock, the task's after its children
 *    were released or reparented;
 *  - any other user takes a reference with pc_task_get(), which may find
 *    no state once the task is released.  The context-switch hook sees no
 *    exited task (perfctr_switch_counts()).
 *
 * The cache is SLAB_TYPESAFE_BY_RCU: a state freed at release is reused at
 * once by the next fork, from the allocator's hot per-CPU list, rather than
 * after the task_struct's grace period.  pc_task_get() copes with that by
 * checking, after it took its reference, that the task still points at the
 * state.  Each state pins the module and the kernel's hook static key.
 */
struct perfctr_task {
	struct mutex mutex;		/* programming, exit, own counts */
	raw_spinlock_t lock;		/* control, children, lost */
	refcount_t users;
	struct pc_control __rcu *control;
	u64 kept_id;
	struct pc_kept *kept;
	u64 children[PERFCTR_MAX_COUNTERS];
	u64 lost;
	struct pc_tsc tsc;
	struct pc_own_clock own_clock;
	struct perf_event *events[PC_EVENTS];
	unsigned long events_failed;
	u64 base[PERFCTR_MAX_COUNTERS];
	u64 final[PERFCTR_MAX_COUNTERS];
	struct pc_page *page;
	struct pc_exits __rcu *exits;
	struct pid *forker;
	u64 serial;
	u64 leader_serial;
	bool exiting;
	bool exited;
	bool programmed;
	bool released;
#if PC_STOCK
	struct pc_stock stock;
#endif
};

/*
 * The value of a count perf did not take: a hardware event the PMU could not
 * schedule (perf put it in error state and its count froze), or one that was
 * enabled and never ran.  It stands in the counts, @final, @children, the
 * kept counts and the exit records, and the files print it as
 * PC_NOT_COUNTED_TEXT (Documentation/perfctr.rst, "Not counted").  No real
 * count reaches 2^64 - 1.
 */
#define PC_NOT_COUNTED		U64_MAX
#define PC_NOT_COUNTED_TEXT	"<not-counted>"

/* @a + @b, not counted if either is: a sum never hides a missing count. */
static inline u64 pc_count_add(u64 a, u64 b)
{
	if (a == PC_NOT_COUNTED || b == PC_NOT_COUNTED)
		return PC_NOT_COUNTED;
	return a + b;
}

/*
 * @st's control, for a holder of its mutex or its lock, or once it has
 * exited and the control is frozen.
 */
static inline struct pc_control *pc_task_ctl(struct perfctr_task *st)
{
	return rcu_dereference_protected(st->control,
					 lockdep_is_held(&st->mutex) ||
					 lockdep_is_held(&st->lock) ||
					 READ_ONCE(st->exited));
}

/* Whether @task cannot be released while current looks at its state. */
static inline bool pc_task_stable(struct task_struct *task)
{
	return task == current || task == current->group_leader;
}

int pc_task_init(void);
void pc_task_exit(void);
struct perfctr_task *pc_task_alloc(gfp_t gfp);
void pc_task_set_leader(struct task_struct *task, struct perfctr_task *st);
struct perfctr_task *pc_task_get(struct task_struct *task);
void pc_task_put(struct perfctr_task *st);
void pc_task_detach(struct task_struct *task, struct perfctr_task *st);
struct pc_control *pc_task_control(struct perfctr_task *st);
struct perfctr_task *pc_task_get_state(struct task_struct *task);
int pc_task_start(struct task_struct *task, struct perfctr_task *st,
		  struct pc_control *ctl);
int pc_task_start_events(struct task_struct *task, struct perfctr_task *st);
int pc_task_program(struct task_struct *task, struct pc_control *ctl);
void pc_task_seal(struct task_struct *task);
void pc_task_discard(struct perfctr_task *st);
void pc_task_stop_events(struct task_struct *task, struct perfctr_task *st);
void pc_task_stop(struct task_struct *task, struct perfctr_task *st);
struct pc_control *pc_task_counts_begin(struct task_struct *task,
					struct perfctr_task *st, u64 *counts);
void pc_task_counts_end(struct perfctr_task *st);
struct pc_control *pc_task_read_children(struct perfctr_task *st,
					 u64 *counts, u64 *lost);

#endif /* _PERFCTR_TASK_H */
