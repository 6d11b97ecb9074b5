// SPDX-License-Identifier: GPL-2.0
/*
 * The command mode.  perfex forks; the child writes its own control, so
 * that perfex itself counts nothing, and execs the command, which keeps
 * the control (Documentation/perfctr.rst, "Exec").  The command's
 * descendants inherit it and merge into the command as it reaps them.
 *
 * When the command exits, perfex waits for it without reaping it
 * (WNOWAIT): a zombie's counts file holds its final counts, and its
 * children file everything it reaped.  Then perfex reaps it, for its
 * status and rusage.
 *
 * With --tree, the child stops after programming itself until perfex has
 * opened its exits file, so that no descendant's record is missed, and
 * perfex reads the records as they come while the command runs, so that
 * the kernel need not drop any.
 *
 * With -I, perfex reads the command's counts and children counts every
 * interval while it runs, and prints what they grew by.  With -r, it runs
 * the command again and again, and prints the means once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perfex.h"

#define CONTROL_PATH	"self/perfctr/control"	/* below perfex_root() */
#define PARANOID_PATH	"/proc/sys/kernel/perf_event_paranoid"

/*
 * What the child tells perfex, through a close-on-exec pipe: nothing at
 * all means the exec succeeded.
 */
enum report_what {
	REPORT_USER_ONLY = 1,	/* kernel mode refused: ":u" it is, exec next */
	REPORT_OPEN,		/* the control file cannot be opened */
	REPORT_CONTROL,		/* the kernel refuses the control */
	REPORT_EXEC,		/* execvp() failed */
	REPORT_READY,		/* programmed: waits for perfex to listen */
	REPORT_SOFTWARE_ONLY,	/* the default's hardware events refused */
};

struct report {
	int what;
	int err;
	int user_only;		/* REPORT_CONTROL: of the ":u" text */
	int software_only;	/* REPORT_CONTROL: of the software default */
	int bad_pos;		/* the event refused on its own, or -1 */
	int bad_len;
};

/* SIGINT, SIGQUIT and SIGCHLD as they were before perfex changed them. */
struct sigsave {
	struct sigaction intr;
	struct sigaction quit;
	struct sigaction chld;
};

/*
 * Like time(1), perfex ignores the terminal's signals while the command
 * runs: ^C stops the command, and perfex still prints its counts.
 *
 * SIGCHLD goes back to its default: a caller that ignores it (a shell's
 * trap '' CHLD, a daemon) passes SIG_IGN on through exec, and with it the
 * kernel reaps perfex's child at its exit, before waitid(WNOWAIT) can see
 * the zombie whose counts perfex reads.
 *
 * The child gets the dispositions perfex was started with, as exec would
 * have given them to the command without perfex: an ignored SIGCHLD stays
 * ignored.
 */
static void signals_ignore(struct sigsave *save)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigemptyset(&ign.sa_mask);
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &ign, &save->intr);
	sigaction(SIGQUIT, &ign, &save->quit);
	sigaction(SIGCHLD, &dfl, &save->chld);
}

static void signals_restore(const struct sigsave *save)
{
	sigaction(SIGINT, &save->intr, NULL);
	sigaction(SIGQUIT, &save->quit, NULL);
	sigaction(SIGCHLD, &save->chld, NULL);
}

/*
 * One write of @len bytes of @text to a new descriptor of our own
 * control: the kernel takes a control only whole and at offset 0.
 * Returns 0 or the errno, *@at_open telling whether opening failed.
 */
