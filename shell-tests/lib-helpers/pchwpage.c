// SPDX-License-Identifier: GPL-2.0
/*
 * pchwpage: hardware counters read off the counter page, for
 * shell-tests/57-page-hardware.bats.  arm64 only, with one vCPU under
 * QEMU's -icount (instructions and cycles count exactly) and
 * kernel.perf_user_access = 1.
 *
 *   pchwpage delta N TRIALS  perfctr_read() of instructions:u cycles:u tsc
 *                            around a block of 2N instructions, TRIALS
 *                            times, under a seccomp filter that allows only
 *                            write and exit: the smallest and largest
 *                            deltas, and how many trials gave the smallest
 *   pchwpage switched TRIALS the reads around a sched_yield(2) of two
 *                            instructions: alone on the CPU, where the
 *                            yield leaves it the CPU (the smallest delta),
 *                            and with a busy process, where it may switch
 *                            (the largest): the second read is then the
 *                            first after a switch, which plans the page
 *                            again, and the difference is what that costs;
 *                            how many of the trials with the busy process
 *                            gave either delta
 *   pchwpage busy N TRIALS COST COST_SWITCHED
 *                            the same around 2N instructions with a busy
 *                            process on the CPU: how many trials were
 *                            preempted, and how many of those gave exactly
 *                            COST_SWITCHED + 2N instructions (the second
 *                            read was the first after a switch) or COST +
 *                            2N (the switch came after its counter read)
 *   pchwpage fork            a forked child reads its own hardware counts
 *   pchwpage threads         each thread reads its own
 *   pchwpage remote N        another thread changes the reader's control N
 *                            times, among controls with and without
 *                            hardware counters and clears, while it reads
 *   pchwpage exec [ID]       the control and its page across exec: the new
 *                            program reads its hardware counts off the page
 *   pchwpage trap remote|sysctl
 *                            by hand: a counter looked up on the page, then
 *                            taken away (another task's control write, or
 *                            perf_user_access = 0) before its register is
 *                            read: the read gives 0, not SIGILL, and the
 *                            page's seq has changed
 *   pchwpage notcounted      the thread's own instructions:u cycles:u,
 *                            read off its page; then, once a line comes
 *                            on standard input (the test has taken the
 *                            PMU with pinned CPU-wide events), read again:
 *                            PERFCTR_NOT_COUNTED, as its counts file says
 *   pchwpage sigill          a thread with no counter page reads a counter
 *                            register without access: SIGILL, as ever
 *   pchwpage cost TRIALS     instructions of one read of instructions:u and
 *                            cycles:u: off the page (perfctr_read()), by
 *                            read(2) of counts, by perf's own self-read of
 *                            two mmapped events, and the bare registers
 *
 * Prints "ok ..." lines and key=value figures; exits non-zero with a
 * message on the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/linux/perfctr.h>

#include "cpu.h"
#include "libhelper.h"
#include "../../bench/selfread.h"

#if defined(__aarch64__)
/* 2n instructions, n >= 1: subs and b.ne, n times. */
static void spin(unsigned long n)
{
	__asm__ __volatile__("1:	subs	%0, %0, #1\n\t"
			     "b.ne	1b"
			     : "+r"(n) :: "cc", "memory");
}

#else
static void spin(unsigned long n)
{
	(void)n;
	die("arm64 only");
}

#endif

/*
 * Hardware counter @n (PMCCNTR_EL0 for 31), read as the library reads it
 * (lib/cpu.h), so that the figures of "cost" compare like with like.
 */
static uint64_t counter_register(unsigned int n)
{
	uint64_t v;

	if (pc_pmu_read(n + 1, &v))
		die("no register for counter %u here", n);
	return v;
}

#if defined(__aarch64__)
/* sched_yield(2) by hand: "mov x8, #124; svc #0", whatever the C library. */
static void yield_raw(void)
{
	register long nr __asm__("x8") = SYS_sched_yield;
	register long ret __asm__("x0");

	__asm__ __volatile__("svc	#0" : "=r"(ret) : "r"(nr) : "memory");
}
#else
static void yield_raw(void)
{
	die("arm64 only");
}
#endif

/*
 * Instructions and cycles, in user mode, over 2n instructions, or over a
 * yield if @n is 0.  A read first, so that the first measured read is not
 * the first after a switch that came before (an earlier trial's system
 * call may have been one).
 */
