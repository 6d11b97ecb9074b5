// SPDX-License-Identifier: GPL-2.0
/*
 * pclib: libperfctr in the guest, for shell-tests/55-libperfctr.bats.
 *
 *   pclib between EVENTS N   N perfctr_read()s, each between two read(2)s
 *                            of the counts file; values never go back
 *   pclib seccomp EVENTS N   N perfctr_read()s under a seccomp filter that
 *                            allows only write and exit
 *   pclib fork               a child reads through its parent's handle
 *   pclib threads            per-thread handles, and a handle used by
 *                            another thread than its owner
 *   pclib remote             another thread reprograms and clears
 *   pclib errors             the library's error paths
 *   pclib exec [stage]       the control and the page across exec
 *   pclib reuse              a dead thread's handle, read by the next
 *                            thread, which has its pthread_t, before the
 *                            dead thread's exit reaches perfctr
 *   pclib snapshot           perfctr_snapshot() against the separate calls,
 *                            and while another thread rewrites the control
 *   pclib notcounted EVENTS  EVENTS, more hardware events than the PMU
 *                            holds: refused (ENOSPC) for the thread itself,
 *                            leaving its control as it was; accepted for a
 *                            child, whose reads then give
 *                            PERFCTR_NOT_COUNTED where read(2) of its
 *                            counts file says <not-counted>
 *
 * Prints "ok ..." lines and key=value figures; exits non-zero with a
 * message on the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libhelper.h"

static int cmd_between(const char *events, long n)
{
	struct perfctr *pc = open_self(events);

	check_between(pc, tid(), n, "self");
	printf("ok %ld reads of '%s' between read(2)s\n", n, events);
	perfctr_close(pc);
	return 0;
}

static int cmd_seccomp(const char *events, long n)
{
	struct perfctr *pc = open_self(events);
	uint64_t first[MAX], v[MAX];
	char line[128];
	int nr, len;
	long k;

	nr = perfctr_read(pc, first, MAX);	/* the first read may use read(2) */
	if (nr < 0)
		die("perfctr_read");
	seccomp_only_write_exit();
	for (k = 0; k < n; k++)
		if (perfctr_read(pc, v, MAX) != nr)
			_exit(3);
	len = snprintf(line, sizeof(line), "reads=%ld first=%" PRIu64 " last=%" PRIu64 "\n",
		       n, first[0], v[0]);
	if (write(1, line, len) != len)
		_exit(4);
	syscall(SYS_exit_group, v[0] > first[0] ? 0 : 5);
	return 6;
}

static int cmd_fork(void)
{
	struct perfctr *pc = open_self("tsc context-switches cpu-migrations");
	uint64_t v[MAX], id, child_id;
	int status, i;

	/*
	 * A sleep need not switch: under a slow emulator its timer can expire
	 * before the task gets off the CPU. Sleep until 40 switches are seen.
	 */
	for (i = 0; i < 4000; i++) {
		if (perfctr_read(pc, v, MAX) != 3)
			die("parent: perfctr_read");
		if (v[1] >= 40)
			break;
		usleep(100);
	}
	if (v[1] < 40)
		die("parent: %" PRIu64 " switches after %d sleeps", v[1], i);
	perfctr_id(pc, &id);
	if (fork() == 0) {
		uint64_t c[MAX];

		/* the inherited handle now reads the child's own counts */
		if (perfctr_read(pc, c, MAX) != 3)
			die("child: perfctr_read");
		if (c[1] >= v[1])
			die("child read its parent's counts: %" PRIu64 " switches", c[1]);
		if (perfctr_tid(pc) != tid())
			die("child: handle is for %d, not %d", perfctr_tid(pc), tid());
		check_between(pc, tid(), 200, "child");
		if (perfctr_id(pc, &child_id) || child_id != id)
			die("child: id %" PRIu64 ", parent's %" PRIu64, child_id, id);
		printf("ok the child reads its own counts: %" PRIu64 " switches, parent's %"
		       PRIu64 "\n", c[1], v[1]);
		perfctr_close(pc);
		_exit(0);
	}
	if (wait(&status) < 0 || status)
		die("child failed");
	check_between(pc, tid(), 200, "parent after fork");
	printf("ok the parent's reads are unaffected\n");
	perfctr_close(pc);
	return 0;
}

