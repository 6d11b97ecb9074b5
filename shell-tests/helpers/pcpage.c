// SPDX-License-Identifier: GPL-2.0
/*
 * pcpage: the counter page, read by hand with the protocol documented in
 * include/uapi/linux/perfctr.h, for the tests of shell-tests/50-page.bats.
 *
 *   pcpage errors           every way to map the page wrongly, with errno
 *   pcpage between CONTROL N
 *                           N page reads, each between two read(2)s
 *   pcpage faults N         N fresh pages touched: the page's minor-faults
 *                           follows each at once
 *   pcpage fork             a child has no mapping of its parent's page
 *   pcpage remote           another thread programs and clears: stale, then
 *                           fresh after a read(2)
 *   pcpage preempt N        N page reads while a busy process shares the CPU
 *   pcpage exit             another thread's exit: final counts, frozen,
 *                           and the page names that thread
 *   pcpage show             map this thread's page: "id=N nr=N file_id=N";
 *                           it must name this thread
 *   pcpage thread-exec      a thread other than the leader maps its page,
 *                           then execs "pcpage show", which takes the
 *                           leader's id
 *   pcpage notsc            a thread that made its counter reads fault
 *                           (PR_SET_TSC) gets no tsc from its page, and
 *                           gets it again once it allows the reads
 *   pcpage counter-hz       the frequency of the counter tsc counts, in Hz,
 *                           where user space can read it (arm64:
 *                           CNTFRQ_EL0); exits 1 elsewhere
 *
 * Each prints "ok ..." lines and key=value figures, and exits non-zero with
 * a message on the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/linux/perfctr.h>
#include "pcroot.h"

#include "helper.h"

#define PAGE 4096

static void path(char *buf, size_t len, pid_t t, const char *file)
{
	snprintf(buf, len, "%s/%d/task/%d/perfctr/%s", pc_root(), getpid(), t, file);
}

static void set_control(pid_t t, const char *text)
{
	char p[128];
	int fd;

	path(p, sizeof(p), t, "control");
	fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write %s to %s", text, p);
	close(fd);
}

static const volatile struct perfctr_page *map_own(void)
{
	char p[128];
	void *addr;
	int fd;

	path(p, sizeof(p), tid(), "page");
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die("open %s", p);
	addr = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		die("mmap %s", p);
	close(fd);
	return addr;
}

/* The counts of thread t by read(2); returns the number of counters. */
static unsigned int read_counts(pid_t t, uint64_t *v)
{
	char p[128], buf[4096], *s, *line;
	unsigned int n = 0;
	ssize_t len;
	int fd;

	path(p, sizeof(p), t, "counts");
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die("open %s", p);
	len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		die("read %s", p);
	close(fd);
	buf[len] = 0;
	for (line = strtok_r(buf, "\n", &s); line; line = strtok_r(NULL, "\n", &s)) {
		char *sp = strchr(line, ' ');

		if (!sp || n == PERFCTR_MAX_COUNTERS)
			die("bad counts line '%s'", line);
		v[n++] = strtoull(sp + 1, NULL, 10);
	}
	return n;
}

static uint64_t read_id(pid_t t)
{
	char p[128], buf[64];
	ssize_t len;
	int fd;

	path(p, sizeof(p), t, "id");
	fd = open(p, O_RDONLY);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		die("read %s", p);
	close(fd);
	buf[len] = 0;
	return strtoull(buf, NULL, 10);
}

/*
 * The counter the page's tsc and task-clock follow, read as the protocol
 * says: x86-64 "lfence; rdtsc"; arm64 "isb; mrs cntvct_el0", then a dummy
 * load whose address depends on the value, so that the loads after it
 * wait for it (see lib/page.c).
 */
#if defined(__x86_64__)
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}
#elif defined(__aarch64__)
static inline uint64_t rdtsc_ordered(void)
{
	uint64_t v, zero;

	asm volatile("isb\n\tmrs %0, cntvct_el0\n\teor %1, %0, %0\n\tldr xzr, [sp, %1]"
		     : "=r"(v), "=&r"(zero) :: "memory");
	return v;
}
#else
/*
 * The page gives tsc and task-clock only where a thread reads the kernel's
 * get_cycles() counter itself: x86-64 and arm64.  50-page.bats skips the
 * tests that need one elsewhere.
 */
