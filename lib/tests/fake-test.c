// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * fake-test: the library on the host, against a tree of regular files
 * standing in for /proc (PC_PROC_ROOT, set by the Makefile):
 *
 *   ROOT/thread-self/perfctr/{control,id,counts,children,lost,page}
 *   ROOT/self/                        so that a missing ROOT/<tid> is ESRCH
 *   ROOT/<OTHER>/perfctr/...          another thread's files, no page
 *   ROOT/<NOPERFCTR>/                 a thread without perfctr/
 *
 * The page is a regular file the test maps writable, playing the kernel.
 * What cannot be faked here, the kernel's side, is tested in the guest
 * (shell-tests/55-libperfctr.bats).  What is checked here: which source
 * each call takes (page or file, told apart by giving them different
 * values), the reader loop, ERANGE/EPROTO/ESRCH/ENOENT, the snapshot's
 * rounds while the files change between its reads of id (the library's
 * pread(2) calls come through __wrap_pread()), the fork rebind
 * (with the parent's page unmapped in the child as VM_DONTCOPY does), the
 * page's owner tid (a new thread with a dead owner's pthread_t reads the
 * file), and that the owner's fast path makes no system call (seccomp).
 * The kernel puts the id of the thread that opened the page on it; here
 * publish() and name_page() put the calling thread's.  TAP output.
 */
#include <fcntl.h>
#include <inttypes.h>
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
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "seccomp.h"

#define ROOT		PC_PROC_ROOT
#define SELF		ROOT "/thread-self/perfctr"
#define OTHER		424242
#define NOPERFCTR	424243
#define MISSING		424244
#define PAGE		4096

static int failed, ntest;
static struct perfctr_page *pg;		/* the test's writable view */

/*
 * Every pread(2) of the library comes here (the Makefile links with
 * --wrap=pread): @pread_hook, if set, runs after each, to change the files
 * between two reads as another task writing a control would.
 */
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);
static void (*pread_hook)(int fd);

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t ret = __real_pread(fd, buf, n, off);
	int err = errno;

	if (pread_hook)
		pread_hook(fd);
	errno = err;
	return ret;
}

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	ntest++;
	printf("%sok %d - ", cond ? "" : "not ", ntest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static char *get(const char *dir, const char *file)
{
	static char buf[8192];
	char path[512];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		die(path);
	close(fd);
	buf[len] = 0;
	return buf;
}

static void mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		die(buf);
}

/* A new page file at SELF/page, mapped writable for the test. */
static struct perfctr_page *new_page(void)
{
	struct perfctr_page *p;
	int fd;

	unlink(SELF "/page");
	fd = open(SELF "/page", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, PAGE))
		die("page");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap page");
	close(fd);
	p->version = PERFCTR_PAGE_VERSION;
	p->seq = 2;
	p->tid = gettid_();
	return p;
}

/* The page names the calling thread, as the kernel's does at its open. */
static void name_page(struct perfctr_page *p)
{
	p->seq++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->tid = gettid_();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->seq++;
}

/* A change of the page as every kernel writer makes it: seq odd, even. */
static void change_begin(struct perfctr_page *p)
{
	p->seq++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void change_end(struct perfctr_page *p)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->seq++;
}

/*
 * Another task begins a change, as the kernel marks the page stale for
 * it: @requested raised, then seq moved on by 2 where the page says so.
 */
static void request(struct perfctr_page *p, uint64_t requested)
{
	p->requested = requested;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (p->flags & PERFCTR_PAGE_REQUEST_SEQ)
		p->seq += 2;
}

