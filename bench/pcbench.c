// SPDX-License-Identifier: GPL-2.0
/*
 * pcbench: what counting costs a process, one measurement per run
 *
 *	pcbench WORKLOAD CONFIG ITERATIONS
 *	pcbench list
 *
 * Sets up CONFIG in this process before anything else, so that it counts
 * for the whole run and every child forked afterwards inherits it, then does
 * the setup of WORKLOAD, untimed warm-up operations, and ITERATIONS timed
 * operations, and prints one line on stdout:
 *
 *	WORKLOAD CONFIG NS
 *
 * NS being the CLOCK_MONOTONIC nanoseconds of the timed loop divided by the
 * number of operations, with one digit after the point.  Comparing configs
 * for one workload gives what counting adds to it.
 *
 * Configs:
 *   none          nothing counts
 *   perfctr-N     a perfctr control of N counters (1, 4 or 16) written to
 *                 /proc/self/perfctr/control
 *   perfctr-tsc   the perfctr control "tsc"
 *   perfctr-page4 four counters the counter page gives exactly: tsc,
 *                 context-switches, cpu-migrations, voluntary-switches
 *   perfctr-4mapped
 *                 perfctr-4 with this thread's counter page mapped, so that
 *                 every fault also updates the page's fault counts
 *   perfctr-4exits
 *                 perfctr-4 with this process's exits file open: every
 *                 released child gives a record, which this process reads
 *                 (non-blocking, every 64 operations, inside the timing),
 *                 as perfex --tree does; no record may be dropped
 *   perf-N        the same N events opened with perf_event_open(2) on this
 *                 process, one fd each, inherit = 1, fds open for the run
 *   perf-tsc      perf's closest equivalent of tsc: one task-clock event
 *
 * Workloads (one operation each):
 *   fork          fork(), the child exits at once, waitpid()
 *   exec          fork(), the child execs /bin/true, waitpid()
 *   thread        pthread_create() of a thread that returns, pthread_join()
 *   switch        one context switch: two processes ping-pong a byte over
 *                 two pipes, NS is per switch (two per round trip)
 *   fault         one fresh anonymous page written, in rounds of 256 pages
 *                 (mmap, one byte per page, munmap); ITERATIONS is rounded
 *                 up to whole rounds
 *   read          one read of all counters of this process: a pread() of
 *                 /proc/self/perfctr/counts, or a read() of every perf fd
 *   readgroup     perf-* only: the events opened as one group, one read()
 *                 of the whole group from its leader
 *   readfast      perfctr-* only: one perfctr_read() of libperfctr, which
 *                 reads the counter page without a system call when every
 *                 counter is on it (perfctr-page4), else reads counts
 *   readbare      perfctr-page4 only: the page read inline, the seqcount
 *                 loop of include/uapi/linux/perfctr.h and nothing else: the
 *                 floor under readfast (one lfence; rdtsc and the loads)
 *   chain1, chain8, chain64
 *                 a chain of 1, 8 or 64 processes, each forking the next;
 *                 the last exits at once, each waits for its child and exits
 *
 * An error, including a config the kernel refuses, is reported on stderr
 * and exits 1 with nothing on stdout; a usage error exits 2.
 *
 * So as to measure only the workload, nothing here forks or execs except
 * the workload, and only the read workload reads the perfctr files in the
 * timed loop.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <perfctr.h>
#include <uapi/linux/perfctr.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __maybe_unused	__attribute__((__unused__))
#define __noreturn	__attribute__((__noreturn__))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))

#define PERFCTR_CONTROL	"/proc/self/perfctr/control"
#define PERFCTR_COUNTS	"/proc/self/perfctr/counts"

#define MAX_EVENTS	16
#define WARMUP_OPS	2	/* untimed operations before timing */
#define SWITCH_WARMUP	16	/* untimed round trips for switch */
#define FAULT_PAGES	256	/* pages per fault round */

/* One event, under perfctr's name; "user" adds ":u". */
struct bench_event {
	const char *name;
	uint64_t config;	/* PERF_COUNT_SW_* for the perf configs */
	bool user;		/* user space only: exclude kernel and hv */
};