static inline uint64_t rdtsc_ordered(void)
{
	die("a tsc or task-clock counter on the page needs a counter reader for this architecture");
	return 0;
}
#endif

/*
 * Loads before it complete before loads after it: a compiler barrier on
 * x86-64, which does not reorder loads with loads; DMB ISHLD on arm64.
 */
#define read_barrier()	__atomic_thread_fence(__ATOMIC_ACQUIRE)

struct snap {
	uint64_t id, nr, flags, exact;	/* exact: bit per page-exact counter */
	uint64_t v[PERFCTR_MAX_COUNTERS];
	int stale;
	unsigned int retries;
};

/* One read of the page by the documented protocol. */
static void page_read(const volatile struct perfctr_page *pg, struct snap *s)
{
	uint64_t seq, i;

	s->retries = 0;
	for (;;) {
		seq = pg->seq;
		read_barrier();
		if (seq & 1) {
			s->retries++;
			continue;
		}
		if (pg->version != PERFCTR_PAGE_VERSION)
			die("page version %" PRIu64, (uint64_t)pg->version);
		s->stale = pg->requested != pg->applied;
		s->id = pg->id;
		s->nr = pg->nr;
		s->flags = pg->flags;
		s->exact = 0;
		for (i = 0; i < s->nr && i < PERFCTR_MAX_COUNTERS; i++) {
			const volatile struct perfctr_page_counter *c = &pg->counter[i];
			uint64_t f = c->flags;

			s->v[i] = c->sum;
			if (f & PERFCTR_COUNTER_EXACT)
				s->exact |= 1ULL << i;
			if (f & PERFCTR_COUNTER_TSC)
				s->v[i] += rdtsc_ordered() - c->start;
			if (f & PERFCTR_COUNTER_CLOCK)
				s->v[i] += (uint64_t)(((unsigned __int128)
						       ((rdtsc_ordered() - c->time_cycles) &
							c->time_mask) *
						       c->time_mult) >> c->time_shift);
		}
		read_barrier();
		if (pg->requested != pg->applied)
			s->stale = 1;
		if (pg->seq == seq)
			return;
		s->retries++;
	}
}

static void expect_errno(const char *what, void *addr, int err)
{
	if (addr != MAP_FAILED)
		die("%s: mapped, expected %s", what, strerror(err));
	if (errno != err)
		die("%s: %s, expected %s", what, strerror(errno), strerror(err));
	printf("ok %s: %s\n", what, strerror(err));
}

static int other_fd = -1;
static int go[2], done[2];

static void *open_own_page(void *arg)
{
	char p[128], c;

	path(p, sizeof(p), tid(), "page");
	other_fd = open(p, O_RDONLY);
	if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
		die("pipe");
	return arg;
}

/*
 * A thread that never opened its own page file maps a descriptor of it
 * that the main thread opened.
 */
static int foreign_fd = -1;
static volatile pid_t foreign_tid;

static void *map_fd_opened_by_main(void *arg)
{
	char c;

	foreign_tid = tid();
	if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
		die("pipe");
	expect_errno("own page through a descriptor another thread opened",
		     mmap(NULL, PAGE, PROT_READ, MAP_SHARED, foreign_fd, 0), EPERM);
	return arg;
}