/* The page as the kernel would publish it: fresh, exact counters. */
static void publish(struct perfctr_page *p, uint64_t id, unsigned int nr,
		    const uint64_t *sums)
{
	unsigned int i;

	p->seq++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->id = id;
	p->nr = nr;
	p->requested = p->applied = 5;
	p->flags = PERFCTR_PAGE_REQUEST_SEQ;
	p->tid = gettid_();
	memset(p->counter, 0, sizeof(p->counter));
	for (i = 0; i < nr; i++) {
		p->counter[i].flags = PERFCTR_COUNTER_EXACT;
		p->counter[i].sum = sums[i];
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->seq++;
}

static void files(const char *dir, const char *id, const char *control,
		  const char *counts)
{
	put(dir, "id", id);
	put(dir, "control", control);
	put(dir, "counts", counts);
	put(dir, "children", "tsc 5\ncontext-switches 6\n");
	put(dir, "lost", "3\n");
}

static void setup(void)
{
	char dir[512];

	mkdirs(SELF);
	mkdirs(ROOT "/self");
	snprintf(dir, sizeof(dir), ROOT "/%d/perfctr", OTHER);
	mkdirs(dir);
	files(dir, "11\n", "tsc\n", "tsc 77\n");
	snprintf(dir, sizeof(dir), ROOT "/%d", NOPERFCTR);
	mkdirs(dir);
	files(SELF, "99\n", "tsc context-switches\n",
	      "tsc 1\ncontext-switches 2\n");
	pg = new_page();
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

static int read2(struct perfctr *pc, uint64_t a, uint64_t b)
{
	uint64_t v[PERFCTR_MAX_COUNTERS];

	return perfctr_read(pc, v, PERFCTR_MAX_COUNTERS) == 2 &&
	       v[0] == a && v[1] == b;
}

static void test_fast(struct perfctr *pc)
{
	uint64_t v[PERFCTR_MAX_COUNTERS], id = 0;

	ok(perfctr_tid(pc) == gettid_(), "perfctr_tid is the caller's");
	ok(read2(pc, 100, 200), "fresh exact page: perfctr_read from the page");
	ok(!perfctr_id(pc, &id) && id == 7, "perfctr_id from the page");
	ok(perfctr_nr_counters(pc) == 2, "perfctr_nr_counters from the page");
	ok(perfctr_read_id(pc, v, 2, &id) == 2 && id == 7 && v[1] == 200,
	   "perfctr_read_id from the page");
	errno = 0;
	ok(perfctr_read(pc, v, 1) == -1 && errno == ERANGE,
	   "perfctr_read with room for 1 of 2: ERANGE");
	ok(perfctr_read(pc, NULL, 0) == -1 && errno == ERANGE,
	   "perfctr_read(NULL, 0) with counters: ERANGE");
	ok(perfctr_read(pc, NULL, 2) == -1 && errno == EINVAL,
	   "perfctr_read(NULL, 2): EINVAL");
	publish(pg, 0, 0, NULL);
	ok(perfctr_read(pc, NULL, 0) == 0, "no control: 0 counters, NULL ok");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

#ifdef __x86_64__
static uint64_t tsc_now(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

static void test_tsc(struct perfctr *pc)
{
	uint64_t a[PERFCTR_MAX_COUNTERS], b[PERFCTR_MAX_COUNTERS];

	publish(pg, 7, 2, (uint64_t[]){ 1000, 200 });
	pg->seq++;
	pg->counter[0].flags |= PERFCTR_COUNTER_TSC;
	pg->counter[0].start = 0;
	pg->seq++;
	ok(perfctr_read(pc, a, 16) == 2 && perfctr_read(pc, b, 16) == 2 &&
	   a[0] > 1000 && b[0] > a[0] && a[1] == 200,
	   "tsc counter: sum + rdtsc - start, growing");

	/* task-clock: sum + (rdtsc * mult) >> shift, modulo 2^64 */
	publish(pg, 7, 2, (uint64_t[]){ 0, 200 });
	pg->seq++;
	pg->counter[0].flags |= PERFCTR_COUNTER_CLOCK;
	pg->counter[0].time_mult = 3u << 30;	/* 0.75 ns per tick */
	pg->counter[0].time_shift = 32;
	pg->counter[0].time_cycles = 0;
	pg->counter[0].time_mask = ~0ULL;
	pg->counter[0].sum = -(uint64_t)(((unsigned __int128)tsc_now() * (3u << 30)) >> 32);
	pg->seq++;
	ok(perfctr_read(pc, a, 16) == 2 && perfctr_read(pc, b, 16) == 2 &&
	   a[0] < (1ULL << 40) && b[0] >= a[0] && a[1] == 200,
	   "clock counter: sum + rdtsc * mult >> shift, from about zero, growing");

	/*
	 * With an epoch and a 56-bit mask, as arm64's sched_clock gives it:
	 * sum + ((rdtsc - cycles) & mask) * mult >> shift.  An epoch just
	 * above the counter makes the masked difference wrap to nearly
	 * 2^56: the value shows the mask was applied (without it the
	 * difference would be nearly 2^64).
	 */
	publish(pg, 7, 2, (uint64_t[]){ 5, 200 });
	pg->seq++;
	pg->counter[0].flags |= PERFCTR_COUNTER_CLOCK;
	pg->counter[0].time_mult = 1;
	pg->counter[0].time_shift = 0;
	pg->counter[0].time_cycles = tsc_now() + (1ULL << 40);
	pg->counter[0].time_mask = (1ULL << 56) - 1;
	pg->seq++;
	ok(perfctr_read(pc, a, 16) == 2 && perfctr_read(pc, b, 16) == 2 &&
	   a[0] > (1ULL << 55) && a[0] < (1ULL << 56) && b[0] > a[0] &&
	   a[1] == 200,
	   "clock counter with an epoch and a mask: (rdtsc - cycles) & mask");
	pg->seq++;
	pg->counter[0].time_cycles = tsc_now();
	pg->counter[0].time_mult = 3u << 30;
	pg->counter[0].time_shift = 32;
	pg->seq++;
	ok(perfctr_read(pc, a, 16) == 2 && a[0] >= 5 && a[0] < 5 + (1ULL << 40),
	   "clock counter from its epoch: sum + a few scaled ticks");
	pg->seq++;
	pg->counter[0].time_shift = 64;
	pg->seq++;
	ok(read2(pc, 1, 2), "clock counter with a shift past 63: read(2)");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}
#endif

static void test_fallbacks(struct perfctr *pc)
{
	uint64_t v[PERFCTR_MAX_COUNTERS], id = 0;

	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	request(pg, 6);
	ok(read2(pc, 1, 2), "stale page: perfctr_read from counts");
	ok(!perfctr_id(pc, &id) && id == 99, "stale page: perfctr_id from id");
	ok(perfctr_nr_counters(pc) == 2, "stale page: nr from control");
	ok(perfctr_read_id(pc, v, 16, &id) == 2 && id == 99 && v[0] == 1,
	   "stale page: perfctr_read_id from id, counts, id");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });

	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	change_begin(pg);
	pg->counter[0].sum = 101;
	change_end(pg);
	ok(read2(pc, 101, 200), "a sum changed with seq: the next read has it");
	change_begin(pg);
	pg->counter[1].flags = 0;
	change_end(pg);
	ok(read2(pc, 1, 2), "a counter not exact: perfctr_read from counts");
	ok(perfctr_read_id(pc, v, 16, &id) == 2 && id == 7 && v[0] == 1,
	   "not exact: perfctr_read_id reads counts, id from the page around it");
	change_begin(pg);
	pg->nr = 3;
	change_end(pg);
	ok(perfctr_read_id(pc, v, 16, &id) == 2 && id == 99,
	   "page and counts disagree on nr: id from the files");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });

	/* a hardware counter that is not counting is never exact */
	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	change_begin(pg);
	pg->counter[1].flags = 0;
	change_end(pg);
	put(SELF, "counts", "tsc 1\ncontext-switches <not-counted>\n");
	put(SELF, "children", "tsc 5\ncontext-switches <not-counted>\n");
	ok(perfctr_read_id(pc, v, 16, &id) == 2 && id == 7 && v[0] == 1 &&
	   v[1] == PERFCTR_NOT_COUNTED,
	   "not counted: perfctr_read_id gives PERFCTR_NOT_COUNTED");
	ok(perfctr_read_children(pc, v, 16) == 2 && v[0] == 5 &&
	   v[1] == PERFCTR_NOT_COUNTED,
	   "not counted: perfctr_read_children gives PERFCTR_NOT_COUNTED");
	put(SELF, "counts", "tsc 1\ncontext-switches 2\n");
	put(SELF, "children", "tsc 5\ncontext-switches 6\n");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });

	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	change_begin(pg);
	pg->flags = PERFCTR_PAGE_EXITED;
	change_end(pg);
	ok(read2(pc, 1, 2), "exited page: perfctr_read from counts");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	change_begin(pg);
	pg->nr = PERFCTR_MAX_COUNTERS + 1;
	change_end(pg);
	ok(read2(pc, 1, 2), "nr beyond the maximum: from counts");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });

	/*
	 * A module whose requests leave seq alone: the page is read, but
	 * every read checks the stale mark, as a plan would not
	 */
	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	change_begin(pg);
	pg->flags = 0;
	change_end(pg);
	ok(read2(pc, 100, 200), "without PERFCTR_PAGE_REQUEST_SEQ: from the page");
	ok(read2(pc, 100, 200), "without PERFCTR_PAGE_REQUEST_SEQ: again");
	request(pg, 6);
	ok(read2(pc, 1, 2),
	   "without PERFCTR_PAGE_REQUEST_SEQ, a request that leaves seq: counts");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
	ok(read2(pc, 100, 200), "a read off the page, which plans the next");
	ok(read2(pc, 100, 200), "a read with the plan");
	request(pg, 6);
	ok(read2(pc, 1, 2), "a request with the plan made: from counts");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });

	request(pg, 6);
	put(SELF, "counts", "tsc 1\ncontext-switches\n");
	errno = 0;
	ok(perfctr_read(pc, v, 16) == -1 && errno == EPROTO,
	   "malformed counts: EPROTO");
	put(SELF, "counts", "tsc 1\ncontext-switches 2\n");
	put(SELF, "id", "99");
	ok(perfctr_id(pc, &id) == -1 && errno == EPROTO,
	   "malformed id: EPROTO");
	put(SELF, "id", "99\n");
	put(SELF, "counts", "");
	ok(perfctr_read_id(pc, v, 16, &id) == -1 && errno == EPROTO,
	   "an id with no counts: EPROTO, no endless retry");
	put(SELF, "counts", "tsc 1\ncontext-switches 2\n");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

