/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: a control, the list of counters a task counts
 */
#ifndef _PERFCTR_CONTROL_H
#define _PERFCTR_CONTROL_H

#include <linux/refcount.h>
#include <linux/types.h>
#include <uapi/linux/perfctr.h>

#include "account.h"

struct pc_exits;
struct seq_file;

enum pc_kind {
	PC_KIND_TSC,		/* time-stamp counter ticks while the task runs */
	PC_KIND_PERF,		/* a perf_events counter */
	PC_KIND_ACCOUNT,	/* a figure of the task's own accounting */
};

/* Longest label: "stalled-cycles-frontend:uk", or r<16 hex digits>:uk. */
#define PC_LABEL_MAX	32

enum pc_modifier {
	PC_MOD_NONE,
	PC_MOD_USER,	/* ":u", user mode only */
	PC_MOD_KERNEL,	/* ":k", kernel mode only */
	PC_MOD_BOTH,	/* ":uk", both: the perf event of an accounting name */
};

/**
 * struct pc_event - one counter of a control
 * @kind: where the count comes from
 * @mod: privilege-level modifier (perf events only)
 * @acct: the accounting figure (PC_KIND_ACCOUNT only)
 * @type: perf_event_attr::type
 * @config: perf_event_attr::config
 * @name: canonical name; NULL for a raw event, printed as r<hex config>
 * @label: the canonical name with its modifier, as the files print it,
 *	formatted once so that reading a counts file only copies it
 * @label_len: its length
 */
struct pc_event {
	enum pc_kind kind;
	enum pc_modifier mod;
	enum pc_account acct;
	u32 type;
	u64 config;
	const char *name;
	char label[PC_LABEL_MAX];
	u8 label_len;
};

/**
 * struct pc_control - a parsed control
 * @ref: one reference per task whose state points here, plus temporary ones
 * @id: system-wide id, assigned once when the control is first programmed
 * @nr: number of counters
 * @nr_perf: how many of them are perf events (none: fork and programming
 *	create no perf event and need no perf_event_paranoid permission)
 * @tsc: index of the tsc counter in @ev, or -1
 * @exits: the listener that receives a record of each task released with
 *	this control, or NULL; see struct pc_exits
 * @ev: the counters, in the order they were written
 * @rcu: the last reference goes after a grace period, so that a state's
 *	control can be found and referenced without the state's lock
 *	(pc_task_control())
 *
 * Immutable once programmed, but for @exits: a child shares its parent's
 * control, and equal ids imply equal counter lists, which is what makes
 * merging by index right.
 */
struct pc_control {
	refcount_t ref;
	u64 id;
	unsigned int nr;
	unsigned int nr_perf;
	int tsc;
	struct pc_exits __rcu *exits;
	struct pc_event ev[PERFCTR_MAX_COUNTERS];
	struct rcu_head rcu;
};

int pc_control_parse(const char *text, struct pc_control **ctlp);
void pc_control_print(struct seq_file *m, const struct pc_control *ctl);
void pc_event_print(struct seq_file *m, const struct pc_event *ev);

static inline struct pc_control *pc_control_get(struct pc_control *ctl)
{
	if (ctl)
		refcount_inc(&ctl->ref);
	return ctl;
}

void pc_control_put(struct pc_control *ctl);

#endif /* _PERFCTR_CONTROL_H */