static int control_write(const char *text, size_t len, bool *at_open)
{
	ssize_t ret;
	char path[PATH_MAX];
	int fd, err = 0;

	*at_open = false;
	snprintf(path, sizeof(path), "%s/" CONTROL_PATH, perfex_root());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		*at_open = true;
		return errno;
	}
	do {
		ret = write(fd, text, len);	/* nothing written on EINTR */
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * The kernel says what is wrong, not which event: find the first event
 * it refuses on its own with the same error, to name it.  The child is
 * about to exit, so its control may change.  Nothing is found for an
 * event named twice, bad separators, too many events, or more hardware
 * events than the PMU can hold at once (ENOSPC: it is the set, not one).
 */
static void find_refused(const char *text, int err, struct report *r)
{
	size_t pos, len;
	bool at_open;

	r->bad_pos = -1;
	r->bad_len = 0;
	if (err == E2BIG || err == ENOSPC)
		return;
	for (pos = 0; (len = events_token(text, &pos)); pos += len) {
		if (control_write(text + pos, len, &at_open) == err) {
			r->bad_pos = pos;
			r->bad_len = len;
			return;
		}
	}
}

static void send_report(int fd, const struct report *r)
{
	ssize_t ret;

	do {
		ret = write(fd, r, sizeof(*r));	/* atomic: below PIPE_BUF */
	} while (ret < 0 && errno == EINTR);
}

/* The forked child: program, then exec; never returns. */
/*
 * Programs @events, else their user-mode form @events_u if kernel mode is
 * what was refused, else, for the default events, @fallback: the default
 * without its hardware events, which a machine without a PMU cannot count
 * (ENOENT, EOPNOTSUPP), a PMU whose counters are taken cannot hold
 * (ENOSPC) and perf_event_paranoid 3 forbids (EACCES).
 */
static void child(int fd, int go, const char *events, const char *events_u,
		  const char *fallback, char **argv, const struct sigsave *save)
{
	struct report r = { .bad_pos = -1 };
	const char *text = events;
	bool at_open;
	int err;

	signals_restore(save);
	err = control_write(events, strlen(events), &at_open);
	if (err == EACCES && !at_open && events_u) {
		text = events_u;
		err = control_write(text, strlen(text), &at_open);
		if (!err) {
			r.what = REPORT_USER_ONLY;
			send_report(fd, &r);
		}
		r.user_only = 1;
	}
	if (fallback && !at_open && (err == EACCES || err == ENOENT ||
				     err == EOPNOTSUPP || err == ENOSPC)) {
		r.err = err;
		text = fallback;
		err = control_write(text, strlen(text), &at_open);
		if (!err) {
			r.what = REPORT_SOFTWARE_ONLY;
			send_report(fd, &r);
		}
		r.user_only = 0;
		r.software_only = 1;
	}
	if (err) {
		r.what = at_open ? REPORT_OPEN : REPORT_CONTROL;
		r.err = err;
		if (!at_open)
			find_refused(text, err, &r);
		send_report(fd, &r);
		_exit(EXIT_NOTFOUND);
	}
	if (go >= 0) {
		char c;
		ssize_t ret;

		r.what = REPORT_READY;
		send_report(fd, &r);
		do {
			ret = read(go, &c, 1);
		} while (ret < 0 && errno == EINTR);
		if (ret != 1)		/* perfex gave up */
			_exit(EXIT_NOTFOUND);
	}
	execvp(argv[0], argv);
	r.what = REPORT_EXEC;
	r.err = errno;
	send_report(fd, &r);
	_exit(EXIT_NOTFOUND);
}

/* 1 and a report, or 0 at the end: the child exec'd or exited. */
static int read_report(int fd, struct report *r)
{
	ssize_t ret;

	do {
		ret = read(fd, r, sizeof(*r));
	} while (ret < 0 && errno == EINTR);
	return ret == sizeof(*r);
}

static int paranoid_level(void)
{
	int level = -99;
	FILE *f = fopen(PARANOID_PATH, "re");

	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = -99;
		fclose(f);
	}
	return level;
}

