// SPDX-License-Identifier: GPL-2.0
/*
 * The three output formats, for a command's counts and for the samples of
 * a followed process.  The CSV and JSON layouts are an interface that
 * scripts parse: perfex(1) documents them, and they only ever grow (new
 * JSON keys, new '#' comment lines), never change.
 */
#include <inttypes.h>
#include <string.h>

#include "perfex.h"

/* 2^64 - 1 with separators is 26 characters. */
#define NUMBER_MAX	32

/* The table's rate column: what a counter's total says per unit. */
enum metric_kind {
	METRIC_CPUS,		/* task-clock over elapsed time */
	METRIC_RATE,		/* per second of task-clock */
	METRIC_GHZ,		/* per nanosecond of task-clock */
	METRIC_PER,		/* over another counter of the same modifier */
	METRIC_PERCENT,		/* the same, in percent */
};

static const struct metric {
	const char *base;
	enum metric_kind kind;
	const char *ref;	/* METRIC_PER, METRIC_PERCENT: the divisor */
	const char *unit;
} metrics[] = {
	{ "task-clock", METRIC_CPUS, NULL, "CPUs utilized" },
	{ "context-switches", METRIC_RATE, NULL, NULL },
	{ "voluntary-switches", METRIC_RATE, NULL, NULL },
	{ "involuntary-switches", METRIC_RATE, NULL, NULL },
	{ "cpu-migrations", METRIC_RATE, NULL, NULL },
	{ "page-faults", METRIC_RATE, NULL, NULL },
	{ "minor-faults", METRIC_RATE, NULL, NULL },
	{ "major-faults", METRIC_RATE, NULL, NULL },
	{ "alignment-faults", METRIC_RATE, NULL, NULL },
	{ "emulation-faults", METRIC_RATE, NULL, NULL },
	{ "tsc", METRIC_GHZ, NULL, "GHz" },
	{ "cycles", METRIC_GHZ, NULL, "GHz" },
	{ "instructions", METRIC_PER, "cycles", "insn per cycle" },
	{ "branch-misses", METRIC_PERCENT, "branches", "of all branches" },
	{ "cache-misses", METRIC_PERCENT, "cache-references",
	  "of all cache refs" },
};

/*
 * @v in decimal with a comma every three digits, at the end of @buf, or
 * NOT_COUNTED_TEXT for PERFCTR_NOT_COUNTED.
 */
char *output_thousands(uint64_t v, char *buf, size_t size)
{
	char *p = buf + size - 1;
	int digits = 0;

	if (v == PERFCTR_NOT_COUNTED) {
		snprintf(buf, size, "%s", NOT_COUNTED_TEXT);
		return buf;
	}
	*p = '\0';
	do {
		if (digits && digits % 3 == 0 && p > buf)
			*--p = ',';
		if (p > buf)
			*--p = '0' + v % 10;
		v /= 10;
		digits++;
	} while (v);
	return p;
}

/* The length of the valid UTF-8 sequence at @s, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* no overlong forms, surrogates or code points past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return len;
}

/*
 * @s as a JSON string.  Arguments are bytes, not necessarily UTF-8: a byte
 * that is not part of valid UTF-8 is written as the code point of the same
 * value (\u00XX), so that the document stays valid JSON.
 */
void output_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if ((len = utf8_len(p))) {
			fwrite(p, 1, len, f);
			p += len;
		} else {
			fprintf(f, "\\u%04x", *p++);
		}
	}
	fputc('"', f);
}

/*
 * The events of @c: the array of their names if @value is NULL, else the
 * object {"name": value, ...}, @value(@f, i, @arg) writing counter i's.
 * Every per-event array and object of the JSON formats is one of these.
 */
static void json_events(FILE *f, const struct perfex_counts *c,
			void (*value)(FILE *f, unsigned int i, const void *arg),
			const void *arg)
{
	unsigned int i;

	fputc(value ? '{' : '[', f);
	for (i = 0; i < c->nr; i++) {
		fputs(i ? ", " : "", f);
		output_json_string(f, c->name[i]);
		if (value) {
			fputs(": ", f);
			value(f, i, arg);
		}
	}
	fputc(value ? '}' : ']', f);
}

static void json_names(FILE *f, const struct perfex_counts *c)
{
	json_events(f, c, NULL, NULL);
}