static int cmd_errors(void)
{
	const volatile struct perfctr_page *pg;
	unsigned long map_size;
	pthread_t thread;
	char p[128], buf[8], c;
	void *addr;
	int fd, fd2;

	path(p, sizeof(p), tid(), "page");
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die("open %s", p);
	expect_errno("MAP_SHARED PROT_WRITE",
		     mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	expect_errno("MAP_PRIVATE PROT_WRITE",
		     mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), EACCES);
	/* one page more than the page and its records (perfctr_page::map_size) */
	addr = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED)
		die("mmap");
	pg = addr;
	map_size = pg->map_size;
	munmap(addr, PAGE);
	if (map_size != PAGE && map_size != 2 * PAGE)
		die("map_size %lu", map_size);
	printf("ok map_size %lu\n", map_size);
	expect_errno("a page more than map_size",
		     mmap(NULL, map_size + PAGE, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	if (map_size > PAGE) {
		addr = mmap(NULL, map_size, PROT_READ, MAP_SHARED, fd, 0);
		if (addr == MAP_FAILED)
			die("mmap map_size");
		munmap(addr, map_size);
		printf("ok the page and its records map\n");
	}
	expect_errno("offset one page", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE), EINVAL);
	expect_errno("PROT_EXEC", mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0), EPERM);
	if (read(fd, buf, sizeof(buf)) != -1 || errno != EINVAL)
		die("read(2) of page: expected EINVAL");
	printf("ok read(2): %s\n", strerror(EINVAL));
	/* root may open the file for writing, and still not map it so */
	fd2 = open(p, O_RDWR);
	if (fd2 >= 0) {
		expect_errno("O_RDWR MAP_SHARED PROT_WRITE",
			     mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0), EACCES);
		close(fd2);
	}

	addr = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (addr == MAP_FAILED)
		die("MAP_PRIVATE PROT_READ");
	if (mprotect(addr, PAGE, PROT_READ | PROT_WRITE) != -1 || errno != EACCES)
		die("mprotect PROT_WRITE: expected EACCES, got %s", strerror(errno));
	printf("ok mprotect PROT_WRITE: %s\n", strerror(EACCES));
	pg = addr;
	if (pg->version != PERFCTR_PAGE_VERSION || pg->id != read_id(tid()))
		die("the private mapping is not the page");
	printf("ok MAP_PRIVATE PROT_READ maps the page\n");
	munmap(addr, PAGE);

	/* another thread's page, opened by that thread, mapped here */
	if (pipe(go) || pipe(done) || pthread_create(&thread, NULL, open_own_page, NULL) ||
	    read(done[0], &c, 1) != 1 || other_fd < 0)
		die("thread");
	expect_errno("another thread's page",
		     mmap(NULL, PAGE, PROT_READ, MAP_SHARED, other_fd, 0), EPERM);
	if (write(go[1], "x", 1) != 1 || pthread_join(thread, NULL))
		die("join");
	/* a thread's own page, opened for it by the main thread */
	if (pthread_create(&thread, NULL, map_fd_opened_by_main, NULL) || read(done[0], &c, 1) != 1)
		die("thread");
	path(p, sizeof(p), foreign_tid, "page");
	foreign_fd = open(p, O_RDONLY);
	if (foreign_fd < 0)
		die("open %s", p);
	if (write(go[1], "x", 1) != 1 || pthread_join(thread, NULL))
		die("join");
	/* the parent's page, from a child */
	if (fork() == 0) {
		expect_errno("the parent's page",
			     mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EPERM);
		_exit(0);
	}
	wait(NULL);
	return 0;
}

/*
 * A page value outside the read(2)s around it: what the page held and what
 * the clock read then, for whoever has to explain it, before dying.
 */
static void between_failed(const volatile struct perfctr_page *pg,
			   const struct snap *s, unsigned int i, uint64_t before,
			   uint64_t after, long k, const int cpu[4])
{
	const volatile struct perfctr_page_counter *c = &pg->counter[i];
	uint64_t again[PERFCTR_MAX_COUNTERS];

	printf("between: read %ld: counter %u: page %" PRIu64 " not in [%" PRIu64 ", %" PRIu64 "]"
	       " (%+" PRId64 " from the first read(2), %" PRIu64 " between them)\n",
	       k, i, s->v[i], before, after, (int64_t)(s->v[i] - before), after - before);
	printf("between: cpus %d %d %d %d; page seq %" PRIu64 " retries %u flags %#" PRIx64
	       " sum %" PRIu64 " start %" PRIu64 " mult %" PRIu64 " shift %" PRIu64
	       " cycles %" PRIu64 " mask %#" PRIx64 "; rdtsc now %" PRIu64 "\n",
	       cpu[0], cpu[1], cpu[2], cpu[3], (uint64_t)pg->seq, s->retries,
	       (uint64_t)c->flags, (uint64_t)c->sum, (uint64_t)c->start,
	       (uint64_t)c->time_mult, (uint64_t)c->time_shift,
	       (uint64_t)c->time_cycles, (uint64_t)c->time_mask, rdtsc_ordered());
	read_counts(tid(), again);
	printf("between: a third read(2): %" PRIu64 "\n", again[i]);
	die("counter %u: page %" PRIu64 " not in [%" PRIu64 ", %" PRIu64 "]",
	    i, s->v[i], before, after);
}