static void test_files(struct perfctr *pc)
{
	uint64_t v[PERFCTR_MAX_COUNTERS], lost = 0;
	char buf[64], big[PERFCTR_CONTROL_MAX + 2];

	ok(!perfctr_get_control(pc, buf, sizeof(buf)) &&
	   !strcmp(buf, "tsc context-switches"), "perfctr_get_control");
	ok(perfctr_get_control(pc, buf, 20) == -1 && errno == ERANGE &&
	   !perfctr_get_control(pc, buf, 21), "get_control: ERANGE at 20, ok at 21");
	put(SELF, "control", "");
	ok(!perfctr_get_control(pc, buf, 1) && !buf[0],
	   "get_control: no control is \"\"");
	put(SELF, "control", "tsc  cs\n");
	ok(perfctr_get_control(pc, buf, sizeof(buf)) == -1 && errno == EPROTO,
	   "get_control: malformed: EPROTO");
	put(SELF, "control", "");
	ok(!perfctr_set_control(pc, "tsc cs") &&
	   !strcmp(get(SELF, "control"), "tsc cs"), "set_control writes");
	put(SELF, "control", "");
	ok(!perfctr_set_control(pc, "") && !strcmp(get(SELF, "control"), "\n"),
	   "set_control(\"\") writes a blank line");
	put(SELF, "control", "");
	ok(!perfctr_set_control(pc, NULL) && !strcmp(get(SELF, "control"), "\n"),
	   "set_control(NULL) writes a blank line");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	put(SELF, "control", "");
	ok(perfctr_set_control(pc, big) == -1 && errno == EINVAL &&
	   !strcmp(get(SELF, "control"), ""), "set_control too long: EINVAL");
	put(SELF, "control", "tsc context-switches\n");

	ok(perfctr_read_children(pc, v, 16) == 2 && v[0] == 5 && v[1] == 6,
	   "perfctr_read_children");
	ok(perfctr_read_children(pc, v, 1) == -1 && errno == ERANGE,
	   "perfctr_read_children: ERANGE");
	ok(!perfctr_lost(pc, &lost) && lost == 3, "perfctr_lost");
	ok(perfctr_lost(pc, NULL) == -1 && errno == EINVAL,
	   "perfctr_lost(NULL): EINVAL");
}

