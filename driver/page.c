// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the counter page, how a thread reads its own counters without a
 * system call
 *
 * The page holds, per counter, what the thread needs to compute the value
 * a read(2) of its counts file would return at that instant: a sum, and for
 * tsc the time stamp it started from.  Only counters whose value cannot
 * change while the thread runs, other than by the counter tsc counts
 * (get_cycles()), can be kept exact this way: tsc and task-clock, where the
 * thread can read that counter itself (pc_tsc_user_readable()) and, for
 * task-clock, where the scheduler's task clock is a scaling of it
 * (pc_next_clock()); and the
 * context-switch and migration figures, which the scheduler changes only
 * while the thread is off the CPU.  Fault counts do change while the thread
 * runs, and the kernel's fault hook updates them as they happen.  Hardware
 * counters the thread can read itself are perf's to keep: the page says
 * where their records are (records.c).  The other counters (software perf
 * events) are marked so that the reader falls back to read(2).
 * Layout and reader protocol: include/uapi/linux/perfctr.h.  Who writes
 * what: struct pc_page.
 */
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include "kernel.h"
#include <linux/pid.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "page.h"
#include "records.h"
#include "task.h"
#include "tsc.h"

static struct pc_page *pc_page_alloc(void)
{
	struct pc_page *pg = kzalloc(sizeof(*pg), GFP_KERNEL_ACCOUNT);

	if (!pg)
		return NULL;
	pg->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!pg->page) {
		kfree(pg);
		return NULL;
	}
	pg->user = page_address(pg->page);
	pg->user->version = PERFCTR_PAGE_VERSION;
	pg->user->map_size = PAGE_SIZE;
	pc_records_alloc(pg);
	return pg;
}

/* Any context: the state's reference goes, mappings keep theirs. */
void pc_page_free(struct pc_page *pg)
{
	if (!pg)
		return;
	pc_records_free(pg);
	put_page(pg->page);
	kfree(pg);
}

/*
 * The page's seq has two kinds of writer: its owner, which bumps it to odd
 * and back around every update, and another task that marks the page
 * stale (pc_page_request()), which adds 2.  Either may run while the
 * other is midway, so both use atomic additions: neither loses the
 * other's, and the parity stays the owner's.  The user's field is a plain
 * __u64 that the kernel alone writes, of atomic64_t's size and alignment.
 */
static atomic64_t *pc_page_seq(struct perfctr_page *up)
{
	return (atomic64_t *)&up->seq;
}

/* Bump seq to odd before an update and back to even after it. */
static void pc_page_begin(struct perfctr_page *up)
{
	atomic64_inc(pc_page_seq(up));
	smp_wmb();	/* seq odd before the fields change */
}

static void pc_page_end(struct perfctr_page *up)
{
	smp_wmb();	/* the fields before seq is even again */
	atomic64_inc(pc_page_seq(up));
}

static bool pc_account_is_fault(enum pc_account acct)
{
	return acct == PC_ACCT_MIN_FLT || acct == PC_ACCT_MAJ_FLT;
}

/*
 * Figures the page keeps exact as they are: the scheduler only changes
 * the switch and migration figures while the task is off the CPU, and the
 * fault figures move in mm_account_fault(), whose hook updates the page.
 * A stock kernel has no such hook: its fault counts are read through
 * read(2).
 */
static bool pc_account_on_page(enum pc_account acct)
{
	return acct == PC_ACCT_SWITCHES || acct == PC_ACCT_VOLUNTARY ||
	       acct == PC_ACCT_INVOLUNTARY || acct == PC_ACCT_MIGRATIONS ||
	       (!PC_STOCK && pc_account_is_fault(acct));
}

/*
 * task-clock as a function of the TSC, if the kernel's task clock is one:
 * taken under the runqueue lock, which the switch hook holds already.
 */
