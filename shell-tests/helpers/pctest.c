// SPDX-License-Identifier: GPL-2.0
/*
 * pctest: small workloads and probes for the perfctr shell tests
 *
 * Each subcommand does one thing the shell cannot do precisely (touch an
 * exact number of pages, build a fork-only tree and compare with rusage,
 * hold a zombie, write with a given errno reported) and prints key=value
 * results for the bats tests to check.  Run without arguments for the list.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "touch.h"
#include "pcroot.h"

static void die(const char *what)
{
	fprintf(stderr, "pctest: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Fault in @pages fresh anonymous pages: exactly @pages minor faults. */
static void touch_pages(long pages)
{
	if (touch_fresh_pages(pages))
		die("mmap");
}

/* Reads a whole small file into a static buffer (touched before use). */
static const char *read_file(const char *path)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die(path);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* One write(2) of @len bytes to a fresh descriptor; 0 or the errno. */
static int write_once(const char *path, const char *buf, size_t len)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, buf, len) < 0)
		err = errno;
	close(fd);
	return err;
}

/* The value of counter @name in the text of a counts/children file, or -1. */
static long long counter_in(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, name, len) && line[len] == ' ')
			return atoll(line + len + 1);
	}
	return -1;
}

/* The value of counter @name in a counts/children file, or -1. */
static long long counter(const char *path, const char *name)
{
	return counter_in(read_file(path), name);
}

static void wait_all(void)
{
	while (wait(NULL) > 0)
		;
}

/*
 * The exact comparison: our children counts against the growth of
 * getrusage(RUSAGE_CHILDREN) over the same work.  Reading the children file
 * once first touches what the final read uses.
 */
static void rusage_begin(struct rusage *before)
{
	read_file(pc_path("self/perfctr/children"));
	getrusage(RUSAGE_CHILDREN, before);
}

/*
 * PCTEST_MODIFIER (":uk", say) selects the fault counters with that
 * modifier, perf's events, instead of the accounting ones.
 */
static void rusage_report(const struct rusage *before)
{
	const char *mod = getenv("PCTEST_MODIFIER") ?: "";
	char minor[64], major[64];
	struct rusage after;

	getrusage(RUSAGE_CHILDREN, &after);
	snprintf(minor, sizeof(minor), "minor-faults%s", mod);
	snprintf(major, sizeof(major), "major-faults%s", mod);
	printf("children_minor=%lld rusage_minor=%ld children_major=%lld rusage_major=%ld\n",
	       counter(pc_path("self/perfctr/children"), minor),
	       after.ru_minflt - before->ru_minflt,
	       counter(pc_path("self/perfctr/children"), major),
	       after.ru_majflt - before->ru_majflt);
}

/*
 * A fork-only tree: every node touches @pages pages, then forks @width
 * children (while depth remains) and waits for them.
 */
static void tree(int depth, int width, long pages)
{
	int i;

	touch_pages(pages);
	for (i = 0; depth > 0 && i < width; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			tree(depth - 1, width, pages);
			_exit(0);
		}
	}
	wait_all();
}

static int cmd_tree(int argc, char **argv)
{
	struct rusage before;

	if (argc != 5)
		return 64;
	rusage_begin(&before);
	tree(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
	rusage_report(&before);
	return 0;
}

/*
 * @n children that exec "pctest touch PAGES": exec copies argv and sets up
 * the new stack through GUP faults, which perf's fault events miss and the
 * task's own accounting (and rusage) counts.
 */
static int cmd_exec_tree(int argc, char **argv)
{
	struct rusage before;
	int i, n;

	if (argc != 4)
		return 64;
	n = atoi(argv[2]);
	rusage_begin(&before);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl("/proc/self/exe", "pctest", "touch", argv[3],
			      (char *)NULL);
			_exit(127);
		}
	}
	wait_all();
	rusage_report(&before);
	return 0;
}

static volatile sig_atomic_t work_requested;

static void on_work_signal(int sig)
{
	(void)sig;
	work_requested = 1;
}

/*
 * Sleep until SIGUSR1, then touch PAGES pages and sleep 1 ms five times
 * (five voluntary switches), then say "done" on stdout; again and again.
 * In between, the task is blocked and none of its figures move.
 */