static void measure(struct perfctr *pc, unsigned long n, uint64_t *di,
		    uint64_t *dc)
{
	uint64_t a[MAX], b[MAX];

	if (perfctr_read(pc, a, MAX) != 3 || perfctr_read(pc, a, MAX) != 3)
		_exit(3);
	if (n)
		spin(n);
	else
		yield_raw();
	if (perfctr_read(pc, b, MAX) != 3)
		_exit(3);
	*di = b[0] - a[0];
	*dc = b[1] - a[1];
}

/* write(2) of a formatted line: the only output under seccomp. */
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(1, line, len) != len)
		_exit(4);
}

static int cmd_delta(unsigned long n, int trials)
{
	struct perfctr *pc = open_self("instructions:u cycles:u tsc");
	uint64_t di, dc, min = UINT64_MAX, max = 0, v[MAX];
	int t, at_min = 0, cycles_same = 0;

	if (perfctr_read(pc, v, MAX) != 3)	/* maps the page: read(2)s */
		die("perfctr_read");
	seccomp_only_write_exit();
	for (t = 0; t < trials; t++) {
		measure(pc, n, &di, &dc);
		if (di < min) {
			min = di;
			at_min = 0;
		}
		at_min += di == min;
		max = di > max ? di : max;
		cycles_same += dc == di;
	}
	say("delta_min=%" PRIu64 " delta_max=%" PRIu64 " at_min=%d cycles_same=%d trials=%d\n",
	    min, max, at_min, cycles_same, trials);
	syscall(SYS_exit_group, 0);
	return 0;
}

/* A process that spins on this CPU until killed, counting nothing. */
static pid_t start_busy(void)
{
	pid_t busy = fork();

	if (busy < 0)
		die("fork");
	if (busy == 0)
		for (;;)
			spin(1000);
	return busy;
}

static void stop_busy(pid_t busy)
{
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
}

static int cmd_switched(int trials)
{
	struct perfctr *pc = open_self("instructions:u cycles:u tsc");
	uint64_t alone = UINT64_MAX, switched = 0, v[MAX];
	uint64_t *d = calloc(trials, sizeof(*d)), dc;
	int t, at_alone = 0, at_max = 0;
	pid_t busy;

	if (!d || perfctr_read(pc, v, MAX) != 3)
		die("perfctr_read");
	for (t = 0; t < trials; t++) {
		measure(pc, 0, &d[t], &dc);
		alone = d[t] < alone ? d[t] : alone;
	}
	busy = start_busy();
	for (t = 0; t < trials; t++) {
		measure(pc, 0, &d[t], &dc);
		switched = d[t] > switched ? d[t] : switched;
	}
	stop_busy(busy);
	for (t = 0; t < trials; t++) {
		at_alone += d[t] == alone;
		at_max += d[t] == switched;
	}
	printf("alone=%" PRIu64 " switched=%" PRIu64 " at_alone=%d at_max=%d trials=%d\n",
	       alone, switched, at_alone, at_max, trials);
	free(d);
	perfctr_close(pc);
	return 0;
}

static int cmd_busy(unsigned long n, int trials, uint64_t cost,
		    uint64_t cost_switched)
{
	struct perfctr *pc;
	struct rusage r0, r1;
	uint64_t di, dc, v[MAX];
	int t, preempted = 0, exact = 0;
	pid_t busy;

	busy = start_busy();		/* before the control: it counts nothing */
	pc = open_self("instructions:u cycles:u tsc");
	if (perfctr_read(pc, v, MAX) != 3)
		die("perfctr_read");
	for (t = 0; t < trials; t++) {
		getrusage(RUSAGE_THREAD, &r0);
		measure(pc, n, &di, &dc);
		getrusage(RUSAGE_THREAD, &r1);
		if (r1.ru_nivcsw == r0.ru_nivcsw)
			continue;
		preempted++;
		if ((di == cost_switched + 2 * n || di == cost + 2 * n) &&
		    dc == di)
			exact++;
		else
			printf("trial %d: %" PRIu64 " instructions, %" PRIu64 " cycles, %ld preemptions\n",
			       t, di, dc, r1.ru_nivcsw - r0.ru_nivcsw);
	}
	stop_busy(busy);
	printf("preempted=%d exact=%d trials=%d\n", preempted, exact, trials);
	return 0;
}

