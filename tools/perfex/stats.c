// SPDX-License-Identifier: GPL-2.0
/*
 * -r: the mean of every count over the runs, and how far the mean can be
 * trusted, as perf stat -r says it: the standard deviation of the mean
 * (the runs' sample standard deviation over the square root of their
 * number), as a percentage of the mean.
 */
#include <math.h>

#include "perfex.h"

/* One more value of @s, the @n-th (Welford's update: no sum of squares). */
static void stat_add(struct perfex_stat *s, unsigned int n, uint64_t v)
{
	double d;

	if (v == PERFCTR_NOT_COUNTED) {
		s->not_counted = true;
		return;
	}
	d = (double)v - s->mean;
	s->mean += d / n;
	s->m2 += d * ((double)v - s->mean);
}

/* A run's counts and times into the statistics: it is run st->runs + 1. */
void stats_add(struct perfex_stats *st, const struct perfex_run *run)
{
	const struct perfex_counts *c = &run->counts;
	unsigned int n = ++st->runs, i;

	for (i = 0; i < c->nr; i++) {
		stat_add(&st->self[i], n, c->self[i]);
		stat_add(&st->children[i], n, c->children[i]);
		stat_add(&st->total[i], n,
			 count_add(c->self[i], c->children[i]));
	}
	stat_add(&st->elapsed, n, run->elapsed_ns);
	stat_add(&st->user, n, run->user_ns);
	stat_add(&st->system, n, run->system_ns);
}

/* The standard deviation of the mean of @n values; 0 for one value. */
double stat_sdm(const struct perfex_stat *s, unsigned int n)
{
	if (n < 2)
		return 0;
	return sqrt(s->m2 / (n - 1) / n);
}

/* stat_sdm() in percent of the mean; 0 for a mean of 0. */
double stat_rsd(const struct perfex_stat *s, unsigned int n)
{
	if (s->mean == 0)
		return 0;
	return 100 * stat_sdm(s, n) / s->mean;
}

/* The mean as a count, PERFCTR_NOT_COUNTED if a run did not count it. */
uint64_t stat_round(const struct perfex_stat *s)
{
	if (s->not_counted)
		return PERFCTR_NOT_COUNTED;
	return (uint64_t)llround(s->mean);
}