static int cmd_work_on_signal(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_work_signal };
	sigset_t block, wait_mask;
	int i;

	if (argc != 3)
		return 64;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		while (!work_requested)
			sigsuspend(&wait_mask);
		work_requested = 0;
		touch_pages(atol(argv[2]));
		for (i = 0; i < 5; i++)
			usleep(1000);
		printf("done\n");
		fflush(stdout);
	}
}

static long pages_per_thread;
static char thread_id[32];

static void *thread_main(void *arg)
{
	touch_pages(pages_per_thread);
	if (arg)	/* the first thread reports the id it inherited */
		snprintf(thread_id, sizeof(thread_id), "%s",
			 read_file(pc_path("thread-self/perfctr/id")));
	return NULL;
}

static int task_count(void)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/task");
	if (!dir)
		die("/proc/self/task");
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Field 10 (minflt) of /proc/self/task/<tid>/stat, for the leader alone. */
static long leader_minflt(void)
{
	char path[64];
	const char *p;
	int field;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", getpid());
	p = strrchr(read_file(path), ')');
	for (field = 2; p && field < 10; field++)
		p = strchr(p + 1, ' ');
	return p ? atol(p + 1) : -1;
}

/*
 * @n threads touch pages each and exit.  Threads are released by the kernel
 * on their own (no wait), so poll until they are gone from /proc/self/task,
 * which happens in the same tasklist_lock section as the merge.
 */
static int cmd_threads(int argc, char **argv)
{
	pthread_t tids[64];
	struct rusage self;
	int i, n, tries;
	long leader;

	if (argc != 4)
		return 64;
	n = atoi(argv[2]);
	pages_per_thread = atol(argv[3]);
	if (n < 1 || n > 64)
		return 64;
	for (i = 0; i < n; i++) {
		if (pthread_create(&tids[i], NULL, thread_main,
				   i ? NULL : thread_id))
			die("pthread_create");
	}
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	for (tries = 0; task_count() > 1 && tries < 1000; tries++)
		usleep(1000);
	read_file(pc_path("self/perfctr/children"));
	leader = leader_minflt();
	getrusage(RUSAGE_SELF, &self);
	thread_id[strcspn(thread_id, "\n")] = '\0';
	printf("tasks=%d children_minor=%lld threads_minor=%ld thread_id=%s\n",
	       task_count(),
	       counter(pc_path("self/perfctr/children"), "minor-faults"),
	       self.ru_minflt - leader, thread_id);
	return 0;
}

static void *waiting_thread(void *arg)
{
	char c;

	touch_pages(pages_per_thread);
	printf("tid=%d\n", gettid());
	fflush(stdout);
	if (read(STDIN_FILENO, &c, 1) < 0)	/* until told to go */
		die("read");
	return arg;
}

/*
 * One thread touches @pages pages, prints its tid, and waits for a byte (or
 * EOF) on stdin before it exits, so that a test can look at it and program
 * it meanwhile.  Then we print what merged into our children counts.
 */
static int cmd_thread_wait(int argc, char **argv)
{
	pthread_t tid;
	int tries;

	if (argc != 3)
		return 64;
	pages_per_thread = atol(argv[2]);
	if (pthread_create(&tid, NULL, waiting_thread, NULL))
		die("pthread_create");
	pthread_join(tid, NULL);
	for (tries = 0; task_count() > 1 && tries < 1000; tries++)
		usleep(1000);
	printf("children=%lld\n",
	       counter(pc_path("self/perfctr/children"), "minor-faults"));
	return 0;
}

/* A child that touches @pages pages and exits. */
static pid_t fork_toucher(long pages)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		touch_pages(pages);
		_exit(0);
	}
	return pid;
}

static char proc_state(pid_t pid)
{
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	p = strrchr(read_file(path), ')');
	return p ? p[2] : '?';
}

/*
 * A child touches @pages pages and exits; while it is a zombie its counts
 * must be final, and reaping it must add exactly them to our children.
 */
