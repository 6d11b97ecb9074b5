/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: the counter page a thread maps to read its own counters
 */
#ifndef _PERFCTR_PAGE_H
#define _PERFCTR_PAGE_H

#include <linux/types.h>
#include <uapi/linux/perfctr.h>

struct page;
struct perfctr_task;
struct task_struct;
struct vm_area_struct;

/* How the context-switch hook keeps a counter of the page current. */
enum pc_page_source {
	PC_PAGE_FIXED,		/* nothing to do: absent, or final */
	PC_PAGE_TSC,		/* the tsc sum and start of the task's pc_tsc */
	PC_PAGE_ACCOUNT,	/* an accounting figure minus its base */
	PC_PAGE_CLOCK,		/* task-clock, as a function of the TSC */
};

/**
 * struct pc_page - the kernel's side of a thread's counter page
 * @page: the page; the state holds one reference, each mapping another
 * @user: its contents, as the thread reads them
 * @requested: how many changes other tasks have begun; @user->requested
 *	follows it.  Under the owning perfctr_task::mutex.
 * @nr: counters the switch hook updates (the published control's)
 * @faults: some of them are fault counts, which the fault hook updates
 * @source: for each of them, where its value comes from
 * @acct: for PC_PAGE_ACCOUNT, the figure
 * @base: for PC_PAGE_ACCOUNT, the figure when counting started
 * @tid: the thread's id as it sees it (task_pid_vnr()) when it last opened
 *	its page file; every rewrite of the page publishes it, so that a
 *	reader can tell the page is not its own (perfctr_page::tid)
 * @records: the page of perf's records of the thread's hardware counters,
 *	mapped after @page, or NULL where the thread cannot read its
 *	counters itself (records.c)
 * @parity: which of each counter's two records the state's events use
 * @slot: for each counter of the state's control, the record its event
 *	keeps, or PC_NO_RECORD
 * @trapped: a read of a counter register trapped since the page was last
 *	published (pc_counter_read_trapped()): the page gives no hardware
 *	counter until it is published again
 *
 * Lifetime: allocated when the thread first opens its page file, freed
 * with its perfctr_task; a mapping keeps the page itself (not the module)
 * until it is unmapped.  Charged to the memory cgroup of the thread.
 *
 * @records, @parity and @slot change under the state's mutex.  Writers of
 * @user, @nr, @faults, @source, @acct, @base and @trapped all run in the
 * owning thread's context: its switch hook (switching in, interrupts off),
 * its fault hook (preemption off), or the thread itself holding the
 * state's mutex with interrupts off (opening its page file, programming
 * its own control, reading its own counts, exit), or its trapped counter
 * reads (preemption off).  They cannot overlap, so the page needs no lock.
 * Another task only raises @requested, and adds 2 to the page's seq, under
 * the mutex, before it changes the control; the page is stale until the
 * owner publishes it again (see include/uapi/linux/perfctr.h).  seq is
 * changed by atomic additions only, so that the owner's bumps and that
 * task's addition never lose one another (pc_page_seq()).
 */
struct pc_page {
	struct page *page;
	struct perfctr_page *user;
	u64 requested;
	unsigned int nr;
	bool faults;
	u8 source[PERFCTR_MAX_COUNTERS];
	u8 acct[PERFCTR_MAX_COUNTERS];
	u64 base[PERFCTR_MAX_COUNTERS];
	pid_t tid;
	struct page *records;
	u8 parity;
	u8 slot[PERFCTR_MAX_COUNTERS];
	bool trapped;
};

int pc_open_page(struct task_struct *task);
int pc_mmap_page(struct task_struct *task, struct vm_area_struct *vma);
void pc_page_free(struct pc_page *pg);
void pc_page_publish(struct task_struct *task, struct perfctr_task *st);
void pc_page_request(struct pc_page *pg);
bool pc_page_stale(const struct pc_page *pg);
void pc_page_switch_in(struct task_struct *task, struct perfctr_task *st,
		       struct pc_page *pg);
void pc_fault(struct task_struct *tsk);
void pc_page_withdraw_records(struct pc_page *pg);

#endif /* _PERFCTR_PAGE_H */
