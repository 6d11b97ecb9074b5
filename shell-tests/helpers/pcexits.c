// SPDX-License-Identifier: GPL-2.0
/*
 * pcexits: the exits file, for 67-exits.bats.
 *
 *	pcexits errors
 *	pcexits tree SHAPE N
 *	pcexits shape SHAPE N
 *
 * "errors" checks the file's errnos and protocol on the calling process.
 *
 * "tree" forks a root that programs its own counters; the helper (a child
 * subreaper without counters) opens the root's exits file, lets the root
 * build a process tree of a known SHAPE, and reads the records as they
 * come.  When the root has exited it reads the zombie's counts and children
 * counts, reaps it, and reads to the end of the file.  Then it checks that
 * the records are exact:
 *
 *   - for every task X in the tree (the root included), X's children counts
 *     equal the sum, over the records merged into X, of their own counts
 *     plus their children counts, counter by counter;
 *   - the root's own record equals what its files said as a zombie;
 *   - processes merge into the process that forked them, threads into
 *     their leader, and nothing else merges;
 *   - the records are those SHAPE implies: how many, merged or not;
 *   - the serials name the same tasks as the pid numbers (which do not
 *     wrap in these small trees): each is unique and not 0, a record's
 *     INTO_SERIAL is the serial of the task INTO names, and its LEADER
 *     that of its process's leader (its own for a leader).
 *
 * SHAPE, with the number N:
 *   forks    a tree N levels deep, each process forking 2 children
 *   exec     N children that exec /bin/true
 *   threads  N threads, joined
 *   orphans  N children that fork a grandchild each and exit at once: the
 *            grandchildren are reparented to the subreaper, outside the tree
 *   reprogram  one child forks a grandchild, reprograms itself, forks
 *            another: the child leaves the tree, its first grandchild is
 *            recorded but not merged, its second not recorded
 *   overflow N children while nobody reads: PERFCTR_EXITS_RECORDS kept,
 *            the rest counted as dropped
 *
 * Prints "records=R merged=M unmerged=U dropped=D" and exits 0, or 1 with
 * what is wrong.
 *
 * "shape" only builds SHAPE, with the calling process as its root, for
 * perfex --tree to measure (66-perfex-tree.bats).  Its orphans are
 * reparented to init, which reaps them when it will.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/linux/perfctr.h>
#include "pcroot.h"

#define EVENTS	"tsc task-clock context-switches minor-faults page-faults"
#define NR	5

/* The control the roots program: EVENTS, or $PCEXITS_EVENTS (NR counters). */
static const char *events(void)
{
	const char *e = getenv("PCEXITS_EVENTS");

	return e && *e ? e : EVENTS;
}
#define MAX_RECORDS	4096

struct record {
	uint64_t serial, leader, into_serial;
	int pid, tgid, ppid, into;
	char comm[64];
	uint64_t self[NR], children[NR];
};

static struct record recs[MAX_RECORDS];
static int nrecs;
static uint64_t dropped;
static bool ended;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pcexits: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

/* "name count" lines, in control order */
static void read_counts(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	char name[64];
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i < NR; i++) {
		if (fscanf(f, "%63s %" SCNu64, name, &v[i]) != 2)
			die("%s: line %d malformed", path, i + 1);
	}
	fclose(f);
}

static void parse_line(char *line)
{
	struct record *r;
	char *p, *end;
	int i, n;

	if (sscanf(line, "dropped %" SCNu64, &dropped) == 1)
		return;
	if (nrecs == MAX_RECORDS)
		die("more than %d records", MAX_RECORDS);
	r = &recs[nrecs++];
	if (sscanf(line, "task %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %d %d %d %d %63s%n", &r->serial, &r->leader,
		   &r->into_serial, &r->pid, &r->tgid, &r->ppid, &r->into,
		   r->comm, &n) != 8)
		die("malformed record: %s", line);
	p = line + n;
	for (i = 0; i < 2 * NR; i++) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			die("record with too few counts: %s", line);
		if (i < NR)
			r->self[i] = v;
		else
			r->children[i - NR] = v;
		p = end;
	}
	if (*p != '\0')
		die("record with too many counts: %s", line);
}

/* What one read(2) gives: whole lines.  Returns 0 at the end, -1 if empty. */
static int read_records(int fd)
{
	char buf[65536], *line, *nl;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n < 0)
		die("read exits: %s", strerror(errno));
	if (n == 0) {
		ended = true;
		return 0;
	}
	if (buf[n - 1] != '\n')
		die("a read that does not end a line");
	buf[n] = '\0';
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		parse_line(line);
	}
	return 1;
}