/* A count as a CSV field or a JSON value: a number or NOT_COUNTED_TEXT. */
static void print_count(FILE *f, uint64_t v, bool json)
{
	if (v != PERFCTR_NOT_COUNTED)
		fprintf(f, "%" PRIu64, v);
	else
		fputs(json ? "\"" NOT_COUNTED_TEXT "\"" : NOT_COUNTED_TEXT, f);
}

/*
 * {"name": value, ...}; @b, if not NULL, is added to @a.  A count that was
 * not counted is the string NOT_COUNTED_TEXT, as perf stat --json has it.
 */
struct json_counts {
	const uint64_t *a, *b;
};

static void json_count(FILE *f, unsigned int i, const void *arg)
{
	const struct json_counts *v = arg;

	print_count(f, v->b ? count_add(v->a[i], v->b[i]) : v->a[i], true);
}

static void json_values(FILE *f, const struct perfex_counts *c,
			const uint64_t *a, const uint64_t *b)
{
	struct json_counts v = { a, b };

	json_events(f, c, json_count, &v);
}

/* The first counter named @base with modifier @mod, or -1. */
static int find_counter(const struct perfex_counts *c, const char *base,
			const char *mod)
{
	size_t len = strlen(base);
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		if (!strncmp(c->name[i], base, len) &&
		    (mod ? !strcmp(c->name[i] + len, mod) :
			   (!c->name[i][len] || c->name[i][len] == ':')))
			return i;
	}
	return -1;
}

/* The total of counter @i, or -1 if it was not counted. */
static double total_of(const struct perfex_counts *c, int i)
{
	uint64_t v = count_add(c->self[i], c->children[i]);

	return v == PERFCTR_NOT_COUNTED ? -1 : (double)v;
}

/* The task-clock total in nanoseconds, 0 without a task-clock counter. */
static double task_clock(const struct perfex_counts *c)
{
	int i = find_counter(c, "task-clock", "");

	if (i < 0)
		i = find_counter(c, "task-clock", NULL);
	return i < 0 ? 0 : total_of(c, i);	/* -1: no rate */
}

/* Events per second, in the unit that keeps the figure short, as perf. */
static bool rate(char *buf, size_t size, double per_sec)
{
	if (per_sec >= 1e6)
		snprintf(buf, size, "# %8.3f M/sec", per_sec / 1e6);
	else if (per_sec >= 1e3)
		snprintf(buf, size, "# %8.3f K/sec", per_sec / 1e3);
	else
		snprintf(buf, size, "# %8.3f /sec", per_sec);
	return true;
}

/* The rate column of counter @i into @buf; false if it has none. */
static bool metric(const struct perfex_run *r, unsigned int i, char *buf,
		   size_t size)
{
	const struct perfex_counts *c = &r->counts;
	char base[PERFEX_NAME_MAX];
	const struct metric *m = NULL;
	const char *mod;
	double v = total_of(c, i), div = 0;
	size_t k;
	int j;

	if (events_base(c->name[i], base, sizeof(base), &mod))
		return false;
	for (k = 0; k < sizeof(metrics) / sizeof(metrics[0]); k++) {
		if (!strcmp(metrics[k].base, base))
			m = &metrics[k];
	}
	if (!m)
		return false;
	switch (m->kind) {
	case METRIC_CPUS:
		div = r->elapsed_ns;
		break;
	case METRIC_RATE:
		div = task_clock(c) / 1e9;	/* seconds */
		break;
	case METRIC_GHZ:
		div = task_clock(c);
		break;
	case METRIC_PER:
	case METRIC_PERCENT:
		j = find_counter(c, m->ref, mod);
		div = j < 0 ? 0 : total_of(c, j);
		if (m->kind == METRIC_PERCENT)
			div /= 100;
		break;
	}
	if (div <= 0 || v < 0)		/* not counted: no rate */
		return false;
	v /= div;
	if (m->kind == METRIC_RATE)
		return rate(buf, size, v);
	snprintf(buf, size, m->kind == METRIC_PERCENT ? "# %8.2f%% %s" :
		 "# %8.3f %s", v, m->unit);
	return true;
}

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

