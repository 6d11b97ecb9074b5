// SPDX-License-Identifier: GPL-2.0
/*
 * pcmany: many tasks with counters alive at once
 *
 *	pcmany CONTROL PROCS TASKS PAGES
 *
 * Writes CONTROL to its own control, then forks PROCS processes of TASKS
 * tasks each (the leader and TASKS - 1 threads), every task touching PAGES
 * pages and then blocking on one shared pipe, so that PROCS * TASKS counted
 * tasks are alive at the same time.  Once they all are, it reads the id of
 * every one of them through /proc/<pid>/task/<tid>/perfctr/id, closes the
 * pipe (every task reads end of file and exits), reaps the processes and
 * compares its children counts with getrusage(RUSAGE_CHILDREN).  Prints
 * key=value lines:
 *
 *	alive=N with_id=N create_ms=MS slab_objs=N slab_kb=KB
 *		avail_drop_kb=KB sunreclaim_kb=KB kstack_kb=KB
 *	children_minor=N rusage_minor=N lost=N reap_ms=MS failed=N
 *
 * (the first on one line).  alive counts the tasks found under /proc,
 * with_id those whose id is CONTROL's; slab_objs and slab_kb are the active
 * objects and the slabs of the perfctr_task cache (/proc/slabinfo) while
 * they are alive; the last three are how much MemAvailable fell and
 * SUnreclaim and KernelStack grew (/proc/meminfo) from just before the
 * first fork to then.  Exits 1 if a task could not be created or did not
 * have the id or a process failed (failed counts them), 2 on other errors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "touch.h"
#include "pcroot.h"

static void die(const char *what)
{
	fprintf(stderr, "pcmany: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long psz;
static long pages;
static int release_rd;

/* Exactly @pages minor faults, as pctest touch. */
static void touch_pages(void)
{
	if (touch_fresh_pages(pages))
		die("mmap");
}

/* Blocks until the parent closes the pipe's write end. */
static void wait_release(void)
{
	char c;

	while (read(release_rd, &c, 1) < 0 && errno == EINTR)
		;
}

static void *task_main(void *arg)
{
	touch_pages();
	wait_release();
	return arg;
}

/*
 * One process: TASKS - 1 threads on the smallest stacks (ten thousand
 * default 8 MB stacks would not fit the guest's address space budget, and
 * only their touched pages cost memory), then the leader itself.  Says
 * ready on @ready_wr once every thread exists: creating a thread is what
 * gives it its counters.
 */
static void process_main(int tasks, int ready_wr)
{
	pthread_t *tids = calloc(tasks, sizeof(*tids));
	pthread_attr_t attr;
	int i, err;

	if (!tids)
		die("calloc");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	for (i = 1; i < tasks; i++) {
		err = pthread_create(&tids[i], &attr, task_main, NULL);
		if (err) {
			errno = err;
			die("pthread_create");
		}
	}
	if (write(ready_wr, "r", 1) != 1)
		die("write ready");
	close(ready_wr);
	task_main(NULL);
	for (i = 1; i < tasks; i++)
		pthread_join(tids[i], NULL);
	_exit(0);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A whole small file, NUL-terminated, into @buf; -1 if it cannot be read. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Counts @pid's tasks, and those of them whose id is @id. */
static void check_ids(pid_t pid, long long id, long *alive, long *with_id)
{
	char path[96], buf[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		die(path);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		(*alive)++;
		snprintf(path, sizeof(path), "%s/%d/task/%d/perfctr/id", pc_root(),
			 pid, atoi(d->d_name));
		if (read_text(path, buf, sizeof(buf)) == 0 &&
		    atoll(buf) == id)
			(*with_id)++;
	}
	closedir(dir);
}

/*
 * The perfctr_task cache from /proc/slabinfo: active objects, and the kB
 * of its slabs (num_slabs * pagesperslab pages); -1 if it is not there.
 */
static void slab_info(long *objs, long *kb)
{
	long active, num, size, per, pps, slabs, nslabs;
	char line[512];
	FILE *f;

	*objs = *kb = -1;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "perfctr_task ", 13))
			continue;
		if (sscanf(line + 13,
			   "%ld %ld %ld %ld %ld : tunables %*d %*d %*d : slabdata %ld %ld",
			   &active, &num, &size, &per, &pps, &slabs, &nslabs) == 7) {
			*objs = active;
			*kb = nslabs * pps * (psz / 1024);
		}
		break;
	}
	fclose(f);
}

