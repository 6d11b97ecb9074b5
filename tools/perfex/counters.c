// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a task's counters through libperfctr, for both modes: the
 * command's, once it is a zombie, and a followed process's at each sample.
 */
#include <errno.h>
#include <stdio.h>

#include "perfex.h"

/* A control that keeps changing under us: give up after this many reads. */
#define COUNTERS_TRIES	100

/*
 * Names, counts and children counts of one control.  Each file is its own
 * snapshot, so the reads are bracketed by the id: ids are never reused and
 * a new control zeroes both counts, so the same id on both sides means
 * every value read in between belongs to that control.  A zombie's files
 * never change: one round then.
 */
static int counters_try(struct perfctr *pc, struct perfex_counts *c)
{
	uint64_t again;
	const char *name;
	int nr, nrc, i;

	nr = perfctr_read_id(pc, c->self, PERFEX_MAX_EVENTS, &c->id);
	if (nr < 0)
		return -1;
	nrc = perfctr_read_children(pc, c->children, PERFEX_MAX_EVENTS);
	if (nrc < 0)
		return -1;
	for (i = 0; i < nr; i++) {
		name = perfctr_counter_name(pc, i);
		if (!name)
			return errno == ERANGE ? 1 : -1;	/* changed */
		snprintf(c->name[i], sizeof(c->name[i]), "%s", name);
	}
	if (perfctr_lost(pc, &c->lost) || perfctr_id(pc, &again))
		return -1;
	if (again != c->id || nrc != nr)
		return 1;
	c->nr = nr;
	return 0;
}

/* 0, or -1 and errno (ESRCH: the task is gone, not even a zombie). */
int counters_read(struct perfctr *pc, struct perfex_counts *c)
{
	int i, ret;

	for (i = 0; i < COUNTERS_TRIES; i++) {
		ret = counters_try(pc, c);
		if (ret <= 0)
			return ret;
	}
	errno = EAGAIN;
	return -1;
}