/* The second line of a refused control: what to do about it. */
static void control_hint(const struct report *r, const char *text)
{
	const char *bad = text + (r->bad_pos < 0 ? 0 : r->bad_pos);
	int len = r->bad_len;

	if (r->bad_pos < 0) {
		if (r->err == E2BIG)
			fprintf(stderr, "%s: at most %d events\n", perfex_name,
				PERFEX_MAX_EVENTS);
		else if (r->err == EINVAL && strlen(text) > PERFCTR_CONTROL_MAX)
			fprintf(stderr, "%s: the events are longer than %d bytes\n",
				perfex_name, PERFCTR_CONTROL_MAX);
		else if (r->err == EINVAL)
			fprintf(stderr, "%s: an event is named twice, or the events are not separated by blanks or single commas\n",
				perfex_name);
		else if (r->err == ENOSPC)
			fprintf(stderr, "%s: the PMU cannot hold these hardware events at once: too many, or its counters are taken by other pinned events\n",
				perfex_name);
		return;
	}
	if (r->err == EINVAL)
		fprintf(stderr, "%s: unknown event or bad modifier: '%.*s'\n",
			perfex_name, len, bad);
	else if (r->err == ENOENT || r->err == EOPNOTSUPP)
		fprintf(stderr, "%s: this machine cannot count '%.*s'\n",
			perfex_name, len, bad);
	else if (r->err == EACCES)
		fprintf(stderr, "%s: not allowed to count '%.*s' (perf_event_paranoid is %d)\n",
			perfex_name, len, bad, paranoid_level());
	else
		fprintf(stderr, "%s: refused: '%.*s'\n", perfex_name, len,
			bad);
}

/* The child failed before running the command: say why, and exit how. */
static int child_failed(const struct report *r, const char *events,
			const char *events_u, const char *fallback,
			const char *cmd)
{
	const char *text = r->software_only ? fallback :
			   r->user_only ? events_u : events;

	switch (r->what) {
	case REPORT_EXEC:
		fprintf(stderr, "%s: %s: %s\n", perfex_name, cmd,
			strerror(r->err));
		return r->err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	case REPORT_OPEN:
		if (r->err == ENOENT || r->err == ENODEV) {
			perfex_unavailable(r->err);
			return EXIT_FAILURE;
		}
		fprintf(stderr, "%s: cannot program counters: %s (%s/%s)\n",
			perfex_name, strerror(r->err), perfex_root(), CONTROL_PATH);
		return EXIT_FAILURE;
	default:
		if (r->err == ENODEV) {
			perfex_unavailable(r->err);
			return EXIT_FAILURE;
		}
		fprintf(stderr, "%s: cannot program counters: %s (%s)\n",
			perfex_name, strerror(r->err), text);
		control_hint(r, text);
		return EXIT_FAILURE;
	}
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000 + tv->tv_usec * 1000;
}

/* Until the command exits, leaving it a zombie whose files we can read. */
static int wait_exited(pid_t pid)
{
	siginfo_t info;

	while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT)) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* The zombie's counters into @run; 0, or -1 and errno. */
static int read_zombie(pid_t pid, struct perfex_run *run)
{
	struct perfctr *pc = perfctr_open(pid);
	int ret;

	if (!pc)
		return -1;
	ret = counters_read(pc, &run->counts);
	perfctr_close(pc);
	return ret;
}

/* Reaps the command: its status, as a shell gives it, and its rusage. */
static int reap(pid_t pid, struct perfex_run *run)
{
	struct rusage ru;
	int status;

	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFSIGNALED(status)) {
		run->signal = WTERMSIG(status);
		run->exit_status = 128 + run->signal;
	} else {
		run->exit_status = WEXITSTATUS(status);
	}
	run->user_ns = timeval_ns(&ru.ru_utime);
	run->system_ns = timeval_ns(&ru.ru_stime);
	return 0;
}

/*
 * --tree: the records, as they come, until the command has exited.  By
 * then every task merged into it was released, and its record is in.
 */
static int follow_tree(pid_t pid, struct perfex_tree *t)
{
	struct pollfd pfd[2] = {
		{ .fd = t->fd, .events = POLLIN },
		{ .fd = perfex_pidfd(pid), .events = POLLIN },
	};
	int ret = 0;

	if (pfd[1].fd < 0)
		return -1;
	while (!ret) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		ret = tree_read(t, false);
		if (pfd[1].revents)
			break;
	}
	close(pfd[1].fd);
	return ret;
}

/* The records up to the end, which reaping the command brought. */
static int end_tree(struct perfex_run *run, const char *cmd)
{
	struct perfex_tree *t = run->tree;
	const char *base = strrchr(cmd, '/');

	if (tree_read(t, true) ||
	    tree_build(t, run->pid, base ? base + 1 : cmd, &run->counts)) {
		fprintf(stderr, "%s: cannot read the exit records of %s: %s\n",
			perfex_name, cmd, strerror(errno));
		return -1;
	}
	if (t->dropped)
		fprintf(stderr, "%s: the kernel dropped %" PRIu64 " exit records (perfex fell behind): the tree misses those tasks; the totals are exact\n",
			perfex_name, t->dropped);
	else if (!t->complete)
		fprintf(stderr, "%s: the process tree does not add up to the totals\n",
			perfex_name);
	return 0;
}

