// SPDX-License-Identifier: GPL-2.0
/*
 * -p: following a process that already counts.  perfex changes nothing in
 * it: every interval it reads the thread's counts and children counts
 * through libperfctr, until the process exits, --count samples are
 * printed, or SIGINT or SIGTERM asks perfex to stop.
 *
 * With -e, perfex first writes the events to the thread's control, which
 * replaces the one it had: counting starts from zero under a new id, and
 * the children it forked before no longer merge into it.  perfex leaves
 * the new control in place when it stops.
 *
 * A zombie's counts file keeps its final counts, so a process that exits
 * between two samples still gets its last line, unless its parent reaps
 * it first.  A pidfd tells perfex of the exit at once, which makes that
 * unlikely; after the release the handle's files fail with ESRCH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "perfex.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * SIGINT and SIGTERM end the samples with one last line.  They stay
 * blocked except inside ppoll(), so one that comes while perfex reads or
 * prints ends the next wait at once instead of a whole interval later.
 * Like perf stat, perfex catches them even if it was started with them
 * ignored (a background job's SIGINT): that is how it is stopped.
 */
static void stop_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
}

/* The state letter of /proc/<pid>/stat, 0 if it cannot be read. */
static char proc_state(pid_t pid)
{
	char path[32], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold anything */
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Has the process exited, so that the next read gives its final counts? */
static bool has_exited(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	char state;

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	state = proc_state(pid);
	return !state || state == 'Z' || state == 'X';
}

/* Sleeps until @deadline, the process's exit or a stop signal. */
static void wait_until(uint64_t deadline, int pidfd, const sigset_t *mask)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	uint64_t now = perfex_now_ns();
	struct timespec ts;

	if (now >= deadline)
		return;
	ts.tv_sec = (deadline - now) / 1000000000;
	ts.tv_nsec = (deadline - now) % 1000000000;
	ppoll(&p, pidfd >= 0, &ts, mask);
}

/* perfctr_open() or the first read failed: 1, after saying why. */
static int unreadable(pid_t pid, int err)
{
	if (err == ENOENT || err == ENODEV)
		perfex_unavailable(err);
	else if (err == ESRCH)
		fprintf(stderr, "%s: %d: no such process\n", perfex_name,
			(int)pid);
	else if (err == EACCES)
		fprintf(stderr, "%s: %d: %s (reading another user's counters needs ptrace access)\n",
			perfex_name, (int)pid, strerror(err));
	else
		fprintf(stderr, "%s: %d: %s\n", perfex_name, (int)pid,
			strerror(err));
	return EXIT_FAILURE;
}

/*
 * -e: @events into thread @pid's control, in one write, as the kernel
 * takes a control; 0, or EXIT_FAILURE after saying why (nothing changed).
 */
static int program(pid_t pid, const char *events)
{
	char path[PATH_MAX];
	bool at_open = false;
	ssize_t ret;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%d/perfctr/control", perfex_root(),
		 (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		at_open = true;
		if (err == ENOENT && kill(pid, 0) && errno == ESRCH)
			return unreadable(pid, ESRCH);
		if (err == ENOENT || err == ENODEV)
			return unreadable(pid, err);
	} else {
		do {
			ret = write(fd, events, strlen(events));
		} while (ret < 0 && errno == EINTR);
		if (ret < 0)
			err = errno;
		close(fd);
	}
	if (!err)
		return 0;
	fprintf(stderr, "%s: cannot program %d's counters: %s (%s)\n",
		perfex_name, (int)pid, strerror(err), events);
	if ((err == EACCES || err == EPERM) && at_open)
		fprintf(stderr, "%s: writing another process's control needs ptrace attach access to it\n",
			perfex_name);
	else if (err == EACCES)
		fprintf(stderr, "%s: not allowed: ptrace attach access to the process is needed, and perf permission for its perf events (perf_event_paranoid; ':u' counts user mode only)\n",
			perfex_name);
	else if (err == E2BIG)
		fprintf(stderr, "%s: at most %d events\n", perfex_name,
			PERFEX_MAX_EVENTS);
	else if (err == EINVAL)
		fprintf(stderr, "%s: an unknown event or modifier, an event named twice, or bad separators ('perfex -e EVENTS true' names the event)\n",
			perfex_name);
	return EXIT_FAILURE;
}