static int cmd_zombie(int argc, char **argv)
{
	long long first, second, children;
	int write_err, clear_err;
	char path[64];
	pid_t pid;

	if (argc != 3)
		return 64;
	pid = fork_toucher(atol(argv[2]));
	while (proc_state(pid) != 'Z')
		usleep(1000);
	snprintf(path, sizeof(path), "%s/%d/perfctr/counts", pc_root(), pid);
	first = counter(path, "minor-faults");
	usleep(100000);
	second = counter(path, "minor-faults");
	/* a zombie can be neither reprogrammed nor cleared */
	snprintf(path, sizeof(path), "%s/%d/perfctr/control", pc_root(), pid);
	write_err = write_once(path, "cs", 2);
	clear_err = write_once(path, "\n", 1);
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid");
	children = counter(pc_path("self/perfctr/children"), "minor-faults");
	printf("zombie_first=%lld zombie_second=%lld children=%lld write=%s clear=%s\n",
	       first, second, children, strerrorname_np(write_err),
	       strerrorname_np(clear_err));
	return 0;
}

/* With SIGCHLD ignored the kernel releases the child itself. */
static int cmd_autoreap(int argc, char **argv)
{
	pid_t pid;

	if (argc != 3)
		return 64;
	signal(SIGCHLD, SIG_IGN);
	pid = fork_toucher(atol(argv[2]));
	while (kill(pid, 0) == 0)
		usleep(1000);
	printf("reaped=%d children=%lld\n", errno == ESRCH,
	       counter(pc_path("self/perfctr/children"), "minor-faults"));
	return 0;
}

/*
 * We become a child subreaper and fork a middle process, which forks a
 * grandchild and exits at once.  The orphaned grandchild is reparented to
 * us, touches @pages pages and exits; reaping it must merge it into our
 * children counts exactly as getrusage() accounts it.
 */
static int cmd_orphan(int argc, char **argv)
{
	struct rusage before;
	int pipefd[2];
	pid_t middle;
	char c;

	if (argc != 3)
		return 64;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(pipefd))
		die("subreaper");
	rusage_begin(&before);
	middle = fork();
	if (middle < 0)
		die("fork");
	if (middle == 0) {
		pid_t orphan = fork();

		if (orphan < 0)
			die("fork");
		if (orphan == 0) {
			/* wait until the middle process is gone */
			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) < 0)
				die("read");
			touch_pages(atol(argv[2]));
			_exit(0);
		}
		_exit(0);
	}
	close(pipefd[0]);
	if (waitpid(middle, NULL, 0) != middle)
		die("waitpid");
	close(pipefd[1]);	/* EOF releases the orphan */
	wait_all();
	rusage_report(&before);
	return 0;
}

/* vfork: the child borrows our mm; its faults are still its own. */
static int cmd_vfork(int argc, char **argv)
{
	struct rusage before;
	long pages;
	pid_t pid;

	if (argc != 3)
		return 64;
	pages = atol(argv[2]);
	rusage_begin(&before);
	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		touch_pages(pages);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	rusage_report(&before);
	return 0;
}

