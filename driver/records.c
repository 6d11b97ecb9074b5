// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: perf's records of a thread's hardware counters, after its page
 *
 * A thread reads its own hardware counters without a system call the way
 * perf's self-monitoring page lets it read an event it mmapped: from the
 * event's record (lock word, hardware index, offset, width), which perf
 * keeps through every switch, reprogramming and overflow of the counter,
 * and the counter register itself.  perfctr's events are in-kernel counters
 * with no buffer to map, so the module gives each hardware event a record
 * of its own (perf_event_set_user_page()) in a page that it maps after the
 * counter page, and the counter page tells the reader where each record
 * is (PERFCTR_COUNTER_PERF).  Nothing of perf's bookkeeping is derived
 * here.
 *
 * Which architectures: where the PMU lets a task read the counters of its
 * own events when they ask for it.  That is arm64's PMUv3, behind the
 * kernel.perf_user_access sysctl, for events with the "rdpmc" format bit
 * (config1:1), which every hardware event of perfctr's sets there
 * (pc_records_attr()).  Like perf's own such events, it lets a task that
 * has them read its counter registers while it runs, mapped page or not;
 * the PMU clears the registers no event of the task uses.  x86 lets a task
 * read counters (rdpmc) only for events mmapped through perf's own file,
 * so its hardware counters stay read(2)'s.
 *
 * Records and their reuse: a page holds PC_RECORDS records, two for each
 * counter of a control, one of each parity.  The events of a new control
 * take the records of the parity the current ones do not use
 * (pc_records_attach()), so that no two events that may still count keep
 * one record: the state's events in place when the parity last flipped
 * were stopped for good then (pc_events_start()), and events replaced by a
 * control without perf events are stopped before the replacement is
 * published (pc_task_replace()).  A stopped event is never scheduled
 * again, so perf writes its record no more, even before it is released.
 *
 * Locking: the record page, the parity and the records' owners
 * (pc_page::slot) change under the state's mutex; the page's writers are
 * perf's.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/perf_event.h>
#include <linux/preempt.h>

#include "control.h"
#include "page.h"
#include "records.h"
#include "task.h"

static_assert(PC_RECORDS * PERFCTR_RECORD_SIZE <= PAGE_SIZE);
static_assert(offsetof(struct perf_event_mmap_page, __reserved) <=
	      PERFCTR_RECORD_SIZE);

/* Whether the PMU lets a thread read its own counters: see above. */
static bool pc_records_possible(void)
{
	return IS_ENABLED(CONFIG_ARM64);
}

/* A hardware event: one the PMU counts, which has a record to read. */
static bool pc_event_hardware(const struct pc_event *ev)
{
	return ev->kind == PC_KIND_PERF && ev->type != PERF_TYPE_SOFTWARE;
}

static struct perf_event_mmap_page *
pc_record(struct pc_page *pg, unsigned int slot)
{
	return page_address(pg->records) + slot * PERFCTR_RECORD_SIZE;
}

/**
 * pc_records_alloc() - give a new counter page its page of records
 * @pg: the page, not yet published
 *
 * Where the PMU lets a thread read its counters only.  Without memory for
 * it the thread reads its hardware counters with read(2), as elsewhere.
 */
void pc_records_alloc(struct pc_page *pg)
{
	memset(pg->slot, PC_NO_RECORD, sizeof(pg->slot));
	if (!pc_records_possible())
		return;
	pg->records = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (pg->records)
		pg->user->map_size = 2 * PAGE_SIZE;
}

/* Any context: the state's reference goes, mappings keep theirs. */
void pc_records_free(struct pc_page *pg)
{
	if (pg->records)
		put_page(pg->records);
}

/**
 * pc_records_attr() - ask the PMU to let the task read an event's counter
 * @attr: the attributes of a perfctr event about to be created
 */
