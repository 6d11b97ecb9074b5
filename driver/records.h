/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: perf's records of a thread's hardware counters, mapped after its
 * counter page, so that the thread reads those counters without a system
 * call
 */
#ifndef _PERFCTR_RECORDS_H
#define _PERFCTR_RECORDS_H

#include <linux/types.h>
#include <uapi/linux/perfctr.h>

#include "kernel.h"

struct pc_control;
struct pc_page;
struct perf_event;
struct perf_event_attr;
struct perfctr_task;
struct task_struct;

/*
 * Two records for each counter of a control, one for each parity: see
 * pc_records_attach().  PERFCTR_RECORD_SIZE bytes each, in one page.
 */
#define PC_RECORDS		(2 * PERFCTR_MAX_COUNTERS)
#define PC_NO_RECORD		0xff

#if !PC_STOCK

void pc_records_alloc(struct pc_page *pg);
void pc_records_free(struct pc_page *pg);
void pc_records_attr(struct perf_event_attr *attr);
bool pc_records_attach(struct perfctr_task *st, const struct pc_control *ctl,
		       struct perf_event **events);
void pc_records_attach_live(struct perfctr_task *st);
void pc_records_commit(struct perfctr_task *st, const struct pc_control *ctl,
		       bool flipped);
bool pc_counter_read_trapped(struct task_struct *tsk);

#else

/*
 * A stock kernel cannot keep perf's record of an in-kernel counter
 * (perf_event_set_user_page() is the series' own): hardware counters are
 * read through read(2) there, as on x86.
 */
static inline void pc_records_alloc(struct pc_page *pg) { }
static inline void pc_records_free(struct pc_page *pg) { }
static inline void pc_records_attr(struct perf_event_attr *attr) { }

static inline bool pc_records_attach(struct perfctr_task *st,
				     const struct pc_control *ctl,
				     struct perf_event **events)
{
	return false;
}

static inline void pc_records_attach_live(struct perfctr_task *st) { }

static inline void pc_records_commit(struct perfctr_task *st,
				     const struct pc_control *ctl, bool flipped)
{
}

#endif /* !PC_STOCK */

#endif /* _PERFCTR_RECORDS_H */