static void pc_page_clock(struct task_struct *task, bool switching,
			  bool user, u64 base, struct perfctr_page_counter *c)
{
	struct perfctr_clock clk;
	bool exact;

	if (!user)
		exact = false;
	else if (switching)
		exact = pc_next_clock(task, &clk);
	else
		exact = pc_current_clock(&clk);
	if (!exact) {
		c->flags = 0;
		c->sum = 0;
		return;
	}
	c->sum = clk.base - base;
	c->time_mult = clk.mult;
	c->time_shift = clk.shift;
	c->time_cycles = clk.cycles;
	c->time_mask = clk.mask;
	c->flags = PERFCTR_COUNTER_EXACT | PERFCTR_COUNTER_CLOCK;
}

/*
 * The values of the live counters.  Owner, interrupts off, seq odd; from
 * the switch hook if @switching.
 */
static void pc_page_update(struct task_struct *task, struct perfctr_task *st,
			   struct pc_page *pg, bool switching)
{
	struct perfctr_page *up = pg->user;
	bool user = pc_tsc_user_readable(task);
	struct pc_switches sw;
	unsigned int i;

	pc_switches_read(task, &sw);
	for (i = 0; i < pg->nr; i++) {
		struct perfctr_page_counter *c = &up->counter[i];

		switch (pg->source[i]) {
		case PC_PAGE_FIXED:
			break;
		case PC_PAGE_TSC:
			if (!user) {
				c->flags = 0;
				c->sum = 0;
				c->start = 0;
				break;
			}
			c->sum = st->tsc.sum;
			c->start = st->tsc.start;
			c->flags = PERFCTR_COUNTER_EXACT;
			if (st->tsc.running)
				c->flags |= PERFCTR_COUNTER_TSC;
			break;
		case PC_PAGE_ACCOUNT:
			c->sum = pc_account_read(task, pg->acct[i], &sw) -
				 pg->base[i];
			c->flags = PERFCTR_COUNTER_EXACT;
			break;
		case PC_PAGE_CLOCK:
			pc_page_clock(task, switching, user, pg->base[i], c);
			break;
		}
	}
}

/**
 * pc_page_publish() - rewrite a thread's page from its state
 * @task: the thread, current
 * @st: its state, with a page, its mutex held
 *
 * Applies a tsc restart another task asked for (it would otherwise wait for
 * the next switch), then publishes the control, the counters and how the
 * switch hook keeps them current, and marks the page fresh.
 */
void pc_page_publish(struct task_struct *task, struct perfctr_task *st)
{
	const struct pc_control *ctl = pc_task_ctl(st);
	struct pc_page *pg = st->page;
	struct perfctr_page *up = pg->user;
	unsigned int i, nr = ctl ? ctl->nr : 0;
	unsigned long flags;

	lockdep_assert_held(&st->mutex);
	if (WARN_ON_ONCE(task != current))
		return;
	local_irq_save(flags);
	pc_tsc_sync(&st->tsc);
	pc_page_begin(up);
	up->id = ctl ? ctl->id : 0;
	up->nr = nr;
	up->flags = PERFCTR_PAGE_REQUEST_SEQ |
		    (st->exited ? PERFCTR_PAGE_EXITED : 0);
	up->tid = pg->tid;
	memset(up->counter, 0, sizeof(up->counter));
	pg->nr = nr;
	pg->faults = false;
	for (i = 0; i < nr; i++) {
		const struct pc_event *ev = &ctl->ev[i];

		pg->source[i] = PC_PAGE_FIXED;
		if (st->exited && st->final[i] == PC_NOT_COUNTED) {
			/* never exact: the reader's read(2) says so */
		} else if (st->exited) {
			up->counter[i].sum = st->final[i];
			up->counter[i].flags = PERFCTR_COUNTER_EXACT;
		} else if (ev->kind == PC_KIND_TSC) {
			pg->source[i] = PC_PAGE_TSC;
		} else if (ev->kind == PC_KIND_ACCOUNT &&
			   pc_account_on_page(ev->acct)) {
			pg->source[i] = PC_PAGE_ACCOUNT;
			pg->acct[i] = ev->acct;
			pg->base[i] = st->base[i];
			pg->faults |= pc_account_is_fault(ev->acct);
		} else if (ev->kind == PC_KIND_ACCOUNT &&
			   ev->acct == PC_ACCT_RUNTIME) {
			pg->source[i] = PC_PAGE_CLOCK;
			pg->base[i] = st->base[i];
		} else if (pg->slot[i] != PC_NO_RECORD) {
			/* perf keeps the record; the count is all of it */
			up->counter[i].start = PAGE_SIZE +
				pg->slot[i] * PERFCTR_RECORD_SIZE;
			up->counter[i].flags = PERFCTR_COUNTER_PERF;
		}
	}
	pc_page_update(task, st, pg, false);
	pg->trapped = false;
	up->applied = pg->requested;
	pc_page_end(up);
	local_irq_restore(flags);
}