void pc_records_attr(struct perf_event_attr *attr)
{
	/* arm64 PMUv3's "rdpmc" format bit */
	if (pc_records_possible() && attr->type != PERF_TYPE_SOFTWARE)
		attr->config1 |= BIT_ULL(1);
}

/**
 * pc_records_attach() - give the hardware events of a new control records
 * @st: the state, its mutex held
 * @ctl: the new control
 * @events: its events, not yet enabled
 *
 * The records are of the parity the state's events do not use; they are
 * the new events' once pc_records_commit() says so.
 *
 * Return: whether the events use the other parity from now on.
 */
bool pc_records_attach(struct perfctr_task *st, const struct pc_control *ctl,
		       struct perf_event **events)
{
	struct pc_page *pg = st->page;
	unsigned int i, parity;

	lockdep_assert_held(&st->mutex);
	if (!pg || !pg->records)
		return false;
	parity = !pg->parity;
	for (i = 0; i < ctl->nr; i++) {
		if (events[i] && pc_event_hardware(&ctl->ev[i]))
			perf_event_set_user_page(events[i],
						 pc_record(pg, 2 * i + parity));
	}
	return true;
}

/**
 * pc_records_commit() - say which records the state's events use now
 * @st: the state, its mutex held, with its new events in place
 * @ctl: its control, or NULL
 * @flipped: what pc_records_attach() returned for them, or false
 */
void pc_records_commit(struct perfctr_task *st, const struct pc_control *ctl,
		       bool flipped)
{
	struct pc_page *pg = st->page;
	unsigned int i;

	lockdep_assert_held(&st->mutex);
	if (!pg || !pg->records)
		return;
	if (flipped)
		pg->parity = !pg->parity;
	for (i = 0; i < PERFCTR_MAX_COUNTERS; i++) {
		pg->slot[i] = PC_NO_RECORD;
		if (flipped && ctl && i < ctl->nr && st->events[i] &&
		    pc_event_hardware(&ctl->ev[i]))
			pg->slot[i] = 2 * i + pg->parity;
	}
}

/**
 * pc_records_attach_live() - give a thread's counting events records
 * @st: the state of current, which has just got its page, its mutex held
 *
 * For the events the thread already has (inherited at fork, or programmed
 * before it first opened its page file), which are counting: perf writes
 * their records first with interrupts off, on the thread's own CPU, where
 * they run.
 */
void pc_records_attach_live(struct perfctr_task *st)
{
	const struct pc_control *ctl = pc_task_ctl(st);
	struct pc_page *pg = st->page;
	unsigned int i;

	lockdep_assert_held(&st->mutex);
	if (!ctl || !pg->records || st->exited)
		return;
	for (i = 0; i < ctl->nr; i++) {
		unsigned int slot = 2 * i + pg->parity;

		if (!st->events[i] || !pc_event_hardware(&ctl->ev[i]))
			continue;
		if (!perf_event_set_user_page(st->events[i],
					      pc_record(pg, slot)))
			pg->slot[i] = slot;
	}
}

/**
 * pc_counter_read_trapped() - a read of a counter register trapped
 *	(perfctr_ops::counter_read_trapped)
 * @tsk: current, which has a state
 *
 * The thread looked a counter up on its page, and the counter was taken
 * away before its read (another task changed the control, or
 * perf_user_access went to 0).  The read is completed with 0; the page
 * stops giving hardware counters, with a new seq, so that the reader
 * retries and uses read(2), which publishes the page again
 * (pc_page_stale()).  Preemption is off while the page changes, so that the
 * switch hook cannot rewrite it meanwhile.
 *
 * Return: whether the thread has a counter page, and so may be reading
 * through it; a thread without one gets what the architecture gives.
 */
bool pc_counter_read_trapped(struct task_struct *tsk)
{
	struct perfctr_task *st = pc_task_state(tsk);
	struct pc_page *pg = READ_ONCE(st->page);

	if (!pg)
		return false;
	preempt_disable();
	pc_page_withdraw_records(pg);
	preempt_enable();
	return true;
}
