/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfex: run a command, or follow a process, with perfctr's per-task
 * counters (Documentation/man/man1/perfex.1).
 *
 *   perfex.c      options, usage, what the modes share (messages, the
 *                 clock, pidfds)
 *   run.c         the command mode: fork, program, exec, wait, read
 *   poll.c        -p: sampling a running process
 *   counters.c    reading a task's counters through libperfctr
 *   events.c      event names: the ":u" fallback, the metric table
 *   tree.c        --tree: the process tree from the exit records, and
 *                 its walk, which the formats print a node at a time
 *   stats.c       -r: the means and deviations over the runs
 *   output.c      where the counts go in the format asked for; what the
 *                 formats share (numbers, rates)
 *   out-table.c   the table, for people
 *   out-csv.c     CSV (-x)
 *   out-json.c    JSON (--json)
 *   out-folded.c  --folded: the tree as a flame graph's folded stacks
 */
#ifndef PERFEX_H
#define PERFEX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <perfctr.h>

#define PERFEX_MAX_EVENTS	PERFCTR_MAX_COUNTERS
/* A canonical name is at most 32 bytes (lib/internal.h); room to spare. */
#define PERFEX_NAME_MAX		64

#define PERFEX_DEFAULT_EVENTS \
	"task-clock context-switches cpu-migrations minor-faults major-faults"
/* Put before the default where the PMU has them and perf permission allows */
#define PERFEX_DEFAULT_HW_EVENTS	"cycles instructions"

/* -r: at most this many runs */
#define PERFEX_REPEAT_MAX	100000

/* perfex's own exit statuses; a command's pass through. */
#define EXIT_USAGE		2
#define EXIT_NOEXEC		126
#define EXIT_NOTFOUND		127

enum perfex_format {
	FORMAT_TABLE,
	FORMAT_CSV,
	FORMAT_JSON,
	FORMAT_FOLDED,			/* --folded: the tree's stacks */
};

struct perfex_opts {
	char *events;			/* -e, joined by blanks; NULL: default */
	enum perfex_format format;
	const char *sep;		/* -x */
	const char *output;		/* -o */
	bool append;			/* --append */
	pid_t pid;			/* -p, 0 without */
	long interval_ms;		/* -I; 0: no interval lines */
	long repeat;			/* -r, 0 without */
	long count;			/* --count, 0: until the process exits */
	bool tree;			/* --tree */
	bool threads;			/* --threads */
	const char *folded;		/* --folded EVENT, or NULL */
	unsigned int folded_pos;	/* EVENT's place among the events */
	unsigned int folded_tokens;	/* asked for, and how many they are */
	char **argv;			/* the command */
};

/* Where and how the counts are printed. */
struct perfex_out {
	FILE *f;
	enum perfex_format format;
	const char *sep;
	const char *folded;		/* FORMAT_FOLDED: the event, */
	unsigned int folded_pos;	/* and where it is among those */
	unsigned int folded_tokens;	/* asked for (folded_counter()) */
};

/*
 * One task's counters, from one consistent read: the control's id, its
 * canonical names, the task's own counts and its children counts.
 */
struct perfex_counts {
	uint64_t id;
	unsigned int nr;
	char name[PERFEX_MAX_EVENTS][PERFEX_NAME_MAX];
	uint64_t self[PERFEX_MAX_EVENTS];
	uint64_t children[PERFEX_MAX_EVENTS];
	uint64_t lost;
};

/*
 * One exit record: a task released under the command's control.  Tasks are
 * told apart by their serials: pid numbers may have been reused.
 */
struct tree_task {
	uint64_t serial;		/* never reused */
	uint64_t leader;		/* its process's leader's serial, or 0 */
	uint64_t into_serial;		/* the task it merged into, or 0 */
	int pid;
	int tgid;
	int ppid;			/* the process that forked it */
	int into;			/* the task it merged into, or 0 */
	char comm[64];
	uint64_t self[PERFEX_MAX_EVENTS];
	uint64_t children[PERFEX_MAX_EVENTS];
	long next_thread;		/* its process's next thread, or -1 */
};