static int cmd_spin(int argc, char **argv)
{
	struct timespec start, now;
	long ms;

	if (argc != 3)
		return 64;
	ms = atol(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 +
		 (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
	return 0;
}

/*
 * Reads another process's tsc READS times while that process switches in
 * and out all the time (a short spin, then a nap), from this process,
 * which the guest's second CPU runs: a read just after the target's
 * switch-in compares this CPU's counter with a start taken on the
 * target's.  Prints how many reads went backwards or came out wild (above
 * 2^62: a wrapped difference); status 1 if any did.
 */
static int cmd_remote_tsc(int argc, char **argv)
{
	unsigned long long prev = 0, v;
	long reads, i, back = 0, wild = 0;
	const char *text, *p;
	char path[64];
	pid_t pid;

	if (argc != 3)
		return 64;
	reads = atol(argv[2]);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		struct timespec nap = { 0, 50000 };
		volatile unsigned long spin;

		if (write_once(pc_path("self/perfctr/control"), "tsc", 3))
			_exit(3);
		for (;;) {
			for (spin = 0; spin < 20000; spin++)
				;
			nanosleep(&nap, NULL);
		}
	}
	snprintf(path, sizeof(path), "%s/%d/perfctr/counts", pc_root(), pid);
	while (!strstr(read_file(path), "tsc "))
		usleep(1000);
	for (i = 0; i < reads; i++) {
		text = read_file(path);
		p = strstr(text, "tsc ");
		if (!p)
			break;
		v = strtoull(p + 4, NULL, 10);
		if (v < prev)
			back++;
		if (v > 1ULL << 62)
			wild++;
		prev = v;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("reads=%ld backwards=%ld wild=%ld last=%llu\n", i, back, wild,
	       prev);
	return i < reads || back || wild;
}

/*
 * One snapshot of our own switch and migration counts, read between two
 * getrusage(RUSAGE_SELF): a process forked with the control counts from
 * zero, as its rusage does, so each count lies between the two figures.
 */
static void switch_snapshot(const char *phase)
{
	struct rusage r0, r1;
	const char *text;

	getrusage(RUSAGE_SELF, &r0);
	text = read_file(pc_path("self/perfctr/counts"));
	getrusage(RUSAGE_SELF, &r1);
	printf("%s cs=%lld vol=%lld invol=%lld mig=%lld nvcsw0=%ld nvcsw1=%ld nivcsw0=%ld nivcsw1=%ld\n",
	       phase, counter_in(text, "context-switches"),
	       counter_in(text, "voluntary-switches"),
	       counter_in(text, "involuntary-switches"),
	       counter_in(text, "cpu-migrations"), r0.ru_nvcsw, r1.ru_nvcsw,
	       r0.ru_nivcsw, r1.ru_nivcsw);
	fflush(stdout);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/*
 * switches NAPS MOVES: run with "context-switches voluntary-switches
 * involuntary-switches cpu-migrations" inherited from a parent (not
 * exec'd by the task that wrote the control).  Pinned to the CPU it runs
 * on, it sleeps 1 ms NAPS times (NAPS voluntary switches, no migration),
 * then moves itself MOVES times between that CPU and another one with
 * sched_setaffinity(2) (MOVES migrations).  Prints a snapshot of its
 * counts ("start", "naps", "moves"), then how many CPUs it could use and
 * how many moves landed on the other CPU.
 */
static int cmd_switches(int argc, char **argv)
{
	const struct timespec ms = { 0, 1000000 };
	int i, naps, moves, cpus, here, there = -1, moved = 0;
	cpu_set_t all;

	if (argc != 4)
		return 64;
	naps = atoi(argv[2]);
	moves = atoi(argv[3]);
	if (sched_getaffinity(0, sizeof(all), &all))
		die("sched_getaffinity");
	cpus = CPU_COUNT(&all);
	here = sched_getcpu();
	for (i = 0; i < CPU_SETSIZE && there < 0; i++)
		if (i != here && CPU_ISSET(i, &all))
			there = i;
	pin(here);
	switch_snapshot("start");
	for (i = 0; i < naps; i++)
		if (nanosleep(&ms, NULL))
			die("nanosleep");
	switch_snapshot("naps");
	for (i = 0; i < moves && there >= 0; i++) {
		int to = i % 2 ? here : there;

		pin(to);
		moved += sched_getcpu() == to;
	}
	switch_snapshot("moves");
	printf("cpus=%d moved=%d\n", cpus, moved);
	return 0;
}

static void report_errno(int err)
{
	puts(err ? strerrorname_np(err) : "ok");
}

/* Each of these prints "ok" or the errno name of its write. */

static int cmd_write(int argc, char **argv)
{
	int err;

	if (argc != 4)
		return 64;
	err = write_once(argv[2], argv[3], strlen(argv[3]));
	report_errno(err);
	return !!err;
}

/* Two write(2)s on one descriptor. */
static int cmd_write2(int argc, char **argv)
{
	int fd, i, err;

	if (argc != 5)
		return 64;
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die(argv[2]);
	for (i = 3; i < 5; i++) {
		err = write(fd, argv[i], strlen(argv[i])) < 0 ? errno : 0;
		report_errno(err);
	}
	close(fd);
	return 0;
}

/* "cs" padded with blanks to @len bytes. */
static int cmd_write_len(int argc, char **argv)
{
	size_t len;
	char *buf;
	int err;

	if (argc != 4)
		return 64;
	len = strtoul(argv[3], NULL, 0);
	buf = malloc(len + 1);
	if (!buf)
		die("malloc");
	memset(buf, ' ', len);
	memcpy(buf, "cs", len < 2 ? len : 2);
	err = write_once(argv[2], buf, len);
	report_errno(err);
	return !!err;
}

/* A valid control with an embedded NUL byte. */
static int cmd_write_nul(int argc, char **argv)
{
	static const char text[] = "cs\0page-faults";
	int err;

	if (argc != 3)
		return 64;
	err = write_once(argv[2], text, sizeof(text) - 1);
	report_errno(err);
	return !!err;
}

/* One writev(2) with one segment per TEXT argument. */
static int cmd_writev(int argc, char **argv)
{
	struct iovec iov[8];
	int fd, i, n = argc - 3, err;

	if (n < 1 || n > 8)
		return 64;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = argv[3 + i];
		iov[i].iov_len = strlen(argv[3 + i]);
	}
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die(argv[2]);
	err = writev(fd, iov, n) < 0 ? errno : 0;
	report_errno(err);
	close(fd);
	return !!err;
}

/* writev(2) of TEXT, then a segment the kernel cannot read. */
static int cmd_writev_fault(int argc, char **argv)
{
	struct iovec iov[2];
	int fd, err;
	void *hole;

	if (argc != 4)
		return 64;
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED)
		die("mmap");
	iov[0].iov_base = argv[3];
	iov[0].iov_len = strlen(argv[3]);
	iov[1].iov_base = hole;
	iov[1].iov_len = 8;
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die(argv[2]);
	err = writev(fd, iov, 2) < 0 ? errno : 0;
	report_errno(err);
	close(fd);
	return !!err;
}

/* pwrite(2) and pwritev(2) of TEXT at OFFSET. */
static int cmd_pwrite(int argc, char **argv)
{
	struct iovec iov;
	off_t off;
	int fd;

	if (argc != 5)
		return 64;
	off = atoll(argv[3]);
	iov.iov_base = argv[4];
	iov.iov_len = strlen(argv[4]);
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die(argv[2]);
	report_errno(pwrite(fd, argv[4], iov.iov_len, off) < 0 ? errno : 0);
	report_errno(pwritev(fd, &iov, 1, off) < 0 ? errno : 0);
	close(fd);
	return 0;
}

/* write(2) TEXT1, lseek(2) back to 0, write(2) TEXT2: one descriptor. */
static int cmd_write_rewind(int argc, char **argv)
{
	int fd;

	if (argc != 5)
		return 64;
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		die(argv[2]);
	report_errno(write(fd, argv[3], strlen(argv[3])) < 0 ? errno : 0);
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("lseek");
	report_errno(write(fd, argv[4], strlen(argv[4])) < 0 ? errno : 0);
	close(fd);
	return 0;
}

/* Drop to @uid, staying dumpable so that the uid alone decides access. */
static void become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid) || prctl(PR_SET_DUMPABLE, 1))
		die("dropping privileges");
}