/* -I: the counts of the last line, to print what they grew by since. */
struct intervals {
	struct perfctr *pc;
	uint64_t start;
	uint64_t id;
	uint64_t self[PERFEX_MAX_EVENTS];
	uint64_t children[PERFEX_MAX_EVENTS];
	bool printed;
};

/*
 * One interval line per event: what @c grew by since the last line.  A
 * new control (the command wrote its own) starts from zero again, as at
 * the start; no control, no line.
 */
static void interval_line(struct intervals *iv, const struct perfex_out *out,
			  uint64_t time_ns, const struct perfex_counts *c)
{
	uint64_t self[PERFEX_MAX_EVENTS], children[PERFEX_MAX_EVENTS];
	unsigned int i;

	if (!c->nr)
		return;
	if (c->id != iv->id) {
		memset(iv->self, 0, sizeof(iv->self));
		memset(iv->children, 0, sizeof(iv->children));
		iv->id = c->id;
	}
	for (i = 0; i < c->nr; i++) {
		self[i] = count_sub(c->self[i], iv->self[i]);
		children[i] = count_sub(c->children[i], iv->children[i]);
		iv->self[i] = c->self[i];
		iv->children[i] = c->children[i];
	}
	output_interval(out, time_ns, c, self, children, !iv->printed);
	iv->printed = true;
}

/*
 * -I: a line every interval until the command exits; the last, of its
 * final counts, once perfex has read them from the zombie.  An interval
 * whose read fails (the control kept changing) prints nothing.
 */
static void follow_intervals(pid_t pid, const struct perfex_opts *opts,
			     const struct perfex_out *out,
			     struct intervals *iv)
{
	uint64_t interval = opts->interval_ms * 1000000ULL;
	struct pollfd pfd = { .fd = perfex_pidfd(pid), .events = POLLIN };
	uint64_t next = iv->start, now;
	struct perfex_counts c;
	struct timespec ts;
	int ret;

	iv->pc = perfctr_open(pid);
	if (!iv->pc || pfd.fd < 0) {
		fprintf(stderr, "%s: -I: cannot follow %s: %s\n", perfex_name,
			opts->argv[0], strerror(errno));
		if (pfd.fd >= 0)
			close(pfd.fd);
		return;
	}
	for (;;) {
		now = perfex_now_ns();
		next += interval;
		if (next <= now)	/* late (a slow machine): skip ahead */
			next = now + interval;
		do {
			now = perfex_now_ns();
			if (now >= next) {
				ret = 0;
				break;
			}
			ts.tv_sec = (next - now) / 1000000000;
			ts.tv_nsec = (next - now) % 1000000000;
			ret = ppoll(&pfd, 1, &ts, NULL);
		} while (ret < 0 && errno == EINTR);
		if (ret)		/* it exited (or poll failed): the end */
			break;
		if (!counters_read(iv->pc, &c))
			interval_line(iv, out, perfex_now_ns() - iv->start, &c);
	}
	close(pfd.fd);
}

/* -r and a run that is over: into the statistics, if it counted. */
static bool add_run(struct perfex_stats *st, struct perfex_run *report,
		    const struct perfex_run *run)
{
	unsigned int i;

	if (!run->counts.nr)
		return false;	/* perfex said why */
	if (st->runs) {
		bool same = run->counts.nr == report->counts.nr;

		for (i = 0; same && i < run->counts.nr; i++)
			same = !strcmp(run->counts.name[i],
				       report->counts.name[i]);
		if (!same) {
			fprintf(stderr, "%s: run %u counted other events than the first run\n",
				perfex_name, st->runs + 1);
			return false;
		}
		report->counts.lost += run->counts.lost;
	} else {
		report->counts = run->counts;
	}
	stats_add(st, run);
	return true;
}