static struct perfctr *shared;
static pid_t owner_tid;
static volatile int step;

static void wait_step(int n)
{
	while (step < n)
		sched_yield();
}

static void *own_thread(void *arg)
{
	struct perfctr *pc;
	uint64_t id, parent_id = *(uint64_t *)arg;

	/* a new thread inherits the control, with its own counts */
	pc = open_self(NULL);
	if (perfctr_id(pc, &id) || id != parent_id)
		die("thread: id %" PRIu64 ", creator's %" PRIu64, id, parent_id);
	check_between(pc, tid(), 300, "thread");
	owner_tid = tid();
	shared = pc;
	step = 1;
	wait_step(2);			/* the main thread read through it */
	perfctr_close(pc);
	return NULL;
}

static int cmd_threads(void)
{
	struct perfctr *pc = open_self("tsc context-switches");
	uint64_t id, a[MAX], b[MAX], c[MAX];
	pthread_t thread;
	int i;

	perfctr_id(pc, &id);
	if (pthread_create(&thread, NULL, own_thread, &id))
		die("pthread_create");
	check_between(pc, tid(), 300, "main");
	wait_step(1);
	/* another thread's handle reads that thread's counts (by read(2)) */
	file_counts(owner_tid, a);
	if (perfctr_read(shared, b, MAX) != 2)
		die("read through another thread's handle");
	file_counts(owner_tid, c);
	for (i = 0; i < 2; i++)
		if (b[i] < a[i] || b[i] > c[i])
			die("foreign read: counter %d not the owner's", i);
	step = 2;
	pthread_join(thread, NULL);
	printf("ok per-thread handles, and a handle read from another thread\n");
	perfctr_close(pc);
	return 0;
}

static void *remote_thread(void *arg)
{
	struct perfctr *pc = open_self(NULL);
	uint64_t v[MAX], id, file_id;
	int nr;

	owner_tid = tid();
	(void)arg;
	if (perfctr_read(pc, v, MAX) != 1)
		die("remote: start");
	step = 1;
	wait_step(2);			/* reprogrammed by the main thread */
	nr = perfctr_read_id(pc, v, MAX, &id);
	if (nr != 3 || perfctr_id(pc, &file_id) || id != file_id)
		die("remote: after reprogramming: %d counters, id %" PRIu64, nr, id);
	if (strcmp(perfctr_counter_name(pc, 2), "cpu-migrations"))
		die("remote: counter 2 is %s", perfctr_counter_name(pc, 2));
	check_between(pc, tid(), 100, "reprogrammed");
	printf("ok a remote change is seen at once: id %" PRIu64 "\n", id);
	step = 3;
	wait_step(4);			/* cleared */
	if (perfctr_read_id(pc, v, MAX, &id) != 0 || id != 0 || perfctr_nr_counters(pc) != 0)
		die("remote: after clear");
	printf("ok a remote clear is seen at once\n");
	perfctr_close(pc);
	return NULL;
}

static int cmd_remote(void)
{
	struct perfctr *pc = open_self("tsc");
	struct perfctr *other;
	pthread_t thread;

	if (pthread_create(&thread, NULL, remote_thread, NULL))
		die("pthread_create");
	wait_step(1);
	other = perfctr_open(owner_tid);
	if (!other || perfctr_set_control(other, "tsc context-switches cpu-migrations"))
		die("remote set_control");
	step = 2;
	wait_step(3);
	if (perfctr_set_control(other, ""))
		die("remote clear");
	step = 4;
	pthread_join(thread, NULL);
	perfctr_close(other);
	perfctr_close(pc);
	return 0;
}