static void test_names(struct perfctr *pc)
{
	const char *a, *b;

	put(SELF, "id", "7\n");
	a = perfctr_counter_name(pc, 0);
	b = perfctr_counter_name(pc, 1);
	ok(a && b && !strcmp(a, "tsc") && !strcmp(b, "context-switches"),
	   "counter names");
	errno = 0;
	ok(!perfctr_counter_name(pc, 2) && errno == ERANGE,
	   "counter name 2 of 2: ERANGE");
	put(SELF, "control", "cpu-migrations\n");
	ok(perfctr_counter_name(pc, 0) == a && !strcmp(a, "tsc"),
	   "same id: the cache is kept");
	publish(pg, 8, 1, (uint64_t[]){ 1 });
	put(SELF, "id", "8\n");
	a = perfctr_counter_name(pc, 0);
	ok(a && !strcmp(a, "cpu-migrations") && !perfctr_counter_name(pc, 1),
	   "new id: the cache is refilled");
	put(SELF, "id", "99\n");
	put(SELF, "control", "tsc context-switches\n");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

static void test_get_names(struct perfctr *pc)
{
	char buf[PERFCTR_NAME_MAX];
	const char *a;

	memset(buf, 'x', sizeof(buf));
	ok(!perfctr_get_counter_name(pc, 1, buf, sizeof(buf)) &&
	   !strcmp(buf, "context-switches"), "perfctr_get_counter_name copies");
	errno = 0;
	ok(perfctr_get_counter_name(pc, 1, buf, 16) == -1 && errno == ERANGE &&
	   !perfctr_get_counter_name(pc, 1, buf, 17),
	   "get_counter_name: ERANGE at 16 bytes for 16 characters, ok at 17");
	errno = 0;
	ok(perfctr_get_counter_name(pc, 2, buf, sizeof(buf)) == -1 &&
	   errno == ERANGE, "get_counter_name 2 of 2: ERANGE");
	ok(perfctr_get_counter_name(pc, 0, NULL, 8) == -1 && errno == EINVAL,
	   "get_counter_name into NULL: EINVAL");
	errno = 0;
	ok(perfctr_get_counter_name(NULL, 0, buf, 8) == -1 && errno == EINVAL,
	   "get_counter_name on NULL: EINVAL");

	/* a pointer of perfctr_counter_name() outlives a copy of the same id */
	a = perfctr_counter_name(pc, 0);
	ok(a && !perfctr_get_counter_name(pc, 0, buf, sizeof(buf)) &&
	   perfctr_counter_name(pc, 0) == a && !strcmp(a, "tsc"),
	   "same id: get_counter_name keeps the cache perfctr_counter_name uses");
}

/*
 * The owner finds id 7 on its page, other threads 99 in the id file: each
 * call by the other side refills the cache, as a control changing under
 * them would.
 */
static void *name_copier(void *arg)
{
	char buf[PERFCTR_NAME_MAX];
	long i, bad = 0;

	for (i = 0; i < 20000; i++) {
		if (perfctr_get_counter_name(arg, i & 1, buf, sizeof(buf)) ||
		    strcmp(buf, i & 1 ? "context-switches" : "tsc"))
			bad++;
	}
	return (void *)bad;
}

static void test_names_threads(struct perfctr *pc)
{
	char buf[PERFCTR_NAME_MAX];
	long bad = 0, owner = 0;
	pthread_t t[4];
	void *ret;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, name_copier, pc);
	for (i = 0; i < 20000; i++) {
		if (perfctr_get_counter_name(pc, 0, buf, sizeof(buf)) ||
		    strcmp(buf, "tsc"))
			owner++;
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		bad += (long)ret;
	}
	ok(!bad && !owner, "5 threads copy names out of one handle while the "
	   "cache is refilled under them: %ld wrong", bad + owner);
}

/* Another control, of one counter, in SELF. */
static void new_control(void)
{
	files(SELF, "100\n", "cpu-migrations\n", "cpu-migrations 9\n");
	put(SELF, "children", "cpu-migrations 4\n");
}

/* The handle whose reads the hooks below watch, and what they saw. */
static struct perfctr *hooked;
static int id_reads, control_reads;

static void count_reads(int fd)
{
	if (fd == hooked->fd[PC_ID])
		id_reads++;
	if (fd == hooked->fd[PC_CONTROL])
		control_reads++;
}

/* After the first read of id: another task writes a new control. */
static void new_control_hook(int fd)
{
	count_reads(fd);
	if (fd == hooked->fd[PC_ID] && id_reads == 1)
		new_control();
}

/* Between the first two reads of id: a control written, then cleared. */
static void transient_hook(int fd)
{
	count_reads(fd);
	if (fd != hooked->fd[PC_ID])
		return;
	if (id_reads == 1) {
		put(SELF, "control", "tsc\n");
		put(SELF, "counts", "tsc 5\n");
		put(SELF, "children", "tsc 0\n");
	} else if (id_reads == 2) {
		files(SELF, "0\n", "", "");
		put(SELF, "children", "");
		put(SELF, "lost", "0\n");
	}
}

