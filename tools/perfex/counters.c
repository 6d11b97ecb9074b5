// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a task's counters through libperfctr, for both modes: the
 * command's, once it is a zombie, and a followed process's at each sample.
 */
#include <errno.h>
#include <stdio.h>

#include "perfex.h"

_Static_assert(PERFEX_NAME_MAX >= PERFCTR_NAME_MAX,
	       "a perfex name holds any canonical name");

/*
 * Names, counts, children counts and lost count of one control:
 * perfctr_snapshot() reads the files between two reads of the id and reads
 * them again while the control changes (EAGAIN if it keeps changing).  A
 * zombie's files never change: one round then.
 *
 * 0, or -1 and errno (ESRCH: the task is gone, not even a zombie).
 */
int counters_read(struct perfctr *pc, struct perfex_counts *c)
{
	struct perfctr_snapshot s;
	int nr, i;

	nr = perfctr_snapshot(pc, &s, sizeof(s));
	if (nr < 0)
		return -1;
	if (nr > PERFEX_MAX_EVENTS) {
		errno = EPROTO;
		return -1;
	}
	c->id = s.id;
	c->nr = nr;
	c->lost = s.lost;
	for (i = 0; i < nr; i++) {
		snprintf(c->name[i], sizeof(c->name[i]), "%s", s.name[i]);
		c->self[i] = s.self[i];
		c->children[i] = s.children[i];
	}
	return 0;
}