static void send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		die("recvmsg");
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		die("no descriptor received");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * Descriptor passing, run as root.  "user-opens": a child that became UID
 * opens its own control and hands the descriptor to root, which writes
 * TEXT through it.  "root-opens": root opens the control of a child that
 * became UID and hands the descriptor to it, and the child writes TEXT.
 * Prints the write's result and then the child's control.
 */
static int cmd_pass(int argc, char **argv)
{
	bool user_opens;
	char path[64];
	int sv[2], fd, status;
	pid_t pid;

	if (argc != 5)
		return 64;
	user_opens = !strcmp(argv[2], "user-opens");
	if (!user_opens && strcmp(argv[2], "root-opens"))
		return 64;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		become(atoi(argv[3]));
		if (user_opens) {
			fd = open(pc_path("self/perfctr/control"), O_WRONLY);
			if (fd < 0)
				die("open");
			send_fd(sv[1], fd);
			/* wait for root's write, then show the result */
			if (read(sv[1], path, 1) != 1)
				die("read");
		} else {
			fd = recv_fd(sv[1]);
			report_errno(write(fd, argv[4], strlen(argv[4])) < 0 ?
				     errno : 0);
			fflush(stdout);
		}
		printf("%s", read_file(pc_path("self/perfctr/control")));
		fflush(stdout);
		_exit(0);
	}
	if (user_opens) {
		fd = recv_fd(sv[0]);
		report_errno(write(fd, argv[4], strlen(argv[4])) < 0 ?
			     errno : 0);
		fflush(stdout);
		if (write(sv[0], "", 1) != 1)
			die("write");
	} else {
		snprintf(path, sizeof(path), "%s/%d/perfctr/control", pc_root(), pid);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			die(path);
		send_fd(sv[0], fd);
	}
	close(fd);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	return 0;
}