#define EXPECT(call, err) do {						\
	errno = 0;							\
	if ((call) != -1 || errno != (err))				\
		die("%s: expected %s", #call, strerror(err));		\
	printf("ok %s: %s\n", #call, strerror(err));			\
} while (0)

static int cmd_errors(void)
{
	struct perfctr *pc = open_self("tsc context-switches");
	char buf[64], many[512];
	uint64_t v[MAX], id, id2;
	int i;

	errno = 0;
	if (perfctr_open(999999) || errno != ESRCH)
		die("perfctr_open(999999): expected ESRCH");
	printf("ok perfctr_open(999999): %s\n", strerror(ESRCH));
	perfctr_id(pc, &id);
	EXPECT(perfctr_set_control(pc, "tsc bogus-event"), EINVAL);
	EXPECT(perfctr_set_control(pc, "tsc,,cs"), EINVAL);
	EXPECT(perfctr_set_control(pc, "tsc tsc"), EINVAL);
	for (i = 0, many[0] = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "r%x ", i + 1);
	EXPECT(perfctr_set_control(pc, many), E2BIG);
	if (perfctr_id(pc, &id2) || id2 != id || perfctr_nr_counters(pc) != 2)
		die("a failed write changed the control");
	printf("ok failed writes changed nothing\n");
	EXPECT(perfctr_read(pc, v, 1), ERANGE);
	EXPECT(perfctr_read_children(pc, v, 1), ERANGE);
	EXPECT(perfctr_get_control(pc, buf, 5), ERANGE);
	errno = 0;
	if (perfctr_counter_name(pc, 2) || errno != ERANGE)
		die("perfctr_counter_name(2): expected ERANGE");
	printf("ok perfctr_counter_name(pc, 2): %s\n", strerror(ERANGE));
	if (perfctr_get_control(pc, buf, sizeof(buf)) || strcmp(buf, "tsc context-switches"))
		die("perfctr_get_control: '%s'", buf);
	if (strcmp(perfctr_counter_name(pc, 0), "tsc") ||
	    strcmp(perfctr_counter_name(pc, 1), "context-switches"))
		die("perfctr_counter_name");
	printf("ok control '%s'\n", buf);
	perfctr_close(pc);
	perfctr_close(NULL);
	return 0;
}

static int cmd_exec(const char *stage)
{
	struct perfctr *pc;
	uint64_t id, v[MAX];

	if (!stage) {
		pc = open_self("tsc context-switches");
		perfctr_id(pc, &id);
		if (perfctr_read(pc, v, MAX) != 2)
			die("before exec");
		snprintf((char *)v, sizeof(v), "%" PRIu64, id);
		execl("/proc/self/exe", "pclib", "exec", (char *)v, (char *)NULL);
		die("exec");
	}
	pc = open_self(NULL);
	if (perfctr_id(pc, &id) || id != strtoull(stage, NULL, 10))
		die("after exec: id %" PRIu64 ", before %s", id, stage);
	check_between(pc, tid(), 100, "after exec");
	printf("ok after exec the control and its id remain, read through a new page\n");
	perfctr_close(pc);
	return 0;
}

/*
 * pclib reuse.  pthread_join() returns when the kernel clears the dead
 * thread's tid word, in exit_mm(), before perfctr's exit hook publishes
 * PERFCTR_PAGE_EXITED on its page; the next thread created gets the dead
 * one's pthread_t (and memory).  The window is held open: every thread
 * runs on CPU 0, and the main thread and the second thread are SCHED_FIFO
 * above the first, so the wake-up of the join preempts the first thread
 * (the test kernel is fully preemptible) inside exit_mm(), and it cannot
 * run again before the second thread is done.  Meanwhile the first
 * thread's counts cannot move: the second thread must read exactly what
 * its counts file says, twice, some time apart, never the first thread's
 * page, whose tsc would run on with the second thread's time stamps.
 */
static struct reuse {
	pthread_t first;
	struct perfctr *pc;
	pid_t tid;
	volatile int go;
} reuse;

static void *reuse_first(void *arg)
{
	uint64_t v[MAX];
	int i;

	(void)arg;
	reuse.pc = open_self("tsc context-switches task-clock");
	for (i = 0; i < 20; i++)
		usleep(100);
	if (perfctr_read(reuse.pc, v, MAX) != 3)
		die("first thread: perfctr_read");
	reuse.tid = tid();
	while (!reuse.go)
		sched_yield();
	return NULL;
}

/* Busy: on CPU 0, nothing of lower priority runs meanwhile. */
static void spin_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static int same_counts(const uint64_t *a, const uint64_t *b, int nr)
{
	return !memcmp(a, b, nr * sizeof(*a));
}

static void *reuse_second(void *arg)
{
	uint64_t v[MAX], w[MAX], f[MAX] = { 0 };
	char task[64];
	struct stat st;
	struct perfctr *own;
	int nr, held;

	(void)arg;
	if (!pthread_equal(pthread_self(), reuse.first))
		die("the C library did not give the second thread the first one's pthread_t");
	snprintf(task, sizeof(task), "/proc/self/task/%d", reuse.tid);
	held = !stat(task, &st);
	nr = perfctr_read(reuse.pc, v, MAX);
	if (nr < 0)
		die("second thread: perfctr_read of the first thread's handle");
	spin_ms(20);
	if (perfctr_read(reuse.pc, w, MAX) != nr || file_counts(reuse.tid, f) != nr)
		die("second thread: another number of counters");
	if (!same_counts(v, f, nr) || !same_counts(w, f, nr))
		die("the second thread was served the first thread's page: tsc %" PRIu64
		    " then %" PRIu64 ", its counts file %" PRIu64, v[0], w[0], f[0]);
	printf("ok a new thread with a dead thread's pthread_t reads its counts file, "
	       "not its page: tsc=%" PRIu64 " held=%d\n", f[0], held);
	/* and its own handle reads its own page */
	own = open_self("tsc context-switches");
	check_between(own, tid(), 100, "second thread");
	perfctr_close(own);
	printf("ok the new thread's own handle reads its own counts\n");
	return NULL;
}

static int cmd_reuse(void)
{
	struct sched_param fifo = { .sched_priority = 10 }, other = { 0 };
	char task[64];
	struct stat st;
	pthread_t second;
	cpu_set_t cpus;
	uint64_t v[MAX];
	int i;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	/* the first thread stays SCHED_OTHER: created before the change */
	if (pthread_create(&reuse.first, NULL, reuse_first, NULL))
		die("pthread_create");
	if (sched_setscheduler(0, SCHED_FIFO, &fifo))
		die("sched_setscheduler");
	reuse.go = 1;
	if (pthread_join(reuse.first, NULL))
		die("pthread_join");
	/* SCHED_FIFO too, inherited: it runs before the first thread */
	if (pthread_create(&second, NULL, reuse_second, NULL) ||
	    pthread_join(second, NULL))
		die("second thread");
	if (sched_setscheduler(0, SCHED_OTHER, &other))
		die("sched_setscheduler");
	/* once the first thread is released, its handle says so */
	snprintf(task, sizeof(task), "/proc/self/task/%d", reuse.tid);
	for (i = 0; !stat(task, &st); i++) {
		if (i == 10000)
			die("the first thread is never released");
		usleep(1000);
	}
	errno = 0;
	if (perfctr_read(reuse.pc, v, MAX) != -1 || errno != ESRCH)
		die("a released thread's handle: not ESRCH");
	printf("ok once released, the dead thread's handle reads ESRCH\n");
	perfctr_close(reuse.pc);
	return 0;
}

static volatile int snap_stop;

/* Rewrites the main thread's control, one of two, as fast as it can. */
static void *snap_writer(void *arg)
{
	long i;

	for (i = 0; !snap_stop; i++) {
		if (perfctr_set_control(arg, i & 1 ? "tsc" :
					"context-switches minor-faults"))
			die("perfctr_set_control from the writer");
	}
	return (void *)i;
}

static int cmd_snapshot(void)
{
	struct perfctr *pc = open_self("tsc context-switches"), *other;
	struct perfctr_snapshot s;
	char name[PERFCTR_NAME_MAX];
	uint64_t id, lost, v[MAX];
	int i, nr, status, one = 0, two = 0, again = 0, first = 0;
	pthread_t writer;
	void *writes;
	pid_t child;

	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		sched_yield();
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	nr = perfctr_snapshot(pc, &s, sizeof(s));
	if (nr != 2 || s.nr != 2 || s.size != sizeof(s))
		die("perfctr_snapshot: %d counters, size %u", nr, s.size);
	if (perfctr_id(pc, &id) || perfctr_lost(pc, &lost) ||
	    perfctr_read_children(pc, v, MAX) != 2 ||
	    perfctr_get_counter_name(pc, 1, name, sizeof(name)))
		die("the separate calls");
	if (s.id != id || s.lost != lost || strcmp(s.name[0], "tsc") ||
	    strcmp(s.name[1], name) || s.children[0] != v[0] ||
	    s.children[1] != v[1] || !s.children[0] || !s.self[0])
		die("a snapshot that disagrees: id %" PRIu64 "/%" PRIu64
		    ", children tsc %" PRIu64 "/%" PRIu64, s.id, id,
		    s.children[0], v[0]);
	printf("ok a snapshot agrees with the separate calls\n");

	other = perfctr_open(tid());
	if (!other || pthread_create(&writer, NULL, snap_writer, other))
		die("the writer");
	for (i = 0; i < 3000; i++) {
		nr = perfctr_snapshot(pc, &s, sizeof(s));
		if (nr < 0 && errno == EAGAIN) {
			again++;
		} else if (nr < 0) {
			die("perfctr_snapshot under a writer");
		} else if (nr == 1 && !strcmp(s.name[0], "tsc") &&
			   !s.children[0]) {
			one++;
		} else if (nr == 2 && !strcmp(s.name[0], "context-switches") &&
			   !strcmp(s.name[1], "minor-faults") &&
			   !s.children[0] && !s.children[1]) {
			two++;
		} else if (nr == 2 && !strcmp(s.name[0], "tsc") && !two &&
			   !one) {
			first++;	/* before the writer's first write */
		} else {
			die("a snapshot of no one control: %d counters, %s %s",
			    nr, s.name[0], s.name[1]);
		}
	}
	snap_stop = 1;
	pthread_join(writer, &writes);
	printf("ok every snapshot under a writer is one control\n");
	printf("one=%d two=%d first=%d again=%d writes=%ld\n", one, two,
	       first, again, (long)writes);
	perfctr_close(other);
	perfctr_close(pc);
	return 0;
}

/*
 * Spins until killed, in a child of @parent: killed with it too, so that a
 * parent that dies on a failed check does not leave a spinning child that
 * holds the test's output open (and the test waiting for it).
 */
static void __attribute__((noreturn)) spin_forever(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	for (;;)
		__asm__ volatile("" : : : "memory");
}

static int cmd_notcounted(const char *events)
{
	struct perfctr *pc = open_self("task-clock"), *other;
	char ctl[PERFCTR_CONTROL_MAX], text[4096], path[64];
	uint64_t id0, id1, v[MAX], c[MAX];
	struct perfctr_snapshot s;
	int nr, i, nc = 0;
	struct timespec ts = { 0, 300 * 1000 * 1000 }, settle = { 0, 0 };
	pid_t child, parent;

	if (perfctr_id(pc, &id0))
		die("perfctr_id");
	if (perfctr_set_control(pc, events) != -1 || errno != ENOSPC)
		die("perfctr_set_control(%s) for itself: not ENOSPC", events);
	if (perfctr_id(pc, &id1) || id1 != id0 ||
	    perfctr_get_control(pc, ctl, sizeof(ctl)) ||
	    strcmp(ctl, "task-clock"))
		die("the refused control changed something: id %" PRIu64
		    " -> %" PRIu64 ", control '%s'", id0, id1, ctl);
	printf("ok refused for the thread itself with ENOSPC, nothing changed\n");

	/* a check that never ends fails the test, saying how far it got */
	alarm(300);
	parent = getpid();
	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		spin_forever(parent);
	other = perfctr_open(child);
	if (!other)
		die("perfctr_open(child)");
	if (perfctr_set_control(other, events))
		die("perfctr_set_control(%s) for a child", events);
	printf("ok the child is programmed\n");
	nanosleep(&ts, NULL);		/* the child runs with them */
	kill(child, SIGSTOP);
	waitpid(child, NULL, WUNTRACED);
	/*
	 * The child tells us it stopped before it leaves the CPU, and with a
	 * preemptible kernel it may be preempted in between and finish the
	 * way out later, counting in kernel mode: its counts are still only
	 * once two reads 20 ms apart agree.
	 */
	snprintf(path, sizeof(path), "%s/%d/perfctr/counts", pc_root(), child);
	settle.tv_nsec = 20 * 1000 * 1000;
	read_text(path, text, sizeof(text));
	for (i = 0; i < 250; i++) {
		char again[4096];

		nanosleep(&settle, NULL);
		read_text(path, again, sizeof(again));
		if (!strcmp(again, text))
			break;
		memcpy(text, again, sizeof(text));
	}
	if (i == 250)
		die("the stopped child's counts did not settle in 5 s");
	printf("ok the child is stopped\n");
	nr = perfctr_read(other, v, MAX);
	if (nr <= 0 || perfctr_snapshot(other, &s, sizeof(s)) != nr)
		die("perfctr_read, perfctr_snapshot");
	read_text(path, text, sizeof(text));
	/* the reads are of a stopped task: all three agree exactly */
	for (i = 0; i < nr; i++) {
		char *line = text, want[64];
		int k;

		for (k = 0; k < i; k++)
			line = strchr(line, '\n') + 1;
		line = strchr(line, ' ') + 1;
		if (v[i] == PERFCTR_NOT_COUNTED) {
			nc++;
			snprintf(want, sizeof(want), "<not-counted>\n");
		} else {
			snprintf(want, sizeof(want), "%" PRIu64 "\n", v[i]);
		}
		if (strncmp(line, want, strlen(want)) || s.self[i] != v[i])
			die("counter %d: perfctr_read %" PRIu64
			    ", perfctr_snapshot %" PRIu64 ", file %.24s", i,
			    v[i], s.self[i], line);
		c[i] = v[i];
	}
	if (!nc)
		die("every counter of %s counted", events);
	printf("ok perfctr_read and perfctr_snapshot give PERFCTR_NOT_COUNTED where the file says <not-counted>\n");
	printf("not_counted=%d counted=%d first=%" PRIu64 "\n", nc, nr - nc,
	       c[0]);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	perfctr_close(other);
	perfctr_close(pc);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "between"))
		return cmd_between(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "seccomp"))
		return cmd_seccomp(argv[2], atol(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return cmd_fork();
	if (argc == 2 && !strcmp(argv[1], "threads"))
		return cmd_threads();
	if (argc == 2 && !strcmp(argv[1], "remote"))
		return cmd_remote();
	if (argc == 2 && !strcmp(argv[1], "errors"))
		return cmd_errors();
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "exec"))
		return cmd_exec(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "reuse"))
		return cmd_reuse();
	if (argc == 2 && !strcmp(argv[1], "snapshot"))
		return cmd_snapshot();
	if (argc == 3 && !strcmp(argv[1], "notcounted"))
		return cmd_notcounted(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of pclib.c\n");
	return 2;
}
