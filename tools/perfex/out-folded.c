// SPDX-License-Identifier: GPL-2.0
/*
 * --folded EVENT, with --tree: the process tree as folded stacks, the
 * input of flame graph tools (flamegraph.pl, inferno, speedscope).  One
 * line per process merged into the command's tree, in tree order:
 *
 *	ROOT;CHILD;GRANDCHILD COUNT
 *
 * the command names from the command down to the process, then the
 * process's own count of EVENT, its threads' included.  A process's own
 * counts sum to the command's total (tree.c), so the lines do too, and a
 * tool's box for a process is its subtree.
 *
 * A process that counted 0 keeps its line: the tools take it, and every
 * process is there.  The processes outside the total are left out, as is a
 * process whose count was not taken (and then the total is not counted
 * either, perfex says so).  The tools split a line at its last blank and
 * the stack at its ';': in a command name, a ';' and the control bytes
 * (a newline would end the line) become '_'; blanks stay.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "perfex.h"

struct folded {
	FILE *f;
	unsigned int event;
	char *path;			/* the names down to the process */
	size_t size;
	size_t *len;			/* the path's length at each depth */
	size_t not_counted;		/* processes left out */
	bool failed;			/* out of memory: no more lines */
};

/*
 * The counter of EVENT: by name, or by its user-mode form, which perfex
 * may have fallen back to (events.c); else, for a name the library
 * canonicalizes (an alias such as "cs"), the counter at the place EVENT
 * has among the events asked for, if they were all counted.  -1: none.
 */
static int folded_counter(const struct perfex_out *out,
			  const struct perfex_counts *c)
{
	char user[PERFEX_NAME_MAX + 3];
	unsigned int i;

	snprintf(user, sizeof(user), "%s:u", out->folded);
	for (i = 0; i < c->nr; i++) {
		if (!strcmp(c->name[i], out->folded))
			return i;
	}
	for (i = 0; i < c->nr; i++) {
		if (!strcmp(c->name[i], user))
			return i;
	}
	if (c->nr == out->folded_tokens)
		return out->folded_pos;
	return -1;
}

/* A byte that would split a frame or end the line. */
static bool folded_breaks(unsigned char ch)
{
	return ch == ';' || ch < 0x20 || ch == 0x7f;
}

static void folded_proc(const struct perfex_tree *t,
			const struct tree_proc *p, void *arg)
{
	struct folded *fo = arg;
	size_t at = p->depth ? fo->len[p->depth - 1] : 0;
	size_t need = at + 1 + strlen(p->comm);
	uint64_t v = p->self[fo->event];
	const unsigned char *s;

	(void)t;
	if (fo->failed)
		return;
	if (need > fo->size) {
		char *path = realloc(fo->path, 2 * need);

		if (!path) {
			fo->failed = true;
			return;
		}
		fo->path = path;
		fo->size = 2 * need;
	}
	if (p->depth)
		fo->path[at++] = ';';
	for (s = (const unsigned char *)p->comm; *s; s++)
		fo->path[at++] = folded_breaks(*s) ? '_' : *s;
	fo->len[p->depth] = at;
	if (v == PERFCTR_NOT_COUNTED) {
		fo->not_counted++;
		return;
	}
	fwrite(fo->path, 1, at, fo->f);
	fprintf(fo->f, " %" PRIu64 "\n", v);
}

/* Nothing without a tree or counts: perfex said why. */
void folded_run(const struct perfex_out *out, const struct perfex_run *r)
{
	static const struct tree_visitor line = { .process = folded_proc };
	struct folded fo = { .f = out->f };
	const struct perfex_tree *t = r->tree;
	int event;

	if (!t || !r->counts.nr)
		return;
	event = folded_counter(out, &r->counts);
	if (event < 0) {
		fprintf(stderr, "%s: --folded: %s was not counted\n",
			perfex_name, out->folded);
		return;
	}
	fo.event = event;
	/* a depth is less than the number of processes */
	fo.len = malloc(t->norder * sizeof(*fo.len));
	if (!fo.len)
		fo.failed = true;
	tree_walk(t, &line, &fo);
	if (fo.failed)
		fprintf(stderr, "%s: --folded: out of memory: the lines stop short\n",
			perfex_name);
	if (fo.not_counted)
		fprintf(stderr, "%s: --folded: %s was not counted in %zu process%s: %s left out\n",
			perfex_name, out->folded, fo.not_counted,
			fo.not_counted > 1 ? "es" : "",
			fo.not_counted > 1 ? "their lines are" : "its line is");
	free(fo.len);
	free(fo.path);
}