/*
 * Gives FILE a file capability (permitted and effective), as setcap(8)
 * would: executing it raises privilege.  CAP_NET_BIND_SERVICE, or
 * CAP_SYS_PTRACE with "sys_ptrace".
 */
static int cmd_setcap(int argc, char **argv)
{
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data[0].permitted = 1u << CAP_NET_BIND_SERVICE,
	};

	if (argc != 3 && argc != 4)
		return 64;
	if (argc == 4) {
		if (strcmp(argv[3], "sys_ptrace"))
			return 64;
		cap.data[0].permitted = 1u << CAP_SYS_PTRACE;
	}
	if (setxattr(argv[2], "security.capability", &cap, sizeof(cap), 0))
		die(argv[2]);
	return 0;
}

/* Prints a file; used as a set-uid copy to show its own perfctr files. */
static int cmd_cat(int argc, char **argv)
{
	if (argc != 3)
		return 64;
	fputs(read_file(argv[2]), stdout);
	return 0;
}

/*
 * chunks FILE PAGES: read FILE through one descriptor a byte at a time,
 * touching PAGES fresh pages after the first byte, then pread() it whole
 * at offset 0; print the byte-by-byte text, a line "--", and the whole one.
 * The first is one snapshot taken before the pages were touched, the second
 * a new one.
 */
static int cmd_chunks(int argc, char **argv)
{
	static char text[8192], whole[8192];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc != 4)
		return 64;
	fd = open(argv[2], O_RDONLY);
	if (fd < 0)
		die("open");
	for (;;) {
		if (len == sizeof(text) - 1)
			die("chunks: text too long");
		n = read(fd, text + len, 1);
		if (n < 0)
			die("read");
		if (!n)
			break;
		if (!len)
			touch_pages(atol(argv[3]));
		len += n;
	}
	text[len] = '\0';
	n = pread(fd, whole, sizeof(whole) - 1, 0);
	if (n < 0)
		die("pread");
	whole[n] = '\0';
	close(fd);
	printf("%s--\n%s", text, whole);
	return 0;
}

/* Waits for any signal; used as a long-lived target. */
static int cmd_pause(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pause();
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} cmds[] = {
	{ "tree", cmd_tree, "DEPTH WIDTH PAGES" },
	{ "exec-tree", cmd_exec_tree, "N PAGES" },
	{ "work-on-signal", cmd_work_on_signal, "PAGES" },
	{ "threads", cmd_threads, "N PAGES" },
	{ "thread-wait", cmd_thread_wait, "PAGES" },
	{ "zombie", cmd_zombie, "PAGES" },
	{ "autoreap", cmd_autoreap, "PAGES" },
	{ "orphan", cmd_orphan, "PAGES" },
	{ "vfork", cmd_vfork, "PAGES" },
	{ "spin", cmd_spin, "MILLISECONDS" },
	{ "remote-tsc", cmd_remote_tsc, "READS" },
	{ "switches", cmd_switches, "NAPS MOVES" },
	{ "write", cmd_write, "FILE TEXT" },
	{ "write2", cmd_write2, "FILE TEXT1 TEXT2" },
	{ "write-len", cmd_write_len, "FILE LENGTH" },
	{ "write-nul", cmd_write_nul, "FILE" },
	{ "writev", cmd_writev, "FILE TEXT..." },
	{ "writev-fault", cmd_writev_fault, "FILE TEXT" },
	{ "pwrite", cmd_pwrite, "FILE OFFSET TEXT" },
	{ "write-rewind", cmd_write_rewind, "FILE TEXT1 TEXT2" },
	{ "pass", cmd_pass, "user-opens|root-opens UID TEXT" },
	{ "setcap", cmd_setcap, "FILE [sys_ptrace]" },
	{ "cat", cmd_cat, "FILE" },
	{ "chunks", cmd_chunks, "FILE PAGES" },
	{ "pause", cmd_pause, "" },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc >= 3 && !strcmp(argv[1], "touch")) {
		touch_pages(atol(argv[2]));
		return 0;
	}
	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			int ret = cmds[i].fn(argc, argv);

			if (ret == 64)
				fprintf(stderr, "usage: pctest %s %s\n",
					cmds[i].name, cmds[i].usage);
			return ret;
		}
	}
	fprintf(stderr, "usage: pctest touch PAGES\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "       pctest %s %s\n", cmds[i].name,
			cmds[i].usage);
	return 64;
}