/*
 * Everything after a successful exec: wait, read the zombie, reap it,
 * print.  The command's status is perfex's, as with time(1), whatever
 * could not be counted: that is said on stderr, and what can be printed
 * (the times, the status) is.  With -r nothing is printed: the run is
 * left in @done for the statistics.  -1 if the command could not be
 * reaped (said).
 */
static int finish(pid_t pid, uint64_t start, const struct perfex_opts *opts,
		  const struct perfex_out *out, struct perfex_tree *tree,
		  struct perfex_run *done)
{
	struct perfex_run run = { .argv = opts->argv, .pid = pid,
				  .tree = tree };
	struct intervals iv = { .start = start };
	const char *cmd = opts->argv[0];
	bool zombie = true;

	if (tree && follow_tree(pid, tree)) {
		fprintf(stderr, "%s: following the exit records: %s\n",
			perfex_name, strerror(errno));
		run.tree = NULL;
	}
	if (opts->interval_ms)
		follow_intervals(pid, opts, out, &iv);
	if (wait_exited(pid)) {
		fprintf(stderr, "%s: waitid: %s: no counts for %s\n",
			perfex_name, strerror(errno), cmd);
		zombie = false;
	}
	run.elapsed_ns = perfex_now_ns() - start;
	if (zombie && read_zombie(pid, &run)) {
		fprintf(stderr, "%s: cannot read the counters of %s: %s\n",
			perfex_name, cmd, strerror(errno));
		run.counts.nr = 0;
	} else if (zombie && !run.counts.nr) {
		fprintf(stderr, "%s: %s had no counters when it exited: it cleared its control, or exec'd a set-uid or set-gid program, which clears it\n",
			perfex_name, cmd);
	}
	if (iv.pc) {
		interval_line(&iv, out, run.elapsed_ns, &run.counts);
		perfctr_close(iv.pc);
	}
	if (reap(pid, &run)) {
		fprintf(stderr, "%s: cannot get the exit status of %s: %s\n",
			perfex_name, cmd, strerror(errno));
		return -1;
	}
	if (!run.counts.nr)
		run.tree = NULL;
	if (run.counts.lost)
		fprintf(stderr, "%s: %" PRIu64 " descendants ran without counters: the children counts are lower bounds\n",
			perfex_name, run.counts.lost);
	if (run.tree && end_tree(&run, cmd))
		run.tree = NULL;
	if (opts->repeat)
		*done = run;
	else
		output_run(out, &run);
	return run.exit_status;
}

/*
 * One run of the command: fork, program, exec, finish().  Its status, as
 * perfex's would be; -1 if it ran but could not be reaped.  @done gets
 * the run with -r, whose first run alone says the notices.
 */