static void drain(int fd)
{
	while (read_records(fd) > 0)
		;
}

/* ---- the shapes, run by the root ---- */

static void reap_all(void)
{
	while (wait(NULL) > 0)
		;
}

static void work(void)
{
	static volatile char mem[64 * 4096];
	int i;

	for (i = 0; i < (int)sizeof(mem); i += 4096)
		mem[i]++;
}

static void forks(int depth)
{
	int i;

	work();
	for (i = 0; depth > 0 && i < 2; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			forks(depth - 1);
			_exit(0);
		}
	}
	reap_all();
}

static void *thread_fn(void *arg)
{
	work();
	return arg;
}

static bool shape_only;

static void orphans(int n)
{
	int i, pipefd[2];

	for (i = 0; i < n; i++) {
		pid_t child, grandchild;
		ssize_t r;

		if (pipe(pipefd))
			die("pipe: %s", strerror(errno));
		child = fork();
		if (child == 0) {
			grandchild = fork();
			if (grandchild == 0) {
				/* until reparented away from its parent */
				while (getppid() == child)
					usleep(1000);
				work();
				_exit(0);
			}
			close(pipefd[0]);
			if (write(pipefd[1], &grandchild, sizeof(grandchild)) < 0)
				_exit(1);
			_exit(0);
		}
		close(pipefd[1]);
		r = read(pipefd[0], &grandchild, sizeof(grandchild));
		if (r != sizeof(grandchild))
			die("no grandchild");
		waitpid(child, NULL, 0);
		if (shape_only) {
			/* the grandchild's exit closes the pipe */
			while (read(pipefd[0], &r, 1) > 0)
				;
			close(pipefd[0]);
			continue;
		}
		close(pipefd[0]);
		/* the subreaper reaps it: then its pid is gone */
		while (kill(grandchild, 0) == 0 || errno != ESRCH)
			usleep(1000);
	}
}

static void reprogram(void)
{
	pid_t child = fork();

	if (child == 0) {
		if (fork() == 0) {
			usleep(100000);	/* outlives its parent's reprogramming */
			_exit(0);
		}
		write_file(pc_path("self/perfctr/control"), events());
		if (fork() == 0)
			_exit(0);
		reap_all();
		_exit(0);
	}
	reap_all();
}

static void run_shape(const char *shape, int n)
{
	int i;

	if (!strcmp(shape, "forks")) {
		forks(n);
	} else if (!strcmp(shape, "exec")) {
		for (i = 0; i < n; i++) {
			if (fork() == 0) {
				execl("/bin/true", "true", NULL);
				_exit(127);
			}
		}
		reap_all();
	} else if (!strcmp(shape, "threads")) {
		pthread_t t[64];

		for (i = 0; i < n && i < 64; i++)
			pthread_create(&t[i], NULL, thread_fn, NULL);
		for (i = 0; i < n && i < 64; i++)
			pthread_join(t[i], NULL);
	} else if (!strcmp(shape, "orphans")) {
		orphans(n);
	} else if (!strcmp(shape, "reprogram")) {
		reprogram();
	} else if (!strcmp(shape, "overflow")) {
		for (i = 0; i < n; i++) {
			if (fork() == 0)
				_exit(0);
			wait(NULL);
		}
	} else {
		die("unknown shape %s", shape);
	}
}

/* ---- the checks ---- */

static struct record *find(int pid)
{
	int i;

	for (i = 0; i < nrecs; i++) {
		if (recs[i].pid == pid)
			return &recs[i];
	}
	return NULL;
}

/* X's children counts against the records merged into X */
static void check_merges(int pid, const uint64_t *children)
{
	uint64_t sum[NR] = { 0 };
	int i, k;

	for (i = 0; i < nrecs; i++) {
		if (recs[i].into != pid)
			continue;
		for (k = 0; k < NR; k++)
			sum[k] += recs[i].self[k] + recs[i].children[k];
	}
	for (k = 0; k < NR; k++) {
		if (sum[k] != children[k])
			die("task %d: children count %d is %" PRIu64
			    ", its merged records sum to %" PRIu64,
			    pid, k, children[k], sum[k]);
	}
}