static int cmd_between(const char *control, long n)
{
	const volatile struct perfctr_page *pg;
	uint64_t before[PERFCTR_MAX_COUNTERS], after[PERFCTR_MAX_COUNTERS];
	uint64_t last[PERFCTR_MAX_COUNTERS] = {};
	unsigned long exact_reads = 0, retries = 0;
	struct snap s = {};
	unsigned int nr = 0, i;
	int cpu[4];
	long k;

	set_control(tid(), control);
	pg = map_own();
	for (k = 0; k < n; k++) {
		cpu[0] = sched_getcpu();
		nr = read_counts(tid(), before);
		cpu[1] = sched_getcpu();
		page_read(pg, &s);
		cpu[2] = sched_getcpu();
		read_counts(tid(), after);
		cpu[3] = sched_getcpu();
		retries += s.retries;
		if (s.stale)
			die("page stale without a remote change");
		if (s.nr != nr || s.id != read_id(tid()))
			die("page nr %" PRIu64 " id %" PRIu64 ", files %u", s.nr, s.id, nr);
		for (i = 0; i < nr; i++) {
			if (!(s.exact & 1ULL << i))
				continue;
			if (s.v[i] < before[i] || s.v[i] > after[i])
				between_failed(pg, &s, i, before[i], after[i], k, cpu);
			if (s.v[i] < last[i])
				die("counter %u went back: %" PRIu64 " < %" PRIu64, i, s.v[i], last[i]);
			last[i] = s.v[i];
			exact_reads++;
		}
		if (k % 7 == 0)
			sched_yield();
	}
	printf("exact=0x%" PRIx64 " nr=%u reads=%ld exact_reads=%lu retries=%lu\n",
	       s.exact, nr, n, exact_reads, retries);
	return 0;
}

/* A fresh page touched between read(2) and the page: the page has it. */
static int cmd_faults(long n)
{
	const volatile struct perfctr_page *pg;
	uint64_t before[PERFCTR_MAX_COUNTERS], after[PERFCTR_MAX_COUNTERS];
	uint64_t first = 0;
	struct snap s = {};
	char *mem;
	long k;

	set_control(tid(), "minor-faults tsc");
	pg = map_own();
	for (k = 0; k < n; k++) {
		read_counts(tid(), before);
		mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			die("mmap");
		mem[0] = 1;			/* one minor fault */
		page_read(pg, &s);
		read_counts(tid(), after);
		munmap(mem, PAGE);
		if (s.stale || !(s.exact & 1))
			die("minor-faults not exact on the page");
		if (s.v[0] <= before[0] || s.v[0] > after[0])
			die("minor-faults: page %" PRIu64 " not in (%" PRIu64 ", %" PRIu64 "]",
			    s.v[0], before[0], after[0]);
		if (!k)
			first = before[0];
	}
	printf("reads=%ld faults=%" PRIu64 "\n", n, s.v[0] - first);
	return 0;
}

static int cmd_fork(void)
{
	const volatile struct perfctr_page *pg;
	unsigned char vec;
	int status;

	set_control(tid(), "tsc context-switches");
	pg = map_own();
	if (mincore((void *)pg, PAGE, &vec))
		die("mincore in the parent");
	if (fork() == 0) {
		if (mincore((void *)pg, PAGE, &vec) == 0 || errno != ENOMEM)
			die("the child has the parent's page mapped");
		/* it maps its own page: same control, its own counts */
		pg = map_own();
		if (pg->nr != 2 || pg->id != read_id(tid()))
			die("the child's own page");
		printf("ok the child has no mapping of its parent's page\n");
		_exit(0);
	}
	if (wait(&status) < 0 || status)
		return 1;
	if (pg->version != PERFCTR_PAGE_VERSION || pg->nr != 2)
		die("the parent's page changed");
	printf("ok the parent's page is unaffected\n");
	return 0;
}

static volatile const struct perfctr_page *thread_pg;
static volatile int step;

static void wait_step(int n)
{
	while (step < n)
		sched_yield();
}

static volatile pid_t thread_tid;

