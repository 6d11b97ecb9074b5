// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: inheritance at fork, final counts at exit, merging at release
 *
 * A child starts with its parent's control and id and zero counts.  When it
 * is released, its final counts plus its own children counts are added to
 * the children counts of the task it merges into, if that task still has the
 * same id: a reprogramming on either side since the fork changes an id, and
 * then nothing merges.  Processes merge into their real parent, threads into
 * their thread-group leader, so a process's dead threads reach its parent
 * with it.  A child whose counters cannot be set up at fork runs without
 * them and is counted as lost in its parent, which merges upwards too.
 */
#include "kernel.h"
#include <linux/pid.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>

#include "exits.h"
#include "inherit.h"
#include "task.h"

/* The parent lost a child to an error, unless it reprogrammed meanwhile. */
static void pc_fork_lost(struct perfctr_task *parent, struct pc_control *ctl)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&parent->lock, flags);
	if (rcu_access_pointer(parent->control) == ctl)
		parent->lost++;
	raw_spin_unlock_irqrestore(&parent->lock, flags);
	pr_warn_ratelimited("perfctr: %s[%d]: a child could not inherit counters\n",
			    current->comm, task_pid_nr(current));
}

/*
 * copy_process(), with current the parent.  The child cannot run yet, so its
 * counters exist before its first instruction.  A failure leaves the child
 * without counters; the fork itself goes on.
 *
 * A stock kernel calls this from its fork tracepoint, which cannot sleep:
 * the state comes from the atomic reserves, and the perf events are
 * created by the child itself before its first user-mode instruction
 * (pc_task_start_events(), stock-hooks.c).
 */
void pc_fork(struct task_struct *child, u64 clone_flags)
{
	pc_fork_from(pc_task_state(current), child, clone_flags);
}

/*
 * pc_fork() by the parent's state, @parent, which its caller looked up;
 * returns the child's state, or NULL if the child got none.
 */
struct perfctr_task *pc_fork_from(struct perfctr_task *parent,
				  struct task_struct *child, u64 clone_flags)
{
	struct perfctr_task *st;
	struct pc_control *ctl;

	/* kernel threads, and what they spawn (usermode helpers), get nothing */
	if ((child->flags & PF_KTHREAD) || (current->flags & PF_KTHREAD))
		return NULL;
	ctl = pc_task_control(parent);
	if (!ctl)
		return NULL;
	st = pc_task_alloc(PC_STOCK ? GFP_NOWAIT : GFP_KERNEL);
	if (st && (clone_flags & CLONE_THREAD))
		st->leader_serial = parent->leader_serial;
	if (st && !pc_task_start(child, st, ctl)) {
		/* an exits file names who forked whom */
		if (rcu_access_pointer(ctl->exits))
			st->forker = get_pid(task_tgid(current));
		if (!pc_task_publish(child, st))
			return st;
		/* stock mode: no room in the table; the state holds @ctl */
		pc_fork_lost(parent, ctl);
		pc_task_discard(st);
		pc_task_put(st);
		return NULL;
	}
	if (st)
		pc_task_put(st);	/* never published */
	pc_fork_lost(parent, ctl);
	pc_control_put(ctl);
	return NULL;
}

/* copy_process() failed after pc_fork(); the child never ran. */
void pc_fork_abort(struct task_struct *child)
{
	struct perfctr_task *st = pc_task_state(child);

	pc_task_discard(st);
	pc_task_detach(child, st);
}

/* Before perf tears the task's events down: pc_task_stop_events(). */
void pc_exit_events(struct task_struct *tsk)
{
	pc_task_stop_events(tsk, pc_task_state(tsk));
}

void pc_exit(struct task_struct *tsk)
{
	pc_task_stop(tsk, pc_task_state(tsk));
}

/*
 * Counting must not follow a task into a privilege it just gained; what it
 * counted before still reaches its parent (pc_task_seal()).
 */
void pc_secure_exec(struct task_struct *tsk)
{
	pc_task_seal(tsk);
}