static void table_run(FILE *f, const struct perfex_run *r)
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
		if (metric(r, i, rate, sizeof(rate)) &&
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
			if (!metric(r, i, rate, sizeof(rate)))
				rate[0] = '\0';
			fprintf(f, "  %*s  %*s  %*s  %-*s  %-*s", width,
				s[0][i], width, s[1][i], width, s[2][i], namew,
				c->name[i], ratew, rate);
			table_noise(f, st, &st->total[i]);
			fputc('\n', f);
		} else if (metric(r, i, rate, sizeof(rate))) {
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
		print_count(ct->f, self[e], false);
		fputs(sep, ct->f);
		if (sub)
			print_count(ct->f, sub[e], false);
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

/* -r: a mean, with two decimals, or NOT_COUNTED_TEXT (a JSON string) */
static void print_mean(FILE *f, const struct perfex_stat *s, bool json)
{
	if (!s->not_counted)
		fprintf(f, "%.2f", s->mean);
	else
		fputs(json ? "\"" NOT_COUNTED_TEXT "\"" : NOT_COUNTED_TEXT, f);
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
		print_mean(f, &st->self[i], false);
		fputs(sep, f);
		print_mean(f, &st->children[i], false);
		fputs(sep, f);
		print_mean(f, &st->total[i], false);
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
static void csv_run(FILE *f, const char *sep, const struct perfex_run *r)
{
	const struct perfex_counts *c = &r->counts;
	unsigned int i;

	if (r->stats) {
		csv_repeat(f, sep, r);
		return;
	}
	for (i = 0; i < c->nr; i++) {
		print_count(f, c->self[i], false);
		fputs(sep, f);
		print_count(f, c->children[i], false);
		fputs(sep, f);
		print_count(f, count_add(c->self[i], c->children[i]), false);
		fprintf(f, "%s%s\n", sep, c->name[i]);
	}
	if (r->tree)
		csv_tree(f, sep, r);
}

struct json_tree {
	FILE *f;
	const struct perfex_counts *c;
	bool first;			/* the list's first process */
	bool first_thread;		/* its first thread */
};

static void json_tree_proc(const struct perfex_tree *t,
			   const struct tree_proc *p, void *arg)
{
	struct json_tree *jt = arg;
	FILE *f = jt->f;

	fprintf(f, "%s\n    {\"pid\": %d, \"ppid\": %d, ", jt->first ? "" : ",",
		p->pid, p->ppid);
	jt->first = false;
	if (p->in_tree)
		fprintf(f, "\"parent\": %d, \"depth\": %d, ",
			p->parent < 0 ? 0 : t->procs[p->parent].pid,
			p->depth);
	fputs("\"comm\": ", f);
	output_json_string(f, p->comm);
	fprintf(f, ", \"threads\": %u, \"self\": ", p->nthreads + 1);
	json_values(f, jt->c, p->self, NULL);
	if (p->in_tree) {
		fputs(", \"subtree\": ", f);
		json_values(f, jt->c, p->subtree, NULL);
	}
	if (t->threads)
		fputs(", \"thread_list\": [", f);
	jt->first_thread = true;
}

static void json_tree_thread(const struct perfex_tree *t,
			     const struct tree_proc *p,
			     const struct tree_task *k, const uint64_t *sub,
			     void *arg)
{
	struct json_tree *jt = arg;
	FILE *f = jt->f;

	(void)t;
	(void)p;
	fprintf(f, "%s{\"tid\": %d, \"comm\": ", jt->first_thread ? "" : ", ",
		k->pid);
	jt->first_thread = false;
	output_json_string(f, k->comm);
	fputs(", \"self\": ", f);
	json_values(f, jt->c, k->self, NULL);
	fputs(", \"subtree\": ", f);
	json_values(f, jt->c, sub, NULL);
	fputc('}', f);
}

static void json_tree_proc_end(const struct perfex_tree *t,
			       const struct tree_proc *p, void *arg)
{
	struct json_tree *jt = arg;

	(void)p;
	if (t->threads)
		fputc(']', jt->f);
	fputc('}', jt->f);
}

/* "processes" in tree order, "outside" by pid; see perfex(1). */
static void json_tree(FILE *f, const struct perfex_run *r)
{
	const struct perfex_tree *t = r->tree;
	struct json_tree jt = { .f = f, .c = &r->counts, .first = true };
	static const struct tree_visitor proc = {
		.process = json_tree_proc, .thread = json_tree_thread,
		.process_end = json_tree_proc_end,
	};

	fprintf(f, ",\n  \"dropped\": %" PRIu64 ",\n  \"complete\": %s",
		t->dropped, t->complete ? "true" : "false");
	fputs(",\n  \"processes\": [", f);
	tree_walk(t, &proc, &jt);
	fputs("\n  ],\n  \"outside\": [", f);
	jt.first = true;
	tree_walk_outside(t, &proc, &jt);
	fputs(jt.first ? "]" : "\n  ]", f);
}

/* -r: {"name": mean or deviation (@rsd), ...} of one of self, children, total */
struct json_stat {
	const struct perfex_stat *s;
	unsigned int runs;
	bool rsd;
};

static void json_stat(FILE *f, unsigned int i, const void *arg)
{
	const struct json_stat *v = arg;

	if (!v->rsd)
		print_mean(f, &v->s[i], true);
	else if (!v->s[i].not_counted)
		fprintf(f, "%.2f", stat_rsd(&v->s[i], v->runs));
	else
		fputs("null", f);
}

static void json_stats(FILE *f, const struct perfex_run *r,
		       const struct perfex_stat *s, bool rsd)
{
	struct json_stat v = { s, r->stats->runs, rsd };

	json_events(f, &r->counts, json_stat, &v);
}

/*
 * -r: the means of self, children and total, then their deviations in
 * percent, and the times' ("elapsed", "user", "system").
 */
static void json_repeat(FILE *f, const struct perfex_run *r)
{
	const struct perfex_stats *st = r->stats;

	fputs(",\n  \"self\": ", f);
	json_stats(f, r, st->self, false);
	fputs(",\n  \"children\": ", f);
	json_stats(f, r, st->children, false);
	fputs(",\n  \"total\": ", f);
	json_stats(f, r, st->total, false);
	fputs(",\n  \"self_stddev_pct\": ", f);
	json_stats(f, r, st->self, true);
	fputs(",\n  \"children_stddev_pct\": ", f);
	json_stats(f, r, st->children, true);
	fputs(",\n  \"total_stddev_pct\": ", f);
	json_stats(f, r, st->total, true);
	fprintf(f, ",\n  \"times_stddev_pct\": {\"elapsed\": %.2f, \"user\": %.2f, \"system\": %.2f}",
		stat_rsd(&st->elapsed, st->runs), stat_rsd(&st->user, st->runs),
		stat_rsd(&st->system, st->runs));
}

/*
 * One document, one key a line.  --tree adds "dropped", "complete",
 * "processes" and "outside" after "total"; the keys here stay.
 */
static void json_run(FILE *f, const struct perfex_run *r)
{
	const struct perfex_counts *c = &r->counts;
	int i;

	fputs("{\n  \"command\": [", f);
	for (i = 0; r->argv[i]; i++) {
		fputs(i ? ", " : "", f);
		output_json_string(f, r->argv[i]);
	}
	fputs("],\n", f);
	if (r->stats)
		fprintf(f, "  \"runs\": %u,\n  \"repeat\": %u,\n",
			r->stats->runs, r->stats->repeat);
	fprintf(f, "  \"pid\": %d,\n", (int)r->pid);
	fprintf(f, "  \"exit_status\": %d,\n  \"signal\": %d,\n",
		r->exit_status, r->signal);
	fprintf(f, "  \"elapsed_ns\": %" PRIu64 ",\n", r->elapsed_ns);
	fprintf(f, "  \"user_ns\": %" PRIu64 ",\n", r->user_ns);
	fprintf(f, "  \"system_ns\": %" PRIu64 ",\n", r->system_ns);
	fprintf(f, "  \"lost\": %" PRIu64 ",\n  \"events\": ", c->lost);
	json_names(f, c);
	if (r->stats) {
		json_repeat(f, r);
		fputs("\n}\n", f);
		return;
	}
	fputs(",\n  \"self\": ", f);
	json_values(f, c, c->self, NULL);
	fputs(",\n  \"children\": ", f);
	json_values(f, c, c->children, NULL);
	fputs(",\n  \"total\": ", f);
	json_values(f, c, c->self, c->children);
	if (r->tree)
		json_tree(f, r);
	fputs("\n}\n", f);
}

void output_run(const struct perfex_out *out, const struct perfex_run *run)
{
	switch (out->format) {
	case FORMAT_TABLE:
		table_run(out->f, run);
		break;
	case FORMAT_CSV:
		csv_run(out->f, out->sep, run);
		break;
	case FORMAT_JSON:
		json_run(out->f, run);
		break;
	}
}

/*
 * -p: the table has a fixed layout, printed as the samples come; wider
 * numbers push the event name right rather than realign what is printed.
 */
#define POLL_WIDTH	18

void output_poll_begin(const struct perfex_out *out, pid_t pid)
{
	if (out->format != FORMAT_TABLE)
		return;
	fprintf(out->f, "# perfex: counters of %d\n", (int)pid);
	fprintf(out->f, "#%10s  %*s  %*s  %*s  %s\n", "time", POLL_WIDTH,
		"count", POLL_WIDTH, "delta", POLL_WIDTH, "children", "event");
}

static void table_sample(FILE *f, const struct perfex_sample *s)
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

/* time (seconds, 9 decimals), count, delta, children, event. */
static void csv_sample(FILE *f, const char *sep,
		       const struct perfex_sample *s)
{
	const struct perfex_counts *c = s->counts;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		fprintf(f, "%" PRIu64 ".%09" PRIu64 "%s",
			s->time_ns / 1000000000, s->time_ns % 1000000000, sep);
		print_count(f, c->self[i], false);
		fputs(sep, f);
		print_count(f, s->delta[i], false);
		fputs(sep, f);
		print_count(f, c->children[i], false);
		fprintf(f, "%s%s\n", sep, c->name[i]);
	}
}

/* JSON Lines: one object per sample, on one line. */
static void json_sample(FILE *f, const struct perfex_sample *s)
{
	const struct perfex_counts *c = s->counts;

	fprintf(f, "{\"time_ns\": %" PRIu64 ", \"pid\": %d, \"exited\": %s, "
		"\"lost\": %" PRIu64 ", \"events\": ", s->time_ns, (int)s->pid,
		s->exited ? "true" : "false", c->lost);
	json_names(f, c);
	fputs(", \"count\": ", f);
	json_values(f, c, c->self, NULL);
	fputs(", \"delta\": ", f);
	json_values(f, c, s->delta, NULL);
	fputs(", \"children\": ", f);
	json_values(f, c, c->children, NULL);
	fputs("}\n", f);
}

void output_poll_sample(const struct perfex_out *out,
			const struct perfex_sample *s)
{
	switch (out->format) {
	case FORMAT_TABLE:
		table_sample(out->f, s);
		break;
	case FORMAT_CSV:
		csv_sample(out->f, out->sep, s);
		break;
	case FORMAT_JSON:
		json_sample(out->f, s);
		break;
	}
	/* a sample is for reading now, even through a pipe */
	fflush(out->f);
}

/*
 * -I with a command: what its counts grew by since the last line, self,
 * children and total per event, with the time since it started; the
 * table's header before the first line.
 */
void output_interval(const struct perfex_out *out, uint64_t time_ns,
		     const struct perfex_counts *c, const uint64_t *self,
		     const uint64_t *children, bool first)
{
	FILE *f = out->f;
	char n[3][NUMBER_MAX];
	unsigned int i;

	if (first && out->format == FORMAT_TABLE)
		fprintf(f, "#%10s  %*s  %*s  %*s  %s\n", "time", POLL_WIDTH,
			"self", POLL_WIDTH, "children", POLL_WIDTH, "total",
			"event");
	if (out->format == FORMAT_JSON) {
		fprintf(f, "{\"time_ns\": %" PRIu64 ", \"events\": ", time_ns);
		json_names(f, c);
		fputs(", \"self\": ", f);
		json_values(f, c, self, NULL);
		fputs(", \"children\": ", f);
		json_values(f, c, children, NULL);
		fputs(", \"total\": ", f);
		json_values(f, c, self, children);
		fputs("}\n", f);
	}
	for (i = 0; out->format == FORMAT_TABLE && i < c->nr; i++)
		fprintf(f, "%11.3f  %*s  %*s  %*s  %s\n", time_ns / 1e9,
			POLL_WIDTH, output_thousands(self[i], n[0], NUMBER_MAX),
			POLL_WIDTH, output_thousands(children[i], n[1],
						     NUMBER_MAX),
			POLL_WIDTH, output_thousands(count_add(self[i],
							       children[i]),
						     n[2], NUMBER_MAX),
			c->name[i]);
	for (i = 0; out->format == FORMAT_CSV && i < c->nr; i++) {
		fprintf(f, "%" PRIu64 ".%09" PRIu64 "%s",
			time_ns / 1000000000, time_ns % 1000000000, out->sep);
		print_count(f, self[i], false);
		fputs(out->sep, f);
		print_count(f, children[i], false);
		fputs(out->sep, f);
		print_count(f, count_add(self[i], children[i]), false);
		fprintf(f, "%s%s\n", out->sep, c->name[i]);
	}
	fflush(f);
}

/* The table says why the samples ended; CSV and JSON add no line. */
void output_poll_end(const struct perfex_out *out, const char *note)
{
	if (out->format == FORMAT_TABLE && note)
		fprintf(out->f, "# %s\n", note);
}
