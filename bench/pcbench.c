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
 *                 $PERFCTR_ROOT/self/perfctr/control
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
 *   perfctr-hw    the perfctr control "instructions:u cycles:u" (where a
 *                 hardware PMU counts: arm64 under -icount; else skipped)
 *   perfctr-hwsw  the same and page-faults: one more perf event, what the
 *                 reference event of a hardware control on a stock kernel
 *                 costs at most (a patched kernel has none)
 *   perf-hw       instructions:u and cycles:u as perf-N opens them
 *   perf-hw-own   switch only: the same two events, not inherited, opened
 *                 by each of the two processes for itself, as perfctr's
 *                 are: perf's context of each is its own, not a clone of
 *                 the other's
 *
 * Configs of the selfread workload only, two hardware counters,
 * instructions:u and cycles:u, read by this thread (arm64, with
 * kernel.perf_user_access = 1):
 *   page-hw       the perfctr control "instructions:u cycles:u", read by
 *                 perfctr_read() off the counter page (checked to give them)
 *   read-hw       the same control, read by a pread() of this thread's
 *                 counts file
 *   perf-mmap-hw  two perf events of this thread, not inherited, mmapped
 *                 and readable from user space (config1 bit 1), read as
 *                 libperf reads them: the lock loop on each event's
 *                 perf_event_mmap_page, index, offset, pmc_width and the
 *                 counter register (bench/selfread.h)
 *   bare-hw       the same two events, their two counter registers read
 *                 and nothing else: the floor under all of the above
 *   none          the empty loop, what every read above includes
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
 *                 $PERFCTR_ROOT/self/perfctr/counts, or a read() of every perf fd
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
 *   selfread      one self-read of both hardware counters, the way the
 *                 config names; prints a second line,
 *                 "selfread-insn CONFIG INSTRUCTIONS", the instructions
 *                 (user and kernel) per read that a hardware event of this
 *                 thread counted around the timed loop
 *
 * An error, including a config the kernel refuses, is reported on stderr
 * and exits 1 with nothing on stdout; a usage error exits 2.  A
 * measurement this machine cannot make (selfread without a hardware PMU
 * whose counters user space can read) is reported on stderr as
 * "pcbench: skipped: REASON" and exits 3.
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

#include "selfread.h"
#include "../shell-tests/helpers/pcroot.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __maybe_unused	__attribute__((__unused__))
#define __noreturn	__attribute__((__noreturn__))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))

/*
 * The files below $PERFCTR_ROOT (/proc, or /sys/fs/perfctr in stock mode),
 * built once at start so that no measured operation builds a path.
 */
static char pc_control_path[PC_PATH_MAX], pc_counts_path[PC_PATH_MAX];
static char pc_thread_counts_path[PC_PATH_MAX], pc_page_path[PC_PATH_MAX];
static char pc_exits_path[PC_PATH_MAX];
#define PERFCTR_CONTROL	pc_control_path
#define PERFCTR_COUNTS	pc_counts_path

#define MAX_EVENTS	16
#define WARMUP_OPS	2	/* untimed operations before timing */
#define SWITCH_WARMUP	16	/* untimed round trips for switch */
#define FAULT_PAGES	256	/* pages per fault round */