/* The serials against the pid numbers, as the head comment says. */
static void check_serials(pid_t root, const struct record *root_rec)
{
	const struct record *into, *lead;
	int i, k;

	for (i = 0; i < nrecs; i++) {
		const struct record *r = &recs[i];

		if (!r->serial)
			die("%d: serial 0", r->pid);
		for (k = 0; k < i; k++) {
			if (recs[k].serial == r->serial)
				die("%d and %d: the same serial %" PRIu64,
				    recs[k].pid, r->pid, r->serial);
		}
		if (!r->into != !r->into_serial)
			die("%d: into %d, into serial %" PRIu64, r->pid,
			    r->into, r->into_serial);
		into = r->into == root ? root_rec : find(r->into);
		if (into && r->into_serial != into->serial)
			die("%d: into serial %" PRIu64 ", %d has %" PRIu64,
			    r->pid, r->into_serial, r->into, into->serial);
		lead = r->tgid == root ? root_rec : find(r->tgid);
		if (lead && r->leader != lead->serial)
			die("%d: leader serial %" PRIu64 ", %d has %" PRIu64,
			    r->pid, r->leader, r->tgid, lead->serial);
	}
}

static void expect(const char *what, long got, long want)
{
	if (got != want)
		die("%s: %ld, expected %ld", what, got, want);
}

static int tree(const char *shape, int n)
{
	uint64_t self[NR], children[NR];
	int go[2], i, merged = 0, unmerged = 0, threads = 0;
	bool overflow = !strcmp(shape, "overflow");
	struct record *root_rec;
	char path[64];
	siginfo_t info;
	pid_t root;
	int fd;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die("subreaper: %s", strerror(errno));
	if (pipe(go))
		die("pipe: %s", strerror(errno));
	root = fork();
	if (root == 0) {
		char c;

		close(go[1]);
		write_file(pc_path("self/perfctr/control"), events());
		if (read(go[0], &c, 1) != 1)	/* the listener is ready */
			_exit(1);
		run_shape(shape, n);
		_exit(0);
	}
	close(go[0]);
	/* until the root has programmed itself */
	snprintf(path, sizeof(path), "%s/%d/perfctr/exits", pc_root(), root);
	for (i = 0; (fd = open(path, O_RDONLY | O_NONBLOCK)) < 0; i++) {
		if (errno != ENODATA || i > 10000)
			die("open %s: %s", path, strerror(errno));
		usleep(1000);
	}
	if (write(go[1], "", 1) != 1)
		die("go: %s", strerror(errno));
	close(go[1]);

	/* read as records come, and reap the orphans that come to us */
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		pid_t pid;

		if (!overflow) {
			poll(&pfd, 1, 10);
			drain(fd);
		} else {
			usleep(10000);
		}
		memset(&info, 0, sizeof(info));
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT))
			die("waitid: %s", strerror(errno));
		pid = info.si_pid;
		if (!pid)
			continue;
		if (pid == root)
			break;
		waitpid(pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/%d/perfctr/counts", pc_root(), root);
	read_counts(path, self);
	snprintf(path, sizeof(path), "%s/%d/perfctr/children", pc_root(), root);
	read_counts(path, children);
	drain(fd);
	if (overflow) {
		expect("records kept", nrecs, PERFCTR_EXITS_RECORDS);
		expect("records dropped", dropped, n - PERFCTR_EXITS_RECORDS);
	}
	waitpid(root, NULL, 0);
	fcntl(fd, F_SETFL, 0);		/* blocking: the end has come */
	while (!ended)
		read_records(fd);
	close(fd);

	root_rec = &recs[nrecs - 1];
	if (root_rec->pid != root || root_rec->into != 0)
		die("the last record is not the root's");
	if (memcmp(root_rec->self, self, sizeof(self)) ||
	    memcmp(root_rec->children, children, sizeof(children)))
		die("the root's record differs from its files");
	if (root_rec->leader != root_rec->serial || root_rec->into_serial)
		die("the root's record: serial %" PRIu64 ", leader %" PRIu64
		    ", into %" PRIu64, root_rec->serial, root_rec->leader,
		    root_rec->into_serial);
	nrecs--;
	check_serials(root, root_rec);

	if (!overflow)
		check_merges(root, children);
	for (i = 0; i < nrecs; i++) {
		struct record *r = &recs[i];
		bool thread = r->pid != r->tgid;

		if (r->into) {
			merged++;
			/* a thread merges into its leader, a process into
			 * the process that forked it
			 */
			if (r->into != (thread ? r->tgid : r->ppid))
				die("%d merged into %d, forked by %d", r->pid,
				    r->into, r->ppid);
			if (r->into != root && !find(r->into))
				die("%d merged into %d, unknown", r->pid,
				    r->into);
		} else {
			unmerged++;
		}
		threads += thread;
		if (!overflow)
			check_merges(r->pid, r->children);
	}

	if (!strcmp(shape, "forks")) {
		expect("merged", merged, (1 << (n + 1)) - 2);
		expect("unmerged", unmerged, 0);
	} else if (!strcmp(shape, "exec") || !strcmp(shape, "overflow")) {
		expect("merged", merged + (int)dropped, n);
		expect("unmerged", unmerged, 0);
	} else if (!strcmp(shape, "threads")) {
		expect("merged threads", threads, n);
		expect("merged", merged, n);
	} else if (!strcmp(shape, "orphans")) {
		expect("merged", merged, n);
		expect("unmerged", unmerged, n);
		for (i = 0; i < nrecs; i++) {
			if (!recs[i].into && !find(recs[i].ppid))
				die("orphan %d: forker %d has no record",
				    recs[i].pid, recs[i].ppid);
		}
	} else if (!strcmp(shape, "reprogram")) {
		expect("merged", merged, 0);
		expect("unmerged", unmerged, 1);
	}
	if (!strcmp(shape, "exec")) {
		for (i = 0; i < nrecs; i++) {
			if (strcmp(recs[i].comm, "true"))
				die("%d: comm %s after exec", recs[i].pid,
				    recs[i].comm);
		}
	}
	printf("records=%d merged=%d unmerged=%d dropped=%" PRIu64 "\n",
	       nrecs, merged, unmerged, dropped);
	return 0;
}

