/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parser's user-space tests share: parse a text, print its
 * canonical form, check that the canonical form parses to the same control.
 */
#ifndef _FUZZ_CONTROL_HARNESS_H
#define _FUZZ_CONTROL_HARNESS_H

#include <linux/seq_file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

/* The counters of two controls, compared field by field. */
static inline int pc_same_control(const struct pc_control *a,
				  const struct pc_control *b)
{
	unsigned int i;

	if (a->nr != b->nr || a->tsc != b->tsc)
		return 0;
	for (i = 0; i < a->nr; i++) {
		const struct pc_event *x = &a->ev[i], *y = &b->ev[i];

		if (x->kind != y->kind || x->mod != y->mod ||
		    x->acct != y->acct || x->type != y->type ||
		    x->config != y->config || x->label_len != y->label_len ||
		    memcmp(x->label, y->label, x->label_len))
			return 0;
	}
	return 1;
}

/*
 * Parse @text; on success write its canonical form (without the newline)
 * to @canon and check that it parses back to the same control.  Returns the
 * parser's result; aborts on a broken round trip.
 */
static inline int pc_parse_checked(const char *text, char *canon, size_t size)
{
	struct pc_control *ctl, *again;
	struct seq_file m = { .count = 0 };
	int err;

	err = pc_control_parse(text, &ctl);
	if (canon)
		canon[0] = '\0';
	if (err || !ctl)
		return err;
	if (ctl->nr < 1 || ctl->nr > PERFCTR_MAX_COUNTERS)
		abort();
	pc_control_print(&m, ctl);
	if (m.overflow || !m.count || m.buf[m.count - 1] != '\n')
		abort();
	m.buf[m.count - 1] = '\0';
	if (pc_control_parse(m.buf, &again) || !again ||
	    !pc_same_control(ctl, again)) {
		fprintf(stderr, "round trip: '%s' -> '%s'\n", text, m.buf);
		abort();
	}
	if (canon)
		snprintf(canon, size, "%s", m.buf);
	pc_control_put(again);
	pc_control_put(ctl);
	return 0;
}

#endif /* _FUZZ_CONTROL_HARNESS_H */
