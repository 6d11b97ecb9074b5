// SPDX-License-Identifier: GPL-2.0
/*
 * JSON (--json): a command's report as one document, one key a line; -p's
 * samples and -I's intervals as JSON Lines, one object each.  perfex(1)
 * documents the keys; they only ever grow.
 */
#include <inttypes.h>

#include "perfex.h"

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
static void json_string(FILE *f, const char *s)
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
		json_string(f, c->name[i]);
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

	output_count(f, v->b ? count_add(v->a[i], v->b[i]) : v->a[i], true);
}

static void json_values(FILE *f, const struct perfex_counts *c,
			const uint64_t *a, const uint64_t *b)
{
	struct json_counts v = { a, b };

	json_events(f, c, json_count, &v);
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
	json_string(f, p->comm);
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
	json_string(f, k->comm);
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

struct json_stat {
	const struct perfex_stat *s;
	unsigned int runs;
	bool rsd;
};

static void json_stat(FILE *f, unsigned int i, const void *arg)
{
	const struct json_stat *v = arg;

	if (!v->rsd)
		output_mean(f, &v->s[i], true);
	else if (!v->s[i].not_counted)
		fprintf(f, "%.2f", stat_rsd(&v->s[i], v->runs));
	else
		fputs("null", f);
}

/* -r: {"name": mean or deviation (@rsd), ...} of one of self, children, total */
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
void json_run(FILE *f, const struct perfex_run *r)
{
	const struct perfex_counts *c = &r->counts;
	int i;

	fputs("{\n  \"command\": [", f);
	for (i = 0; r->argv[i]; i++) {
		fputs(i ? ", " : "", f);
		json_string(f, r->argv[i]);
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

/* JSON Lines: one object per sample, on one line. */
void json_sample(FILE *f, const struct perfex_sample *s)
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

void json_interval(FILE *f, uint64_t time_ns, const struct perfex_counts *c,
		   const uint64_t *self, const uint64_t *children)
{
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