/* One event, under perfctr's name; "user" adds ":u". */
struct bench_event {
	const char *name;
	uint64_t config;	/* PERF_COUNT_SW_*, or PERF_COUNT_HW_* with @hw */
	bool user;		/* user space only: exclude kernel and hv */
	bool hw;		/* a hardware event (PERF_TYPE_HARDWARE) */
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

/* Hardware counters, user mode only (the *-hw configs). */
static const struct bench_event events_hw[] = {
	{ "instructions", PERF_COUNT_HW_INSTRUCTIONS, true, true },
	{ "cycles", PERF_COUNT_HW_CPU_CYCLES, true, true },
};

/*
 * The same and one more software event that perf counts: perfctr-hwsw
 * against perfctr-hw is what one more perf event of a task costs, an upper
 * bound of what the reference event that a control with hardware events
 * has on a stock kernel (a dummy software event, driver/task.h) adds.
 */
static const struct bench_event events_hw_sw[] = {
	{ "instructions", PERF_COUNT_HW_INSTRUCTIONS, true, true },
	{ "cycles", PERF_COUNT_HW_CPU_CYCLES, true, true },
	EV("page-faults", PAGE_FAULTS),
};

#define NR_HW	ARRAY_SIZE(events_hw)

_Static_assert(ARRAY_SIZE(events_16) <= MAX_EVENTS, "too many events");

/*
 * COUNT_PERF_MMAP: events of this thread alone, mmapped (selfread only).
 * COUNT_PERF_OWN: every process opens its own, not inherited (switch only).
 */
enum counting { COUNT_NONE, COUNT_PERFCTR, COUNT_PERF, COUNT_PERF_MMAP,
		COUNT_PERF_OWN };

/* How selfread reads the counters: a *-hw config's way. */
enum selfread_way { SR_NONE, SR_PAGE, SR_READ, SR_PERF, SR_BARE };

struct bench_config {
	const char *name;
	enum counting how;
	const struct bench_event *ev;
	unsigned int nr;
	bool page;		/* perfctr: the counter page mapped as well */
	bool exits;		/* perfctr: the exits file open and read */
	enum selfread_way way;	/* selfread: SR_NONE for none */
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
	/* hardware counters where the guest has a PMU (arm64 under -icount) */
	CONFIG("perfctr-hw", COUNT_PERFCTR, events_hw),
	CONFIG("perfctr-hwsw", COUNT_PERFCTR, events_hw_sw),
	CONFIG("perf-hw", COUNT_PERF, events_hw),
	CONFIG("perf-hw-own", COUNT_PERF_OWN, events_hw),
	{ "page-hw", COUNT_PERFCTR, events_hw, NR_HW, .way = SR_PAGE },
	{ "read-hw", COUNT_PERFCTR, events_hw, NR_HW, .way = SR_READ },
	{ "perf-mmap-hw", COUNT_PERF_MMAP, events_hw, NR_HW, .way = SR_PERF },
	{ "bare-hw", COUNT_PERF_MMAP, events_hw, NR_HW, .way = SR_BARE },
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
	int insn_fd;			/* selfread: instructions counted, or -1 */
	const volatile struct perf_event_mmap_page *rec[NR_HW];	/* selfread */
	unsigned int reg[NR_HW];	/* bare-hw: the counter registers */
	uint64_t sink;			/* selfread: what the reads gave */
	uint64_t ns;			/* time of the timed loop */
	uint64_t insns;			/* instructions of it, with insn_fd */
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

/* What this machine cannot measure: exit 3, which bench/run.sh skips. */
static void __noreturn __printf(1, 2) skip(const char *fmt, ...)
{
	va_list ap;

	fputs("pcbench: skipped: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
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

static uint64_t insn_count(struct bench *b)
{
	uint64_t v;

	if (read(b->insn_fd, &v, sizeof(v)) != sizeof(v))
		die("instructions: read: %s", strerror(errno));
	return v;
}

/*
 * Runs warmup untimed operations, then times b->ns for n operations, and
 * with an instructions event (insn_fd) counts b->insns around them.
 */
static inline void run_ops(struct bench *b, void (*op)(struct bench *),
			   unsigned long warmup, unsigned long n)
{
	unsigned long i;
	uint64_t start, insns = 0;

	for (i = 0; i < warmup; i++)
		op(b);
	if (b->insn_fd >= 0)
		insns = insn_count(b);
	start = now_ns();
	for (i = 0; i < n; i++)
		op(b);
	b->ns = now_ns() - start;
	if (b->insn_fd >= 0)
		b->insns = insn_count(b) - insns;
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
	attr.type = ev->hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
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

/*
 * perf-*: every event its own fd, inherited by children; perf-*-own: not
 * inherited, opened by each process for itself.
 */
static void perf_open_events(struct bench *b)
{
	const struct bench_config *cfg = b->cfg;
	char label[64];
	unsigned int i;
	int fd;

	for (i = 0; i < cfg->nr; i++) {
		fd = perf_open(&cfg->ev[i], -1, cfg->how == COUNT_PERF, 0);
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
		if (b->cfg->how == COUNT_PERF_OWN)
			perf_open_events(b);	/* its own, as perfctr's */
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

/*
 * The page's tsc counter, read as libperfctr reads it (lib/cpu.h, through
 * selfread.h), ordered after the loads of the page before it.
 */
static inline uint64_t rdtsc_ordered(void)
{
	if (!PC_HAVE_TSC)
		die("readbare: no tsc to read on this architecture");
	return pc_rdtsc_ordered();
}

/*
 * The reader loop of include/uapi/linux/perfctr.h, nothing more.  The
 * acquire fences are compiler barriers on x86 and load barriers (as the
 * header asks) on arm64.
 */
static void op_readbare(struct bench *b)
{
	const volatile struct perfctr_page *pg = b->page;
	uint64_t values[MAX_EVENTS], seq, nr, i, f, now;

	for (;;) {
		seq = pg->seq;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
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
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (pg->requested != pg->applied)
			die("readbare: the page went stale");
		if (pg->seq == seq)
			break;
	}
	asm volatile("" : : "r"(values) : "memory");
}

static void map_page(struct bench *b)
{
	int fd = open(pc_page_path, O_RDONLY | O_CLOEXEC);
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

/*
 * selfread: one self-read of instructions:u and cycles:u, the way the
 * config names, with the instructions of the timed loop counted as well.
 */

/* Whether this machine can count and read hardware counters from user space. */
static void selfread_probe(struct bench *b)
{
	char access = 0;
	int fd;

	if (!SELFREAD_REGISTERS)
		skip("user-mode reads of hardware counters are measured on arm64 only");
	b->insn_fd = sr_perf_open(PERF_COUNT_HW_INSTRUCTIONS, false);
	if (b->insn_fd < 0)
		skip("no hardware instructions event here (%s): no PMU, or QEMU without -icount",
		     strerror(errno));
	fd = open("/proc/sys/kernel/perf_user_access", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &access, 1) != 1 || access != '1')
		skip("kernel.perf_user_access is not 1: user space cannot read the counters");
	close(fd);
}

/* The *-hw configs of the other workloads: a hardware event can count here. */
static void hw_probe(void)
{
	int fd = sr_perf_open(PERF_COUNT_HW_INSTRUCTIONS, false);

	if (fd < 0)
		skip("no hardware instructions event here (%s): no PMU, or QEMU without -icount",
		     strerror(errno));
	close(fd);
}

/* page-hw: the page gives every counter as a hardware counter's record. */
static void selfread_check_page(const char *when)
{
	const struct perfctr_page *pg;
	unsigned int i;
	void *p;
	int fd;

	fd = open(pc_page_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("selfread: page: %s", strerror(errno));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("selfread: page: mmap: %s", strerror(errno));
	close(fd);
	pg = p;
	if (pg->nr != NR_HW)
		die("selfread: %s: the page has %llu counters", when,
		    (unsigned long long)pg->nr);
	for (i = 0; i < NR_HW; i++)
		if (!(pg->counter[i].flags & PERFCTR_COUNTER_PERF))
			die("selfread: %s: counter %u is not on the page (flags %#llx)",
			    when, i, (unsigned long long)pg->counter[i].flags);
	munmap(p, 4096);
}

static void op_selfread_none(struct bench *b)
{
	asm volatile("" : : "r"(b) : "memory");
}

static void op_selfread_page(struct bench *b)
{
	uint64_t v[MAX_EVENTS];

	if (perfctr_read(b->pc, v, MAX_EVENTS) != NR_HW)
		die("selfread: perfctr_read: %s", strerror(errno));
	b->sink += v[0] + v[1];
}

static void op_selfread_read(struct bench *b)
{
	char buf[512];

	if (pread(b->fd[0], buf, sizeof(buf), 0) <= 0)
		die("selfread: pread of counts: %s", strerror(errno));
	b->sink += buf[0];
}

static void op_selfread_perf(struct bench *b)
{
	uint64_t v0, v1;

	if (sr_perf_read(b->rec[0], &v0) || sr_perf_read(b->rec[1], &v1))
		die("selfread: perf's event is not readable from user space");
	b->sink += v0 + v1;
}

static void op_selfread_bare(struct bench *b)
{
	uint64_t v0, v1;

	sr_register(b->reg[0], &v0);
	sr_register(b->reg[1], &v1);
	b->sink += v0 + v1;
}

/* perf-mmap-hw, bare-hw: the events, each mmapped for its record. */
static void selfread_open_perf(struct bench *b)
{
	char label[64];
	unsigned int i;
	void *p;

	for (i = 0; i < NR_HW; i++) {
		b->fd[i] = sr_perf_open(events_hw[i].config, true);
		if (b->fd[i] < 0)
			die("selfread: perf_event_open(%s): %s",
			    event_label(&events_hw[i], label, sizeof(label)),
			    strerror(errno));
		b->nr_fd++;
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, b->fd[i], 0);
		if (p == MAP_FAILED)
			die("selfread: mmap of a perf event: %s", strerror(errno));
		b->rec[i] = p;
		if (!b->rec[i]->cap_user_rdpmc || !b->rec[i]->index)
			die("selfread: perf's %s is not readable from user space",
			    event_label(&events_hw[i], label, sizeof(label)));
		b->reg[i] = b->rec[i]->index - 1;
	}
}

static void run_selfread(struct bench *b)
{
	void (*op)(struct bench *b) = op_selfread_none;
	char buf[512];
	uint64_t v[MAX_EVENTS];
	ssize_t len;

	switch (b->cfg->way) {
	case SR_NONE:
		break;
	case SR_PAGE:
		b->pc = perfctr_open(0);
		if (!b->pc)
			die("selfread: perfctr_open: %s", strerror(errno));
		/* the first read maps the page */
		if (perfctr_read(b->pc, v, MAX_EVENTS) != NR_HW)
			die("selfread: perfctr_read: %s", strerror(errno));
		selfread_check_page("before");
		op = op_selfread_page;
		break;
	case SR_READ:
		b->fd[0] = open(pc_thread_counts_path,
				O_RDONLY | O_CLOEXEC);
		if (b->fd[0] < 0)
			die("selfread: counts: %s", strerror(errno));
		b->nr_fd = 1;
		len = pread(b->fd[0], buf, sizeof(buf) - 1, 0);
		if (len <= 0)
			die("selfread: counts: %s", len ? strerror(errno) : "empty");
		buf[len] = 0;
		if (!strstr(buf, "instructions:u ") || !strstr(buf, "cycles:u "))
			die("selfread: counts: unexpected \"%s\"", buf);
		op = op_selfread_read;
		break;
	case SR_PERF:
	case SR_BARE:
		selfread_open_perf(b);
		op = b->cfg->way == SR_PERF ? op_selfread_perf : op_selfread_bare;
		break;
	}
	run_ops(b, op, WARMUP_OPS, b->iterations);
	b->ops = b->iterations;
	if (b->cfg->way == SR_PAGE) {
		selfread_check_page("after");
		perfctr_close(b->pc);
	}
	asm volatile("" : : "r"(b->sink));
}

enum needs { NEEDS_ANY, NEEDS_COUNTERS, NEEDS_PERF_GROUP, NEEDS_PERFCTR,
	     NEEDS_HW };

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
	{ "selfread", run_selfread, NEEDS_HW, 0 },
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
		"   readfast, readbare: perfctr-* only;\n"
		"   selfread: none and the *-hw configs only, which go with it alone)\n"
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
	pc_path_in(pc_control_path, "self/perfctr/control");
	pc_path_in(pc_counts_path, "self/perfctr/counts");
	pc_path_in(pc_thread_counts_path, "thread-self/perfctr/counts");
	pc_path_in(pc_page_path, "thread-self/perfctr/page");
	pc_path_in(pc_exits_path, "self/perfctr/exits");
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
	if (cfg->how == COUNT_PERF_OWN && w->run != run_switch)
		usage("the *-own configs go with switch");
	if (w->needs == NEEDS_HW ? cfg->way == SR_NONE && cfg->how != COUNT_NONE :
	    cfg->way != SR_NONE)
		usage("selfread goes with none and the *-hw configs, and they with it");
	b.cfg = cfg;
	b.depth = w->depth;
	b.insn_fd = -1;
	if (w->needs == NEEDS_HW)
		selfread_probe(&b);
	else if (cfg->nr && cfg->ev[0].hw)
		hw_probe();

	/* Counting first, for the whole run and every child. */
	b.exits_fd = -1;
	if (cfg->how == COUNT_PERFCTR)
		pcb_set_control(cfg);
	if (cfg->exits) {
		b.exits_fd = open(pc_exits_path,
				  O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (b.exits_fd < 0)
			die("exits: %s", strerror(errno));
	}
	if (cfg->page)
		map_page(&b);
	else if ((cfg->how == COUNT_PERF || cfg->how == COUNT_PERF_OWN) &&
		 w->needs != NEEDS_PERF_GROUP)
		perf_open_events(&b);

	w->run(&b);

	printf("%s %s %.1f\n", w->name, cfg->name, b.ns / b.ops);
	if (b.insn_fd >= 0)
		printf("%s-insn %s %.1f\n", w->name, cfg->name, b.insns / b.ops);
	if (fflush(stdout))
		die("stdout: %s", strerror(errno));
	return 0;
}