static int cmd_fork(void)
{
	struct perfctr *pc = open_self("instructions:u cycles:u");
	uint64_t v[MAX], c[MAX];
	int status;

	spin(1000000);
	if (perfctr_read(pc, v, MAX) != 2 || v[0] < 2000000)
		die("parent: %" PRIu64 " instructions", v[0]);
	if (fork() == 0) {
		if (perfctr_read(pc, c, MAX) != 2)
			die("child: perfctr_read");
		if (c[0] >= v[0])
			die("child read its parent's counts: %" PRIu64, c[0]);
		check_between(pc, tid(), 200, "child");
		seccomp_only_write_exit();
		if (perfctr_read(pc, c, MAX) != 2 || c[0] >= v[0])
			_exit(5);
		say("ok the child reads its own hardware counts: %" PRIu64
		    " instructions, its parent's %" PRIu64 "\n", c[0], v[0]);
		syscall(SYS_exit_group, 0);
	}
	if (wait(&status) < 0 || status)
		die("child failed: status %#x", status);
	check_between(pc, tid(), 200, "parent after fork");
	printf("ok the parent's reads are unaffected\n");
	perfctr_close(pc);
	return 0;
}

static void *thread_reads(void *arg)
{
	struct perfctr *pc = open_self(NULL);	/* the inherited control */

	spin((uintptr_t)arg);
	check_between(pc, tid(), 300, "thread");
	perfctr_close(pc);
	return NULL;
}

static int cmd_threads(void)
{
	struct perfctr *pc = open_self("instructions:u cycles:u");
	pthread_t t[2];
	uintptr_t i;

	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_reads, (void *)(1000 + i * 500000)))
			die("pthread_create");
	check_between(pc, tid(), 300, "main");
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("ok each thread reads its own hardware counts\n");
	perfctr_close(pc);
	return 0;
}

static volatile int remote_done;
static volatile pid_t remote_tid;

static void *remote_reader(void *arg)
{
	struct perfctr *pc = open_self(NULL);
	uint64_t v[MAX], last[MAX] = {}, id, last_id = 0;
	long reads = 0;
	int nr, i;

	(void)arg;
	remote_tid = tid();
	while (!remote_done) {
		nr = perfctr_read_id(pc, v, MAX, &id);
		if (nr < 0 || nr > 3)
			die("reader: %d counters", nr);
		/* 0 while cleared; a new control's id is above all before */
		if (id && id < last_id)
			die("reader: id went back");
		if (!id != !nr)
			die("reader: id %" PRIu64 " with %d counters", id, nr);
		for (i = 0; id == last_id && i < nr; i++)
			if (v[i] < last[i])
				die("reader: counter %d went back under one id", i);
		memcpy(last, v, sizeof(v));
		if (id)
			last_id = id;
		reads++;
	}
	printf("reads=%ld\n", reads);
	perfctr_close(pc);
	return NULL;
}

static int cmd_remote(long n)
{
	static const char *const controls[] = {
		"instructions:u", "cycles:u instructions:u tsc", "tsc context-switches",
		"", "cycles:u",
	};
	struct perfctr *pc = open_self("instructions:u"), *other;
	pthread_t t;
	long k;

	if (pthread_create(&t, NULL, remote_reader, NULL))
		die("pthread_create");
	while (!remote_tid)
		sched_yield();
	other = perfctr_open(remote_tid);
	if (!other)
		die("perfctr_open(%d)", remote_tid);
	for (k = 0; k < n; k++) {
		if (perfctr_set_control(other, controls[k % 5]))
			die("remote set_control");
		spin(2000 + (k * 7919) % 20000);
	}
	remote_done = 1;
	pthread_join(t, NULL);
	printf("ok %ld remote changes while the thread read\n", n);
	perfctr_close(other);
	perfctr_close(pc);
	return 0;
}

static int cmd_exec(const char *before)
{
	struct perfctr *pc;
	uint64_t id, v[MAX];
	char arg[32];

	if (!before) {
		pc = open_self("instructions:u cycles:u");
		spin(100000);
		if (perfctr_id(pc, &id) || perfctr_read(pc, v, MAX) != 2)
			die("before exec");
		snprintf(arg, sizeof(arg), "%" PRIu64, id);
		execl("/proc/self/exe", "pchwpage", "exec", arg, (char *)NULL);
		die("exec");
	}
	pc = open_self(NULL);
	if (perfctr_id(pc, &id) || id != strtoull(before, NULL, 10))
		die("after exec: id %" PRIu64 ", before %s", id, before);
	check_between(pc, tid(), 200, "after exec");
	seccomp_only_write_exit();
	if (perfctr_read(pc, v, MAX) != 2 || v[0] < 200000)
		_exit(5);
	say("ok after exec the new program reads its hardware counts off the page: %"
	    PRIu64 " instructions\n", v[0]);
	syscall(SYS_exit_group, 0);
	return 0;
}

static volatile int trap_step;

