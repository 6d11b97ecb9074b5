// SPDX-License-Identifier: GPL-2.0
/*
 * pcfaults: perfctr under slab fault injection, for 75-fault-injection.bats.
 *
 *	pcfaults SECONDS
 *
 * Marks itself make-it-fail (inherited by its children), then until
 * SECONDS pass: writes controls, forks counted children and grandchildren,
 * creates threads, maps its counter page, reads every file, listens to
 * its children's exit records; every one of
 * these may fail because an allocation failed.  A failed control write must
 * fail with ENOMEM (or EINVAL/E2BIG for what it wrote) and change nothing:
 * the id stays.  A read of a file must give a well-formed text or fail
 * with ENOMEM (or ENOENT from open: procfs reports a failed lookup
 * allocation so).  Prints "ops=N failures=N enomem=N records=N" (exit
 * records read) and exits 0, or 1 with
 * a message on the first broken rule.  Faults are injected by the caller
 * (/sys/kernel/debug/failslab with task-filter).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pcroot.h"

static unsigned long ops, failures, enomem;
static unsigned long *records;	/* exit records read, shared with the children */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pcfaults: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void failed(const char *what, int err)
{
	failures++;
	if (err == ENOMEM || err == EAGAIN) {
		enomem++;
		return;
	}
	die("%s: unexpected %s", what, strerror(err));
}

/*
 * procfs turns a failed allocation in a lookup (a dentry, an inode) into
 * ENOENT: an open of a file that exists may fail so under injection.
 */
static void open_failed(const char *what, int err)
{
	if (err == ENOENT) {
		failures++;
		enomem++;
		return;
	}
	failed(what, err);
}

/* Whole file text, or -1 with errno. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static int read_id(unsigned long long *id)
{
	char buf[64];

	if (slurp(pc_path("self/perfctr/id"), buf, sizeof(buf)) < 0)
		return -1;
	*id = strtoull(buf, NULL, 10);
	return 0;
}

/* A write that fails must leave the id as it was. */
static void write_control(const char *text)
{
	unsigned long long before, after;
	int fd, err;
	ssize_t n;

	ops++;
	if (read_id(&before)) {
		open_failed("read id", errno);
		return;
	}
	fd = open(pc_path("self/perfctr/control"), O_WRONLY);
	if (fd < 0) {
		open_failed("open control", errno);
		return;
	}
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	if (n == (ssize_t)strlen(text))
		return;
	if (read_id(&after))
		return;		/* cannot tell: an injected failure too */
	if (after != before)
		die("a failed write (%s) changed the id %llu -> %llu",
		    strerror(err), before, after);
	if (err == EINVAL && !strcmp(text, "bogus"))
		return;
	failed("write control", err);
}

/* counts: "name value" lines, as many as the control has names. */
static void check_counts(void)
{
	char buf[4096], *line, *s;
	ssize_t n;

	ops++;
	n = slurp(pc_path("self/perfctr/counts"), buf, sizeof(buf));
	if (n < 0) {
		open_failed("read counts", errno);
		return;
	}
	for (line = strtok_r(buf, "\n", &s); line; line = strtok_r(NULL, "\n", &s)) {
		char *sp = strchr(line, ' ');

		if (!sp || sp == line || !sp[1] || strspn(sp + 1, "0123456789") != strlen(sp + 1))
			die("bad counts line '%s'", line);
	}
}

static void *thread_fn(void *arg)
{
	check_counts();
	return arg;
}

static void map_page(void)
{
	int fd = open(pc_path("thread-self/perfctr/page"), O_RDONLY);
	void *p;

	ops++;
	if (fd < 0) {
		open_failed("open page", errno);
		return;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		failed("mmap page", errno);
	else
		munmap(p, 4096);
	close(fd);
}

/*
 * The exits file of a process that wrote its own control: opening it
 * allocates the listener's ring.  Besides what allocations may do, its
 * control may be an inherited one (its own write failed: EPERM) or none
 * (it cleared it: ENODATA).  Returns the descriptor or -1.
 */
static int open_exits(void)
{
	int fd = open(pc_path("self/perfctr/exits"), O_RDONLY | O_NONBLOCK);

	ops++;
	if (fd < 0 && errno != EPERM && errno != ENODATA)
		open_failed("open exits", errno);
	return fd;
}

/* Whatever records are there: whole "task ..." or "dropped ..." lines. */
static void read_exits(int fd)
{
	char buf[65536], *line, *save = NULL;
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		if (buf[n - 1] != '\n')
			die("exits: a read ends inside a line");
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "task ", 5))
				__atomic_add_fetch(records, 1, __ATOMIC_RELAXED);
			else if (strncmp(line, "dropped ", 8))
				die("exits: bad record '%s'", line);
	}
	if (n < 0 && errno != EAGAIN)
		failed("read exits", errno);
	close(fd);
}

static void child_work(int depth)
{
	pthread_t t;
	pid_t pid;
	int err;

	check_counts();
	err = pthread_create(&t, NULL, thread_fn, NULL);
	if (err)
		failed("pthread_create", err);
	else
		pthread_join(t, NULL);
	if (depth > 0) {
		pid = fork();
		if (pid == 0) {
			child_work(depth - 1);
			_exit(0);
		}
		if (pid < 0)
			failed("fork", errno);
		else
			waitpid(pid, NULL, 0);
	}
}

int main(int argc, char **argv)
{
	static const char *const controls[] = {
		"minor-faults context-switches task-clock",
		"tsc cpu-migrations",
		"bogus",
		"minor-faults major-faults voluntary-switches involuntary-switches",
		"\n",
	};
	time_t end;
	int fd, i = 0, status;
	pid_t pid;

	if (argc != 2)
		return 2;
	end = time(NULL) + atoi(argv[1]);
	records = mmap(NULL, sizeof(*records), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (records == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die("make-it-fail: %s", strerror(errno));
	close(fd);
	while (time(NULL) < end) {
		write_control(controls[i++ % 5]);
		map_page();
		check_counts();
		pid = fork();
		if (pid == 0) {
			write_control(controls[i % 5]);
			fd = open_exits();
			child_work(2);
			read_exits(fd);
			_exit(0);
		}
		if (pid < 0) {
			failed("fork", errno);
			continue;
		}
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("a child failed (status %#x)", status);
	}
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			die("make-it-fail off");
		close(fd);
	}
	printf("ops=%lu failures=%lu enomem=%lu records=%lu\n", ops, failures, enomem,
	       *records);
	return 0;
}