/**
 * pc_page_request() - mark a thread's page stale before changing its control
 * @pg: the page of a thread other than current
 *
 * Context: the state's mutex held, before anything of the control changes.
 */
void pc_page_request(struct pc_page *pg)
{
	pg->requested++;
	WRITE_ONCE(pg->user->requested, pg->requested);
	/*
	 * requested before the new seq: a reader that finds the new seq
	 * finds the page stale (PERFCTR_PAGE_REQUEST_SEQ)
	 */
	smp_wmb();
	atomic64_add(2, pc_page_seq(pg->user));
	smp_wmb();	/* stale before the control and the tsc change */
}

/*
 * Whether the thread's page needs publishing: another task changed the
 * control, or a trapped counter read took the hardware counters off it.
 * Context: the state's mutex held.
 */
bool pc_page_stale(const struct pc_page *pg)
{
	return READ_ONCE(pg->user->applied) != pg->requested ||
	       READ_ONCE(pg->trapped);
}

/**
 * pc_page_withdraw_records() - stop giving hardware counters on the page
 * @pg: the page of current, preemption off
 *
 * After a trapped counter read (pc_counter_read_trapped()): the reader
 * sees seq change and retries, and finds no PERFCTR_COUNTER_PERF.
 */
void pc_page_withdraw_records(struct pc_page *pg)
{
	struct perfctr_page *up = pg->user;
	unsigned int i;

	pc_page_begin(up);
	for (i = 0; i < PERFCTR_MAX_COUNTERS; i++) {
		if (up->counter[i].flags & PERFCTR_COUNTER_PERF) {
			up->counter[i].flags = 0;
			up->counter[i].start = 0;
		}
	}
	WRITE_ONCE(pg->trapped, true);
	pc_page_end(up);
}

/**
 * pc_page_switch_in() - bring the page up to date as its thread gets a CPU
 * @task: the thread being switched in
 * @st: its state, whose tsc has just been switched in
 * @pg: its page (a thread without one has nothing to update)
 *
 * seq changes at every switch-in, so that a reader that was switched out
 * in the middle of a read retries: its time stamps are from before.  A
 * stale page keeps its values: another task is changing the control, and
 * the reader uses read(2) until the thread publishes the page again.  The
 * stale mark is visible here if the tsc restart it precedes was applied,
 * by the acquire in pc_tsc_switch().
 *
 * Context: the context-switch hook, interrupts off.
 */
void pc_page_switch_in(struct task_struct *task, struct perfctr_task *st,
		       struct pc_page *pg)
{
	struct perfctr_page *up = pg->user;

	pc_page_begin(up);
	if (READ_ONCE(up->requested) == up->applied)
		pc_page_update(task, st, pg, true);
	pc_page_end(up);
}

/**
 * pc_fault() - the fault hook (perfctr_ops::fault)
 * @tsk: current, whose fault figures just moved
 *
 * Brings the fault counts of the page up to date, so that the page gives
 * them exactly.  Preemption is off while the page changes, so that the
 * switch hook cannot rewrite it meanwhile; a thread without a page, or
 * whose page counts no faults, pays a test.
 */