/*
 * The other task of "trap remote".  The PMU gives a task user access when
 * its counters start, if it has counters that asked for it, and takes the
 * access away only when another task's counters start without; it keeps
 * it when the next task has no counters at all.  So this thread clears the
 * control it inherited and counts with a perf event of its own, which
 * asks for no access: once it has run, the reader, whose counters it took
 * away, runs without access.
 */
static void *trap_changer(void *arg)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	pid_t reader = *(pid_t *)arg;
	char path[128];
	int fd, own;

	fd = open(pc_path("thread-self/perfctr/control"), O_WRONLY);
	if (fd < 0 || write(fd, "\n", 1) != 1)
		die("clear own control");
	close(fd);
	own = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (own < 0)
		die("perf_event_open");
	while (trap_step < 1)
		sched_yield();
	snprintf(path, sizeof(path), "%s/%d/task/%d/perfctr/control", pc_root(), getpid(), reader);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "tsc", 3) != 3)
		die("write %s", path);
	close(fd);
	spin(100000);			/* its own counter runs */
	trap_step = 2;
	close(own);
	return NULL;
}

static void write_sysctl(const char *value)
{
	int fd = open("/proc/sys/kernel/perf_user_access", O_WRONLY);

	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		die("perf_user_access = %s", value);
	close(fd);
}

static int cmd_trap(const char *how)
{
	struct perfctr *pc = open_self("instructions:u");
	const struct perfctr_page *pg;
	const volatile struct perf_event_mmap_page *rec;
	uint64_t seq, flags, start, v[MAX];
	uint32_t index;
	pthread_t t;
	pid_t self = tid();
	void *p;
	int fd;

	if (perfctr_read(pc, v, MAX) != 1)
		die("perfctr_read");
	fd = open(pc_path("thread-self/perfctr/page"), O_RDONLY);
	if (fd < 0)
		die("open page");
	p = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap two pages");
	close(fd);
	pg = p;
	seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
	flags = pg->counter[0].flags;
	start = pg->counter[0].start;
	if (!(flags & PERFCTR_COUNTER_PERF) || pg->map_size != 2 * 4096)
		die("the page gives no record: flags %#" PRIx64 ", map_size %" PRIu64,
		    flags, (uint64_t)pg->map_size);
	rec = (const volatile void *)((const char *)p + start);
	index = rec->index;
	if (!index || !rec->cap_user_rdpmc)
		die("the counter is not readable: index %u", index);
	printf("ok the page gives counter %u's record at %" PRIu64 "\n", index - 1, start);
	if (!strcmp(how, "remote")) {
		if (pthread_create(&t, NULL, trap_changer, &self))
			die("pthread_create");
		trap_step = 1;
		while (trap_step < 2)
			sched_yield();
		pthread_join(t, NULL);
	} else {
		write_sysctl("0");
	}
	v[0] = counter_register(index - 1);
	if (!strcmp(how, "sysctl"))
		write_sysctl("1");
	if (v[0])
		die("the taken-away counter read %" PRIu64 ", not 0", v[0]);
	if (__atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE) == seq)
		die("seq did not change");
	if (pg->counter[0].flags & PERFCTR_COUNTER_PERF)
		die("the page still gives the counter: flags %#" PRIx64,
		    (uint64_t)pg->counter[0].flags);
	printf("ok the read of the taken-away counter gave 0, and the page changed (%s)\n", how);
	/* read(2) is right, and the page is published again */
	if (perfctr_read(pc, v, MAX) < 0)
		die("perfctr_read after the trap");
	printf("ok perfctr_read after the trap\n");
	munmap(p, 2 * 4096);
	perfctr_close(pc);
	return 0;
}

/*
 * "cost": instructions (user and kernel) of one read of two hardware
 * counters, counted by a perf event of the process's own around each way
 * of reading, less the same around nothing; the smallest of @trials.
 */
static int perf_open(uint64_t config, int user_read)
{
	int fd = sr_perf_open(config, user_read);

	if (fd < 0)
		die("perf_event_open(%" PRIu64 ")", config);
	return fd;
}

static uint64_t perf_count(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		die("read perf event");
	return v;
}

/* perf's own self-read of an mmapped event (bench/selfread.h). */
static uint64_t perf_user_read(const volatile struct perf_event_mmap_page *pg)
{
	uint64_t v;

	if (sr_perf_read(pg, &v))
		die("perf's event is not readable");
	return v;
}

enum { WAY_NONE, WAY_PAGE, WAY_READ, WAY_PERF, WAY_BARE, WAYS };