/*
 * Adds a released task's counts, @nr of each, to @dst's children counts if
 * @dst still counts with control id @id, or to the counts @dst kept of that
 * id when an exec raised its privilege.  Returns 1 if it did, 0 if not, and
 * -EAGAIN if @dst was released first: only in stock mode, where no
 * tasklist_lock orders the two releases, and then the task was reparented
 * before (pc_merge_up()).
 */
static int pc_merge(struct perfctr_task *dst, u64 id, unsigned int nr,
		    const u64 *self, const u64 *children, u64 lost)
{
	struct pc_control *ctl;
	unsigned long flags;
	u64 *sum = NULL, *sum_lost;
	unsigned int i;

	raw_spin_lock_irqsave(&dst->lock, flags);
	if (dst->released) {
		raw_spin_unlock_irqrestore(&dst->lock, flags);
		WARN_ON_ONCE(!PC_STOCK);
		return -EAGAIN;
	}
	ctl = pc_task_ctl(dst);
	if (ctl && ctl->id == id) {
		sum = dst->children;
		sum_lost = &dst->lost;
	} else if (dst->kept_id == id && dst->kept) {
		sum = dst->kept->counts + nr;
		sum_lost = &dst->kept->lost;
	}
	if (sum) {
		for (i = 0; i < nr; i++)
			sum[i] = pc_count_add(sum[i],
					      pc_count_add(self[i], children[i]));
		*sum_lost += lost;
	}
	raw_spin_unlock_irqrestore(&dst->lock, flags);
	return !!sum;
}

/*
 * Merges a released task's counts into the task it merges into: its real
 * parent if it leads its thread group, else its leader.  Returns that task,
 * or NULL if nothing merged; *@serial is then that task's
 * perfctr_task::serial, or 0.
 *
 * On a patched kernel the caller holds tasklist_lock, which keeps
 * ->real_parent stable and orders this after the releases of the task's
 * own children and before its parent's.  A stock kernel's reap probe runs
 * without it (stock-hooks.c), so there the parent is read under RCU and
 * its state taken with a reference: if the parent was released first, the
 * task was reparented before that (its parent's exit did it), and the new
 * parent is tried.
 */
static struct task_struct *pc_merge_up(struct task_struct *tsk, u64 id,
				       unsigned int nr, const u64 *self,
				       const u64 *children, u64 lost,
				       u64 *serial)
{
	struct task_struct *target, *last = NULL;
	struct perfctr_task *dst;
	int merged;

	*serial = 0;
	for (;;) {
		if (thread_group_leader(tsk))
			target = rcu_dereference(tsk->real_parent);
		else
			target = tsk->group_leader;
		if (target == tsk || target == last)
			return NULL;
		dst = PC_STOCK ? pc_task_get(target) : pc_task_state(target);
		if (!dst)
			return NULL;
		merged = pc_merge(dst, id, nr, self, children, lost);
		if (merged > 0)
			*serial = dst->serial;
		if (PC_STOCK)
			pc_task_put(dst);
		if (merged >= 0)
			return merged ? target : NULL;
		last = target;
	}
}

/**
 * pc_fork_failed() - a new child's counters could not be set up after all
 * @child: the child, current, in its stock-mode start work
 * @st: its state
 *
 * A stock kernel's fork cannot sleep, so a child's perf events are created
 * by the child itself (pc_task_start_events()), and that may fail.  The
 * child then runs without counters and counts as lost where it would have
 * merged, as a child whose fork hook failed does on a patched kernel.
 */
void pc_fork_failed(struct task_struct *child, struct perfctr_task *st)
{
	struct pc_control *ctl = pc_task_control(st);
	u64 serial;

	if (!ctl)
		return;
	rcu_read_lock();
	pc_merge_up(child, ctl->id, 0, NULL, NULL, 1, &serial);
	rcu_read_unlock();
	pc_control_put(ctl);
	pc_task_program(child, NULL);
	pr_warn_ratelimited("perfctr: %s[%d]: could not inherit counters\n",
			    child->comm, task_pid_nr(child));
}

/*
 * The counts a task kept at a privilege-raising exec merge as its final
 * counts would; without them (no memory at the exec) it counts as lost.
 */