/* A lost child under a control gone again between the reads of id. */
static void transient_lost_hook(int fd)
{
	count_reads(fd);
	if (fd == hooked->fd[PC_ID] && id_reads == 1)
		put(SELF, "lost", "1\n");
	else if (fd == hooked->fd[PC_ID] && id_reads == 2)
		put(SELF, "lost", "0\n");
}

/* A control written between every two reads of id. */
static void storm_hook(int fd)
{
	char id[32];

	count_reads(fd);
	if (fd == hooked->fd[PC_ID]) {
		snprintf(id, sizeof(id), "%d\n", 1000 + id_reads);
		put(SELF, "id", id);
	}
}

static int snapshot_hooked(struct perfctr *pc, void (*hook)(int),
			   struct perfctr_snapshot *s)
{
	int ret;

	hooked = pc;
	id_reads = control_reads = 0;
	pread_hook = hook;
	ret = perfctr_snapshot(pc, s, sizeof(*s));
	pread_hook = NULL;
	return ret;
}

static void restore_files(void)
{
	files(SELF, "99\n", "tsc context-switches\n",
	      "tsc 1\ncontext-switches 2\n");
}

static void test_snapshot(struct perfctr *pc)
{
	struct perfctr_snapshot s;
	unsigned char big[sizeof(s) + 16];
	const char *a;
	size_t i;
	int zero;

	/* the owner takes ids from the page unless it is stale */
	request(pg, 6);
	a = perfctr_counter_name(pc, 0);
	memset(&s, 0xff, sizeof(s));
	ok(snapshot_hooked(pc, count_reads, &s) == 2 && s.nr == 2 &&
	   s.id == 99 && s.size == PERFCTR_SNAPSHOT_SIZE_VER0 &&
	   !strcmp(s.name[0], "tsc") && !strcmp(s.name[1], "context-switches") &&
	   s.self[0] == 1 && s.self[1] == 2 && s.children[0] == 5 &&
	   s.children[1] == 6 && s.lost == 3 && !s.self[2] && !s.name[2][0],
	   "perfctr_snapshot: id, names, counts, children, lost of one control");
	ok(id_reads == 2 && control_reads == 0,
	   "snapshot: two reads of id, the names from the cache of that id");

	new_control();
	ok(snapshot_hooked(pc, count_reads, &s) == 1 && s.id == 100 &&
	   !strcmp(s.name[0], "cpu-migrations") && control_reads == 1,
	   "snapshot of another id: the names from the control file");
	ok(a && !strcmp(a, "tsc") && pc->names_id == 99,
	   "and the cache (a string perfctr_counter_name gave) is left alone");
	restore_files();

	ok(snapshot_hooked(pc, new_control_hook, &s) == 1 && id_reads == 4 &&
	   s.id == 100 && s.self[0] == 9 && s.children[0] == 4 &&
	   !strcmp(s.name[0], "cpu-migrations") && !s.name[1][0],
	   "a control written between the reads of id: read again, the new one");
	restore_files();

	files(SELF, "0\n", "", "");
	put(SELF, "children", "");
	put(SELF, "lost", "0\n");
	ok(snapshot_hooked(pc, transient_hook, &s) == 0 && id_reads == 4 &&
	   s.id == 0 && s.nr == 0 && s.lost == 0,
	   "id 0 on both sides of a control written and cleared: read again");
	ok(snapshot_hooked(pc, transient_lost_hook, &s) == 0 && id_reads == 4 &&
	   s.lost == 0, "id 0 with a lost count: read again");
	ok(snapshot_hooked(pc, count_reads, &s) == 0 && id_reads == 2 &&
	   s.id == 0 && s.nr == 0, "no control: nr 0, one round");
	restore_files();

	errno = 0;
	ok(snapshot_hooked(pc, storm_hook, &s) == -1 && errno == EAGAIN &&
	   id_reads == 200, "a control written at every round: EAGAIN after "
	   "100 rounds (%d reads of id)", id_reads);
	restore_files();

	put(SELF, "children", "tsc 5\n");
	errno = 0;
	ok(perfctr_snapshot(pc, &s, sizeof(s)) == -1 && errno == EPROTO,
	   "one id, children of another length than counts: EPROTO");
	restore_files();
	put(SELF, "control", "tsc context-switches-of-a-name-much-too-long\n");
	put(SELF, "id", "101\n");
	errno = 0;
	ok(perfctr_snapshot(pc, &s, sizeof(s)) == -1 && errno == EPROTO,
	   "a name longer than PERFCTR_NAME_MAX: EPROTO");
	restore_files();

	errno = 0;
	ok(perfctr_snapshot(pc, &s, PERFCTR_SNAPSHOT_SIZE_VER0 - 1) == -1 &&
	   errno == EINVAL, "snapshot: a size below the first version: EINVAL");
	ok(perfctr_snapshot(pc, NULL, sizeof(s)) == -1 && errno == EINVAL,
	   "snapshot into NULL: EINVAL");
	ok(perfctr_snapshot(NULL, &s, sizeof(s)) == -1 && errno == EINVAL,
	   "snapshot on NULL: EINVAL");
	memset(big, 0xff, sizeof(big));
	ok(perfctr_snapshot(pc, (struct perfctr_snapshot *)big, sizeof(big)) == 2,
	   "a caller's larger structure (a newer header)");
	memcpy(&s, big, sizeof(s));
	for (zero = 1, i = sizeof(s); i < sizeof(big); i++)
		zero &= !big[i];
	ok(zero && s.size == sizeof(s) && s.id == 99,
	   "its fields beyond the library's zeroed, size says what was filled");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

static void *other_reader(void *arg)
{
	return (void *)(long)read2(arg, 1, 2);
}

static void test_other_thread(struct perfctr *pc)
{
	pthread_t t;
	void *ret;

	pthread_create(&t, NULL, other_reader, pc);
	pthread_join(t, &ret);
	ok(ret == (void *)1, "another thread reads the counts file, not the page");
	ok(pc->page && read2(pc, 100, 200),
	   "and the owner keeps its page");
}

static void test_page_tid(void)
{
	struct perfctr *pc;

	pg->tid = 0;
	pc = perfctr_open(0);
	ok(pc && !pc->page && read2(pc, 1, 2),
	   "a page with tid 0 (a module before the field): not used");
	perfctr_close(pc);
	pg->tid = gettid_() + 1;
	pc = perfctr_open(0);
	ok(pc && !pc->page && read2(pc, 1, 2),
	   "a page naming another thread: not used");
	perfctr_close(pc);
	name_page(pg);
}

struct reuse {
	pthread_t dead;
	struct perfctr *pc;
	int same, file, dropped, own;
};

/* The first thread: opens a self handle and exits. */
static void *reuse_first(void *arg)
{
	struct reuse *r = arg;

	name_page(pg);
	r->pc = perfctr_open(0);
	return NULL;
}

/*
 * The next thread, with the first one's pthread_t: the page of the first
 * one's handle does not name it, and, as in the kernel until the first
 * thread's exit reaches perfctr, does not say PERFCTR_PAGE_EXITED either.
 */
static void *reuse_second(void *arg)
{
	struct reuse *r = arg;
	struct perfctr *own;

	r->same = pthread_equal(pthread_self(), r->dead);
	r->file = read2(r->pc, 1, 2);
	r->dropped = !__atomic_load_n(&r->pc->page, __ATOMIC_RELAXED);
	name_page(pg);
	own = perfctr_open(0);
	r->own = own && own->page && read2(own, 100, 200);
	perfctr_close(own);
	return NULL;
}

static void test_reused_pthread(void)
{
	struct reuse r = { 0 };
	pthread_t t;

	if (pthread_create(&t, NULL, reuse_first, &r) || pthread_join(t, NULL))
		die("pthread");
	r.dead = t;
	ok(r.pc && r.pc->page, "a thread's self handle, with its page");
	if (pthread_create(&t, NULL, reuse_second, &r) || pthread_join(t, NULL))
		die("pthread");
	name_page(pg);
	if (!r.same) {
		printf("ok %d - # SKIP the C library did not reuse the pthread_t\n",
		       ++ntest);
	} else {
		ok(r.file, "a new thread with a dead owner's pthread_t reads "
		   "the counts file, not the dead owner's page");
		ok(r.dropped, "and unmaps that page");
	}
	ok(r.own, "its own self handle reads its own page");
	perfctr_close(r.pc);
}

static void *odd_writer(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	pg->counter[0].sum = 111;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pg->seq++;
	return NULL;
}

static int stop;

/* A seqcount writer that keeps both counters equal at every even seq. */
static void *torn_writer(void *arg)
{
	uint64_t k = 1000;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&pg->seq, pg->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&pg->counter[0].sum, k, __ATOMIC_RELAXED);
		__atomic_store_n(&pg->counter[1].sum, k, __ATOMIC_RELAXED);
		k++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&pg->seq, pg->seq + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_seqcount(struct perfctr *pc)
{
	uint64_t v[PERFCTR_MAX_COUNTERS];
	long i, torn = 0, bad = 0;
	pthread_t t;

	pg->seq++;	/* odd: a writer is busy */
	pthread_create(&t, NULL, odd_writer, NULL);
	ok(read2(pc, 111, 200), "odd seq: the reader waits for the writer");
	pthread_join(t, NULL);

	publish(pg, 7, 2, (uint64_t[]){ 100, 100 });
	pthread_create(&t, NULL, torn_writer, NULL);
	for (i = 0; i < 2000000; i++) {
		if (perfctr_read(pc, v, 16) != 2)
			bad++;
		else if (v[0] != v[1])
			torn++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ok(!torn && !bad, "2000000 reads against a writer: %ld torn, %ld bad",
	   torn, bad);
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

static void test_open_errors(void)
{
	struct perfctr *pc;
	uint64_t v[16];

	pc = perfctr_open(OTHER);
	ok(pc && perfctr_tid(pc) == OTHER, "perfctr_open(another tid)");
	ok(pc && perfctr_read(pc, v, 16) == 1 && v[0] == 77,
	   "another thread's handle reads its counts file");
	ok(pc && perfctr_nr_counters(pc) == 1, "and its control file");
	perfctr_close(pc);
	errno = 0;
	ok(!perfctr_open(NOPERFCTR) && errno == ENOENT,
	   "a thread without perfctr/: ENOENT");
	errno = 0;
	ok(!perfctr_open(MISSING) && errno == ESRCH, "no such thread: ESRCH");
	errno = 0;
	ok(!perfctr_open(-1) && errno == EINVAL, "a negative tid: EINVAL");
	errno = 0;
	ok(perfctr_read(NULL, v, 16) == -1 && errno == EINVAL,
	   "a NULL handle: EINVAL");
	errno = 1234;
	perfctr_close(NULL);
	ok(errno == 1234, "perfctr_close(NULL) is a no-op");
}

/* The lines of /proc/self/maps (the real one): the process's mappings. */
static int count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		die("/proc/self/maps");
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void *open_self(void *arg)
{
	(void)arg;
	name_page(pg);
	return perfctr_open(0);
}

static void test_canary(struct perfctr *pc)
{
	struct perfctr *more[8], *other;
	int before, opened, i;
	pthread_t t;

	pthread_create(&t, NULL, open_self, NULL);
	pthread_join(t, (void **)&other);
	name_page(pg);
	ok(other && other->canary == pc->canary && other->gen == pc->gen &&
	   pc->gen == *pc->canary && pc->gen != 0,
	   "self handles of two threads share the process's canary word");
	perfctr_close(other);

	perfctr_close(perfctr_open(0));		/* the allocator warmed up */
	before = count_mappings();
	for (i = 0; i < 8; i++)
		more[i] = perfctr_open(0);
	opened = count_mappings() - before;
	for (i = 0; i < 8; i++)
		ok(more[i] && more[i]->page && read2(more[i], 100, 200),
		   "self handle %d of 8 more reads its page", i + 1);
	for (i = 0; i < 8; i++)
		perfctr_close(more[i]);
	ok(opened == 8 && count_mappings() == before,
	   "8 more self handles: 8 mappings (their pages: %d), none left at close",
	   opened);
	other = perfctr_open(OTHER);
	ok(other && !pc_forks(other) && other->gen == 0,
	   "a handle opened by thread id has no canary of its own to check");
	perfctr_close(other);
}

/* What VM_DONTCOPY does to the library's mapping of the parent's page. */
static void unmap_parent_page(struct perfctr *pc)
{
	munmap((void *)pc->page, PAGE);
}

static int mapped(const void *addr)
{
	unsigned char vec;

	return !mincore((void *)addr, PAGE, &vec);
}

/* Runs @fn in a child; its exit status tells. */
static int in_child(int (*fn)(struct perfctr *), struct perfctr *pc)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		alarm(20);
		_exit(fn(pc));
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "child: %s:%d: %s\n", __FILE__,		\
			__LINE__, #cond);				\
		return 1;						\
	}								\
} while (0)

/* The child's page: SELF/page was replaced by a page with 300, 400. */
static int child_rebind(struct perfctr *pc)
{
	const void *old = pc->page;

	name_page(pg);
	unmap_parent_page(pc);
	CHILD_CHECK(!mapped(old));
	CHILD_CHECK(read2(pc, 300, 400));
	CHILD_CHECK(perfctr_tid(pc) == gettid_());
	CHILD_CHECK(pc->page && mapped(pc->page));
	perfctr_close(pc);
	return 0;
}

static int child_keeps_old_address(struct perfctr *pc)
{
	const void *old = pc->page;

	name_page(pg);
	CHILD_CHECK(read2(pc, 300, 400));
	CHILD_CHECK(pc->page != old && mapped(old));
	perfctr_close(pc);
	CHILD_CHECK(mapped(old));
	return 0;
}

/* Closed in the child without a rebind: descriptors reused are not ours. */
static int child_close_reused(struct perfctr *pc)
{
	const void *old = pc->page;
	int fds[16], i;

	CHILD_CHECK(!syscall(SYS_close_range, 3, ~0U, 0));
	for (i = 0; i < 16; i++)
		CHILD_CHECK((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	perfctr_close(pc);
	for (i = 0; i < 16; i++)
		CHILD_CHECK(fcntl(fds[i], F_GETFD) >= 0);
	CHILD_CHECK(mapped(old));
	return 0;
}

static void *child_racer(void *arg)
{
	uint64_t v[16];
	int nr = perfctr_read(arg, v, 16);

	return (void *)(long)(nr == 2 && ((v[0] == 300 && v[1] == 400) ||
					  (v[0] == 1 && v[1] == 2)));
}

/*
 * Threads of the child race to rebind; all reads succeed.  The page names
 * an earlier child, so the rebinding thread reads the file.
 */
static int child_race(struct perfctr *pc)
{
	pthread_t t[8];
	void *ret;
	int i, good = 0;

	unmap_parent_page(pc);
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, child_racer, pc);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &ret);
		good += ret == (void *)1;
	}
	CHILD_CHECK(good == 8);
	return 0;
}