static int cmd_cost(int trials)
{
	static const char *const names[WAYS] = {
		"none", "page", "read2", "perf_user", "bare",
	};
	struct perfctr *pc = open_self("instructions:u cycles:u");
	const volatile struct perf_event_mmap_page *up[2];
	uint64_t best[WAYS], v[MAX], a, b, sink = 0;
	int counter, fd[2], counts, way, t, i;
	char buf[512];

	if (perfctr_read(pc, v, MAX) != 2)
		die("perfctr_read");
	counts = open(pc_path("thread-self/perfctr/counts"), O_RDONLY);
	if (counts < 0)
		die("open counts");
	for (i = 0; i < 2; i++) {
		fd[i] = perf_open(i ? PERF_COUNT_HW_CPU_CYCLES :
				      PERF_COUNT_HW_INSTRUCTIONS, 1);
		up[i] = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd[i], 0);
		if (up[i] == MAP_FAILED)
			die("mmap perf event");
	}
	counter = perf_open(PERF_COUNT_HW_INSTRUCTIONS, 0);
	for (way = 0; way < WAYS; way++)
		best[way] = UINT64_MAX;
	for (t = 0; t < trials; t++) {
		for (way = 0; way < WAYS; way++) {
			a = perf_count(counter);
			switch (way) {
			case WAY_PAGE:
				sink += perfctr_read(pc, v, MAX);
				break;
			case WAY_READ:
				sink += pread(counts, buf, sizeof(buf), 0);
				break;
			case WAY_PERF:
				sink += perf_user_read(up[0]) + perf_user_read(up[1]);
				break;
			case WAY_BARE:
				sink += counter_register(up[0]->index - 1) +
					counter_register(up[1]->index - 1);
				break;
			}
			b = perf_count(counter);
			if (b - a < best[way])
				best[way] = b - a;
		}
	}
	for (way = 1; way < WAYS; way++)
		printf("%s=%" PRIu64 " ", names[way], best[way] - best[WAY_NONE]);
	printf("trials=%d\n", trials);
	__asm__ __volatile__("" :: "r"(sink));
	return 0;
}

static int cmd_notcounted(void)
{
	struct perfctr *pc = open_self("instructions:u cycles:u");
	char line[64], text[4096], path[128];
	uint64_t v[MAX];
	int i;

	spin(100000);
	if (perfctr_read(pc, v, MAX) != 2 || perfctr_read(pc, v, MAX) != 2 ||
	    v[0] < 200000 || v[0] == PERFCTR_NOT_COUNTED ||
	    v[1] == PERFCTR_NOT_COUNTED)
		die("before: %" PRIu64 " instructions", v[0]);
	printf("reading %" PRIu64 "\n", v[0]);
	if (!fgets(line, sizeof(line), stdin))
		die("no line on standard input");
	spin(100000);
	for (i = 0; i < 1000; i++) {
		if (perfctr_read(pc, v, MAX) != 2)
			die("perfctr_read");
		if (v[0] != PERFCTR_NOT_COUNTED || v[1] != PERFCTR_NOT_COUNTED)
			die("read %d: %" PRIu64 " instructions, %" PRIu64
			    " cycles, not PERFCTR_NOT_COUNTED", i, v[0], v[1]);
	}
	snprintf(path, sizeof(path), "%s/self/task/%d/perfctr/counts", pc_root(), tid());
	read_text(path, text, sizeof(text));
	if (strcmp(text, "instructions:u <not-counted>\ncycles:u <not-counted>\n"))
		die("counts file: %s", text);
	printf("ok 1000 reads give PERFCTR_NOT_COUNTED, as the counts file says\n");
	perfctr_close(pc);
	return 0;
}

static int cmd_sigill(void)
{
	uint64_t v = counter_register(31);

	printf("read %" PRIu64 " without access\n", v);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "delta"))
		return cmd_delta(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "switched"))
		return cmd_switched(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "busy"))
		return cmd_busy(strtoul(argv[2], NULL, 0), atoi(argv[3]),
				strtoull(argv[4], NULL, 0),
				strtoull(argv[5], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return cmd_fork();
	if (argc == 2 && !strcmp(argv[1], "threads"))
		return cmd_threads();
	if (argc == 3 && !strcmp(argv[1], "remote"))
		return cmd_remote(strtol(argv[2], NULL, 0));
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "exec"))
		return cmd_exec(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && !strcmp(argv[1], "trap"))
		return cmd_trap(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "notcounted"))
		return cmd_notcounted();
	if (argc == 2 && !strcmp(argv[1], "sigill"))
		return cmd_sigill();
	if (argc == 3 && !strcmp(argv[1], "cost"))
		return cmd_cost(atoi(argv[2]));
	fprintf(stderr, "usage: see the comment at the top of pchwpage.c\n");
	return 2;
}