/* ---- errors ---- */

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void expect_errno(const char *what, int got, int want)
{
	if (got != want)
		die("%s: %s, expected %s", what, got ? strerror(got) : "success",
		    want ? strerror(want) : "success");
}

static int errors(void)
{
	const char *self = pc_path("self/perfctr/exits");
	struct pollfd pfd;
	char small[8], buf[4096];
	int fd, fd2, status;
	ssize_t n;
	pid_t pid;

	expect_errno("no control", open_errno(self, O_RDONLY), ENODATA);
	expect_errno("a kernel thread", open_errno(pc_path("2/perfctr/exits"),
						   O_RDONLY), ENODATA);
	write_file(pc_path("self/perfctr/control"), events());
	fd = open(self, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		die("open: %s", strerror(errno));
	expect_errno("second listener", open_errno(self, O_RDONLY), EBUSY);

	/* a child inherited the control: its ancestors are not its to show */
	pid = fork();
	if (pid == 0)
		_exit(open_errno(self, O_RDONLY) == EPERM ? 0 : 1);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 0) != 0)
		die("poll: ready before any record was possible");
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("a child could listen to the control it inherited");
	if (poll(&pfd, 1, 1000) != 1 || !(pfd.revents & POLLIN))
		die("poll: no record after a child was reaped");
	n = read(fd, small, sizeof(small));
	expect_errno("read into 8 bytes", n < 0 ? errno : 0, EINVAL);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die("read: %s", n ? strerror(errno) : "end of file");
	buf[n] = '\0';
	nrecs = 0;
	parse_line(strtok(buf, "\n"));
	if (nrecs != 1 || recs[0].pid != pid || recs[0].into != getpid() ||
	    recs[0].ppid != getpid())
		die("the child's record is wrong: %s", buf);
	n = read(fd, buf, sizeof(buf));
	expect_errno("empty, O_NONBLOCK", n < 0 ? errno : 0, EAGAIN);

	/* one listener per root, whatever its control now */
	write_file(pc_path("self/perfctr/control"), events());
	expect_errno("second listener, new control", open_errno(self, O_RDONLY),
		     EBUSY);
	close(fd);
	fd2 = open(self, O_RDONLY);
	if (fd2 < 0)
		die("open after close: %s", strerror(errno));
	close(fd2);
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "errors"))
		return errors();
	if (argc == 4 && !strcmp(argv[1], "tree"))
		return tree(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "shape")) {
		shape_only = true;
		run_shape(argv[2], atoi(argv[3]));
		return 0;
	}
	fprintf(stderr, "usage: pcexits errors | tree SHAPE N | shape SHAPE N\n");
	return 2;
}
