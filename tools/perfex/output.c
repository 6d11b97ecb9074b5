// SPDX-License-Identifier: GPL-2.0
/*
 * The output formats, each in a file of its own (out-table.c, out-csv.c,
 * out-json.c, out-folded.c): here what a report, a sample or an interval line goes to
 * with the format asked for, and the helpers formats share.  The CSV and
 * JSON layouts are an interface that scripts parse: perfex(1) documents
 * them, and they only ever grow (new JSON keys, new '#' comment lines),
 * never change.
 */
#include <inttypes.h>
#include <string.h>

#include "perfex.h"

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

/* A count as a CSV field or a JSON value: a number or NOT_COUNTED_TEXT. */
void output_count(FILE *f, uint64_t v, bool json)
{
	if (v != PERFCTR_NOT_COUNTED)
		fprintf(f, "%" PRIu64, v);
	else
		fputs(json ? "\"" NOT_COUNTED_TEXT "\"" : NOT_COUNTED_TEXT, f);
}

/* -r: a mean, with two decimals, or NOT_COUNTED_TEXT (a JSON string) */
void output_mean(FILE *f, const struct perfex_stat *s, bool json)
{
	if (!s->not_counted)
		fprintf(f, "%.2f", s->mean);
	else
		fputs(json ? "\"" NOT_COUNTED_TEXT "\"" : NOT_COUNTED_TEXT, f);
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
bool output_metric(const struct perfex_run *r, unsigned int i, char *buf,
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
	case FORMAT_FOLDED:
		folded_run(out, run);
		break;
	}
}

void output_poll_begin(const struct perfex_out *out, pid_t pid)
{
	if (out->format == FORMAT_TABLE)
		table_poll_begin(out->f, pid);
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
	case FORMAT_FOLDED:		/* --tree: not with -p */
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
	switch (out->format) {
	case FORMAT_TABLE:
		table_interval(out->f, time_ns, c, self, children, first);
		break;
	case FORMAT_CSV:
		csv_interval(out->f, out->sep, time_ns, c, self, children);
		break;
	case FORMAT_JSON:
		json_interval(out->f, time_ns, c, self, children);
		break;
	case FORMAT_FOLDED:		/* --tree: not with -I */
		break;
	}
	fflush(out->f);
}

/* The table says why the samples ended; CSV and JSON add no line. */
void output_poll_end(const struct perfex_out *out, const char *note)
{
	if (out->format == FORMAT_TABLE && note)
		fprintf(out->f, "# %s\n", note);
}