/* A /proc/meminfo field in kB, or -1. */
static long meminfo(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ':') {
			kb = atol(line + len + 1);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* The value of counter @name in the children file, or -1. */
static long long children(const char *name)
{
	static char buf[4096];
	size_t len = strlen(name);
	char *line;

	if (read_text(pc_path("self/perfctr/children"), buf, sizeof(buf)))
		die("children");
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, name, len) && line[len] == ' ')
			return atoll(line + len + 1);
	}
	return -1;
}

int main(int argc, char **argv)
{
	int release[2], ready[2], procs, tasks, fd, i, failed = 0;
	long alive = 0, with_id = 0, want, objs, slab_kb;
	long avail, sunreclaim, kstack;
	struct rusage before, after;
	long long id, start, ms;
	char buf[64];
	pid_t *pids;

	if (argc != 5) {
		fprintf(stderr, "usage: pcmany CONTROL PROCS TASKS PAGES\n");
		return 64;
	}
	procs = atoi(argv[2]);
	tasks = atoi(argv[3]);
	pages = atol(argv[4]);
	psz = sysconf(_SC_PAGESIZE);
	if (procs < 1 || tasks < 1)
		return 64;
	want = (long)procs * tasks;
	pids = calloc(procs, sizeof(*pids));
	if (!pids)
		die("calloc");

	fd = open(pc_path("self/perfctr/control"), O_WRONLY);
	if (fd < 0 || write(fd, argv[1], strlen(argv[1])) < 0)
		die("control");
	close(fd);
	if (read_text(pc_path("self/perfctr/id"), buf, sizeof(buf)))
		die("id");
	id = atoll(buf);
	/* touch what the final reads use before the rusage baseline */
	children("minor-faults");
	getrusage(RUSAGE_CHILDREN, &before);

	if (pipe(release) || pipe(ready))
		die("pipe");
	avail = meminfo("MemAvailable");
	sunreclaim = meminfo("SUnreclaim");
	kstack = meminfo("KernelStack");
	release_rd = release[0];
	start = now_ms();
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(stderr, "pcmany: fork %d: %s\n", i, strerror(errno));
			break;
		}
		if (pids[i] == 0) {
			close(release[1]);
			close(ready[0]);
			process_main(tasks, ready[1]);
		}
	}
	procs = i;
	close(ready[1]);
	/* one byte per process that made all its threads */
	for (i = 0; i < procs && read(ready[0], buf, 1) == 1; i++)
		;
	ms = now_ms() - start;
	for (i = 0; i < procs; i++)
		check_ids(pids[i], id, &alive, &with_id);
	slab_info(&objs, &slab_kb);
	printf("alive=%ld with_id=%ld create_ms=%lld slab_objs=%ld slab_kb=%ld "
	       "avail_drop_kb=%ld sunreclaim_kb=%ld kstack_kb=%ld\n",
	       alive, with_id, ms, objs, slab_kb,
	       avail - meminfo("MemAvailable"),
	       meminfo("SUnreclaim") - sunreclaim,
	       meminfo("KernelStack") - kstack);
	fflush(stdout);

	start = now_ms();
	close(release[1]);
	for (i = 0; i < procs; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i])
			die("waitpid");
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	ms = now_ms() - start;
	getrusage(RUSAGE_CHILDREN, &after);
	if (read_text(pc_path("self/perfctr/lost"), buf, sizeof(buf)))
		die("lost");
	printf("children_minor=%lld rusage_minor=%ld lost=%lld reap_ms=%lld failed=%d\n",
	       children("minor-faults"), after.ru_minflt - before.ru_minflt,
	       atoll(buf), ms, failed);
	return alive == want && with_id == want && !failed ? 0 : 1;
}