/* The parent's mutex was held by another thread at the fork. */
static int child_locked(struct perfctr *pc)
{
	const char *name;

	unmap_parent_page(pc);
	name = perfctr_counter_name(pc, 0);
	CHILD_CHECK(name && !strcmp(name, "tsc"));
	return 0;
}

/* The child opens a handle of its own, then uses the inherited one. */
static int child_open_after_fork(struct perfctr *pc)
{
	unsigned long parent_gen = pc->gen;
	struct perfctr *own;

	unmap_parent_page(pc);
	name_page(pg);
	own = perfctr_open(0);
	CHILD_CHECK(own && own->page && read2(own, 300, 400));
	CHILD_CHECK(own->canary == pc->canary && own->gen > parent_gen &&
		    own->gen == *own->canary);
	CHILD_CHECK(read2(pc, 300, 400) && pc->gen == own->gen && pc->page);
	perfctr_close(own);
	perfctr_close(pc);
	return 0;
}

/* A grandchild: the handle was rebound in the child, or never used there. */
static int grandchild(struct perfctr *pc)
{
	unsigned long before = pc->gen;

	unmap_parent_page(pc);
	name_page(pg);
	CHILD_CHECK(*pc->canary == 0 && pc->gen != 0);
	CHILD_CHECK(read2(pc, 300, 400) && pc->page && mapped(pc->page));
	CHILD_CHECK(pc->gen > before && pc->gen == *pc->canary);
	CHILD_CHECK(perfctr_tid(pc) == gettid_());
	perfctr_close(pc);
	return 0;
}