void pc_fault(struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);
	struct pc_page *pg = READ_ONCE(st->page);
	struct perfctr_page *up;
	unsigned int i;

	if (!pg || !pg->faults)
		return;
	preempt_disable();
	up = pg->user;
	pc_page_begin(up);
	if (READ_ONCE(up->requested) == up->applied) {
		for (i = 0; i < pg->nr; i++) {
			if (pg->source[i] != PC_PAGE_ACCOUNT ||
			    !pc_account_is_fault(pg->acct[i]))
				continue;
			/* a fault figure: no switch figures needed */
			up->counter[i].sum = pc_account_read(tsk, pg->acct[i],
							     NULL) -
					     pg->base[i];
		}
	}
	pc_page_end(up);
	preempt_enable();
}

/**
 * pc_open_page() - get the calling thread's page ready to be mapped
 * @task: current, opening its own page file (perfctr_ops::open_page)
 *
 * A thread without a state gets one, so that a control written later
 * reaches the page.  The page is allocated by the first open only: a
 * thread that never opens its page file costs nothing.  This is done at
 * open rather than at mmap(2) because mmap(2) holds the mmap lock, which
 * must not be taken outside the state's mutex (reading perf events under
 * the mutex takes perf's context mutex, which a perf read holds across a
 * copy to user space that may take the mmap lock).
 *
 * The page names the thread by the id it has in its own pid namespace,
 * what gettid() returns in it, so that a reader can tell the page from
 * the page of a dead thread whose pthread_t it was given.  Only the thread
 * itself opens the file, so current's view is the reader's; it never
 * changes, as unshare(CLONE_NEWPID) and setns() only place children.  The
 * id itself changes when a thread other than the leader exec()s: it takes
 * the leader's, and the new program opens the file again.
 *
 * Return: 0, -ENOMEM, or -ESRCH if the thread is exiting.
 */
int pc_open_page(struct task_struct *task)
{
	struct perfctr_task *st = pc_task_get_state(task);
	pid_t tid = task_pid_vnr(task);
	struct pc_page *pg;
	int err = 0;

	if (IS_ERR(st))
		return PTR_ERR(st);
	mutex_lock(&st->mutex);
	pg = st->page;
	if (!pg) {
		pg = pc_page_alloc();
		if (!pg) {
			err = -ENOMEM;
			goto unlock;
		}
		pg->tid = tid;
		/* pairs with smp_load_acquire() in pc_mmap_page() */
		smp_store_release(&st->page, pg);
		pc_records_attach_live(st);
		pc_page_publish(task, st);
	} else if (pg->tid != tid) {
		/* a thread that exec()ed, with its leader's id now */
		pg->tid = tid;
		pc_page_publish(task, st);
	}
unlock:
	mutex_unlock(&st->mutex);
	pc_task_put(st);
	return err;
}

/**
 * pc_mmap_page() - map the calling thread's page (perfctr_ops::mmap_page)
 * @task: current
 * @vma: at offset 0, read-only, not copied at fork: the page, or the page
 *	and its records (perfctr_page::map_size)
 *
 * Context: the mmap lock held for writing; no lock of the state is taken.
 * Return: 0, -EPERM if the thread has no page (it did not open the file
 * itself), -EINVAL for another size, or what vm_insert_page() returns.
 */
int pc_mmap_page(struct task_struct *task, struct vm_area_struct *vma)
{
	struct perfctr_task *st = pc_task_state(task);
	unsigned long size = vma->vm_end - vma->vm_start;
	struct pc_page *pg;
	int err;

	/* pairs with smp_store_release() in pc_open_page() */
	pg = st ? smp_load_acquire(&st->page) : NULL;
	if (!pg)
		return -EPERM;
	/* set before the page was published, never changed */
	if (size != PAGE_SIZE && !(pg->records && size == 2 * PAGE_SIZE))
		return -EINVAL;
	err = vm_insert_page(vma, vma->vm_start, pg->page);
	if (!err && size > PAGE_SIZE)
		err = vm_insert_page(vma, vma->vm_start + PAGE_SIZE,
				     pg->records);
	return err;
}