/* A process of the tree: its threads folded together. */
struct tree_proc {
	uint64_t serial;		/* its leader's, the process's identity */
	int pid;
	int ppid;
	char comm[64];
	uint64_t self[PERFEX_MAX_EVENTS];	/* all its threads' own */
	uint64_t subtree[PERFEX_MAX_EVENTS];	/* and its descendants' */
	long parent;			/* index in procs, -1: none */
	long leader;			/* index of its leader's record, or -1 */
	long first_child;		/* in procs, by pid; -1: none */
	long next_sibling;		/* the parent's next child, or -1 */
	long first_thread;		/* in tasks, its first thread but the
					 * leader, or -1 */
	bool has_leader;		/* (the root's are its files) */
	bool in_tree;			/* merged, up to the root */
	int depth;
	unsigned int nthreads;		/* threads other than the leader */
};

/* The exits file being read, then the tree drawn from it. */
struct perfex_tree {
	int fd;
	struct tree_task *tasks;
	size_t ntasks;
	size_t cap;
	unsigned int nr;		/* counters per record */
	uint64_t dropped;		/* records the kernel could not keep */
	bool ended;
	struct tree_proc *procs;	/* the root first, then by pid */
	size_t nprocs;
	size_t *order;			/* the root and the procs under it,
					 * in tree order */
	size_t norder;
	size_t inside;			/* processes under the root */
	size_t outside;			/* recorded, but not merged into it */
	bool complete;			/* every subtree adds up */
	bool threads;			/* --threads: print them */
};

/*
 * What a format does at each node of the tree (tree_walk()): @process at
 * every process; with --threads, @thread at each of its threads but the
 * leader, with the thread's subtree (own and children counts); then
 * @process_end.  @thread and @process_end may be NULL.
 */
struct tree_visitor {
	void (*process)(const struct perfex_tree *t, const struct tree_proc *p,
			void *arg);
	void (*thread)(const struct perfex_tree *t, const struct tree_proc *p,
		       const struct tree_task *k, const uint64_t *subtree,
		       void *arg);
	void (*process_end)(const struct perfex_tree *t,
			    const struct tree_proc *p, void *arg);
};

/*
 * One quantity over the runs of -r: its mean and the sum of the squares
 * of the differences from the mean (updated a run at a time, so that no
 * run's values need be kept).
 */
struct perfex_stat {
	double mean;
	double m2;
	bool not_counted;		/* in one run at least */
};

/* -r: the statistics of the runs done so far. */
struct perfex_stats {
	unsigned int runs;		/* the runs in the statistics */
	unsigned int repeat;		/* the runs asked for */
	struct perfex_stat self[PERFEX_MAX_EVENTS];
	struct perfex_stat children[PERFEX_MAX_EVENTS];
	struct perfex_stat total[PERFEX_MAX_EVENTS];
	struct perfex_stat elapsed, user, system;
};

/* A command that ran to its end, and with --tree its process tree. */
struct perfex_run {
	char **argv;
	pid_t pid;
	int exit_status;		/* the code, or 128 + the signal */
	int signal;			/* 0 unless a signal killed it */
	uint64_t elapsed_ns;
	uint64_t user_ns;
	uint64_t system_ns;
	struct perfex_counts counts;
	struct perfex_tree *tree;	/* NULL without --tree */
	/*
	 * -r: the statistics of the runs, whose rounded means are in counts
	 * and the times above; NULL without -r.
	 */
	const struct perfex_stats *stats;
};

/* One sample of a followed process (-p). */
struct perfex_sample {
	pid_t pid;
	uint64_t time_ns;		/* since perfex started following */
	bool exited;			/* the counts are the final ones */
	const struct perfex_counts *counts;
	uint64_t delta[PERFEX_MAX_EVENTS];
};

/*
 * A count the kernel did not take (PERFCTR_NOT_COUNTED) is printed as
 * NOT_COUNTED_TEXT, as perf stat does, never as a number; a sum with one is
 * not counted either.
 */
#define NOT_COUNTED_TEXT	"<not counted>"

