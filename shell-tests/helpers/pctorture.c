// SPDX-License-Identifier: GPL-2.0
/*
 * pctorture: a bounded, seeded torture run of perfctr's inheritance
 *
 *	pctorture [--reload MODULE] [--setuid PROGRAM] [--forks N] SECONDS [SEED]
 *
 * Runs eight workers at once, each a process group of its own and a child
 * subreaper (so that every orphan of its tree comes back to it), for
 * SECONDS (with --forks, until N processes were created too); then every
 * worker finishes its round, reaps everything and exits, and the summary
 * line is
 *
 *	torture: ops=N checks=N failures=0 seconds=S
 *
 * after a line with the figures "forks=N (storm N) setuid-execs=N
 * reloads=N unloads-refused=N".
 *
 * With --reload the run is cut into epochs, one a minute and at least two.
 * While the workers count, the main process tries to unload the module
 * once a second, which must be refused.  Between epochs every worker has
 * ended: the module's reference count, the driver's live-object count,
 * must drain to zero, the module must unload, the files must then fail
 * with ENODEV, and MODULE is loaded again for the next epoch (ids go on
 * above every id seen).  The count must drain to zero at the end too.
 *
 * The workers (see Documentation/perfctr.rst for every rule checked):
 *
 *   exact0, exact1  program the accounting counters, grow a random fork-only
 *		tree (vfork, orphans adopted by the worker, and in half the
 *		rounds threads: thread-forked children, a leader that exits
 *		before its threads, a process that exits with a thread
 *		running), reap it, and compare the children counts with
 *		getrusage(RUSAGE_CHILDREN): faults equal without threads, and
 *		with them behind by at most one per thread (see compare()).
 *   reprogram	children run while their parent writes a new control, the
 *		same text again, or clears it; some children rewrite their own
 *		control.  Only the children forked after the parent's last write
 *		that kept their id merge: exactly their wait4() rusage.
 *   exec	children exec this program again (from the leader, from a
 *		thread, with a thread alive), /bin/true, or a missing file, by
 *		fork and by vfork (and a set-uid program: see --setuid): the
 *		id survives, counts go on, and the children counts still
 *		equal getrusage().
 *   sigchld	a middle process ignores SIGCHLD: its children are released
 *		by the kernel, merge into it, and reach the worker with it.
 *   churn	a changing forest of short-lived processes and threads that
 *		program themselves and check their own files; the target of:
 *   writer	writes valid and invalid controls into random churn tasks, and
 *		into its own sleeping processes, where every result is checked
 *		exactly (a rejected write changes nothing, a new control starts
 *		from zero with an id above every id seen before).
 *   storm	forks as fast as it can, one child at a time, by fork and by
 *		vfork, children that exit at once: the bulk of a run's forks,
 *		every one of them merged and checked against getrusage() in
 *		rounds of 512.
 *
 * With --setuid PROGRAM (a set-uid copy of pctorture owned by another
 * user), the exec worker also execs PROGRAM: the exec raises privilege,
 * the child must find its counters cleared (id 0), and what it counted
 * before the exec merges while the set-uid program's own counts do not:
 * the round's children counts must lie between the other children's
 * rusage plus the child's rusage just before its exec, and that plus the
 * child's whole rusage.
 *
 * Every decision comes from SEED (random when not given, and printed), the
 * worker and the round; only the timing, and so the number of rounds, varies.
 * The first failed check prints "pctorture: FAILED: ..." with its numbers,
 * everything is killed and reaped, and the exit status is 1.  Status 2 is
 * a usage error; 1 is also returned when the kernel has no perfctr.
 *
 * PCTORTURE_DRY_RUN=1 in the environment runs the same processes without
 * touching perfctr and checks nothing about it: it is only for trying the
 * process handling on a kernel without perfctr.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "touch.h"
#include "pcroot.h"

#define MAXC		17	/* lines parsed per file; the kernel allows 16 */
#define NAMELEN		40
#define PROC_CAP	200	/* the design keeps well below: see main() */
#define CHURN_CAP	24	/* live processes in the churn forest */
#define SLOTS		32	/* churn processes the writer can find */
#define SLEEPERS	4
#define GRACE		30	/* seconds after SECONDS for the workers to end */

enum {
	W_EXACT0, W_EXACT1, W_REPROG, W_EXEC, W_SIGCHLD, W_CHURN, W_WRITER, W_STORM, NW
};
static const char *const worker_name[NW] = {
	"exact0", "exact1", "reprogram", "exec", "sigchld", "churn", "writer", "storm",
};

/* Shared by every process of the run (MAP_SHARED, inherited at fork). */
struct shared {
	int stop;		/* stop starting new work */
	int failed;		/* the first failure has been reported */
	long long ops, checks;
	long long rounds[NW];
	long long pages[NW];	/* pages the current round's tree touched */
	long long mm_exits[NW];	/* tasks of the round that exit sharing their mm */
	long long forks;	/* processes created, by fork, vfork or clone */
	long long storm_forks;	/* ... of which by the storm worker */
	long long reloads, unload_refused;	/* --reload */
	long long setuid_execs;			/* --setuid */
	long live, max_live;	/* processes forked and not reaped yet */
	long churn_live;
	unsigned long long max_id;	/* the largest id anybody has read */
	pid_t churn_pgid;
	pid_t churn_slot[SLOTS];
	pid_t worker[NW];
	pid_t orphan[NW];
	/* sigchld worker: the middle process's children counts at its end */
	unsigned long long mid_children[5];
	int mid_done;
	long long mid_pages;
	/* writer */
	long long wr_ok, wr_rejected, wr_gone, wr_sleeper, wr_churn, lost;
	/* exec worker: a set-uid child's rusage right before its exec */
	struct {
		long long minflt, majflt, nvcsw, nivcsw;
	} setuid_pre;
};

static struct shared *sh;
static bool dry;
/* --reload, --setuid, --forks: see usage() and the top of this file */
static const char *reload_path;
static const char *setuid_path;
static unsigned long long min_forks;
static bool selected[NW];	/* --workers; all by default */
static char who[64] = "main";
static unsigned long long seed;

/* <root>/self/perfctr and <root>/thread-self/perfctr, set by main() */
static char SELF[48];
static char THREAD_SELF[48];

/* ------------------------------------------------------------------ */
/* Controls */

static const char EXACT_CTL[] =
	"minor-faults major-faults context-switches voluntary-switches involuntary-switches";
static const char REP_A[] =
	"minor-faults,major-faults cs voluntary-switches involuntary-switches";
static const char REP_B[] =
	"tsc minor-faults voluntary-switches major-faults involuntary-switches cs";
static const char REP_B_CANON[] =
	"tsc minor-faults voluntary-switches major-faults involuntary-switches context-switches";
static const char EXEC_CTL[] =
	"task-clock minor-faults major-faults voluntary-switches involuntary-switches context-switches";
static const char CHURN_CTL[] = "minor-faults cs tsc task-clock";
static const char CHURN_CANON[] = "minor-faults context-switches tsc task-clock";
#define SIXTEEN "tsc task-clock page-faults minor-faults major-faults cs " \
	"cpu-migrations alignment-faults emulation-faults voluntary-switches " \
	"involuntary-switches minor-faults:u minor-faults:k major-faults:u cs:u faults:k"
#define SIXTEEN_CANON "tsc task-clock page-faults minor-faults major-faults " \
	"context-switches cpu-migrations alignment-faults emulation-faults " \
	"voluntary-switches involuntary-switches minor-faults:u minor-faults:k " \
	"major-faults:u context-switches:u page-faults:k"

/*
 * What the writers write: valid texts with their canonical form, invalid
 * ones with the errno the documentation gives them.
 */
struct text {
	const char *text;
	const char *canon;	/* NULL: invalid */
	int err;
};

static const struct text texts[] = {
	{ EXACT_CTL, EXACT_CTL, 0 },
	{ REP_A, EXACT_CTL, 0 },
	{ REP_B, REP_B_CANON, 0 },
	{ EXEC_CTL, EXEC_CTL, 0 },
	{ CHURN_CTL, CHURN_CANON, 0 },
	{ "page-faults,minor-faults\n", "page-faults minor-faults", 0 },
	{ "cpu-migrations tsc minor-faults:u", "cpu-migrations tsc minor-faults:u", 0 },
	{ "major-faults\n", "major-faults", 0 },
	{ "\tvoluntary-switches\tinvoluntary-switches ", "voluntary-switches involuntary-switches", 0 },
	{ SIXTEEN, SIXTEEN_CANON, 0 },
	{ "\n", "", 0 },			/* clears */
	{ "bogus", NULL, EINVAL },
	{ "tsc tsc", NULL, EINVAL },
	{ "cs context-switches", NULL, EINVAL },
	{ "cs,,tsc", NULL, EINVAL },
	{ "minor-faults:ku", NULL, EINVAL },
	{ "voluntary-switches:u", NULL, EINVAL },
	{ "tsc\v", NULL, EINVAL },
	{ SIXTEEN " cs:k", NULL, E2BIG },	/* 17 valid, distinct */
	{ SIXTEEN " bogus", NULL, EINVAL },	/* a bad name past the 16th */
};
#define NTEXTS (sizeof(texts) / sizeof(texts[0]))
#define NVALID 11	/* texts[0..NVALID-1] are valid */

/* ------------------------------------------------------------------ */
/* Reporting */

static void vout(int fd, const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(fd, buf, n) < 0)
		return;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(STDOUT_FILENO, "", fmt, ap);
	va_end(ap);
}