static int run_once(const struct perfex_opts *opts,
		    const struct perfex_out *out, const struct sigsave *save,
		    struct perfex_run *done)
{
	const char *events = opts->events ? opts->events :
				PERFEX_DEFAULT_HW_EVENTS " " PERFEX_DEFAULT_EVENTS;
	const char *fallback = opts->events ? NULL : PERFEX_DEFAULT_EVENTS;
	char *events_u = events_user_only(events);
	struct report r, failure = { 0 };
	struct perfex_tree tree = { .fd = -1, .threads = opts->threads };
	int pipefd[2], go[2] = { -1, -1 }, ret, tree_err = 0;
	bool quiet = done->stats && done->stats->runs;
	uint64_t start;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) || (opts->tree && pipe2(go, O_CLOEXEC))) {
		fprintf(stderr, "%s: pipe: %s\n", perfex_name, strerror(errno));
		free(events_u);
		return EXIT_FAILURE;
	}
	fflush(NULL);		/* nothing buffered may be written twice */
	start = perfex_now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", perfex_name, strerror(errno));
		free(events_u);
		return EXIT_FAILURE;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (opts->tree)
			close(go[1]);
		child(pipefd[1], go[0], events, events_u, fallback, opts->argv,
		      save);
	}
	close(pipefd[1]);
	if (opts->tree)
		close(go[0]);
	while (read_report(pipefd[0], &r)) {
		if (r.what == REPORT_READY) {
			/* listen before the command runs; no word: it quits */
			if (tree_open(&tree, pid))
				tree_err = errno;
			else if (write(go[1], "", 1) != 1)
				tree_err = errno;
			close(go[1]);
			go[1] = -1;
		} else if (r.what == REPORT_USER_ONLY) {
			if (!quiet)
				fprintf(stderr, "%s: perf_event_paranoid forbids kernel-mode counting; counting user mode only (:u)\n",
					perfex_name);
		} else if (r.what == REPORT_SOFTWARE_ONLY) {
			/* no PMU is no news: the default is what it can be */
			if (quiet)
				continue;
			if (r.err == EACCES)
				fprintf(stderr, "%s: perf_event_paranoid is %d: no cycles and instructions\n",
					perfex_name, paranoid_level());
			else if (r.err == ENOSPC)
				fprintf(stderr, "%s: the PMU has no counter free: no cycles and instructions\n",
					perfex_name);
		} else {
			failure = r;
		}
	}
	close(pipefd[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (failure.what || tree_err) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (failure.what) {
		ret = child_failed(&failure, events, events_u, fallback,
				   opts->argv[0]);
	} else if (tree_err) {
		fprintf(stderr, "%s: --tree: cannot read %s/%d/perfctr/exits: %s\n",
			perfex_name, perfex_root(), (int)pid, strerror(tree_err));
		ret = EXIT_FAILURE;
	} else {
		ret = finish(pid, start, opts, out, opts->tree ? &tree : NULL,
			     done);
	}
	tree_free(&tree);
	free(events_u);
	return ret;
}

/*
 * -r: the runs, one after the other, until one exits non-zero (or is
 * killed, or cannot be counted): that one is the last, in the means too
 * if it was counted, and its status is perfex's.  The report comes once,
 * of the runs counted: their means, each with its deviation.
 */
static int repeat(const struct perfex_opts *opts, const struct perfex_out *out,
		  const struct sigsave *save)
{
	struct perfex_stats st = { .repeat = opts->repeat };
	struct perfex_run report = { .argv = opts->argv, .stats = &st };
	struct perfex_run run;
	unsigned int i;
	int ret = 0;

	for (i = 1; i <= st.repeat; i++) {
		run = (struct perfex_run){ .stats = &st };
		ret = run_once(opts, out, save, &run);
		if (ret < 0 || !run.argv)	/* said why */
			break;
		if (!add_run(&st, &report, &run))
			break;
		report.pid = run.pid;
		report.exit_status = run.exit_status;
		report.signal = run.signal;
		if (ret)
			break;
	}
	if (!st.runs && !run.argv)	/* nothing ran: said why */
		return ret < 0 ? EXIT_FAILURE : ret;
	if (i < st.repeat && ret > 0 && run.argv && run.signal)
		fprintf(stderr, "%s: run %u of %u was killed by signal %d: no more runs\n",
			perfex_name, i, st.repeat, run.signal);
	else if (i < st.repeat && ret > 0 && run.argv)
		fprintf(stderr, "%s: run %u of %u exited with status %d: no more runs\n",
			perfex_name, i, st.repeat, ret);
	else if (i < st.repeat)
		fprintf(stderr, "%s: run %u of %u failed: no more runs\n",
			perfex_name, i, st.repeat);
	if (ret < 0)
		ret = EXIT_FAILURE;
	if (!st.runs)
		return ret;
	for (i = 0; i < report.counts.nr; i++) {
		report.counts.self[i] = stat_round(&st.self[i]);
		report.counts.children[i] = stat_round(&st.children[i]);
	}
	report.elapsed_ns = stat_round(&st.elapsed);
	report.user_ns = stat_round(&st.user);
	report.system_ns = stat_round(&st.system);
	output_run(out, &report);
	return ret;
}

int perfex_run_command(const struct perfex_opts *opts,
		       const struct perfex_out *out)
{
	struct perfex_run done = { 0 };
	struct sigsave save;
	int ret;

	signals_ignore(&save);
	if (opts->repeat) {
		ret = repeat(opts, out, &save);
	} else {
		ret = run_once(opts, out, &save, &done);
		if (ret < 0)
			ret = EXIT_FAILURE;
	}
	signals_restore(&save);
	return ret;
}