#define EV(n, c)	{ n, PERF_COUNT_SW_##c, false }
#define EV_U(n, c)	{ n, PERF_COUNT_SW_##c, true }

static const struct bench_event events_1[] = {
	EV("task-clock", TASK_CLOCK),
};

static const struct bench_event events_4[] = {
	EV("minor-faults", PAGE_FAULTS_MIN),
	EV("major-faults", PAGE_FAULTS_MAJ),
	EV("context-switches", CONTEXT_SWITCHES),
	EV("task-clock", TASK_CLOCK),
};

static const struct bench_event events_16[] = {
	EV("task-clock", TASK_CLOCK),
	EV("page-faults", PAGE_FAULTS),
	EV("minor-faults", PAGE_FAULTS_MIN),
	EV("major-faults", PAGE_FAULTS_MAJ),
	EV("context-switches", CONTEXT_SWITCHES),
	EV("cpu-migrations", CPU_MIGRATIONS),
	EV("alignment-faults", ALIGNMENT_FAULTS),
	EV("emulation-faults", EMULATION_FAULTS),
	EV_U("task-clock", TASK_CLOCK),
	EV_U("page-faults", PAGE_FAULTS),
	EV_U("minor-faults", PAGE_FAULTS_MIN),
	EV_U("major-faults", PAGE_FAULTS_MAJ),
	EV_U("context-switches", CONTEXT_SWITCHES),
	EV_U("cpu-migrations", CPU_MIGRATIONS),
	EV_U("alignment-faults", ALIGNMENT_FAULTS),
	EV_U("emulation-faults", EMULATION_FAULTS),
};

/*
 * perfctr's own time stamp counter, perfctr only: perf-tsc uses events_1,
 * task-clock being perf's closest equivalent.
 */
static const struct bench_event events_tsc[] = {
	{ "tsc", 0, false },
};

/* Only counters the counter page gives exactly (perfctr configs only). */
static const struct bench_event events_page4[] = {
	{ "tsc", 0, false },
	EV("context-switches", CONTEXT_SWITCHES),
	EV("cpu-migrations", CPU_MIGRATIONS),
	{ "voluntary-switches", 0, false },
};

_Static_assert(ARRAY_SIZE(events_16) <= MAX_EVENTS, "too many events");

enum counting { COUNT_NONE, COUNT_PERFCTR, COUNT_PERF };

struct bench_config {
	const char *name;
	enum counting how;
	const struct bench_event *ev;
	unsigned int nr;
	bool page;		/* perfctr: the counter page mapped as well */
	bool exits;		/* perfctr: the exits file open and read */
};

#define CONFIG(n, h, e)	{ n, h, e, ARRAY_SIZE(e), false, false }

static const struct bench_config configs[] = {
	{ "none", COUNT_NONE, NULL, 0 },
	/*
	 * A blank control written to /proc/self/perfctr/control: the same
	 * procfs access as the perfctr configs, and no counters.  Touching a
	 * process's /proc directory has costs of its own (its dentries and
	 * inodes live on), which this separates from the cost of counting.
	 */
	{ "blank", COUNT_PERFCTR, NULL, 0 },
	CONFIG("perfctr-1", COUNT_PERFCTR, events_1),
	CONFIG("perfctr-4", COUNT_PERFCTR, events_4),
	CONFIG("perfctr-16", COUNT_PERFCTR, events_16),
	CONFIG("perfctr-tsc", COUNT_PERFCTR, events_tsc),
	CONFIG("perfctr-page4", COUNT_PERFCTR, events_page4),
	/* perfctr-4 with the counter page mapped: faults update the page */
	{ "perfctr-4mapped", COUNT_PERFCTR, events_4, ARRAY_SIZE(events_4), true,
	  false },
	/* perfctr-4 with the exits file open and read, as perfex --tree */
	{ "perfctr-4exits", COUNT_PERFCTR, events_4, ARRAY_SIZE(events_4),
	  false, true },
	CONFIG("perf-1", COUNT_PERF, events_1),
	CONFIG("perf-4", COUNT_PERF, events_4),
	CONFIG("perf-16", COUNT_PERF, events_16),
	CONFIG("perf-tsc", COUNT_PERF, events_1),
};