/* The first failure anywhere prints its message; the others only exit. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	char prefix[128];
	va_list ap;

	if (!sh) {	/* an exec'd child: no shared memory */
		snprintf(prefix, sizeof(prefix), "pctorture: FAILED: exec child %d: ",
			 (int)getpid());
		va_start(ap, fmt);
		vout(STDERR_FILENO, prefix, fmt, ap);
		va_end(ap);
		_exit(3);
	}
	if (!__atomic_exchange_n(&sh->failed, 1, __ATOMIC_SEQ_CST)) {
		snprintf(prefix, sizeof(prefix), "pctorture: FAILED: %s[%d]: ",
			 who, (int)gettid());
		va_start(ap, fmt);
		vout(STDERR_FILENO, prefix, fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	_exit(1);
}

#define add(p, n) __atomic_add_fetch((p), (n), __ATOMIC_SEQ_CST)
#define load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define store(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define stopping() load(&sh->stop)

#define CHECK(cond, ...)					\
	do {							\
		add(&sh->checks, 1);				\
		if (!(cond))					\
			fail(__VA_ARGS__);			\
	} while (0)

/* @text with control characters escaped, for messages. */
static const char *esc(const char *text, char *buf, size_t size)
{
	size_t n = 0;

	for (; *text && n + 5 < size; text++) {
		unsigned char c = *text;

		if (c == '\n')
			n += snprintf(buf + n, size - n, "\\n");
		else if (c == '\t')
			n += snprintf(buf + n, size - n, "\\t");
		else if (c < 32 || c >= 127)
			n += snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = c;
	}
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* Randomness: splitmix64, one stream per worker, round and tree node. */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct rng derive(uint64_t a, uint64_t b)
{
	struct rng r = { a ^ (b * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL) };

	next(&r);
	return r;
}

static int rnd(struct rng *r, int n)
{
	return n > 0 ? (int)(next(r) % (uint64_t)n) : 0;
}

static int range(struct rng *r, int lo, int hi)
{
	return lo + rnd(r, hi - lo + 1);
}

/* ------------------------------------------------------------------ */
/* Small tools */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void spin_us(long us)
{
	long long end = now_ns() + us * 1000;

	while (now_ns() < end)
		;
}

/* Something that makes switches: a sleep, yields, or a short spin. */
static void nap(struct rng *r)
{
	int i;

	switch (rnd(r, 4)) {
	case 0:
	case 1:
		sleep_us(range(r, 50, 3000));
		break;
	case 2:
		for (i = 0; i < 3; i++)
			sched_yield();
		break;
	case 3:
		spin_us(range(r, 100, 1500));
		break;
	}
}

/* Faults in @pages fresh anonymous pages: exactly @pages minor faults. */
static void touch(long pages)
{
	if (touch_fresh_pages(pages))
		fail("mmap of %ld pages: %s", pages, strerror(errno));
}

static void touch_for(int w, long pages)
{
	touch(pages);
	add(&sh->pages[w], pages);
}

/* A whole small file; its length, or -errno. */
static int read_at(int dfd, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

/* One write(2) of @text on a fresh descriptor: 0 or the errno. */
static int write_at(int dfd, const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = openat(dfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, text, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;	/* a control is taken whole: never short */
	close(fd);
	return err;
}

/* ------------------------------------------------------------------ */
/* Processes */

static void note_live(long n)
{
	long max = load(&sh->max_live);

	while (n > max &&
	       !__atomic_compare_exchange_n(&sh->max_live, &max, n, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

static pid_t fork_counted(void)
{
	long live = add(&sh->live, 1);
	pid_t pid;

	note_live(live);
	CHECK(live <= PROC_CAP, "pctorture's own cap: %ld live processes", live);
	pid = fork();
	if (pid < 0) {
		add(&sh->live, -1);
		fail("fork: %s", strerror(errno));
	}
	if (pid > 0) {
		add(&sh->ops, 1);
		add(&sh->forks, 1);
	}
	return pid;
}

static void reaped(long n)
{
	add(&sh->live, -n);
}

static void check_status(pid_t pid, int st)
{
	add(&sh->checks, 1);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (load(&sh->failed))
		_exit(1);	/* reported already, where it happened */
	if (WIFEXITED(st))
		fail("process %d exited with status %d", pid, WEXITSTATUS(st));
	fail("process %d was killed by signal %d (%s)", pid, WTERMSIG(st),
	     strsignal(WTERMSIG(st)));
}

/* Reaps @pid, which must exit with status 0. */
static void wait_child(pid_t pid, struct rusage *ru)
{
	struct rusage dummy;
	pid_t got;
	int st;

	do
		got = wait4(pid, &st, 0, ru ? ru : &dummy);
	while (got < 0 && errno == EINTR);
	if (got != pid)
		fail("wait4(%d): %s", pid, strerror(errno));
	reaped(1);
	check_status(pid, st);
}

typedef void (*reap_fn)(pid_t pid, const struct rusage *ru, void *arg);

/* Reaps every child, adopted orphans included, until ECHILD. */
static void reap_all(reap_fn each, void *arg)
{
	struct rusage ru;
	pid_t pid;
	int st;

	for (;;) {
		pid = wait4(-1, &st, 0, &ru);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return;
			fail("wait4(-1): %s", strerror(errno));
		}
		reaped(1);
		check_status(pid, st);
		if (each)
			each(pid, &ru, arg);
	}
}

/*
 * A child the kernel releases itself (its parent ignores SIGCHLD) is
 * EXIT_DEAD, which wait() no longer sees, for a moment before its release:
 * wait() can end with ECHILD before the child's counts merged.  The
 * release hook runs before the pid is unhashed (release_task()), so once
 * kill() finds no task the merge is done.
 */
static void wait_released(pid_t pid)
{
	int i;

	for (i = 0; !kill(pid, 0) || errno != ESRCH; i++) {
		if (i == 100000)
			fail("child %d not released 10 s after wait() gave ECHILD", pid);
		sleep_us(100);
	}
}

/* Field 3 (state) or 5 (pgrp) etc. of a stat file, as a string. */
static int stat_field(int dfd, const char *path, int field, char *out, size_t size)
{
	char buf[1024], *p;
	int n, f;

	n = read_at(dfd, path, buf, sizeof(buf));
	if (n < 0)
		return n;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p)
		return -EINVAL;
	p += 2;
	for (f = 3; f < field && p; f++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	n = strcspn(p, " \n");
	if ((size_t)n >= size)
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* The files: formats and snapshots */

struct names {
	int n;
	char name[MAXC][NAMELEN];
};

struct cnt {
	int n;
	char name[MAXC][NAMELEN];
	unsigned long long v[MAXC];
};

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789:-";

/* "name value\n" lines, each value decimal without leading zeros. */
static const char *parse_counts(const char *t, struct cnt *c)
{
	const char *sp, *nl, *d;
	size_t len, dl;

	c->n = 0;
	while (*t) {
		nl = strchr(t, '\n');
		if (!nl)
			return "a line without a newline";
		sp = memchr(t, ' ', nl - t);
		if (!sp)
			return "a line without a space";
		len = sp - t;
		if (!len || len >= NAMELEN || strspn(t, name_chars) != len)
			return "a bad name";
		d = sp + 1;
		dl = nl - d;
		if (!dl || dl > 20 || strspn(d, "0123456789") != dl ||
		    (dl > 1 && d[0] == '0'))
			return "a bad value";
		if (c->n == MAXC)
			return "more than 16 lines";
		memcpy(c->name[c->n], t, len);
		c->name[c->n][len] = '\0';
		c->v[c->n] = strtoull(d, NULL, 10);
		c->n++;
		t = nl + 1;
	}
	return c->n > 16 ? "more than 16 lines" : NULL;
}

/* Empty, or canonical names separated by single spaces and a newline. */
static const char *parse_control(const char *t, struct names *nm)
{
	size_t len = strlen(t);

	nm->n = 0;
	if (!len)
		return NULL;
	if (t[len - 1] != '\n' || memchr(t, '\n', len - 1))
		return "not one line";
	for (;;) {
		len = strcspn(t, " \n");
		if (!len || len >= NAMELEN || strspn(t, name_chars) < len)
			return "a bad name or separator";
		if (nm->n == MAXC)
			return "more than 16 names";
		memcpy(nm->name[nm->n], t, len);
		nm->name[nm->n][len] = '\0';
		nm->n++;
		t += len;
		if (*t == '\n')
			break;
		t++;
	}
	return nm->n > 16 ? "more than 16 names" : NULL;
}

static const char *parse_u64(const char *t, unsigned long long *v)
{
	size_t dl = strspn(t, "0123456789");

	if (!dl || dl > 20 || strcmp(t + dl, "\n") || (dl > 1 && t[0] == '0'))
		return "not a decimal number and a newline";
	*v = strtoull(t, NULL, 10);
	return NULL;
}

static void join_names(char (*name)[NAMELEN], int n, char *out, size_t size)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += snprintf(out + len, size - len, "%s%s", i ? " " : "",
				name[i]);
}

/* Names a control of texts[] has (the only controls anybody writes). */
static bool known(char (*name)[NAMELEN], int n)
{
	char joined[1024];
	size_t i;

	join_names(name, n, joined, sizeof(joined));
	for (i = 0; i < NVALID; i++)
		if (!strcmp(joined, texts[i].canon))
			return true;
	return false;
}

static int find(const struct cnt *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	return -1;
}

static unsigned long long get(const struct cnt *c, const char *name)
{
	int i = find(c, name);

	if (i < 0)
		fail("no counter %s where one was expected", name);
	return c->v[i];
}

static bool same_names(const struct names *nm, const struct cnt *c)
{
	int i;

	if (nm->n != c->n)
		return false;
	for (i = 0; i < c->n; i++)
		if (strcmp(nm->name[i], c->name[i]))
			return false;
	return true;
}

/*
 * Accounting counters only: a thread reads its own with preemption off
 * (pc_counts_read()), so one file read is one instant and
 * context-switches is exactly the sum of the other two, on a preemptible
 * or PREEMPT_RT kernel too.
 */
static bool accounting_only(const struct cnt *c)
{
	static const char *const acct[] = {
		"minor-faults", "major-faults", "context-switches",
		"voluntary-switches", "involuntary-switches", "cpu-migrations",
		"task-clock", "tsc",
	};
	size_t j;
	int i;

	for (i = 0; i < c->n; i++) {
		for (j = 0; j < sizeof(acct) / sizeof(acct[0]); j++)
			if (!strcmp(c->name[i], acct[j]))
				break;
		if (j == sizeof(acct) / sizeof(acct[0]))
			return false;
	}
	return true;
}

static void check_sum(const struct cnt *c, const char *what, const char *dir)
{
	unsigned long long cs, v, iv;

	if (find(c, "context-switches") < 0 || find(c, "voluntary-switches") < 0 ||
	    find(c, "involuntary-switches") < 0 || !accounting_only(c))
		return;
	cs = get(c, "context-switches");
	v = get(c, "voluntary-switches");
	iv = get(c, "involuntary-switches");
	CHECK(cs == v + iv,
	      "%s/%s: context-switches %llu != voluntary-switches %llu + involuntary-switches %llu",
	      dir, what, cs, v, iv);
}

static void note_id(unsigned long long id)
{
	unsigned long long max = load(&sh->max_id);

	while (id > max &&
	       !__atomic_compare_exchange_n(&sh->max_id, &max, id, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

/*
 * id, control, counts, children, lost, id again: between two equal
 * non-zero ids nobody wrote the control (ids are never reused).
 */
struct snap {
	unsigned long long id1, id2, lost;
	char ctl_text[1024];
	struct names ctl;
	struct cnt counts, children;
};

static int read_one(int dfd, const char *dir, const char *file, char *buf,
		    size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	add(&sh->ops, 1);
	return read_at(dfd, path, buf, size);
}

/* Reads one file of @dir and checks it with @parse; -errno if it is gone. */
static int read_checked(int dfd, const char *dir, const char *file, char *buf,
			size_t size, const char *(*parse)(const char *, void *),
			void *out)
{
	char e[2048];
	const char *why;
	int n = read_one(dfd, dir, file, buf, size);

	if (n < 0)
		return n;
	why = parse(buf, out);
	if (why)
		fail("%s/%s: %s: \"%s\"", dir, file, why, esc(buf, e, sizeof(e)));
	return 0;
}

static const char *parse_u64_any(const char *t, void *v)
{
	return parse_u64(t, v);
}

static const char *parse_control_any(const char *t, void *nm)
{
	return parse_control(t, nm);
}

static const char *parse_counts_any(const char *t, void *c)
{
	return parse_counts(t, c);
}

/* 0, or -errno of the first read that failed (the task is gone). */
static int snapshot(int dfd, const char *dir, struct snap *s)
{
	char buf[4096];
	int n;

	n = read_checked(dfd, dir, "id", buf, sizeof(buf), parse_u64_any, &s->id1);
	if (!n)
		n = read_checked(dfd, dir, "control", s->ctl_text, sizeof(s->ctl_text),
				 parse_control_any, &s->ctl);
	if (!n)
		n = read_checked(dfd, dir, "counts", buf, sizeof(buf), parse_counts_any,
				 &s->counts);
	if (!n)
		n = read_checked(dfd, dir, "children", buf, sizeof(buf),
				 parse_counts_any, &s->children);
	if (!n)
		n = read_checked(dfd, dir, "lost", buf, sizeof(buf), parse_u64_any,
				 &s->lost);
	if (!n)
		n = read_checked(dfd, dir, "id", buf, sizeof(buf), parse_u64_any, &s->id2);
	if (n)
		return n;
	note_id(s->id1);
	note_id(s->id2);
	add(&sh->checks, 6);
	return 0;
}

static void snapshot_self(const char *dir, struct snap *s)
{
	int err = snapshot(AT_FDCWD, dir, s);

	if (err)
		fail("reading %s: %s", dir, strerror(-err));
}

/*
 * What one snapshot must show whoever else writes: counts and children
 * name the control's counters in its order, a control somebody wrote.
 * @self: a task reading its own files, where counts are one instant.
 */
static void consistent(const char *dir, const struct snap *s, bool self)
{
	char a[1024], b[1024];

	if (s->id1 != s->id2 || !s->id1)
		return;
	join_names((char (*)[NAMELEN])s->ctl.name, s->ctl.n, a, sizeof(a));
	CHECK(s->ctl.n > 0, "%s: id %llu with an empty control", dir, s->id1);
	join_names((char (*)[NAMELEN])s->counts.name, s->counts.n, b, sizeof(b));
	CHECK(same_names(&s->ctl, &s->counts),
	      "%s: counts name \"%s\", control is \"%s\" (id %llu)", dir, b, a, s->id1);
	join_names((char (*)[NAMELEN])s->children.name, s->children.n, b, sizeof(b));
	CHECK(same_names(&s->ctl, &s->children),
	      "%s: children name \"%s\", control is \"%s\" (id %llu)", dir, b, a, s->id1);
	CHECK(known((char (*)[NAMELEN])s->ctl.name, s->ctl.n),
	      "%s: control \"%s\" is none that anybody wrote", dir, a);
	check_sum(&s->children, "children", dir);
	if (self)
		check_sum(&s->counts, "counts", dir);
}

/* A task's view of its own files over time: per id, nothing goes back. */
struct mon {
	bool have;
	unsigned long long id, lost;
	struct cnt counts, children;
};

static void monotonic(struct mon *m, const char *dir, const struct snap *s)
{
	int i;

	if (s->id1 != s->id2 || !s->id1)
		return;
	if (m->have && m->id == s->id1) {
		for (i = 0; i < s->counts.n && i < m->counts.n; i++)
			CHECK(s->counts.v[i] >= m->counts.v[i],
			      "%s/counts: %s went back from %llu to %llu (id %llu)",
			      dir, s->counts.name[i], m->counts.v[i], s->counts.v[i], s->id1);
		for (i = 0; i < s->children.n && i < m->children.n; i++)
			CHECK(s->children.v[i] >= m->children.v[i],
			      "%s/children: %s went back from %llu to %llu (id %llu)",
			      dir, s->children.name[i], m->children.v[i],
			      s->children.v[i], s->id1);
		CHECK(s->lost >= m->lost, "%s/lost went back from %llu to %llu (id %llu)",
		      dir, m->lost, s->lost, s->id1);
	}
	m->have = true;
	m->id = s->id1;
	m->lost = s->lost;
	m->counts = s->counts;
	m->children = s->children;
}

/*
 * A task checks its own files.  @strict: nobody else writes its control,
 * so both ids agree, equal @expect (unless -1), and no control means
 * empty files.
 */
static void self_check(struct mon *m, const char *dir, bool strict, long long expect)
{
	struct snap s;

	if (dry)
		return;
	snapshot_self(dir, &s);
	if (strict) {
		CHECK(s.id1 == s.id2, "%s: the id moved from %llu to %llu with no writer",
		      dir, s.id1, s.id2);
		if (expect >= 0)
			CHECK(s.id1 == (unsigned long long)expect,
			      "%s: id %llu, expected %lld (inherited, nobody wrote it)",
			      dir, s.id1, expect);
		if (!s.id1)
			CHECK(!s.ctl.n && !s.counts.n && !s.children.n && !s.lost,
			      "%s: id 0 but control \"%s\", %d counts, %d children, lost %llu",
			      dir, s.ctl_text, s.counts.n, s.children.n, s.lost);
	}
	consistent(dir, &s, true);
	monotonic(m, dir, &s);
}

/* A new process: whatever it inherited, its children counts are zero. */
static void expect_fresh(const char *dir)
{
	struct snap s;
	int i;

	if (dry)
		return;
	snapshot_self(dir, &s);
	for (i = 0; i < s.children.n; i++)
		CHECK(!s.children.v[i], "%s: a new task has children %s %llu",
		      dir, s.children.name[i], s.children.v[i]);
	CHECK(!s.lost, "%s: a new task has lost %llu", dir, s.lost);
}

/*
 * Writes a control to one's own @dir that nobody else writes, and checks
 * the result: read back in canonical form, a new id above every id read so
 * far, counts and children named after it, children zero, lost zero; or,
 * for a blank text, everything empty.  Returns the id.
 */
static unsigned long long program(const char *dir, const char *text, const char *canon)
{
	unsigned long long before = load(&sh->max_id);
	char path[128], want[1024], e1[1024];
	struct snap s;
	struct names nm;
	int err, i;

	snprintf(path, sizeof(path), "%s/control", dir);
	add(&sh->ops, 1);
	if (dry)
		return 0;
	err = write_at(AT_FDCWD, path, text);
	CHECK(!err, "writing \"%s\" to %s: %s", esc(text, e1, sizeof(e1)), path,
	      strerror(err));
	snapshot_self(dir, &s);
	snprintf(want, sizeof(want), "%s%s", canon, *canon ? "\n" : "");
	CHECK(!strcmp(s.ctl_text, want), "%s reads \"%s\" after writing \"%s\"",
	      path, esc(s.ctl_text, e1, sizeof(e1)), canon);
	CHECK(s.id1 == s.id2, "%s: id moved from %llu to %llu with no writer",
	      dir, s.id1, s.id2);
	if (!*canon) {
		CHECK(!s.id1 && !s.counts.n && !s.children.n && !s.lost,
		      "%s cleared: id %llu, %d counts, %d children, lost %llu",
		      dir, s.id1, s.counts.n, s.children.n, s.lost);
		return 0;
	}
	CHECK(s.id1 > before,
	      "%s: new id %llu is not above %llu, an id read before the write", dir,
	      s.id1, before);
	parse_control(want, &nm);
	CHECK(same_names(&nm, &s.counts) && same_names(&nm, &s.children),
	      "%s: counts or children not named after \"%s\"", dir, canon);
	for (i = 0; i < s.children.n; i++)
		CHECK(!s.children.v[i],
		      "%s/children: %s is %llu right after a write (must be 0)",
		      dir, s.children.name[i], s.children.v[i]);
	CHECK(!s.lost, "%s/lost is %llu right after a write", dir, s.lost);
	return s.id1;
}

/* ------------------------------------------------------------------ */
/* Comparing children counts with getrusage() */

struct figures {
	long long minflt, majflt, nvcsw, nivcsw;
};

static void add_rusage(struct figures *f, const struct rusage *ru, int sign)
{
	f->minflt += sign * ru->ru_minflt;
	f->majflt += sign * ru->ru_majflt;
	f->nvcsw += sign * ru->ru_nvcsw;
	f->nivcsw += sign * ru->ru_nivcsw;
}

/*
 * The children counts against the kernel's own figures @f for the same
 * released tasks (documentation, "Agreement with the kernel's own
 * accounting"): the fault counts exactly; the switch counts at most (rusage
 * also has the switches after the exit hook); context-switches exactly the
 * sum of the two.  @pages: fresh pages those tasks are known to have
 * touched, a lower bound that proves the merges happened at all.
 *
 * @slack: how many tasks exited while their memory was still in use by
 * another thread.  Such a task clears its clear_child_tid word in
 * exit_mm(); if a sibling thread forked since the task last wrote that page,
 * the page is copy-on-write and the put_user() takes a fault.  The exit hook
 * runs after exit_mm() (kernel patch 0003) so that this fault is in the
 * final counts too: the fault counts must equal rusage in every tree, with
 * threads or without.  @slack only says how many such exits a round had.
 */
static void compare(const char *what, const struct cnt *ch, unsigned long long lost,
		    const struct figures *f, long long pages, long long slack)
{
	unsigned long long min = get(ch, "minor-faults"), maj = get(ch, "major-faults");
	unsigned long long v = get(ch, "voluntary-switches");
	unsigned long long iv = get(ch, "involuntary-switches");
	unsigned long long cs = get(ch, "context-switches");

	if (lost) {
		/* a child ran without counters: a lower bound only */
		add(&sh->lost, 1);
		say("torture: %s: note: lost %llu, children counts are a lower bound", who, lost);
		CHECK(min <= (unsigned long long)f->minflt,
		      "%s: children minor-faults %llu > rusage %lld (lost %llu)", what,
		      min, f->minflt, lost);
		return;
	}
	CHECK(min == (unsigned long long)f->minflt,
	      "%s (%lld exits sharing their mm): children minor-faults %llu != getrusage %lld (difference %lld)",
	      what, slack, min, f->minflt, (long long)min - f->minflt);
	CHECK(maj == (unsigned long long)f->majflt,
	      "%s: children major-faults %llu != getrusage %lld", what, maj,
	      f->majflt);
	CHECK(cs == v + iv,
	      "%s: children context-switches %llu != voluntary %llu + involuntary %llu",
	      what, cs, v, iv);
	CHECK(v <= (unsigned long long)f->nvcsw,
	      "%s: children voluntary-switches %llu > getrusage ru_nvcsw %lld", what,
	      v, f->nvcsw);
	CHECK(iv <= (unsigned long long)f->nivcsw,
	      "%s: children involuntary-switches %llu > getrusage ru_nivcsw %lld",
	      what, iv, f->nivcsw);
	CHECK(min >= (unsigned long long)pages,
	      "%s: children minor-faults %llu < %lld fresh pages the tree touched",
	      what, min, pages);
}

/*
 * A worker made of rounds: each round from its own seed (the worker's and
 * the round's number), then a check of the worker's own files, until the
 * run stops.
 */
typedef void (*round_fn)(int w, struct rng *r, long long n);

static void run_rounds(int w, struct rng r, round_fn round)
{
	struct mon m = { 0 };
	long long n = 0;
	struct rng rr;

	do {
		rr = derive(r.s, n);
		round(w, &rr, n++);
		self_check(&m, SELF, true, -1);
		add(&sh->rounds[w], 1);
	} while (!stopping());
}

/*
 * The end of a round: the children counts against what getrusage() gained
 * since @before, plus what @f already holds (children the round leaves
 * out, with a negative sign).  round_end() takes the snapshot and adds
 * the gain to @f; false in a dry run, which checks nothing.
 */
static bool round_end(const struct rusage *before, struct figures *f,
		      struct snap *s)
{
	struct rusage after;

	getrusage(RUSAGE_CHILDREN, &after);
	if (dry)
		return false;
	snapshot_self(SELF, s);
	add_rusage(f, &after, 1);
	add_rusage(f, before, -1);
	return true;
}

static void compare_since(const char *what, const struct rusage *before,
			  struct figures *f, long long pages)
{
	struct snap s;

	if (round_end(before, f, &s))
		compare(what, &s.children, s.lost, f, pages, 0);
}

/*
 * compare_since() for a round with one set-uid child, whose rusage @all is
 * left out of @f: what it counted before its exec merges (pc_task_seal()),
 * at least its rusage right before the exec (sh->setuid_pre) and at most
 * its whole rusage; the set-uid program's own counts stay out.
 */
static void compare_setuid(const char *what, const struct rusage *before,
			   struct figures *f, const struct figures *all)
{
	unsigned long long min, maj, v, iv, cs;
	struct snap s;

	if (!round_end(before, f, &s))
		return;
	min = get(&s.children, "minor-faults");
	maj = get(&s.children, "major-faults");
	v = get(&s.children, "voluntary-switches");
	iv = get(&s.children, "involuntary-switches");
	cs = get(&s.children, "context-switches");
	if (s.lost) {
		add(&sh->lost, 1);
		say("torture: %s: note: lost %llu, children counts are a lower bound", who, s.lost);
		CHECK(min <= (unsigned long long)(f->minflt + all->minflt),
		      "%s: children minor-faults %llu > rusage %lld (lost %llu)", what,
		      min, f->minflt + all->minflt, s.lost);
		return;
	}
	CHECK(min >= (unsigned long long)(f->minflt + sh->setuid_pre.minflt) &&
	      min <= (unsigned long long)(f->minflt + all->minflt),
	      "%s: children minor-faults %llu not within [%lld, %lld]: the other children's rusage plus the set-uid child's before its exec, and plus all of it",
	      what, min, f->minflt + sh->setuid_pre.minflt, f->minflt + all->minflt);
	CHECK(maj >= (unsigned long long)(f->majflt + sh->setuid_pre.majflt) &&
	      maj <= (unsigned long long)(f->majflt + all->majflt),
	      "%s: children major-faults %llu not within [%lld, %lld]", what, maj,
	      f->majflt + sh->setuid_pre.majflt, f->majflt + all->majflt);
	CHECK(cs == v + iv,
	      "%s: children context-switches %llu != voluntary %llu + involuntary %llu",
	      what, cs, v, iv);
	CHECK(v <= (unsigned long long)(f->nvcsw + all->nvcsw) &&
	      iv <= (unsigned long long)(f->nivcsw + all->nivcsw),
	      "%s: children switches %llu/%llu above getrusage %lld/%lld", what, v, iv,
	      f->nvcsw + all->nvcsw, f->nivcsw + all->nivcsw);
}

/* ------------------------------------------------------------------ */
/* exact0, exact1: a random fork-only tree against getrusage() */

struct tharg {
	int w;
	unsigned long long id;
	struct rng r;
	int pages;
	bool fork_child, forever, successor;
	pthread_t *others;
	int nothers;
	struct mon m;
};

static void leaf(int w, struct rng r, unsigned long long id) __attribute__((noreturn));
static void leaf(int w, struct rng r, unsigned long long id)
{
	struct mon m = { 0 };

	self_check(&m, SELF, true, id);
	expect_fresh(SELF);
	touch_for(w, range(&r, 0, 24));
	nap(&r);
	self_check(&m, SELF, true, id);
	_exit(0);
}

static void *exact_thread(void *p)
{
	struct tharg *a = p;
	pid_t pid;
	int i;

	if (a->successor)	/* first the threads whose children are theirs */
		for (i = 0; i < a->nothers; i++)
			pthread_join(a->others[i], NULL);
	self_check(&a->m, THREAD_SELF, true, a->id);
	touch_for(a->w, a->pages);
	nap(&a->r);
	if (a->fork_child) {
		/* a child whose real parent is this thread */
		pid = fork_counted();
		if (!pid)
			leaf(a->w, derive(a->r.s, 1), a->id);
		wait_child(pid, NULL);
	}
	if (a->forever) {
		/* until the process exits under it */
		for (;;) {
			touch_for(a->w, 1);
			sleep_us(1000);
		}
	}
	self_check(&a->m, THREAD_SELF, true, a->id);
	if (a->successor) {
		/* the leader has exited: its children were handed to us */
		reap_all(NULL, NULL);
		self_check(&a->m, THREAD_SELF, true, a->id);
		_exit(0);
	}
	return NULL;
}

static void vfork_leaf(int w, int pages)
{
	pid_t pid;

	note_live(add(&sh->live, 1));
	pid = vfork();
	if (pid < 0) {
		add(&sh->live, -1);
		fail("vfork: %s", strerror(errno));
	}
	if (!pid) {
		/* our parent's memory, our own faults */
		touch(pages);
		add(&sh->pages[w], pages);
		_exit(0);
	}
	add(&sh->ops, 1);
	add(&sh->forks, 1);
	wait_child(pid, NULL);
}

/* Splits @total (>= @k) into @k parts of at least one. */
static void split(struct rng *r, int total, int k, int *out)
{
	int i;

	for (i = 0; i < k; i++)
		out[i] = 1;
	for (total -= k; total > 0; total--)
		out[rnd(r, k)]++;
}

static void start_thread(pthread_t *t, struct tharg *a)
{
	int err = pthread_create(t, NULL, exact_thread, a);

	if (err)
		fail("pthread_create: %s", strerror(err));
	add(&sh->ops, 1);
}

/*
 * One process of the tree, with @budget processes for itself and all its
 * descendants (the cap on live processes).  What it does comes from @r.
 */
static void exact_node(int w, struct rng r, int budget, unsigned long long id,
		       bool threads) __attribute__((noreturn));
static void exact_node(int w, struct rng r, int budget, unsigned long long id,
		       bool threads)
{
	enum { NORMAL, ORPHANER = 6, LEADER_EXITS, EXITS_UNDER_THREAD, VFORKS };
	/* static: they outlive a leader that exits before its threads */
	static struct tharg ta[3];
	static pthread_t th[3];
	pid_t kids[3];
	int left = budget - 1, mode, nthreads, k, parts[3], i, vf = 0;
	struct mon m = { 0 };

	self_check(&m, SELF, true, id);
	expect_fresh(SELF);
	touch_for(w, range(&r, 0, 48));
	mode = rnd(&r, 10);
	if (mode < ORPHANER)
		mode = NORMAL;
	if ((mode == ORPHANER && !left) ||
	    (!threads && (mode == LEADER_EXITS || mode == EXITS_UNDER_THREAD)))
		mode = NORMAL;
	if (mode == ORPHANER || !threads)
		nthreads = 0;
	else if (mode == LEADER_EXITS || mode == EXITS_UNDER_THREAD)
		nthreads = range(&r, 1, 3);
	else
		nthreads = rnd(&r, 3) ? 0 : range(&r, 1, 3);
	memset(ta, 0, sizeof(ta));
	for (i = 0; i < nthreads; i++) {
		ta[i].w = w;
		ta[i].id = id;
		ta[i].r = derive(r.s, 100 + i);
		ta[i].pages = range(&r, 0, 24);
		if (left > 0 && rnd(&r, 3) == 0) {
			ta[i].fork_child = true;
			left--;
		}
	}
	if (mode == EXITS_UNDER_THREAD) {
		if (ta[0].fork_child)
			left++;
		ta[0].fork_child = false;
		ta[0].forever = true;
	}
	/* with threads, every task of the process may exit sharing its mm */
	add(&sh->mm_exits[w], nthreads ? nthreads + 1 : 0);
	if (mode == VFORKS && left > 0) {
		vf = range(&r, 0, 32) + 1;
		left--;
	}
	k = left ? range(&r, 1, left < 3 ? left : 3) : 0;
	split(&r, left, k, parts);

	if (mode != LEADER_EXITS)
		for (i = 0; i < nthreads; i++)
			start_thread(&th[i], &ta[i]);
	for (i = 0; i < k; i++) {
		kids[i] = fork_counted();
		if (!kids[i])
			exact_node(w, derive(r.s, i), parts[i], id, threads);
	}
	if (mode == ORPHANER)
		_exit(0);	/* the worker, a subreaper, adopts them */
	if (mode == LEADER_EXITS) {
		for (i = 0; i < nthreads - 1; i++)
			start_thread(&th[i], &ta[i]);
		ta[i].successor = true;
		ta[i].others = th;
		ta[i].nothers = nthreads - 1;
		start_thread(&th[i], &ta[i]);
		pthread_exit(NULL);	/* a zombie leader until they end */
	}
	if (vf)
		vfork_leaf(w, vf - 1);
	nap(&r);
	for (i = 0; i < nthreads; i++)
		if (!ta[i].forever)
			pthread_join(th[i], NULL);
	if (rnd(&r, 2))
		for (i = 0; i < k; i++)
			wait_child(kids[i], NULL);
	else
		for (i = k - 1; i >= 0; i--)
			wait_child(kids[i], NULL);
	self_check(&m, SELF, true, id);
	_exit(0);	/* with a thread still running in EXITS_UNDER_THREAD */
}

/*
 * A middle process forks a grandchild and exits at once; the grandchild,
 * adopted by us (a subreaper), then touches @pages pages and exits.  Once
 * reaped, it merges into us ("the task it was reparented to"): our
 * children counts grow by exactly what wait4() says it used.
 */
static void orphan_check(int w, struct rng *r)
{
	int pages = range(r, 8, 40), fds[2];
	char ppid[32], path[64];
	struct snap s1, s2;
	struct rusage ru;
	pid_t mid, orphan;
	char c;

	if (pipe2(fds, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
	store(&sh->orphan[w], 0);
	mid = fork_counted();
	if (!mid) {
		orphan = fork_counted();	/* reaped by the worker */
		if (!orphan) {
			close(fds[1]);
			/* EOF once the worker has looked at us */
			if (read(fds[0], &c, 1) < 0)
				fail("read: %s", strerror(errno));
			touch(pages);
			_exit(0);
		}
		store(&sh->orphan[w], orphan);
		_exit(0);
	}
	close(fds[0]);
	wait_child(mid, NULL);
	orphan = load(&sh->orphan[w]);
	CHECK(orphan > 0, "the middle process did not say who its child is");
	snprintf(path, sizeof(path), "/proc/%d/stat", orphan);
	CHECK(!stat_field(AT_FDCWD, path, 4, ppid, sizeof(ppid)) &&
	      atoi(ppid) == getpid(),
	      "orphan %d: parent %s once its parent exited, not the subreaper %d",
	      orphan, ppid, getpid());
	if (!dry)
		snapshot_self(SELF, &s1);
	close(fds[1]);
	wait_child(orphan, &ru);
	if (dry)
		return;
	snapshot_self(SELF, &s2);
	CHECK(get(&s2.children, "minor-faults") - get(&s1.children, "minor-faults") ==
	      (unsigned long long)ru.ru_minflt,
	      "adopted orphan %d: children minor-faults grew by %llu, its rusage is %ld",
	      orphan, get(&s2.children, "minor-faults") - get(&s1.children, "minor-faults"),
	      ru.ru_minflt);
	CHECK(ru.ru_minflt >= pages, "orphan %d: rusage minflt %ld < %d pages touched",
	      orphan, ru.ru_minflt, pages);
	add(&sh->pages[w], pages);
}

static void exact_round(int w, struct rng *r, long long n)
{
	int budget = range(r, 4, 20), roots, parts[3], i;
	bool threads = rnd(r, 2);	/* else single-threaded: exact */
	struct rusage before, after;
	struct figures f = { 0 };
	unsigned long long id;
	char what[64];
	struct snap s;
	pid_t pid;

	id = program(SELF, EXACT_CTL, EXACT_CTL);
	getrusage(RUSAGE_CHILDREN, &before);
	store(&sh->pages[w], 0);
	store(&sh->mm_exits[w], 0);
	if (rnd(r, 2))
		orphan_check(w, r);
	roots = range(r, 1, 3);
	split(r, budget, roots, parts);
	for (i = 0; i < roots; i++) {
		pid = fork_counted();
		if (!pid)
			exact_node(w, derive(r->s, i), parts[i], id, threads);
	}
	reap_all(NULL, NULL);
	getrusage(RUSAGE_CHILDREN, &after);
	if (dry)
		return;
	snapshot_self(SELF, &s);
	CHECK(s.id1 == id && s.id2 == id, "%s: id %llu/%llu after the round, wrote %llu",
	      SELF, s.id1, s.id2, id);
	add_rusage(&f, &after, 1);
	add_rusage(&f, &before, -1);
	snprintf(what, sizeof(what), "tree of %d processes%s", budget,
		 threads ? " with threads" : "");
	compare(what, &s.children, s.lost, &f, load(&sh->pages[w]), load(&sh->mm_exits[w]));
}

static void exact_worker(int w, struct rng r)
{
	run_rounds(w, r, exact_round);
}

/* ------------------------------------------------------------------ */
/* reprogram: parents that write their control while children run */

struct kid {
	pid_t pid;
	bool late, rewrite;
};

struct rep_sum {
	struct kid *kids;
	int n;
	struct figures f;
};

static void rep_child(int w, struct rng r, bool rewrite, unsigned long long id)
	__attribute__((noreturn));
static void rep_child(int w, struct rng r, bool rewrite, unsigned long long id)
{
	struct mon m = { 0 };
	long long own = id;
	int i, n;
	pid_t pid;

	self_check(&m, SELF, true, id);
	if (rewrite) {
		/* a new id: neither we nor what we fork now merge upward */
		const struct text *t = &texts[rnd(&r, 4)];

		own = program(SELF, t->text, t->canon);
	}
	n = range(&r, 1, 4);
	for (i = 0; i < n; i++) {
		touch_for(w, range(&r, 0, 16));
		sleep_us(range(&r, 500, 6000));
	}
	if (rnd(&r, 2)) {
		pid = fork_counted();
		if (!pid)
			leaf(w, derive(r.s, 1), own);
		wait_child(pid, NULL);
	}
	self_check(&m, SELF, true, own);
	_exit(0);
}

static void rep_collect(pid_t pid, const struct rusage *ru, void *arg)
{
	struct rep_sum *sum = arg;
	int i;

	for (i = 0; i < sum->n; i++)
		if (sum->kids[i].pid == pid)
			break;
	if (i == sum->n)
		fail("reaped %d, which is none of our children", pid);
	if (sum->kids[i].late && !sum->kids[i].rewrite)
		add_rusage(&sum->f, ru, 1);
}

static void rep_round(int w, struct rng *r, long long n)
{
	struct kid kids[8];
	struct rep_sum sum = { kids, 0, { 0 } };
	unsigned long long id_a, id_b;
	const char *text, *canon;
	int early, late, act, i;
	struct snap s;

	id_a = program(SELF, REP_A, EXACT_CTL);
	early = range(r, 1, 4);
	for (i = 0; i < early; i++) {
		kids[sum.n].late = false;
		kids[sum.n].rewrite = rnd(r, 3) == 0;
		kids[sum.n].pid = fork_counted();
		if (!kids[sum.n].pid)
			rep_child(w, derive(r->s, i), kids[sum.n].rewrite, id_a);
		sum.n++;
	}
	sleep_us(range(r, 0, 8000));
	act = rnd(r, 4);
	switch (act) {
	case 0:
	case 1:
		text = REP_B;
		canon = REP_B_CANON;
		break;
	case 2:
		text = REP_A;	/* the same text: still a new id */
		canon = EXACT_CTL;
		break;
	default:
		text = "\n";
		canon = "";
		break;
	}
	id_b = program(SELF, text, canon);
	late = *canon ? range(r, 0, 3) : 0;
	for (i = 0; i < late; i++) {
		kids[sum.n].late = true;
		kids[sum.n].rewrite = rnd(r, 3) == 0;
		kids[sum.n].pid = fork_counted();
		if (!kids[sum.n].pid)
			rep_child(w, derive(r->s, 10 + i), kids[sum.n].rewrite, id_b);
		sum.n++;
	}
	reap_all(rep_collect, &sum);
	if (dry)
		return;
	snapshot_self(SELF, &s);
	CHECK(s.id1 == id_b && s.id2 == id_b, "%s: id %llu after the round, wrote %llu",
	      SELF, s.id1, id_b);
	if (!*canon) {
		CHECK(!s.ctl.n && !s.counts.n && !s.children.n && !s.lost,
		      "cleared while %d children ran: control \"%s\", %d counts, %d children, lost %llu",
		      early, s.ctl_text, s.counts.n, s.children.n, s.lost);
		return;
	}
	/* only the late children that kept our new id merged */
	compare("children forked after the parent's last write", &s.children, s.lost,
		&sum.f, 0, 0);
}

static void rep_worker(int w, struct rng r)
{
	run_rounds(w, r, rep_round);
}

/* ------------------------------------------------------------------ */
/* exec: the id survives execve, counts go on */

static unsigned long long own_minor(const char *dir)
{
	char path[96], buf[4096];
	struct cnt c;
	int i;

	if (dry)
		return 0;
	snprintf(path, sizeof(path), "%s/counts", dir);
	if (read_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || parse_counts(buf, &c))
		return 0;
	i = find(&c, "minor-faults");
	return i < 0 ? 0 : c.v[i];
}

static void exec_self(int n, unsigned long long id, unsigned long long minor,
		      uint64_t s)
{
	char a[4][32], *argv[7];

	snprintf(a[0], sizeof(a[0]), "%d", n);
	snprintf(a[1], sizeof(a[1]), "%llu", id);
	snprintf(a[2], sizeof(a[2]), "%llu", minor);
	snprintf(a[3], sizeof(a[3]), "%llu", (unsigned long long)s);
	argv[0] = "pctorture";
	argv[1] = "--child-exec";
	argv[2] = a[0];
	argv[3] = a[1];
	argv[4] = a[2];
	argv[5] = a[3];
	argv[6] = NULL;
	execv("/proc/self/exe", argv);
}

struct exec_arg {
	int n;
	unsigned long long id;
	uint64_t s;
};

static void *exec_thread(void *p)
{
	struct exec_arg *a = p;

	/* a thread that execs takes over the leader's pid (de_thread) */
	exec_self(a->n, a->id, own_minor(THREAD_SELF), a->s);
	dprintf(STDERR_FILENO, "pctorture: FAILED: exec child %d: exec from a thread: %s\n",
		getpid(), strerror(errno));
	_exit(127);
}

static void *block_thread(void *p)
{
	int fd = *(int *)p;
	char c;

	for (;;)
		if (read(fd, &c, 1) <= 0 && errno != EINTR)
			pause();
	return NULL;
}

/*
 * pctorture --child-exec N ID MINOR SEED: after an exec (no shared memory
 * here), check that the id is ID and that minor-faults did not go back
 * below MINOR, work a little, and exec N more times.  Exit status 3 after
 * printing a failure.
 */
static int child_exec_main(int argc, char **argv)
{
	unsigned long long id, minor, now;
	struct exec_arg a;
	int n, fds[2], variant;
	pthread_t t;
	struct rng r;
	char buf[64];
	pid_t pid;
	int st;

	if (argc != 6)
		return 2;
	n = atoi(argv[2]);
	id = strtoull(argv[3], NULL, 10);
	minor = strtoull(argv[4], NULL, 10);
	r = derive(strtoull(argv[5], NULL, 10), n);
	prctl(PR_SET_NAME, "pctorture");
	if (!dry) {
		int len = read_at(AT_FDCWD, pc_path("self/perfctr/id"), buf, sizeof(buf));

		if (len < 0 || strtoull(buf, NULL, 10) != id) {
			dprintf(STDERR_FILENO,
				"pctorture: FAILED: exec child %d: id %llu after execve (%s), was %llu before\n",
				getpid(), len < 0 ? 0 : strtoull(buf, NULL, 10),
				len < 0 ? strerror(-len) : "read", id);
			return 3;
		}
		now = own_minor(SELF);
		if (now < minor) {
			dprintf(STDERR_FILENO,
				"pctorture: FAILED: exec child %d: minor-faults %llu after execve, %llu before\n",
				getpid(), now, minor);
			return 3;
		}
	}
	touch(range(&r, 0, 24));
	/*
	 * Threads only in an image that has not forked: a thread killed by
	 * exec's de_thread() clears its tid word after the exit hook, which
	 * must not fault (see compare()).
	 */
	variant = n > 0 ? rnd(&r, 3) : 0;
	if (!variant && rnd(&r, 3) == 0) {
		pid = fork();
		if (pid < 0)
			return 4;
		if (!pid) {
			touch(range(&r, 1, 16));
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || st)
			return 4;
	}
	if (n <= 0)
		return 0;
	a.n = n - 1;
	a.id = id;
	a.s = next(&r);
	switch (variant) {
	case 0:
		exec_self(a.n, id, own_minor(SELF), a.s);
		break;
	case 1:
		/* exec kills the other thread */
		if (pipe(fds) || pthread_create(&t, NULL, block_thread, &fds[0]))
			return 4;
		exec_self(a.n, id, own_minor(SELF), a.s);
		break;
	default:
		if (pthread_create(&t, NULL, exec_thread, &a))
			return 4;
		for (;;)
			pause();
	}
	dprintf(STDERR_FILENO, "pctorture: FAILED: exec child %d: execv /proc/self/exe: %s\n",
		getpid(), strerror(errno));
	return 127;
}

/*
 * pctorture --child-setuid, exec'd through --setuid's set-uid copy: the
 * exec raised privilege (AT_SECURE), so the kernel cleared the counters
 * (kernel patch 0004): id 0, no control, no counts.  Exit status 3 after
 * printing a failure.
 */
static int child_setuid_main(int argc, char **argv)
{
	static const char *const files[] = { "id", "control", "counts", "children" };
	static const char *const want[] = { "0\n", "", "", "" };
	char path[64], buf[1024], e[1024];
	unsigned int i;
	int len;

	if (argc != 2)
		return 2;
	prctl(PR_SET_NAME, "pctorture");
	if (getauxval(AT_SECURE) != 1 || geteuid() == getuid()) {
		dprintf(STDERR_FILENO,
			"pctorture: FAILED: setuid child %d: not a secure exec (AT_SECURE %lu, uid %d, euid %d)\n",
			getpid(), getauxval(AT_SECURE), (int)getuid(), (int)geteuid());
		return 3;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", SELF, files[i]);
		len = read_at(AT_FDCWD, path, buf, sizeof(buf));
		if (len < 0 || strcmp(buf, want[i])) {
			dprintf(STDERR_FILENO,
				"pctorture: FAILED: setuid child %d: %s is \"%s\" (%s) after a set-uid exec\n",
				getpid(), path, len < 0 ? "" : esc(buf, e, sizeof(e)),
				len < 0 ? strerror(-len) : "read");
			return 3;
		}
	}
	touch(4);
	return 0;
}

static bool have_true;

/* One exec child, forked or vforked; returns its pid. */
static pid_t exec_child(struct rng *r, unsigned long long id, int *kind, bool setuid)
{
	char a[4][32], *argv[7];
	uint64_t s = next(r);
	int n = range(r, 0, 3);
	pid_t pid;

	*kind = setuid ? 5 : rnd(r, setuid_path ? 6 : 5);
	if (*kind == 2 && !have_true)
		*kind = 0;
	if (*kind == 1) {
		/* vfork: everything ready before, only execv in the child */
		snprintf(a[0], sizeof(a[0]), "%d", n);
		snprintf(a[1], sizeof(a[1]), "%llu", id);
		snprintf(a[2], sizeof(a[2]), "0");
		snprintf(a[3], sizeof(a[3]), "%llu", (unsigned long long)s);
		argv[0] = "pctorture";
		argv[1] = "--child-exec";
		argv[2] = a[0];
		argv[3] = a[1];
		argv[4] = a[2];
		argv[5] = a[3];
		argv[6] = NULL;
		note_live(add(&sh->live, 1));
		pid = vfork();
		if (pid < 0) {
			add(&sh->live, -1);
			fail("vfork: %s", strerror(errno));
		}
		if (!pid) {
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		add(&sh->ops, 1);
		add(&sh->forks, 1);
		return pid;
	}
	pid = fork_counted();
	if (pid)
		return pid;
	switch (*kind) {
	case 0:
		exec_self(n, id, own_minor(SELF), s);
		_exit(127);
	case 2:
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	case 5: {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		sh->setuid_pre.minflt = ru.ru_minflt;
		sh->setuid_pre.majflt = ru.ru_majflt;
		sh->setuid_pre.nvcsw = ru.ru_nvcsw;
		sh->setuid_pre.nivcsw = ru.ru_nivcsw;
		execl(setuid_path, "pctorture", "--child-setuid", (char *)NULL);
		_exit(127);
	}
	case 3: {
		/* a failed exec changes nothing */
		struct mon m = { 0 };

		execl("/nonexistent/pctorture", "pctorture", (char *)NULL);
		if (errno != ENOENT)
			fail("exec of a missing file: %s, not ENOENT", strerror(errno));
		self_check(&m, SELF, true, id);
		_exit(0);
	}
	default: {
		static struct exec_arg ea;
		pthread_t t;

		ea.n = n;
		ea.id = id;
		ea.s = s;
		if (pthread_create(&t, NULL, exec_thread, &ea))
			_exit(4);
		for (;;)
			pause();
	}
	}
}

/* Every fourth round, the first round included, starts with a set-uid exec. */
static void exec_round(int w, struct rng *r, long long round)
{
	static const char *const kinds[] = {
		"fork+exec self", "vfork+exec self", "exec /bin/true",
		"failed exec", "exec from a thread", "set-uid exec",
	};
	int k = range(r, 2, 5), kind[5], i;
	struct rusage before, ru;
	struct figures f = { 0 }, setuid_all = { 0 };
	char path[64], buf[1024], e[1024];
	unsigned long long id, zid, want;
	bool setuid = false;
	pid_t pids[5];
	siginfo_t si;

	id = program(SELF, EXEC_CTL, EXEC_CTL);
	getrusage(RUSAGE_CHILDREN, &before);
	for (i = 0; i < k; i++)
		pids[i] = exec_child(r, id, &kind[i], setuid_path && !i && !(round % 4));
	for (i = 0; i < k; i++) {
		/* the zombie, before it is reaped: the id it ended with */
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pids[i], &si, WEXITED | WNOWAIT))
			fail("waitid(%d): %s", pids[i], strerror(errno));
		if (si.si_code != CLD_EXITED || si.si_status) {
			if (load(&sh->failed))
				_exit(1);
			fail("%s child %d: %s %d%s", kinds[kind[i]], pids[i],
			     si.si_code == CLD_EXITED ? "exit status" : "signal",
			     si.si_status, si.si_status == 3 ? " (its message is above)" : "");
		}
		/* a set-uid exec cleared the control: nothing of it merges */
		want = kind[i] == 5 ? 0 : id;
		if (!dry) {
			snprintf(path, sizeof(path), "%s/%d/perfctr/id", pc_root(), pids[i]);
			buf[0] = '\0';
			CHECK(read_at(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
			      !parse_u64(buf, &zid) && zid == want,
			      "%s child %d, a zombie: its id is \"%s\" after exec, expected %llu",
			      kinds[kind[i]], pids[i], esc(buf, e, sizeof(e)), want);
			snprintf(path, sizeof(path), "%s/%d/perfctr/control", pc_root(), pids[i]);
			buf[0] = '\0';
			CHECK(kind[i] == 5 ?
			      read_at(AT_FDCWD, path, buf, sizeof(buf)) == 0 :
			      read_at(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
			      !strncmp(buf, EXEC_CTL, strlen(EXEC_CTL)) &&
			      !strcmp(buf + strlen(EXEC_CTL), "\n"),
			      "%s child %d, a zombie: control \"%s\" after exec", kinds[kind[i]],
			      pids[i], esc(buf, e, sizeof(e)));
		}
		wait_child(pids[i], &ru);
		if (kind[i] == 5) {
			add_rusage(&f, &ru, -1);
			add_rusage(&setuid_all, &ru, 1);
			setuid = true;
			add(&sh->setuid_execs, 1);
		}
	}
	if (setuid)
		compare_setuid("exec children", &before, &f, &setuid_all);
	else
		compare_since("exec children", &before, &f, 0);
}

static void exec_worker(int w, struct rng r)
{
	have_true = !access("/bin/true", X_OK);
	run_rounds(w, r, exec_round);
}

/* ------------------------------------------------------------------ */
/* sigchld: a parent that ignores SIGCHLD */

static void ign_child(struct rng r, unsigned long long id) __attribute__((noreturn));
static void ign_child(struct rng r, unsigned long long id)
{
	bool restore = rnd(&r, 2), orphan, grandchild = rnd(&r, 2);
	struct mon m = { 0 };
	int pages;
	pid_t pid;

	if (restore)
		signal(SIGCHLD, SIG_DFL);	/* else inherited: SIG_IGN */
	self_check(&m, SELF, true, id);
	expect_fresh(SELF);
	pages = range(&r, 1, 32);
	touch(pages);
	add(&sh->mid_pages, pages);
	if (grandchild) {
		/*
		 * (an orphan of a parent that ignores SIGCHLD may be released
		 * by either parent, and could not be counted as live)
		 */
		orphan = restore && rnd(&r, 3) == 0;
		pages = range(&r, 1, 16);
		pid = fork_counted();
		if (!pid) {
			if (orphan)	/* adopted by the worker */
				sleep_us(range(&r, 1000, 5000));
			touch(pages);
			if (!orphan)
				add(&sh->mid_pages, pages);
			_exit(0);
		}
		if (!orphan) {
			if (restore) {
				wait_child(pid, NULL);
			} else {
				CHECK(wait(NULL) < 0 && errno == ECHILD,
				      "wait() with SIGCHLD ignored did not end with ECHILD");
				/* else it would merge into our reaper */
				wait_released(pid);
				reaped(1);
			}
		}
	}
	self_check(&m, SELF, true, id);
	_exit(0);
}

/* Ignores SIGCHLD: the kernel releases our children, which still merge. */
static void ign_middle(struct rng r, unsigned long long id) __attribute__((noreturn));
static void ign_middle(struct rng r, unsigned long long id)
{
	unsigned long long last = 0, v;
	int k = range(&r, 2, 6), i;
	pid_t pid, kids[6];
	struct snap s;

	signal(SIGCHLD, SIG_IGN);
	expect_fresh(SELF);
	for (i = 0; i < k; i++) {
		pid = fork_counted();
		if (!pid)
			ign_child(derive(r.s, i), id);
		kids[i] = pid;
	}
	if (rnd(&r, 2)) {
		/* watch the children counts grow while they go */
		for (;;) {
			pid = waitpid(-1, NULL, WNOHANG);
			if (pid < 0 && errno == ECHILD)
				break;
			CHECK(!pid, "waitpid with SIGCHLD ignored returned %d (%s)", pid,
			      pid < 0 ? strerror(errno) : "a child");
			if (!dry) {
				snapshot_self(SELF, &s);
				v = get(&s.children, "minor-faults");
				CHECK(v >= last, "children minor-faults went back from %llu to %llu",
				      last, v);
				last = v;
			}
			sleep_us(2000);
		}
	} else {
		CHECK(wait(NULL) < 0 && errno == ECHILD,
		      "wait() with SIGCHLD ignored did not end with ECHILD");
	}
	for (i = 0; i < k; i++)
		wait_released(kids[i]);
	reaped(k);
	if (!dry) {
		/* no child left: these no longer change */
		snapshot_self(SELF, &s);
		CHECK(s.id1 == id, "middle: id %llu, inherited %llu", s.id1, id);
		CHECK(get(&s.children, "minor-faults") >= (unsigned long long)load(&sh->mid_pages),
		      "released by the kernel: children minor-faults %llu < %lld pages they touched",
		      get(&s.children, "minor-faults"), load(&sh->mid_pages));
		check_sum(&s.children, "children", SELF);
		for (i = 0; i < 5; i++)
			sh->mid_children[i] = s.children.v[i];
		store(&sh->mid_done, 1);
	}
	_exit(0);
}

static void ign_round(int w, struct rng *r, long long n)
{
	struct rusage before, after;
	struct figures f = { 0 };
	unsigned long long id;
	struct snap s;
	struct cnt mid;
	pid_t pid;
	int i;

	id = program(SELF, EXACT_CTL, EXACT_CTL);
	store(&sh->mid_done, 0);
	store(&sh->mid_pages, 0);
	getrusage(RUSAGE_CHILDREN, &before);
	pid = fork_counted();
	if (!pid)
		ign_middle(derive(r->s, 1), id);
	reap_all(NULL, NULL);	/* the middle, and the orphans we adopted */
	getrusage(RUSAGE_CHILDREN, &after);
	if (dry)
		return;
	CHECK(load(&sh->mid_done), "the middle process did not report");
	snapshot_self(SELF, &s);
	/*
	 * getrusage() has what we waited for: the middle (with none of the
	 * children the kernel released) and the orphans; the children counts
	 * have the middle's children counts on top.
	 */
	add_rusage(&f, &after, 1);
	add_rusage(&f, &before, -1);
	mid = s.children;	/* the same names, in EXACT_CTL order */
	for (i = 0; i < 5; i++)
		mid.v[i] = sh->mid_children[i];
	f.minflt += get(&mid, "minor-faults");
	f.majflt += get(&mid, "major-faults");
	f.nvcsw += get(&mid, "voluntary-switches");
	f.nivcsw += get(&mid, "involuntary-switches");
	compare("with a middle process that ignores SIGCHLD", &s.children, s.lost, &f, 0, 0);
}

static void ign_worker(int w, struct rng r)
{
	run_rounds(w, r, ign_round);
}

/* ------------------------------------------------------------------ */
/* churn: short-lived processes and threads that others write into */

static int churn_threads;

static void *churn_thread(void *p)
{
	struct rng r = derive((uintptr_t)p, 0);
	struct mon m = { 0 };
	int n = range(&r, 3, 12), i;
	const struct text *t;

	for (i = 0; i < n && !stopping(); i++) {
		self_check(&m, THREAD_SELF, false, -1);
		touch(range(&r, 0, 8));
		if (rnd(&r, 6) == 0) {
			t = &texts[rnd(&r, NVALID)];
			if (!dry) {
				int err = write_at(AT_FDCWD, pc_path("thread-self/perfctr/control"),
						   t->text);

				add(&sh->ops, 1);
				CHECK(!err, "churn thread writing its own control: %s",
				      strerror(err));
			}
		}
		nap(&r);
	}
	add(&churn_threads, -1);
	return NULL;
}

static int churn_register(void)
{
	pid_t zero;
	int i;

	for (i = 0; i < SLOTS; i++) {
		zero = 0;
		if (__atomic_compare_exchange_n(&sh->churn_slot[i], &zero, getpid(),
						false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return i;
	}
	return -1;
}

static void churn_reap(bool block)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, block ? 0 : WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		reaped(1);
		add(&sh->churn_live, -1);
		check_status(pid, st);
	}
}

static void churn_node(struct rng r, int depth) __attribute__((noreturn));
static void churn_node(struct rng r, int depth)
{
	long long end = now_ns() + range(&r, 30, 250) * 1000000LL;
	struct mon m = { 0 };
	const struct text *t;
	int slot = churn_register(), err;
	pthread_t th;
	pid_t pid;

	churn_threads = 0;
	while (!stopping() && now_ns() < end) {
		switch (rnd(&r, 12)) {
		case 0:
		case 1:
		case 2:
			self_check(&m, SELF, false, -1);
			break;
		case 3:
			touch(range(&r, 1, 16));
			break;
		case 4:
			t = &texts[rnd(&r, NVALID)];
			add(&sh->ops, 1);
			if (!dry) {
				err = write_at(AT_FDCWD, pc_path("self/perfctr/control"), t->text);
				CHECK(!err, "churn process writing its own control: %s",
				      strerror(err));
			}
			break;
		case 5:
			if (load(&churn_threads) < 2) {
				add(&churn_threads, 1);
				if (pthread_create(&th, NULL, churn_thread,
						   (void *)(uintptr_t)next(&r))) {
					add(&churn_threads, -1);
					break;
				}
				pthread_detach(th);
				add(&sh->ops, 1);
			}
			break;
		case 6:
			if (depth >= 3)
				break;
			if (add(&sh->churn_live, 1) > CHURN_CAP) {
				add(&sh->churn_live, -1);
				break;
			}
			pid = fork_counted();
			if (!pid)
				churn_node(derive(r.s, 7), depth + 1);
			break;
		case 7:
			churn_reap(false);
			break;
		case 8:
			sleep_us(range(&r, 200, 3000));
			break;
		case 9:
			sched_yield();
			break;
		case 10:
			spin_us(range(&r, 100, 800));
			break;
		default:
			nap(&r);
			break;
		}
	}
	if (slot >= 0)
		store(&sh->churn_slot[slot], 0);
	if (rnd(&r, 3))
		churn_reap(true);	/* else orphans, for the worker to adopt */
	_exit(0);	/* perhaps with threads running */
}

static void churn_worker(int w, struct rng r)
{
	struct mon m = { 0 };
	long long n = 0;
	pid_t pid;

	store(&sh->churn_pgid, getpgrp());
	program(SELF, CHURN_CTL, CHURN_CANON);
	while (!stopping()) {
		if (add(&sh->churn_live, 1) <= CHURN_CAP) {
			pid = fork_counted();
			if (!pid)
				churn_node(derive(r.s, n), 0);
			n++;
			add(&sh->rounds[w], 1);
		} else {
			add(&sh->churn_live, -1);
		}
		churn_reap(false);
		self_check(&m, SELF, true, -1);
		sleep_us(range(&r, 2000, 8000));
	}
	churn_reap(true);
}

/* ------------------------------------------------------------------ */
/* writer: programs other tasks */

struct sleeper {
	pid_t pid, tid[2];
};

static void *sleeper_thread(void *p)
{
	int *fds = p;	/* [0]: ready pipe, [1]: a pipe nobody writes */
	pid_t tid = gettid();
	char c;

	if (write(fds[0], &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		if (read(fds[1], &c, 1) < 0 && errno != EINTR)
			pause();
	return NULL;
}

/* A process of two threads that only sleep, for the writer alone. */
static void start_sleeper(struct sleeper *sl)
{
	int ready[2], block[2], fds[2];
	pthread_t t;

	if (pipe(ready) || pipe(block))
		fail("pipe: %s", strerror(errno));
	sl->pid = fork_counted();
	if (!sl->pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		fds[0] = ready[1];
		fds[1] = block[0];
		if (pthread_create(&t, NULL, sleeper_thread, fds))
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	close(block[0]);
	close(block[1]);
	sl->tid[0] = sl->pid;
	if (read(ready[0], &sl->tid[1], sizeof(pid_t)) != sizeof(pid_t))
		fail("sleeper %d did not start", sl->pid);
	close(ready[0]);
}

static bool asleep(pid_t pid, pid_t tid)
{
	char path[64], state[8];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return !stat_field(AT_FDCWD, path, 3, state, sizeof(state)) &&
	       !strcmp(state, "S");
}

static const char *const pc_files[5] = { "control", "id", "counts", "children", "lost" };

struct raw {
	char f[5][2048];
};

static void read_raw(const char *dir, struct raw *raw)
{
	int i, n;

	for (i = 0; i < 5; i++) {
		n = read_one(AT_FDCWD, dir, pc_files[i], raw->f[i], sizeof(raw->f[i]));
		if (n < 0)
			fail("reading %s/%s of a sleeper: %s", dir, pc_files[i],
			     strerror(-n));
	}
}

/*
 * A task that sleeps throughout and that only we write: a rejected write
 * changes nothing at all; a valid one reads back canonical, with a new id
 * above every id read before, and all zero (a sleeping task counts
 * nothing); a blank one clears everything.
 */
static void hit_sleeper(struct sleeper *sl, struct rng *r)
{
	const struct text *t = &texts[rnd(r, NTEXTS)];
	pid_t tid = sl->tid[rnd(r, 2)];
	unsigned long long before, id;
	char dir[96], path[128], want[1024], e1[2048], e2[2048];
	struct raw a, b;
	struct names nm;
	struct cnt c;
	int err, i, fd;
	bool twice = t->canon && *t->canon && rnd(r, 6) == 0;

	snprintf(dir, sizeof(dir), "%s/%d/task/%d/perfctr", pc_root(), sl->pid, tid);
	snprintf(path, sizeof(path), "%s/control", dir);
	if (!asleep(sl->pid, tid))
		return;
	read_raw(dir, &a);
	before = load(&sh->max_id);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	err = write(fd, t->text, strlen(t->text)) < 0 ? errno : 0;
	add(&sh->ops, 1);
	add(&sh->wr_sleeper, 1);
	if (twice) {
		/* a second write on one descriptor, not rewound */
		int err2 = write(fd, t->text, strlen(t->text)) < 0 ? errno : 0;

		CHECK(err2 == EINVAL, "%s: a second write on one descriptor: %s, not EINVAL",
		      path, err2 ? strerror(err2) : "success");
	}
	close(fd);
	read_raw(dir, &b);
	if (!asleep(sl->pid, tid))
		return;		/* it ran: counts may have moved */
	if (!t->canon) {
		add(&sh->wr_rejected, 1);
		CHECK(err == t->err, "%s: writing \"%s\" gave %s, expected %s", path,
		      esc(t->text, e1, sizeof(e1)), err ? strerror(err) : "success",
		      strerror(t->err));
		for (i = 0; i < 5; i++)
			CHECK(!strcmp(a.f[i], b.f[i]),
			      "%s: a rejected write (\"%s\", %s) changed %s from \"%s\" to \"%s\"",
			      dir, esc(t->text, e1, sizeof(e1)), strerror(err), pc_files[i],
			      a.f[i], esc(b.f[i], e2, sizeof(e2)));
		return;
	}
	add(&sh->wr_ok, 1);
	CHECK(!err, "%s: writing \"%s\": %s", path, esc(t->text, e1, sizeof(e1)),
	      strerror(err));
	snprintf(want, sizeof(want), "%s%s", t->canon, *t->canon ? "\n" : "");
	CHECK(!strcmp(b.f[0], want), "%s reads \"%s\" after writing \"%s\"", path,
	      esc(b.f[0], e1, sizeof(e1)), esc(t->text, e2, sizeof(e2)));
	CHECK(!strcmp(b.f[4], "0\n"), "%s/lost is \"%s\" after a write", dir, b.f[4]);
	if (!*t->canon) {
		CHECK(!strcmp(b.f[1], "0\n") && !*b.f[2] && !*b.f[3],
		      "%s cleared: id \"%s\", counts \"%s\", children \"%s\"", dir,
		      b.f[1], b.f[2], b.f[3]);
		return;
	}
	CHECK(!parse_u64(b.f[1], &id) && id > before,
	      "%s: id \"%s\" after a write, not above %llu, an id read before it", dir,
	      b.f[1], before);
	note_id(id);
	parse_control(want, &nm);
	for (i = 2; i < 4; i++) {
		CHECK(!parse_counts(b.f[i], &c) && same_names(&nm, &c),
		      "%s/%s after writing \"%s\": \"%s\"", dir, pc_files[i], t->canon,
		      esc(b.f[i], e1, sizeof(e1)));
		for (int j = 0; j < c.n; j++)
			CHECK(!c.v[j], "%s/%s: %s is %llu on a task that has slept since the write",
			      dir, pc_files[i], c.name[j], c.v[j]);
	}
}

/*
 * A random thread of a live churn process: the writes may fail only
 * because it is gone.
 */
static void hit_churn(struct rng *r)
{
	const struct text *t = &texts[rnd(r, NTEXTS)];
	pid_t pid = load(&sh->churn_slot[rnd(r, SLOTS)]), tids[16];
	char path[128], pgrp[32], e1[2048];
	int dfd, n = 0, err;
	struct dirent *d;
	struct snap s;
	DIR *dir;

	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	/* the directory pins this process: a reused pid cannot be hit */
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		add(&sh->wr_gone, 1);
		return;
	}
	if (stat_field(dfd, "stat", 5, pgrp, sizeof(pgrp)) ||
	    atoi(pgrp) != load(&sh->churn_pgid)) {
		add(&sh->wr_gone, 1);
		close(dfd);
		return;
	}
	err = openat(dfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = err < 0 ? NULL : fdopendir(err);
	if (!dir) {
		if (err >= 0)
			close(err);
		add(&sh->wr_gone, 1);
		close(dfd);
		return;
	}
	while ((d = readdir(dir)) && n < 16)
		if (d->d_name[0] != '.')
			tids[n++] = atoi(d->d_name);
	closedir(dir);
	if (!n) {
		close(dfd);
		return;
	}
	snprintf(path, sizeof(path), "task/%d/perfctr/control", tids[rnd(r, n)]);
	if (dry) {
		close(dfd);
		return;
	}
	err = write_at(dfd, path, t->text);
	add(&sh->ops, 1);
	add(&sh->wr_churn, 1);
	if (err == ESRCH || err == ENOENT) {
		add(&sh->wr_gone, 1);
	} else if (t->canon) {
		add(&sh->wr_ok, 1);
		CHECK(!err, "/proc/%d/%s: writing \"%s\": %s", pid, path,
		      esc(t->text, e1, sizeof(e1)), strerror(err));
	} else {
		add(&sh->wr_rejected, 1);
		CHECK(err == t->err, "/proc/%d/%s: writing \"%s\" gave %s, expected %s", pid,
		      path, esc(t->text, e1, sizeof(e1)),
		      err ? strerror(err) : "success", strerror(t->err));
	}
	if (rnd(r, 2)) {
		*strrchr(path, '/') = '\0';
		if (!snapshot(dfd, path, &s))
			consistent(path, &s, false);
	}
	close(dfd);
}

/* The files of another worker, read while it works. */
static void read_worker(struct rng *r)
{
	pid_t pid = load(&sh->worker[rnd(r, W_WRITER)]);
	char dir[64];
	struct snap s;

	if (pid <= 0 || dry)
		return;
	snprintf(dir, sizeof(dir), "%s/%d/perfctr", pc_root(), pid);
	if (!snapshot(AT_FDCWD, dir, &s))
		consistent(dir, &s, false);
}

static void writer_worker(int w, struct rng r)
{
	struct sleeper sl[SLEEPERS];
	long long tries;
	int i, j;

	for (i = 0; i < SLEEPERS; i++)
		start_sleeper(&sl[i]);
	for (i = 0; i < SLEEPERS; i++)
		for (j = 0; j < 2; j++)
			for (tries = 0; !asleep(sl[i].pid, sl[i].tid[j]); tries++) {
				if (tries > 5000)
					fail("sleeper %d/%d never went to sleep", sl[i].pid,
					     sl[i].tid[j]);
				sleep_us(1000);
			}
	/* a task shows S a moment before it is off the CPU: let it go */
	sleep_us(100000);
	do {
		switch (rnd(&r, 10)) {
		case 0:
		case 1:
		case 2:
		case 3:
			if (!dry)
				hit_sleeper(&sl[rnd(&r, SLEEPERS)], &r);
			break;
		case 4:
		case 5:
		case 6:
		case 7:
		case 8:
			hit_churn(&r);
			break;
		default:
			read_worker(&r);
			break;
		}
		add(&sh->rounds[w], 1);
		sleep_us(range(&r, 500, 3000));
	} while (!stopping());
	for (i = 0; i < SLEEPERS; i++)
		kill(sl[i].pid, SIGKILL);
	for (i = 0; i < SLEEPERS; i++) {
		int st;

		if (waitpid(sl[i].pid, &st, 0) != sl[i].pid)
			fail("waitpid(%d): %s", sl[i].pid, strerror(errno));
		reaped(1);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "sleeper %d ended with status %#x, not by our SIGKILL", sl[i].pid, st);
	}
	reap_all(NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* storm: as many forks as it can */

#define STORM_BATCH	512

/*
 * One round: a fresh control, up to STORM_BATCH children one at a time, one in
 * eight by fork and the others by vfork, each exiting at once (a fork child
 * touching a page or not),
 * then the children counts against getrusage() exactly.  Nothing else in
 * the run forks as fast: this worker is what brings a run to a million
 * forks, and every one of them merges.
 */
static void storm_round(int w, struct rng *r, long long n)
{
	struct rusage before;
	struct figures f = { 0 };
	long long pages = 0;
	bool use_fork, touch_one;
	int i, st;
	pid_t pid, got;

	program(SELF, EXACT_CTL, EXACT_CTL);
	getrusage(RUSAGE_CHILDREN, &before);
	/*
	 * A round ends early at the end of an epoch: on the slowest kernels
	 * (PREEMPT_RT with KASAN under TCG, a few forks a second) a whole
	 * batch would outlast the GRACE the workers have to end.
	 */
	for (i = 0; i < STORM_BATCH && !load(&sh->failed) && !stopping(); i++) {
		/* vfork copies no page tables: a fifth of fork's cost */
		use_fork = i % 8 == 0;
		touch_one = use_fork && rnd(r, 2);
		note_live(add(&sh->live, 1));
		pid = use_fork ? fork() : vfork();
		if (pid < 0) {
			add(&sh->live, -1);
			fail("%s: %s", use_fork ? "fork" : "vfork", strerror(errno));
		}
		if (!pid) {
			if (touch_one)
				touch(1);
			_exit(0);
		}
		pages += touch_one;
		do
			got = waitpid(pid, &st, 0);
		while (got < 0 && errno == EINTR);
		if (got != pid)
			fail("waitpid(%d): %s", pid, strerror(errno));
		reaped(1);
		check_status(pid, st);
		add(&sh->forks, 1);
		add(&sh->storm_forks, 1);
	}
	add(&sh->ops, i);
	compare_since("storm children", &before, &f, pages);
}

static void storm_worker(int w, struct rng r)
{
	run_rounds(w, r, storm_round);
}

/* ------------------------------------------------------------------ */
/* main */

static void (*const workers[NW])(int w, struct rng r) = {
	exact_worker, exact_worker, rep_worker, exec_worker, ign_worker,
	churn_worker, writer_worker, storm_worker,
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: pctorture [--reload MODULE] [--setuid PROGRAM] [--forks N] [--workers W,...] SECONDS [SEED]\n"
		"  SECONDS: 1 to 86400; SEED: an unsigned number (default: random)\n"
		"  --reload MODULE: unload the perfctr module and load MODULE between\n"
		"      epochs (one a minute, at least one), and try to unload it while\n"
		"      the workers count (refused); the module's references must drain\n"
		"      to zero each time\n"
		"  --setuid PROGRAM: a set-uid copy of pctorture for the exec worker\n"
		"  --forks N: go on past SECONDS until N processes were created\n"
		"  --workers W,...: run only these of exact0 exact1 reprogram exec\n"
		"      sigchld churn writer storm\n");
	exit(2);
}

static bool parse_ull(const char *s, int base, unsigned long long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return !errno && !*end;
}

static void kill_groups(void)
{
	int w;

	for (w = 0; w < NW; w++)
		if (selected[w] && sh->worker[w] > 0)
			kill(-sh->worker[w], SIGKILL);
}

static void progress(long long start)
{
	say("torture: %llds ops=%lld checks=%lld rounds: exact %lld+%lld reprogram %lld exec %lld sigchld %lld churn %lld writer %lld storm %lld; live %ld (max %ld); forks %lld",
	    (now_ns() - start) / 1000000000LL, load(&sh->ops), load(&sh->checks),
	    load(&sh->rounds[W_EXACT0]), load(&sh->rounds[W_EXACT1]),
	    load(&sh->rounds[W_REPROG]), load(&sh->rounds[W_EXEC]),
	    load(&sh->rounds[W_SIGCHLD]), load(&sh->rounds[W_CHURN]),
	    load(&sh->rounds[W_WRITER]), load(&sh->rounds[W_STORM]),
	    load(&sh->live), load(&sh->max_live), load(&sh->forks));
}

/* The first failure, reported by the main process, which goes on to clean up. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&sh->failed, 1, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vout(STDERR_FILENO, "pctorture: FAILED: ", fmt, ap);
	va_end(ap);
	store(&sh->stop, 1);
}

/* ------------------------------------------------------------------ */
/* --reload: the module's references, unloading and loading */

/*
 * Every task state and every open file of the module's pins it (see
 * Documentation/perfctr.rst, "The module"), so its reference count is the
 * driver's live-object count: zero once every counted task is gone.
 */
static long module_refs(void)
{
	char buf[32];

	if (read_at(AT_FDCWD, "/sys/module/perfctr/refcnt", buf, sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

/*
 * On a stock kernel the module's filesystem, mounted at the root, holds
 * the module once for as long as it is mounted (perfctr-stock.rst).
 */
static bool stock_mode(void)
{
	return strcmp(pc_root(), "/proc") != 0;
}

static long idle_refs(void)
{
	return stock_mode() ? 1 : 0;
}

/*
 * Freed task_structs go after an RCU grace period: wait up to 10 s.
 * Returns the references beyond the idle module's.
 */
static long drain_refs(void)
{
	long refs = module_refs();
	int i;

	for (i = 0; i < 1000 && refs != idle_refs(); i++) {
		sleep_us(10000);
		refs = module_refs();
	}
	return refs - idle_refs();
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, "perfctr", O_NONBLOCK) ? errno : 0;
}

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	close(fd);
	return err;
}

/*
 * Between epochs, with every worker gone: nothing may hold the module any
 * more; it unloads, the files say ENODEV, it loads again and ids go on
 * above every id read before.
 */
static void reload(int n)
{
	char buf[64];
	long refs;
	int err;

	refs = drain_refs();
	if (refs) {
		report("reload %d: the module still has %ld references 10 s after every task of the epoch was reaped (a leak)",
		       n, refs);
		return;
	}
	if (stock_mode() && umount2(pc_root(), 0)) {
		report("reload %d: unmounting %s: %s", n, pc_root(), strerror(errno));
		return;
	}
	err = unload_module();
	if (err) {
		report("reload %d: unloading with no reference left: %s", n, strerror(err));
		return;
	}
	/* /proc's files stay and say ENODEV; a stock kernel's go with the module */
	err = read_at(AT_FDCWD, pc_path("self/perfctr/id"), buf, sizeof(buf));
	if (err != (stock_mode() ? -ENOENT : -ENODEV)) {
		report("reload %d: %s read %s with the module unloaded, not %s", n,
		       pc_path("self/perfctr/id"), err < 0 ? strerror(-err) : "a value",
		       stock_mode() ? "ENOENT" : "ENODEV");
		return;
	}
	err = load_module(reload_path);
	if (err) {
		report("reload %d: loading %s: %s", n, reload_path, strerror(err));
		return;
	}
	if (stock_mode() && mount("none", pc_root(), "perfctr", 0, NULL)) {
		report("reload %d: mounting %s: %s", n, pc_root(), strerror(errno));
		return;
	}
	err = read_at(AT_FDCWD, pc_path("self/perfctr/id"), buf, sizeof(buf));
	if (err < 0 || strtoull(buf, NULL, 10) != 0) {
		report("reload %d: /proc/self/perfctr/id after loading: %s", n,
		       err < 0 ? strerror(-err) : buf);
		return;
	}
	add(&sh->reloads, 1);
	say("torture: reload %d: no reference left, unloaded, files %s, loaded again", n,
	    stock_mode() ? "gone" : "ENODEV");
}

/*
 * While the workers count, each of them holds the module: unloading must
 * be refused, and counting goes on.
 */
static void refused_unload(const long long *base, const bool *done)
{
	int w, err;

	/* a worker that finished a round programmed itself, and lives on */
	for (w = 0; w < NW; w++)
		if (load(&sh->rounds[w]) > base[w] && !done[w])
			break;
	if (w == NW)
		return;
	err = unload_module();
	if (err == EWOULDBLOCK || err == EAGAIN) {
		add(&sh->unload_refused, 1);
		add(&sh->checks, 1);
		return;
	}
	report("unloading the module while every worker counts: %s",
	       err ? strerror(err) : "it unloaded");
	if (!err)
		load_module(reload_path);
}

/* ------------------------------------------------------------------ */
/* main */

/* "storm,exact0": the workers to run; false on an unknown name. */
static bool parse_workers(const char *list)
{
	char buf[256], *name, *save = NULL;
	int w;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return false;
	for (name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		for (w = 0; w < NW && strcmp(name, worker_name[w]); w++)
			;
		if (w == NW)
			return false;
		selected[w] = true;
	}
	return true;
}

static void start_workers(int epoch)
{
	pid_t pid;
	int w;

	for (w = 0; w < NW; w++) {
		if (!selected[w])
			continue;
		pid = fork_counted();
		if (!pid) {
			setpgid(0, 0);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			prctl(PR_SET_CHILD_SUBREAPER, 1);
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			snprintf(who, sizeof(who), "%s", worker_name[w]);
			store(&sh->worker[w], getpid());	/* for the writer */
			workers[w](w, derive(seed, w + (uint64_t)epoch * NW));
			_exit(0);
		}
		setpgid(pid, pid);
		store(&sh->worker[w], pid);
	}
}

int main(int argc, char **argv)
{
	unsigned long long seconds, v;
	long long start, deadline, epoch_end, stopped = 0, last_progress, every;
	long long base[NW], tick = 0;
	int status[NW], alive, w, st, failures = 0, i, epoch, epochs;
	bool killed = false, done[NW];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t none;
	char buf[64];
	pid_t pid;

	if (snprintf(SELF, sizeof(SELF), "%s", pc_path("self/perfctr")) >= (int)sizeof(SELF) ||
	    snprintf(THREAD_SELF, sizeof(THREAD_SELF), "%s",
		     pc_path("thread-self/perfctr")) >= (int)sizeof(THREAD_SELF)) {
		fprintf(stderr, "pctorture: PERFCTR_ROOT %s is too long\n", pc_root());
		return 2;
	}

	dry = getenv("PCTORTURE_DRY_RUN") && !strcmp(getenv("PCTORTURE_DRY_RUN"), "1");
	if (argc >= 2 && !strcmp(argv[1], "--child-exec"))
		return child_exec_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "--child-setuid"))
		return child_setuid_main(argc, argv);
	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--reload"))
			reload_path = argv[i + 1];
		else if (!strcmp(argv[i], "--setuid"))
			setuid_path = argv[i + 1];
		else if (!strcmp(argv[i], "--forks") && parse_ull(argv[i + 1], 10, &min_forks))
			;
		else if (!strcmp(argv[i], "--workers") && parse_workers(argv[i + 1]))
			;
		else
			usage();
	}
	for (w = 0; w < NW && !selected[w]; w++)
		;
	if (w == NW)	/* none chosen: all */
		for (w = 0; w < NW; w++)
			selected[w] = true;
	argc -= i - 1;
	argv += i - 1;
	if (argc < 2 || argc > 3 || !parse_ull(argv[1], 10, &seconds) || seconds < 1 ||
	    seconds > 86400)
		usage();
	if (argc == 3) {
		if (!parse_ull(argv[2], 0, &seed))
			usage();
	} else {
		seed = (unsigned long long)now_ns() ^ ((unsigned long long)getpid() << 32);
	}
	if (reload_path && dry) {
		fprintf(stderr, "pctorture: --reload needs perfctr (not PCTORTURE_DRY_RUN)\n");
		return 2;
	}
	if (setuid_path && access(setuid_path, X_OK)) {
		fprintf(stderr, "pctorture: --setuid %s: %s\n", setuid_path, strerror(errno));
		return 2;
	}
	if (!dry) {
		struct stat stt;
		int n;

		if (stat(SELF, &stt)) {
			fprintf(stderr, "pctorture: %s: %s: this kernel has no perfctr\n",
				SELF, strerror(errno));
			return 1;
		}
		n = read_at(AT_FDCWD, pc_path("self/perfctr/id"), buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "pctorture: %s/id: %s (is the perfctr module loaded?)\n",
				SELF, strerror(-n));
			return 1;
		}
	}

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED) {
		perror("pctorture: mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* whatever a worker leaves behind comes back to us */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("pctorture: PR_SET_CHILD_SUBREAPER");
		return 1;
	}

	/*
	 * Live processes: main 1; exact0/1 1 + 20 each; reprogram 1 + 7
	 * children with a grandchild each; exec 1 + 5 (+ one grandchild
	 * each); sigchld 1 + middle + 6 children + 6 grandchildren; churn
	 * 1 + 24; writer 1 + 4; storm 1 + 1: 117 at most, under PROC_CAP.
	 */
	epochs = reload_path ? 1 + (seconds < 120 ? 1 : (int)(seconds / 60)) : 1;
	say("torture: seed=%llu seconds=%llu epochs=%d%s%s%s", seed, seconds, epochs,
	    setuid_path ? " setuid" : "", min_forks ? " forks>=" : "",
	    dry ? " DRY RUN: perfctr is not used" : "");
	if (min_forks)
		say("torture: going on past %llu s until %llu processes were created", seconds,
		    min_forks);
	start = now_ns();
	deadline = start + (long long)seconds * 1000000000LL;
	every = seconds <= 60 ? 5 : 30;
	last_progress = start;
	for (epoch = 0; epoch < epochs && !load(&sh->failed); epoch++) {
		epoch_end = epoch == epochs - 1 ? deadline :
			start + (long long)seconds * 1000000000LL * (epoch + 1) / epochs;
		alive = 0;
		for (w = 0; w < NW; w++) {
			base[w] = load(&sh->rounds[w]);
			done[w] = !selected[w];
			status[w] = 0;
			alive += selected[w];
		}
		store(&sh->stop, 0);
		stopped = 0;
		start_workers(epoch);
		while (alive > 0) {
			sleep_us(100000);
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				reaped(1);
				for (w = 0; w < NW; w++)
					if (sh->worker[w] == pid && !done[w])
						break;
				if (w == NW)
					continue;	/* an orphan handed up to us */
				done[w] = true;
				status[w] = st;
				alive--;
				if (!(WIFEXITED(st) && !WEXITSTATUS(st)))
					report("worker %s (%d) ended with %s %d", worker_name[w], pid,
					       WIFEXITED(st) ? "exit status" : "signal",
					       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			}
			if (!stopped && now_ns() >= epoch_end &&
			    (epoch < epochs - 1 || (unsigned long long)load(&sh->forks) >= min_forks)) {
				store(&sh->stop, 1);
				stopped = now_ns();
			}
			if (interrupted)
				report("interrupted by signal %d", (int)interrupted);
			if (stopped && now_ns() >= stopped + GRACE * 1000000000LL &&
			    !load(&sh->failed)) {
				char names[256] = "";

				for (w = 0; w < NW; w++)
					if (!done[w])
						snprintf(names + strlen(names),
							 sizeof(names) - strlen(names), " %s",
							 worker_name[w]);
				report("%d workers still running %d s after the end:%s", alive, GRACE,
				       names);
			}
			if (load(&sh->failed) && !killed) {
				store(&sh->stop, 1);
				kill_groups();
				killed = true;
			}
			if (reload_path && !stopped && !killed && ++tick % 10 == 0)
				refused_unload(base, done);
			if (alive && now_ns() - last_progress >= every * 1000000000LL) {
				last_progress = now_ns();
				progress(start);
			}
		}
		for (w = 0; w < NW; w++)
			if (!(WIFEXITED(status[w]) && !WEXITSTATUS(status[w])))
				failures = 1;
		/* every worker reaped its own: nothing may be left in their groups */
		if (!killed)
			for (w = 0; w < NW; w++)
				if (selected[w] && !kill(-sh->worker[w], 0))
					report("processes left in the group of %s after it ended",
					       worker_name[w]);
		if (reload_path && !load(&sh->failed) && epoch < epochs - 1)
			reload(epoch + 1);
	}

	/* kill and reap whatever is left, and anything handed up to us */
	for (i = 0; i < 100; i++) {
		kill_groups();
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (pid < 0 && errno == ECHILD) {
			for (w = 0; w < NW; w++)
				if (selected[w] && !kill(-sh->worker[w], 0))
					break;
			if (w == NW)
				break;
		}
		sleep_us(100000);
	}
	if (i == 100)
		report("processes survived SIGKILL for 10 s");
	/* the driver's live objects: none once every counted task is gone */
	if (reload_path && !load(&sh->failed)) {
		long refs = drain_refs();

		if (refs)
			report("the module still has %ld references 10 s after every task of the run was reaped (a leak)",
			       refs);
		else
			add(&sh->checks, 1);
	}

	if (load(&sh->failed))
		failures = 1;
	progress(start);
	say("torture: writes: %lld accepted, %lld rejected, %lld to tasks gone (%lld to sleepers, %lld to churn); lost-child rounds %lld",
	    load(&sh->wr_ok), load(&sh->wr_rejected), load(&sh->wr_gone),
	    load(&sh->wr_sleeper), load(&sh->wr_churn), load(&sh->lost));
	say("torture: forks=%lld (storm %lld) setuid-execs=%lld reloads=%lld unloads-refused=%lld",
	    load(&sh->forks), load(&sh->storm_forks), load(&sh->setuid_execs),
	    load(&sh->reloads), load(&sh->unload_refused));
	v = (now_ns() - start + 500000000LL) / 1000000000LL;
	say("torture%s: ops=%lld checks=%lld failures=%d seconds=%llu", dry ? " (dry run)" : "",
	    load(&sh->ops), load(&sh->checks), failures, v);
	return failures ? 1 : 0;
}