static void *remote_target(void *arg)
{
	struct snap s;
	uint64_t v[PERFCTR_MAX_COUNTERS];

	thread_tid = tid();
	thread_pg = map_own();
	step = 1;
	wait_step(2);			/* programmed by the main thread */
	page_read(thread_pg, &s);
	if (!s.stale)
		die("page not stale after a remote control change");
	printf("ok stale after a remote change: old id %" PRIu64 "\n", s.id);
	read_counts(tid(), v);		/* the owner's read(2) republishes */
	page_read(thread_pg, &s);
	if (s.stale || s.id != read_id(tid()) || s.nr != 3 || s.exact != 0x7)
		die("after read(2): stale %d id %" PRIu64 " nr %" PRIu64 " exact %" PRIx64,
		    s.stale, s.id, s.nr, s.exact);
	printf("ok fresh after the owner's read(2): id %" PRIu64 " exact=0x%" PRIx64 "\n",
	       s.id, s.exact);
	step = 3;
	wait_step(4);			/* cleared by the main thread */
	page_read(thread_pg, &s);
	if (!s.stale)
		die("page not stale after a remote clear");
	read_counts(tid(), v);
	page_read(thread_pg, &s);
	if (s.stale || s.id != 0 || s.nr != 0)
		die("after clear: id %" PRIu64 " nr %" PRIu64, s.id, s.nr);
	printf("ok a remote clear reads as id 0, no counters\n");
	step = 5;
	return arg;
}

static int cmd_remote(void)
{
	pthread_t thread;
	pid_t target;

	if (pthread_create(&thread, NULL, remote_target, NULL))
		die("pthread_create");
	wait_step(1);
	target = thread_tid;
	set_control(target, "tsc context-switches cpu-migrations");
	step = 2;
	wait_step(3);
	set_control(target, "\n");
	step = 4;
	wait_step(5);
	return pthread_join(thread, NULL);
}

/*
 * prctl(PR_SET_TSC, PR_TSC_SIGSEGV) makes rdtsc (x86) or an EL0 read of
 * CNTVCT_EL0 (arm64) fault: the page must not tell the thread to read it.
 * Each control write rewrites the page, as does every switch onto a CPU.
 */
static int cmd_notsc(void)
{
	const volatile struct perfctr_page *pg;
	struct snap s;

	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0))
		die("prctl(PR_SET_TSC, PR_TSC_SIGSEGV)");
	set_control(tid(), "tsc context-switches");
	pg = map_own();
	sched_yield();
	page_read(pg, &s);	/* would fault if the page said tsc */
	if (s.stale || s.nr != 2 || s.exact != 0x2 || pg->counter[0].flags)
		die("PR_TSC_SIGSEGV: exact %" PRIx64 ", tsc flags %" PRIx64, s.exact,
		    (uint64_t)pg->counter[0].flags);
	printf("ok with PR_TSC_SIGSEGV the page sends tsc to read(2)\n");
	if (prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0))
		die("prctl(PR_SET_TSC, PR_TSC_ENABLE)");
	set_control(tid(), "tsc context-switches");
	page_read(pg, &s);
	if (s.stale || s.exact != 0x3)
		die("PR_TSC_ENABLE: exact %" PRIx64, s.exact);
	printf("ok with PR_TSC_ENABLE the page gives tsc again\n");
	return 0;
}

static int cmd_preempt(long n)
{
	const volatile struct perfctr_page *pg;
	uint64_t last_tsc = 0, last_cs = 0, first_cs = 0;
	unsigned long retries = 0;
	cpu_set_t cpus;
	struct snap s;
	pid_t busy;
	long k;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	busy = fork();
	if (busy == 0) {
		/* dies with us, also when we die() before the kill below */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			asm volatile("" ::: "memory");
	}
	set_control(tid(), "tsc context-switches");
	pg = map_own();
	for (k = 0; k < n; k++) {
		page_read(pg, &s);
		retries += s.retries;
		if (s.stale || s.exact != 0x3)
			die("page not exact");
		if (s.v[0] < last_tsc || s.v[1] < last_cs)
			die("went back");
		if (k == 0)
			first_cs = s.v[1];
		last_tsc = s.v[0];
		last_cs = s.v[1];
	}
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
	printf("reads=%ld switches=%" PRIu64 " retries=%lu\n", n, last_cs - first_cs, retries);
	if (last_cs == first_cs)
		die("no context switch seen by the page");
	return 0;
}

static pid_t short_tid;

static void *short_thread(void *arg)
{
	*(const volatile struct perfctr_page **)arg = map_own();
	short_tid = tid();
	return NULL;
}