static int child_rebound_then_fork(struct perfctr *pc)
{
	unmap_parent_page(pc);
	name_page(pg);
	CHILD_CHECK(read2(pc, 300, 400));
	CHILD_CHECK(in_child(grandchild, pc) == 0);
	name_page(pg);
	CHILD_CHECK(read2(pc, 300, 400) && perfctr_tid(pc) == gettid_());
	return 0;
}

static int child_unused_then_fork(struct perfctr *pc)
{
	/* the child's generation exists, the handle was never rebound */
	struct perfctr *own;

	name_page(pg);
	own = perfctr_open(0);
	CHILD_CHECK(own && pc->gen != *pc->canary);
	perfctr_close(own);
	CHILD_CHECK(in_child(grandchild, pc) == 0);
	return 0;
}

static void test_fork(struct perfctr *pc)
{
	struct perfctr_page *parent = pg;
	pthread_mutex_t *lock = &pc->lock;

	if (rename(SELF "/page", SELF "/page.parent"))
		die("rename");
	pg = new_page();
	publish(pg, 7, 2, (uint64_t[]){ 300, 400 });
	ok(read2(pc, 100, 200), "the parent still reads its own page");

	ok(in_child(child_rebind, pc) == 0,
	   "fork: the child's handle rebinds to the child's thread and page");
	ok(in_child(child_keeps_old_address, pc) == 0,
	   "fork: the rebind forgets the parent's page address, never unmaps it");
	ok(in_child(child_close_reused, pc) == 0,
	   "fork: perfctr_close in the child leaves others' descriptors alone");
	ok(in_child(child_race, pc) == 0,
	   "fork: 8 threads of the child race to rebind, all read");
	ok(in_child(child_open_after_fork, pc) == 0,
	   "fork: a handle opened in the child shares the process's canary, "
	   "and the inherited one still rebinds");
	ok(in_child(child_rebound_then_fork, pc) == 0,
	   "fork: a handle rebound in a child rebinds again in a grandchild");
	ok(in_child(child_unused_then_fork, pc) == 0,
	   "fork: a handle the child never used rebinds in a grandchild");
	pthread_mutex_lock(lock);
	ok(in_child(child_locked, pc) == 0,
	   "fork: the handle's mutex held in the parent does not block the child");
	pthread_mutex_unlock(lock);
	ok(read2(pc, 100, 200), "after the children: the parent's reads unchanged");

	munmap(pg, PAGE);
	pg = parent;
	if (rename(SELF "/page.parent", SELF "/page"))
		die("rename");
}

