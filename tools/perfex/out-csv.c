// SPDX-License-Identifier: GPL-2.0
/*
 * CSV (-x SEP), for scripts: one line per event, fields separated by SEP,
 * counts without separators; with --tree, a row per process and event.
 * perfex(1) documents the fields; they only ever grow.
 */
#include <inttypes.h>
#include <string.h>

#include "perfex.h"

/* A command name as a CSV field: quoted if it holds @sep, '"' or a newline. */
static void csv_field(FILE *f, const char *s, const char *sep)
{
	if (!strstr(s, sep) && !strpbrk(s, "\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

struct csv_tree {
	FILE *f;
	const char *sep;
	const struct perfex_counts *c;
};

/*
 * KIND,PID,PPID,PARENT,DEPTH,COMM,SELF,SUBTREE,EVENT per event: KIND is
 * "process", "thread" (PID a thread id, PARENT its process) or "outside"
 * (PARENT, DEPTH and SUBTREE empty).
 */
static void csv_tree_rows(const struct csv_tree *ct, const char *kind,
			  int pid, int ppid, const char *parent,
			  const char *depth, const char *comm,
			  const uint64_t *self, const uint64_t *sub)
{
	const char *sep = ct->sep;
	unsigned int e;

	for (e = 0; e < ct->c->nr; e++) {
		fprintf(ct->f, "%s%s%d%s%d%s%s%s%s%s", kind, sep, pid, sep,
			ppid, sep, parent, sep, depth, sep);
		csv_field(ct->f, comm, sep);
		fputs(sep, ct->f);
		output_count(ct->f, self[e], false);
		fputs(sep, ct->f);
		if (sub)
			output_count(ct->f, sub[e], false);
		fprintf(ct->f, "%s%s\n", sep, ct->c->name[e]);
	}
}

static void csv_tree_line(const struct perfex_tree *t,
			  const struct tree_proc *p, void *arg)
{
	const struct csv_tree *ct = arg;
	char parent[16], depth[16];

	snprintf(parent, sizeof(parent), "%d",
		 p->parent < 0 ? 0 : t->procs[p->parent].pid);
	snprintf(depth, sizeof(depth), "%d", p->depth);
	csv_tree_rows(ct, "process", p->pid, p->ppid, parent, depth, p->comm,
		      p->self, p->subtree);
}

static void csv_tree_thread(const struct perfex_tree *t,
			    const struct tree_proc *p,
			    const struct tree_task *k, const uint64_t *sub,
			    void *arg)
{
	const struct csv_tree *ct = arg;
	char parent[16], depth[16];

	(void)t;
	snprintf(parent, sizeof(parent), "%d", p->pid);
	snprintf(depth, sizeof(depth), "%d", p->depth + 1);
	csv_tree_rows(ct, "thread", k->pid, k->ppid, parent, depth, k->comm,
		      k->self, sub);
}

static void csv_tree_outside(const struct perfex_tree *t,
			     const struct tree_proc *p, void *arg)
{
	(void)t;
	csv_tree_rows(arg, "outside", p->pid, p->ppid, "", "", p->comm,
		      p->self, NULL);
}

static void csv_tree(FILE *f, const char *sep, const struct perfex_run *r)
{
	const struct perfex_tree *t = r->tree;
	struct csv_tree ct = { f, sep, &r->counts };
	static const struct tree_visitor line = {
		.process = csv_tree_line, .thread = csv_tree_thread,
	};
	static const struct tree_visitor outside = { .process = csv_tree_outside };

	tree_walk(t, &line, &ct);
	tree_walk_outside(t, &outside, &ct);
	fprintf(f, "dropped%s%" PRIu64 "\n", sep, t->dropped);
}

/*
 * -r: self, children, total, event and the total's deviation, in percent
 * with a '%' as perf stat -x prints it (empty if not counted).
 */
static void csv_repeat(FILE *f, const char *sep, const struct perfex_run *r)
{
	const struct perfex_stats *st = r->stats;
	const struct perfex_counts *c = &r->counts;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		output_mean(f, &st->self[i], false);
		fputs(sep, f);
		output_mean(f, &st->children[i], false);
		fputs(sep, f);
		output_mean(f, &st->total[i], false);
		fprintf(f, "%s%s%s", sep, c->name[i], sep);
		if (!st->total[i].not_counted)
			fprintf(f, "%.2f%%", stat_rsd(&st->total[i], st->runs));
		fputc('\n', f);
	}
}

/*
 * One line per event: self, children, total, event.  With --tree, then
 * the rows of csv_tree_rows() and a last "dropped,N" line.
 */
void csv_run(FILE *f, const char *sep, const struct perfex_run *r)
{
	const struct perfex_counts *c = &r->counts;
	unsigned int i;

	if (r->stats) {
		csv_repeat(f, sep, r);
		return;
	}
	for (i = 0; i < c->nr; i++) {
		output_count(f, c->self[i], false);
		fputs(sep, f);
		output_count(f, c->children[i], false);
		fputs(sep, f);
		output_count(f, count_add(c->self[i], c->children[i]), false);
		fprintf(f, "%s%s\n", sep, c->name[i]);
	}
	if (r->tree)
		csv_tree(f, sep, r);
}

/* time (seconds, 9 decimals), count, delta, children, event. */
void csv_sample(FILE *f, const char *sep, const struct perfex_sample *s)
{
	const struct perfex_counts *c = s->counts;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		fprintf(f, "%" PRIu64 ".%09" PRIu64 "%s",
			s->time_ns / 1000000000, s->time_ns % 1000000000, sep);
		output_count(f, c->self[i], false);
		fputs(sep, f);
		output_count(f, s->delta[i], false);
		fputs(sep, f);
		output_count(f, c->children[i], false);
		fprintf(f, "%s%s\n", sep, c->name[i]);
	}
}

/* time (seconds, 9 decimals), self, children, total, event. */
void csv_interval(FILE *f, const char *sep, uint64_t time_ns,
		  const struct perfex_counts *c, const uint64_t *self,
		  const uint64_t *children)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		fprintf(f, "%" PRIu64 ".%09" PRIu64 "%s",
			time_ns / 1000000000, time_ns % 1000000000, sep);
		output_count(f, self[i], false);
		fputs(sep, f);
		output_count(f, children[i], false);
		fputs(sep, f);
		output_count(f, count_add(self[i], children[i]), false);
		fprintf(f, "%s%s\n", sep, c->name[i]);
	}
}