static void pc_release_kept(struct task_struct *tsk, struct perfctr_task *st)
{
	const struct pc_kept *kept = st->kept;
	struct task_struct *into;
	unsigned int nr;
	u64 serial;

	if (!kept) {
		pc_merge_up(tsk, st->kept_id, 0, NULL, NULL, 1, &serial);
		return;
	}
	nr = kept->ctl->nr;
	into = pc_merge_up(tsk, st->kept_id, nr, kept->counts,
			   kept->counts + nr, kept->lost, &serial);
	if (rcu_access_pointer(kept->ctl->exits))
		pc_exits_record(tsk, st, kept->ctl, kept->counts,
				kept->counts + nr, into, serial);
}

/*
 * release_task(), under write_lock_irq(&tasklist_lock): the task being
 * released is dead and its parent links are stable.  Its control and final
 * counts were frozen at exit.  Its children counts are final too, and read
 * in place: its threads were released before it, its child processes were
 * reparented at its exit, and every merge, theirs and this one, happens
 * under tasklist_lock.  Only the target's lock is needed to add.  An exits
 * file listening to the control gets the task's record here too, where the
 * merge is decided, so that records come in the order merges happen; one
 * whose root this task is ends after it.  That is all the lock is held
 * for: waking their readers and freeing the state wait for pc_released().
 * Interrupts are off here, except on PREEMPT_RT: hence irqsave.
 *
 * In stock mode the reap probe calls this without tasklist_lock: setting
 * @released under the state's lock is what orders a late merge of a child
 * (pc_merge() refuses it, and the child goes on to its new parent) against
 * the read of the children counts here.
 */
void pc_release(struct task_struct *tsk)
{
	pc_release_state(tsk, pc_task_state(tsk));
}

/* pc_release() by @tsk's state, @st, which its caller looked up. */
void pc_release_state(struct task_struct *tsk, struct perfctr_task *st)
{
	struct pc_control *ctl = pc_task_ctl(st);
	struct task_struct *into = NULL;
	struct pc_exits *exits;
	unsigned long flags;
	u64 serial;

	/* the listeners are found, and freed, under RCU (exits.c) */
	rcu_read_lock();
	raw_spin_lock_irqsave(&st->lock, flags);
	st->released = true;
	exits = rcu_dereference(st->exits);
	raw_spin_unlock_irqrestore(&st->lock, flags);

	if (ctl) {
		WARN_ON_ONCE(!st->exited);
		into = pc_merge_up(tsk, ctl->id, ctl->nr, st->final,
				   st->children, st->lost, &serial);
		if (rcu_access_pointer(ctl->exits))
			pc_exits_record(tsk, st, ctl, st->final, st->children,
					into, serial);
	}
	if (st->kept_id)
		pc_release_kept(tsk, st);
	if (exits)
		pc_exits_end(exits);
	rcu_read_unlock();
}

/*
 * release_task(), right after it dropped tasklist_lock, in an RCU read-side
 * critical section: wakes the readers of the exits files pc_release() wrote
 * to, and lets go of the state.  Nothing is counted for the task any more:
 * its state goes now, not with the task_struct, unless a reader holds it
 * (see struct perfctr_task).  This may drop the module's last pin.
 */
void pc_released(struct task_struct *tsk)
{
	pc_released_state(tsk, pc_task_state(tsk));
}

/* pc_released() by @tsk's state, @st, which its caller looked up. */
void pc_released_state(struct task_struct *tsk, struct perfctr_task *st)
{
	struct pc_control *ctl = pc_task_ctl(st);
	struct pc_exits *exits;

	rcu_read_lock();
	if (ctl) {
		exits = rcu_dereference(ctl->exits);
		if (exits)
			pc_exits_wake(exits);
	}
	if (st->kept) {
		exits = rcu_dereference(st->kept->ctl->exits);
		if (exits)
			pc_exits_wake(exits);
	}
	exits = rcu_dereference(st->exits);
	if (exits)
		pc_exits_wake(exits);
	rcu_read_unlock();
	pc_task_detach(tsk, st);
}