static inline uint64_t count_add(uint64_t a, uint64_t b)
{
	if (a == PERFCTR_NOT_COUNTED || b == PERFCTR_NOT_COUNTED)
		return PERFCTR_NOT_COUNTED;
	return a + b;
}

/* @a - @b, for the deltas of a followed count that only grows */
static inline uint64_t count_sub(uint64_t a, uint64_t b)
{
	if (a == PERFCTR_NOT_COUNTED || b == PERFCTR_NOT_COUNTED)
		return PERFCTR_NOT_COUNTED;
	return a - b;
}

/* perfex.c */
extern const char *perfex_name;
const char *perfex_root(void);
void perfex_unavailable(int err);
uint64_t perfex_now_ns(void);
int perfex_pidfd(pid_t pid);

/* run.c */
int perfex_run_command(const struct perfex_opts *opts,
		       const struct perfex_out *out);

/* poll.c */
int perfex_poll(const struct perfex_opts *opts, const struct perfex_out *out);

/* tree.c */
int tree_open(struct perfex_tree *t, pid_t pid);
int tree_read(struct perfex_tree *t, bool block);
int tree_build(struct perfex_tree *t, pid_t root, const char *root_comm,
	       const struct perfex_counts *c);
/* the root and the processes merged into it, in tree order */
void tree_walk(const struct perfex_tree *t, const struct tree_visitor *v,
	       void *arg);
/* the processes recorded but not merged into the root, by pid */
void tree_walk_outside(const struct perfex_tree *t,
		       const struct tree_visitor *v, void *arg);
void tree_free(struct perfex_tree *t);

/* counters.c */
int counters_read(struct perfctr *pc, struct perfex_counts *c);

/* stats.c */
void stats_add(struct perfex_stats *st, const struct perfex_run *run);
double stat_rsd(const struct perfex_stat *s, unsigned int n);
double stat_sdm(const struct perfex_stat *s, unsigned int n);
uint64_t stat_round(const struct perfex_stat *s);

/* events.c */
char *events_user_only(const char *events);
size_t events_token(const char *text, size_t *pos);
bool events_is_perf(const char *name, size_t len);
int events_base(const char *name, char *base, size_t size,
		const char **modifier);

/* output.c */
/* 2^64 - 1 with separators is 26 characters. */
#define NUMBER_MAX	32
void output_run(const struct perfex_out *out, const struct perfex_run *run);
void output_poll_begin(const struct perfex_out *out, pid_t pid);
void output_poll_sample(const struct perfex_out *out,
			const struct perfex_sample *s);
void output_poll_end(const struct perfex_out *out, const char *note);
void output_interval(const struct perfex_out *out, uint64_t time_ns,
		     const struct perfex_counts *c, const uint64_t *self,
		     const uint64_t *children, bool first);
char *output_thousands(uint64_t v, char *buf, size_t size);
void output_count(FILE *f, uint64_t v, bool json);
void output_mean(FILE *f, const struct perfex_stat *s, bool json);
bool output_metric(const struct perfex_run *r, unsigned int i, char *buf,
		   size_t size);

/* out-table.c */
void table_run(FILE *f, const struct perfex_run *r);
void table_poll_begin(FILE *f, pid_t pid);
void table_sample(FILE *f, const struct perfex_sample *s);
void table_interval(FILE *f, uint64_t time_ns, const struct perfex_counts *c,
		    const uint64_t *self, const uint64_t *children, bool first);

/* out-csv.c */
void csv_run(FILE *f, const char *sep, const struct perfex_run *r);
void csv_sample(FILE *f, const char *sep, const struct perfex_sample *s);
void csv_interval(FILE *f, const char *sep, uint64_t time_ns,
		  const struct perfex_counts *c, const uint64_t *self,
		  const uint64_t *children);

/* out-folded.c */
void folded_run(const struct perfex_out *out, const struct perfex_run *r);

/* out-json.c */
void json_run(FILE *f, const struct perfex_run *r);
void json_sample(FILE *f, const struct perfex_sample *s);
void json_interval(FILE *f, uint64_t time_ns, const struct perfex_counts *c,
		   const uint64_t *self, const uint64_t *children);

#endif /* PERFEX_H */
