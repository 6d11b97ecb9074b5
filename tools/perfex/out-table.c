// SPDX-License-Identifier: GPL-2.0
/*
 * The table, for people: a command's counts with their rates as perf stat
 * prints them, its process tree drawn as ps(1) draws a forest, and the
 * lines of -p's samples and -I's intervals in fixed columns.
 */
#include <inttypes.h>
#include <string.h>

#include "perfex.h"

/*
 * -p and -I: the table has a fixed layout, printed as the lines come;
 * wider numbers push the event name right rather than realign what is
 * printed.
 */
#define POLL_WIDTH	18

static void table_command(FILE *f, char **argv,
			  const struct perfex_stats *st)
{
	int i;

	fputs("\n Performance counter stats for '", f);
	for (i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	if (st && st->runs < st->repeat)
		fprintf(f, "' (%u of %u runs):\n\n", st->runs, st->repeat);
	else if (st)
		fprintf(f, "' (%u runs):\n\n", st->runs);
	else
		fputs("':\n\n", f);
}

/* -r: "( +- x.xx% )" after a mean, as perf stat -r; nothing if not counted */
static void table_noise(FILE *f, const struct perfex_stats *st,
			const struct perfex_stat *s)
{
	if (!s->not_counted)
		fprintf(f, "  ( +-%6.2f%% )", stat_rsd(s, st->runs));
}

/* -r: a time's mean and its deviation, in seconds and in percent */
static void table_time(FILE *f, const struct perfex_stats *st,
		       const struct perfex_stat *s, const char *what)
{
	fprintf(f, " %14.6f +- %.6f seconds %s", s->mean / 1e9,
		stat_sdm(s, st->runs) / 1e9, what);
	table_noise(f, st, s);
	fputc('\n', f);
}

struct table_tree {
	FILE *f;
	const struct perfex_counts *c;
	int width;
};

static void table_tree_width(const struct perfex_tree *t,
			     const struct tree_proc *p, void *arg)
{
	struct table_tree *tt = arg;
	char num[NUMBER_MAX];
	unsigned int e;

	(void)t;
	for (e = 0; e < tt->c->nr; e++) {
		int w = strlen(output_thousands(p->subtree[e], num,
						NUMBER_MAX));

		if (w > tt->width)
			tt->width = w;
	}
}

static void table_tree_numbers(struct table_tree *tt, const uint64_t *self,
			       const uint64_t *subtree)
{
	char n[2][NUMBER_MAX];
	unsigned int e;

	for (e = 0; e < tt->c->nr; e++)
		fprintf(tt->f, "  %*s %*s", tt->width,
			output_thousands(self[e], n[0], NUMBER_MAX), tt->width,
			subtree ? output_thousands(subtree[e], n[1],
						   NUMBER_MAX) : "-");
}

static void table_tree_line(const struct perfex_tree *t,
			    const struct tree_proc *p, void *arg)
{
	struct table_tree *tt = arg;

	(void)t;
	table_tree_numbers(tt, p->self, p->subtree);
	fprintf(tt->f, "  %7d  %*s%s\n", p->pid, 2 * p->depth, "", p->comm);
}

static void table_tree_thread(const struct perfex_tree *t,
			      const struct tree_proc *p,
			      const struct tree_task *k, const uint64_t *sub,
			      void *arg)
{
	struct table_tree *tt = arg;

	(void)t;
	table_tree_numbers(tt, k->self, sub);
	fprintf(tt->f, "  %7d  %*s[thread] %s\n", k->pid, 2 * p->depth + 2,
		"", k->comm);
}

/* not in the total: no subtree, no depth, who forked it */
static void table_tree_outside(const struct perfex_tree *t,
			       const struct tree_proc *p, void *arg)
{
	struct table_tree *tt = arg;

	(void)t;
	table_tree_numbers(tt, p->self, NULL);
	fprintf(tt->f, "  %7d  %s (forked by %d)\n", p->pid, p->comm, p->ppid);
}

/*
 * One line per process, own counts and the subtree's side by side per
 * event, then the pid and the command indented under its parent, as
 * ps(1) draws a forest: the numbers stay in columns.
 */
static void table_tree(FILE *f, const struct perfex_run *r)
{
	const struct perfex_tree *t = r->tree;
	struct table_tree tt = { f, &r->counts, strlen("subtree") };
	static const struct tree_visitor width = { .process = table_tree_width };
	static const struct tree_visitor line = {
		.process = table_tree_line, .thread = table_tree_thread,
	};
	static const struct tree_visitor outside = { .process = table_tree_outside };
	unsigned int e;

	tree_walk(t, &width, &tt);
	for (e = 0; e < tt.c->nr; e++) {
		int w = strlen(tt.c->name[e]);

		if (w > 2 * tt.width + 1)
			tt.width = w / 2;
	}
	fprintf(f, " Process tree: %zu process%s, own counts and subtree's\n\n",
		t->inside + 1, t->inside ? "es" : "");
	for (e = 0; e < tt.c->nr; e++)
		fprintf(f, "  %*s", 2 * tt.width + 1, tt.c->name[e]);
	fputc('\n', f);
	for (e = 0; e < tt.c->nr; e++)
		fprintf(f, "  %*s %*s", tt.width, "self", tt.width, "subtree");
	fprintf(f, "  %7s  %s\n", "pid", "command");
	tree_walk(t, &line, &tt);
	if (t->outside) {
		fprintf(f, "\n Not in the total (not merged into the command's tree): %zu\n\n",
			t->outside);
		tree_walk_outside(t, &outside, &tt);
	}
	if (t->dropped)
		fprintf(f, "\n %" PRIu64 " exit records dropped: the tree is incomplete\n",
			t->dropped);
	fputc('\n', f);
}

void table_run(FILE *f, const struct perfex_run *r)
{
	const struct perfex_counts *c = &r->counts;
	const struct perfex_stats *st = r->stats;
	char num[3][PERFEX_MAX_EVENTS][NUMBER_MAX], *s[3][PERFEX_MAX_EVENTS];
	int width = strlen("children"), namew = strlen("event"), ratew = 0;
	char rate[64];
	unsigned int i, k;

	for (i = 0; i < c->nr; i++) {
		s[0][i] = output_thousands(c->self[i], num[0][i], NUMBER_MAX);
		s[1][i] = output_thousands(c->children[i], num[1][i],
					   NUMBER_MAX);
		s[2][i] = output_thousands(count_add(c->self[i],
						     c->children[i]),
					   num[2][i], NUMBER_MAX);
		for (k = 0; k < 3; k++) {
			if ((int)strlen(s[k][i]) > width)
				width = strlen(s[k][i]);
		}
		if ((int)strlen(c->name[i]) > namew)
			namew = strlen(c->name[i]);
		if (output_metric(r, i, rate, sizeof(rate)) &&
		    (int)strlen(rate) > ratew)
			ratew = strlen(rate);
	}
	table_command(f, r->argv, st);
	if (!c->nr)		/* perfex said why */
		fputs("  (no counts)\n", f);
	else
		fprintf(f, "  %*s  %*s  %*s  %s\n", width, "self", width,
			"children", width, "total", "event");
	for (i = 0; i < c->nr; i++) {
		if (st) {
			/* the noise in a column of its own */
			if (!output_metric(r, i, rate, sizeof(rate)))
				rate[0] = '\0';
			fprintf(f, "  %*s  %*s  %*s  %-*s  %-*s", width,
				s[0][i], width, s[1][i], width, s[2][i], namew,
				c->name[i], ratew, rate);
			table_noise(f, st, &st->total[i]);
			fputc('\n', f);
		} else if (output_metric(r, i, rate, sizeof(rate))) {
			fprintf(f, "  %*s  %*s  %*s  %-*s  %s\n", width,
				s[0][i], width, s[1][i], width, s[2][i],
				namew, c->name[i], rate);
		} else {
			fprintf(f, "  %*s  %*s  %*s  %s\n", width, s[0][i],
				width, s[1][i], width, s[2][i], c->name[i]);
		}
	}
	if (st) {
		fputc('\n', f);
		table_time(f, st, &st->elapsed, "time elapsed");
		fputc('\n', f);
		table_time(f, st, &st->user, "user");
		table_time(f, st, &st->system, "sys");
	} else {
		fprintf(f, "\n %14.6f seconds time elapsed\n\n",
			r->elapsed_ns / 1e9);
		fprintf(f, " %14.6f seconds user\n", r->user_ns / 1e9);
		fprintf(f, " %14.6f seconds sys\n", r->system_ns / 1e9);
	}
	if (r->signal)
		fprintf(f, "\n command killed by signal %d (%s)\n", r->signal,
			strsignal(r->signal));
	fputc('\n', f);
	if (r->tree)
		table_tree(f, r);
}

void table_poll_begin(FILE *f, pid_t pid)
{
	fprintf(f, "# perfex: counters of %d\n", (int)pid);
	fprintf(f, "#%10s  %*s  %*s  %*s  %s\n", "time", POLL_WIDTH, "count",
		POLL_WIDTH, "delta", POLL_WIDTH, "children", "event");
}

void table_sample(FILE *f, const struct perfex_sample *s)
{
	const struct perfex_counts *c = s->counts;
	char n[3][NUMBER_MAX];
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		fprintf(f, "%11.3f  %*s  %*s  %*s  %s\n", s->time_ns / 1e9,
			POLL_WIDTH, output_thousands(c->self[i], n[0],
						     NUMBER_MAX),
			POLL_WIDTH, output_thousands(s->delta[i], n[1],
						     NUMBER_MAX),
			POLL_WIDTH, output_thousands(c->children[i], n[2],
						     NUMBER_MAX),
			c->name[i]);
}

void table_interval(FILE *f, uint64_t time_ns, const struct perfex_counts *c,
		    const uint64_t *self, const uint64_t *children, bool first)
{
	char n[3][NUMBER_MAX];
	unsigned int i;

	if (first)
		fprintf(f, "#%10s  %*s  %*s  %*s  %s\n", "time", POLL_WIDTH,
			"self", POLL_WIDTH, "children", POLL_WIDTH, "total",
			"event");
	for (i = 0; i < c->nr; i++)
		fprintf(f, "%11.3f  %*s  %*s  %*s  %s\n", time_ns / 1e9,
			POLL_WIDTH, output_thousands(self[i], n[0], NUMBER_MAX),
			POLL_WIDTH, output_thousands(children[i], n[1],
						     NUMBER_MAX),
			POLL_WIDTH, output_thousands(count_add(self[i],
							       children[i]),
						     n[2], NUMBER_MAX),
			c->name[i]);
}