static int child_no_syscall(struct perfctr *pc)
{
	uint64_t v[16], id;
	int i;

	/* in the child: the first call rebinds, with system calls */
	name_page(pg);
	CHILD_CHECK(read2(pc, 100, 200));
	if (seccomp_write_exit())
		die("seccomp");
	for (i = 0; i < 100000; i++) {
		if (perfctr_read(pc, v, 16) != 2 || v[1] != 200)
			syscall(SYS_exit_group, 3);
	}
	if (perfctr_id(pc, &id) || id != 7 || perfctr_nr_counters(pc) != 2 ||
	    perfctr_read_id(pc, v, 16, &id) != 2 || id != 7 ||
	    perfctr_tid(pc) < 0)
		syscall(SYS_exit_group, 4);
	syscall(SYS_exit_group, 0);
	return 5;
}

static int child_syscall(struct perfctr *pc)
{
	uint64_t v[16];

	name_page(pg);
	CHILD_CHECK(read2(pc, 100, 200));
	request(pg, pg->requested + 1);
	if (seccomp_write_exit())
		die("seccomp");
	perfctr_read(pc, v, 16);
	syscall(SYS_exit_group, 0);
	return 5;
}

static void test_no_syscall(struct perfctr *pc)
{
	ok(in_child(child_no_syscall, pc) == 0,
	   "seccomp: 100000 fast reads, id, nr, read_id make no system call");
	ok(in_child(child_syscall, pc) == 128 + SIGSYS,
	   "seccomp: a stale page makes perfctr_read call read(2): killed");
	publish(pg, 7, 2, (uint64_t[]){ 100, 200 });
}

int main(void)
{
	struct perfctr *pc;

	setup();
	pc = perfctr_open(0);
	ok(pc != NULL, "perfctr_open(0)");
	if (!pc) {
		perror("perfctr_open");
		return 1;
	}
	ok(pc->page != NULL && pc_forks(pc) && pc->gen == *pc->canary,
	   "a self handle has a page and a fork canary");
	test_fast(pc);
#ifdef __x86_64__
	test_tsc(pc);
#endif
	test_fallbacks(pc);
	test_files(pc);
	test_names(pc);
	test_get_names(pc);
	test_names_threads(pc);
	test_snapshot(pc);
	test_other_thread(pc);
	test_page_tid();
	test_reused_pthread();
	test_seqcount(pc);
	test_open_errors();
	test_canary(pc);
	test_fork(pc);
	test_no_syscall(pc);
	perfctr_close(pc);
	printf("1..%d\n", ntest);
	return failed;
}