struct bench {
	const struct bench_config *cfg;
	unsigned long iterations;
	unsigned int depth;		/* chainN: processes per chain */
	int fd[MAX_EVENTS];		/* perf events, or the counts file */
	unsigned int nr_fd;
	bool checked;			/* read: first result checked */
	int to_child, from_child;	/* switch: the pipe ends */
	struct perfctr *pc;		/* readfast: the libperfctr handle */
	const volatile struct perfctr_page *page;	/* readbare */
	int exits_fd;			/* perfctr-4exits, else -1 */
	void (*listened)(struct bench *b);	/* the op under an exits file */
	unsigned long since_drain;
	size_t page_size;		/* fault */
	uint64_t ns;			/* time of the timed loop */
	double ops;			/* operations timed */
};

static void __noreturn __printf(1, 2) die(const char *fmt, ...)
{
	va_list ap;

	fputs("pcbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *event_label(const struct bench_event *ev, char *buf,
			       size_t len)
{
	snprintf(buf, len, "%s%s", ev->name, ev->user ? ":u" : "");
	return buf;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs warmup untimed operations, then times b->ns for n operations. */
static inline void run_ops(struct bench *b, void (*op)(struct bench *),
			   unsigned long warmup, unsigned long n)
{
	unsigned long i;
	uint64_t start;

	for (i = 0; i < warmup; i++)
		op(b);
	start = now_ns();
	for (i = 0; i < n; i++)
		op(b);
	b->ns = now_ns() - start;
}

/* Waits for a child and returns its exit status; dies if it was killed. */
static int reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("%s: waitpid: %s", what, strerror(errno));
	if (WIFSIGNALED(status))
		die("%s: a child was killed by signal %d", what,
		    WTERMSIG(status));
	return WEXITSTATUS(status);
}

static void reap_ok(pid_t pid, const char *what)
{
	int status = reap(pid, what);

	if (status)
		die("%s: a child exited with status %d", what, status);
}

static pid_t do_fork(const char *what)
{
	pid_t pid = fork();

	if (pid < 0)
		die("%s: fork: %s", what, strerror(errno));
	return pid;
}

/* Configs */

static void pcb_set_control(const struct bench_config *cfg)
{
	char text[1024], label[64];
	size_t len = 0;
	unsigned int i;
	ssize_t ret;
	int fd;

	for (i = 0; i < cfg->nr; i++) {
		len += snprintf(text + len, sizeof(text) - len, "%s%s",
				i ? " " : "",
				event_label(&cfg->ev[i], label, sizeof(label)));
		if (len >= sizeof(text) - 1)
			die("%s: control too long", cfg->name);
	}
	text[len++] = '\n';

	fd = open(PERFCTR_CONTROL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s%s", PERFCTR_CONTROL, strerror(errno),
		    errno == ENOENT ? " (no perfctr in this kernel?)" : "");
	/* The whole control in one write at offset 0. */
	ret = write(fd, text, len);
	if (ret < 0)
		die("%s: writing \"%.*s\": %s", PERFCTR_CONTROL,
		    (int)len - 1, text, strerror(errno));
	if ((size_t)ret != len)
		die("%s: short write (%zd of %zu bytes)", PERFCTR_CONTROL,
		    ret, len);
	if (close(fd))
		die("%s: close: %s", PERFCTR_CONTROL, strerror(errno));
}

static int perf_open(const struct bench_event *ev, int group_fd, bool inherit,
		     uint64_t read_format)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = ev->config;
	attr.read_format = read_format;
	attr.inherit = inherit;
	attr.exclude_kernel = ev->user;
	attr.exclude_hv = ev->user;
	return syscall(SYS_perf_event_open, &attr, 0, -1, group_fd,
		       PERF_FLAG_FD_CLOEXEC);
}

static void perf_close_all(struct bench *b)
{
	while (b->nr_fd)
		close(b->fd[--b->nr_fd]);
}