struct poll_state {
	const struct perfex_opts *opts;
	const struct perfex_out *out;
	struct perfctr *pc;
	int pidfd;
	uint64_t start;
	uint64_t prev_id;
	uint64_t prev[PERFEX_MAX_EVENTS];
	long samples;
	char note[128];
};

/*
 * One sample: 1 to go on, 0 when the samples end (@st->note says why if
 * the table should), -1 on an error.
 */
static int sample(struct poll_state *st)
{
	pid_t pid = st->opts->pid;
	struct perfex_counts c;
	struct perfex_sample s = { .pid = pid, .counts = &c };
	unsigned int i;

	s.exited = has_exited(st->pidfd, pid);
	s.time_ns = perfex_now_ns() - st->start;
	if (counters_read(st->pc, &c)) {
		if (errno != ESRCH) {
			unreadable(pid, errno);
			return -1;
		}
		snprintf(st->note, sizeof(st->note),
			 "%d is gone: it was reaped before its final counts could be read",
			 (int)pid);
		return 0;
	}
	if (c.id != st->prev_id) {
		/* counting restarted: deltas from zero, as at the start */
		if (!c.nr) {
			fprintf(stderr, "%s: %d cleared its control\n",
				perfex_name, (int)pid);
			return 0;
		}
		fprintf(stderr, "%s: %d has a new control: counting restarts\n",
			perfex_name, (int)pid);
		memset(st->prev, 0, sizeof(st->prev));
		st->prev_id = c.id;
	}
	for (i = 0; i < c.nr; i++) {
		s.delta[i] = count_sub(c.self[i], st->prev[i]);
		st->prev[i] = c.self[i];
	}
	output_poll_sample(st->out, &s);
	st->samples++;
	if (s.exited) {
		snprintf(st->note, sizeof(st->note),
			 "%d exited: the last counts are its final counts",
			 (int)pid);
		return 0;
	}
	return !stop_requested &&
	       (!st->opts->count || st->samples < st->opts->count);
}

int perfex_poll(const struct perfex_opts *opts, const struct perfex_out *out)
{
	uint64_t interval = opts->interval_ms * 1000000ULL, next, now;
	struct poll_state st = { .opts = opts, .out = out };
	struct perfex_counts c;
	sigset_t waitmask;
	int ret;

	if (opts->events && program(opts->pid, opts->events))
		return EXIT_FAILURE;
	st.pc = perfctr_open(opts->pid);
	if (!st.pc)
		return unreadable(opts->pid, errno);
	if (counters_read(st.pc, &c)) {
		unreadable(opts->pid, errno);
		perfctr_close(st.pc);
		return EXIT_FAILURE;
	}
	if (!c.nr) {
		fprintf(stderr, "%s: %d has no counters\n", perfex_name,
			(int)opts->pid);
		perfctr_close(st.pc);
		return EXIT_FAILURE;
	}
	/* the first sample's deltas are its counts: since the control began */
	st.prev_id = c.id;
	st.pidfd = perfex_pidfd(opts->pid);
	stop_signals(&waitmask);
	output_poll_begin(out, opts->pid);
	st.start = next = perfex_now_ns();
	while ((ret = sample(&st)) > 0) {
		now = perfex_now_ns();
		next += interval;
		if (next <= now)	/* late (a slow machine): skip ahead */
			next = now + interval;
		wait_until(next, st.pidfd, &waitmask);
	}
	if (!ret)
		output_poll_end(out, st.note[0] ? st.note : NULL);
	if (st.pidfd >= 0)
		close(st.pidfd);
	perfctr_close(st.pc);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