static int cmd_exit(void)
{
	const volatile struct perfctr_page *pg = NULL;
	pthread_t thread;
	struct stat st;
	char task[64];
	struct snap s;
	int i;

	set_control(tid(), "tsc context-switches task-clock");
	if (pthread_create(&thread, NULL, short_thread, &pg) || pthread_join(thread, NULL))
		die("thread");
	/* a reader that is not the thread can tell, whatever the flags say */
	if (pg->tid != (uint64_t)short_tid || pg->tid == (uint64_t)tid())
		die("the page names %" PRIu64 ", the thread was %d", (uint64_t)pg->tid, short_tid);
	printf("ok an exited thread's page names it: tid=%d\n", short_tid);
	/*
	 * pthread_join() returns when the kernel clears the thread's tid word,
	 * in exit_mm(), before perfctr's exit hook; the thread is released
	 * (its task directory goes) only after that hook.
	 */
	snprintf(task, sizeof(task), "/proc/self/task/%d", short_tid);
	for (i = 0; !stat(task, &st); i++) {
		if (i == 10000)
			die("the thread is never released");
		usleep(1000);
	}
	/* read by another thread, which is what a stray handle would do */
	page_read(pg, &s);
	if (!(s.flags & PERFCTR_PAGE_EXITED) || s.exact != 0x7)
		die("exited thread's page: flags %" PRIx64 " exact %" PRIx64, s.flags, s.exact);
	printf("ok an exited thread's page holds final counts: tsc=%" PRIu64 " task-clock=%"
	       PRIu64 "\n", s.v[0], s.v[2]);
	return 0;
}

/* What a newly exec'd program finds on its page, next to the id file. */
static int cmd_show(void)
{
	const volatile struct perfctr_page *pg = map_own();
	struct snap s;

	page_read(pg, &s);
	if (s.stale)
		die("a fresh page is stale");
	if (pg->tid != (uint64_t)tid())
		die("the page names %" PRIu64 ", not this thread, %d", (uint64_t)pg->tid, tid());
	printf("id=%" PRIu64 " nr=%" PRIu64 " file_id=%" PRIu64 "\n", s.id, s.nr,
	       read_id(tid()));
	return 0;
}

/* Maps its page under its own id, then execs as the leader. */
static void *exec_thread(void *arg)
{
	const volatile struct perfctr_page *pg = map_own();

	if (pg->tid != (uint64_t)tid() || tid() == getpid())
		die("before exec: the page names %" PRIu64 ", thread %d", (uint64_t)pg->tid, tid());
	printf("ok before exec the page names the thread: tid=%d pid=%d\n", tid(), getpid());
	execl("/proc/self/exe", "pcpage", "show", (char *)NULL);
	die("exec");
	return arg;
}

static int cmd_thread_exec(void)
{
	pthread_t thread;

	set_control(tid(), "tsc context-switches");
	if (pthread_create(&thread, NULL, exec_thread, NULL))
		die("pthread_create");
	pthread_join(thread, NULL);	/* the exec ends this program */
	die("the thread did not exec");
	return 1;
}

static int cmd_counter_hz(void)
{
#if defined(__aarch64__)
	uint64_t hz;

	asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
	printf("%" PRIu64 "\n", hz);
	return 0;
#else
	return 1;
#endif
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "errors"))
		return cmd_errors();
	if (argc == 4 && !strcmp(argv[1], "between"))
		return cmd_between(argv[2], atol(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "fork"))
		return cmd_fork();
	if (argc == 3 && !strcmp(argv[1], "faults"))
		return cmd_faults(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "remote"))
		return cmd_remote();
	if (argc == 3 && !strcmp(argv[1], "preempt"))
		return cmd_preempt(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "exit"))
		return cmd_exit();
	if (argc == 2 && !strcmp(argv[1], "show"))
		return cmd_show();
	if (argc == 2 && !strcmp(argv[1], "thread-exec"))
		return cmd_thread_exec();
	if (argc == 2 && !strcmp(argv[1], "notsc"))
		return cmd_notsc();
	if (argc == 2 && !strcmp(argv[1], "counter-hz"))
		return cmd_counter_hz();
	fprintf(stderr, "usage: see the comment at the top of pcpage.c\n");
	return 2;
}