/* perf-*: every event its own fd, inherited by children. */
static void perf_open_events(struct bench *b)
{
	const struct bench_config *cfg = b->cfg;
	char label[64];
	unsigned int i;
	int fd;

	for (i = 0; i < cfg->nr; i++) {
		fd = perf_open(&cfg->ev[i], -1, true, 0);
		if (fd < 0)
			die("%s: perf_event_open(%s): %s", cfg->name,
			    event_label(&cfg->ev[i], label, sizeof(label)),
			    strerror(errno));
		b->fd[b->nr_fd++] = fd;
	}
}

/*
 * readgroup: the events as one group read from the leader.  Returns 0, or
 * the errno of the first open that failed, all fds closed.
 */
static int perf_open_group(struct bench *b, bool inherit)
{
	const struct bench_config *cfg = b->cfg;
	unsigned int i;
	int fd, err;

	for (i = 0; i < cfg->nr; i++) {
		if (i == 0)
			fd = perf_open(&cfg->ev[i], -1, inherit,
				       PERF_FORMAT_GROUP);
		else
			fd = perf_open(&cfg->ev[i], b->fd[0], inherit, 0);
		if (fd < 0) {
			err = errno;
			perf_close_all(b);
			return err;
		}
		b->fd[b->nr_fd++] = fd;
	}
	return 0;
}

/* Workloads */

static void op_fork(struct bench *b __maybe_unused)
{
	pid_t pid = do_fork("fork");

	if (pid == 0)
		_exit(0);
	reap_ok(pid, "fork");
}

static void op_exec(struct bench *b __maybe_unused)
{
	pid_t pid = do_fork("exec");
	int status;

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	status = reap(pid, "exec");
	if (status == 127)
		die("exec: the child could not execute /bin/true");
	if (status)
		die("exec: /bin/true exited with status %d", status);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void op_thread(struct bench *b __maybe_unused)
{
	pthread_t thread;
	int err;

	err = pthread_create(&thread, NULL, thread_fn, NULL);
	if (err)
		die("thread: pthread_create: %s", strerror(err));
	err = pthread_join(thread, NULL);
	if (err)
		die("thread: pthread_join: %s", strerror(err));
}

/* switch: the child echoes every byte until the parent closes its end. */
static void __noreturn switch_child(int in, int out)
{
	ssize_t ret;
	char c;

	for (;;) {
		ret = read(in, &c, 1);
		if (ret == 0)
			_exit(0);
		if (ret != 1 || write(out, &c, 1) != 1)
			_exit(1);
	}
}

static void op_switch(struct bench *b)
{
	ssize_t ret;
	char c = 0;

	if (write(b->to_child, &c, 1) != 1)
		die("switch: write: %s", strerror(errno));
	ret = read(b->from_child, &c, 1);
	if (ret != 1)
		die("switch: read: %s",
		    ret < 0 ? strerror(errno) : "the child is gone");
}

static void run_switch(struct bench *b)
{
	int down[2], up[2];
	pid_t pid;

	/* A dead child must give an error, not kill the benchmark. */
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		die("switch: pipe: %s", strerror(errno));
	pid = do_fork("switch");
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		switch_child(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	b->to_child = down[1];
	b->from_child = up[0];

	run_ops(b, op_switch, SWITCH_WARMUP, b->iterations);
	b->ops = 2.0 * b->iterations;

	close(b->to_child);
	reap_ok(pid, "switch");
	close(b->from_child);
}

static void op_fault(struct bench *b)
{
	size_t len = FAULT_PAGES * b->page_size, off;
	volatile char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("fault: mmap: %s", strerror(errno));
	for (off = 0; off < len; off += b->page_size)
		p[off] = 1;
	if (munmap((void *)p, len))
		die("fault: munmap: %s", strerror(errno));
}

static void run_fault(struct bench *b)
{
	unsigned long rounds = b->iterations / FAULT_PAGES +
			       !!(b->iterations % FAULT_PAGES);
	long page_size = sysconf(_SC_PAGESIZE);

	if (page_size <= 0)
		die("fault: no page size");
	b->page_size = page_size;
	run_ops(b, op_fault, 1, rounds);
	b->ops = (double)rounds * FAULT_PAGES;
}

static void op_read_perfctr(struct bench *b)
{
	char buf[4096];
	unsigned int lines = 0;
	ssize_t ret, i;

	ret = pread(b->fd[0], buf, sizeof(buf), 0);
	if (ret <= 0)
		die("read: %s: %s", PERFCTR_COUNTS,
		    ret < 0 ? strerror(errno) : "empty");
	if (!b->checked) {
		if ((size_t)ret == sizeof(buf))
			die("read: %s: longer than %zu bytes",
			    PERFCTR_COUNTS, sizeof(buf));
		for (i = 0; i < ret; i++)
			lines += buf[i] == '\n';
		if (lines != b->cfg->nr)
			die("read: %s: %u lines for %u counters",
			    PERFCTR_COUNTS, lines, b->cfg->nr);
		b->checked = true;
	}
}

static void op_read_perf(struct bench *b)
{
	unsigned int i;
	uint64_t value;
	ssize_t ret;

	for (i = 0; i < b->nr_fd; i++) {
		ret = read(b->fd[i], &value, sizeof(value));
		if (ret != sizeof(value))
			die("read: perf event %u: %s", i,
			    ret < 0 ? strerror(errno) : "short read");
	}
}

static void run_read(struct bench *b)
{
	if (b->cfg->how == COUNT_PERF) {
		run_ops(b, op_read_perf, WARMUP_OPS, b->iterations);
	} else {
		b->fd[0] = open(PERFCTR_COUNTS, O_RDONLY | O_CLOEXEC);
		if (b->fd[0] < 0)
			die("read: %s: %s", PERFCTR_COUNTS, strerror(errno));
		b->nr_fd = 1;
		run_ops(b, op_read_perfctr, WARMUP_OPS, b->iterations);
	}
	b->ops = b->iterations;
}

static void op_readfast(struct bench *b)
{
	uint64_t values[MAX_EVENTS];

	if (perfctr_read(b->pc, values, MAX_EVENTS) != (int)b->cfg->nr)
		die("readfast: perfctr_read: %s", strerror(errno));
}

static void run_readfast(struct bench *b)
{
	b->pc = perfctr_open(0);
	if (!b->pc)
		die("readfast: perfctr_open: %s", strerror(errno));
	run_ops(b, op_readfast, WARMUP_OPS, b->iterations);
	b->ops = b->iterations;
	perfctr_close(b->pc);
}

#if defined(__x86_64__)
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}
#else
/* The page's tsc is defined only on x86 so far: no readbare elsewhere. */
static inline uint64_t rdtsc_ordered(void)
{
	die("readbare: the page's tsc needs the x86 TSC");
	return 0;
}
#endif

/* The reader loop of include/uapi/linux/perfctr.h, nothing more. */
static void op_readbare(struct bench *b)
{
	const volatile struct perfctr_page *pg = b->page;
	uint64_t values[MAX_EVENTS], seq, nr, i, f, now;

	for (;;) {
		seq = pg->seq;
		asm volatile("" ::: "memory");
		if (seq & 1)
			continue;
		if (pg->requested != pg->applied)
			die("readbare: the page is stale");
		nr = pg->nr;
		now = rdtsc_ordered();
		for (i = 0; i < nr && i < MAX_EVENTS; i++) {
			f = pg->counter[i].flags;
			if (!(f & PERFCTR_COUNTER_EXACT))
				die("readbare: counter %" PRIu64 " is not on the page", i);
			values[i] = pg->counter[i].sum;
			if (f & PERFCTR_COUNTER_TSC)
				values[i] += now - pg->counter[i].start;
			if (f & PERFCTR_COUNTER_CLOCK)
				values[i] += (uint64_t)(((unsigned __int128)
					((now - pg->counter[i].time_cycles) &
					 pg->counter[i].time_mask) *
					pg->counter[i].time_mult) >> pg->counter[i].time_shift);
		}
		asm volatile("" ::: "memory");
		if (pg->requested != pg->applied)
			die("readbare: the page went stale");
		if (pg->seq == seq)
			break;
	}
	asm volatile("" : : "r"(values) : "memory");
}

static void map_page(struct bench *b)
{
	int fd = open("/proc/thread-self/perfctr/page", O_RDONLY | O_CLOEXEC);
	void *addr;

	if (fd < 0)
		die("page: %s", strerror(errno));
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		die("page: mmap: %s", strerror(errno));
	close(fd);
	b->page = addr;
}

static void run_readbare(struct bench *b)
{
	map_page(b);
	run_ops(b, op_readbare, WARMUP_OPS, b->iterations);
	b->ops = b->iterations;
}

static void op_readgroup(struct bench *b)
{
	uint64_t values[1 + MAX_EVENTS];
	size_t len = (1 + b->nr_fd) * sizeof(values[0]);
	ssize_t ret;

	ret = read(b->fd[0], values, len);
	if (ret < 0 || (size_t)ret != len)
		die("readgroup: read: %s",
		    ret < 0 ? strerror(errno) : "unexpected size");
	if (!b->checked) {
		if (values[0] != b->nr_fd)
			die("readgroup: %llu events in the group, not %u",
			    (unsigned long long)values[0], b->nr_fd);
		b->checked = true;
	}
}

static void run_readgroup(struct bench *b)
{
	bool inherit = true;
	int err;

	err = perf_open_group(b, inherit);
	if (err == EINVAL) {
		inherit = false;
		err = perf_open_group(b, inherit);
	}
	if (err)
		die("readgroup: %s: perf_event_open of the group: %s",
		    b->cfg->name, strerror(err));
	if (!inherit)
		fprintf(stderr,
			"pcbench: readgroup: inherit=1 refused with a group read, measured with inherit=0\n");

	run_ops(b, op_readgroup, WARMUP_OPS, b->iterations);
	b->ops = b->iterations;
}

/*
 * chainN: every process of the chain but the last forks the next, waits for
 * it and exits 0 only if it did.
 */
static void op_chain(struct bench *b)
{
	unsigned int left;
	pid_t pid;
	int status;

	pid = do_fork("chain");
	if (pid == 0) {
		for (left = b->depth - 1; left > 0; left--) {
			pid = fork();
			if (pid < 0)
				_exit(1);
			if (pid > 0) {
				if (waitpid(pid, &status, 0) != pid ||
				    !WIFEXITED(status) || WEXITSTATUS(status))
					_exit(1);
				_exit(0);
			}
		}
		_exit(0);
	}
	reap_ok(pid, "chain");
}

/* perfctr-4exits: what the exits file holds now, read as perfex does. */
static void exits_drain(struct bench *b)
{
	static char buf[65536];
	ssize_t n;

	while ((n = read(b->exits_fd, buf, sizeof(buf))) > 0) {
		if (memmem(buf, n, "dropped", 7))
			die("exits: records were dropped");
	}
	if (n < 0 && errno != EAGAIN)
		die("exits: read: %s", strerror(errno));
}

static void op_listened(struct bench *b)
{
	b->listened(b);
	if (++b->since_drain == 64) {
		exits_drain(b);
		b->since_drain = 0;
	}
}

static void run_simple(struct bench *b, void (*op)(struct bench *))
{
	if (b->exits_fd >= 0) {
		b->listened = op;
		op = op_listened;
	}
	run_ops(b, op, WARMUP_OPS, b->iterations);
	b->ops = b->iterations;
}

static void run_fork(struct bench *b)
{
	run_simple(b, op_fork);
}

static void run_exec(struct bench *b)
{
	run_simple(b, op_exec);
}

static void run_thread(struct bench *b)
{
	run_simple(b, op_thread);
}

static void run_chain(struct bench *b)
{
	run_simple(b, op_chain);
}

enum needs { NEEDS_ANY, NEEDS_COUNTERS, NEEDS_PERF_GROUP, NEEDS_PERFCTR };

struct workload {
	const char *name;
	void (*run)(struct bench *b);
	enum needs needs;
	unsigned int depth;
};

static const struct workload workloads[] = {
	{ "fork", run_fork, NEEDS_ANY, 0 },
	{ "exec", run_exec, NEEDS_ANY, 0 },
	{ "thread", run_thread, NEEDS_ANY, 0 },
	{ "switch", run_switch, NEEDS_ANY, 0 },
	{ "fault", run_fault, NEEDS_ANY, 0 },
	{ "read", run_read, NEEDS_COUNTERS, 0 },
	{ "readgroup", run_readgroup, NEEDS_PERF_GROUP, 0 },
	{ "readfast", run_readfast, NEEDS_PERFCTR, 0 },
	{ "readbare", run_readbare, NEEDS_PERFCTR, 0 },
	{ "chain1", run_chain, NEEDS_ANY, 1 },
	{ "chain8", run_chain, NEEDS_ANY, 8 },
	{ "chain64", run_chain, NEEDS_ANY, 64 },
};

/* Command line */

static void __noreturn usage(const char *why)
{
	unsigned int i;

	if (why)
		fprintf(stderr, "pcbench: %s\n", why);
	fprintf(stderr,
		"usage: pcbench WORKLOAD CONFIG ITERATIONS\n"
		"       pcbench list\n"
		"Prints \"WORKLOAD CONFIG NS\", NS per operation.\n"
		"workloads:");
	for (i = 0; i < ARRAY_SIZE(workloads); i++)
		fprintf(stderr, " %s", workloads[i].name);
	fprintf(stderr, "\n  (read: not with none; readgroup: perf-* only;\n"
		"   readfast, readbare: perfctr-* only)\n"
		"configs:");
	for (i = 0; i < ARRAY_SIZE(configs); i++)
		fprintf(stderr, " %s", configs[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static void list(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(workloads); i++)
		printf("workload %s\n", workloads[i].name);
	for (i = 0; i < ARRAY_SIZE(configs); i++)
		printf("config %s\n", configs[i].name);
	if (fflush(stdout))
		die("stdout: %s", strerror(errno));
}

/* A positive decimal integer, or 0. */
static unsigned long parse_iterations(const char *s)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end)
		return 0;
	return n;
}

int main(int argc, char **argv)
{
	const struct workload *w = NULL;
	const struct bench_config *cfg = NULL;
	struct bench b = { 0 };
	unsigned int i;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		list();
		return 0;
	}
	if (argc != 4)
		usage(NULL);
	for (i = 0; i < ARRAY_SIZE(workloads); i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	if (!w)
		usage("unknown workload");
	for (i = 0; i < ARRAY_SIZE(configs); i++)
		if (!strcmp(argv[2], configs[i].name))
			cfg = &configs[i];
	if (!cfg)
		usage("unknown config");
	b.iterations = parse_iterations(argv[3]);
	if (!b.iterations)
		usage("ITERATIONS must be a positive integer");
	if (w->needs == NEEDS_COUNTERS && (cfg->how == COUNT_NONE || !cfg->nr))
		usage("read needs a perfctr-* or perf-* config");
	if (w->needs == NEEDS_PERF_GROUP && cfg->how != COUNT_PERF)
		usage("readgroup needs a perf-* config");
	if (w->needs == NEEDS_PERFCTR && (cfg->how != COUNT_PERFCTR || !cfg->nr))
		usage("readfast and readbare need a perfctr-* config");
	b.cfg = cfg;
	b.depth = w->depth;

	/* Counting first, for the whole run and every child. */
	b.exits_fd = -1;
	if (cfg->how == COUNT_PERFCTR)
		pcb_set_control(cfg);
	if (cfg->exits) {
		b.exits_fd = open("/proc/self/perfctr/exits",
				  O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (b.exits_fd < 0)
			die("exits: %s", strerror(errno));
	}
	if (cfg->page)
		map_page(&b);
	else if (cfg->how == COUNT_PERF && w->needs != NEEDS_PERF_GROUP)
		perf_open_events(&b);

	w->run(&b);

	printf("%s %s %.1f\n", w->name, cfg->name, b.ns / b.ops);
	if (fflush(stdout))
		die("stdout: %s", strerror(errno));
	return 0;
}
