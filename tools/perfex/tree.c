// SPDX-License-Identifier: GPL-2.0
/*
 * --tree: the command's process tree from the exit records of
 * /proc/<pid>/perfctr/exits (Documentation/perfctr.rst, "Exit records").
 *
 * The kernel gives one record per task released under the command's
 * control: its own counts, its children counts, and the task they were
 * merged into, or 0.  The merges are exactly how the command's children
 * counts were summed, so the tree they draw adds up: every process's
 * subtree is its own counts plus its child processes' subtrees, the
 * root's subtree is the total, and so is the sum of all own counts.
 * Threads are folded into their process.  Processes whose counts were not
 * merged (orphans that another process reaped, children that reprogrammed)
 * are outside the total, and listed as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perfex.h"

/* A count the kernel did not take, in an exit record (PERFCTR_NOT_COUNTED) */
#define NOT_COUNTED_RECORD	"<not-counted>"

int tree_open(struct perfex_tree *t, pid_t pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d/perfctr/exits", perfex_root(), (int)pid);
	t->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return t->fd < 0 ? -1 : 0;
}

/* "\ooo" escapes back into bytes */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 +
			       (s[3] - '0');
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * "task SERIAL LEADER INTO_SERIAL PID TGID PPID INTO COMM SELF...
 * CHILDREN..." or "dropped N"; a line of another kind is skipped, as the
 * format asks.  The number of counters is half the numbers after COMM, the
 * same in every record.
 */
static int parse_record(struct perfex_tree *t, char *line)
{
	uint64_t v[2 * PERFEX_MAX_EVENTS];
	struct tree_task *task;
	unsigned int i, nv = 0;
	char *p, *end;
	int n;

	if (!strncmp(line, "dropped ", 8)) {
		t->dropped += strtoull(line + 8, NULL, 10);
		return 0;
	}
	if (strncmp(line, "task ", 5))
		return 0;
	if (t->ntasks == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct tree_task *tasks = realloc(t->tasks,
						  cap * sizeof(*tasks));

		if (!tasks)
			return -1;
		t->tasks = tasks;
		t->cap = cap;
	}
	task = &t->tasks[t->ntasks];
	memset(task, 0, sizeof(*task));
	if (sscanf(line, "task %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %d %d %d %d %63s%n", &task->serial, &task->leader,
		   &task->into_serial, &task->pid, &task->tgid, &task->ppid,
		   &task->into, task->comm, &n) != 8 || !task->serial) {
		errno = EPROTO;
		return -1;
	}
	unescape(task->comm);
	for (p = line + n; nv < 2 * PERFEX_MAX_EVENTS; p = end) {
		if (!strncmp(p, " " NOT_COUNTED_RECORD,
			     sizeof(NOT_COUNTED_RECORD))) {
			v[nv++] = PERFCTR_NOT_COUNTED;
			end = p + sizeof(NOT_COUNTED_RECORD);
			continue;
		}
		v[nv] = strtoull(p, &end, 10);
		if (end == p)
			break;
		nv++;
	}
	if (*p || nv % 2 || (t->ntasks && nv / 2 != t->nr)) {
		errno = EPROTO;
		return -1;
	}
	t->nr = nv / 2;
	for (i = 0; i < t->nr; i++) {
		task->self[i] = v[i];
		task->children[i] = v[t->nr + i];
	}
	t->ntasks++;
	return 0;
}

/*
 * What the file has now (or, @block, until its end): 0, or -1 and errno.
 * Every read(2) returns whole lines.
 */
int tree_read(struct perfex_tree *t, bool block)
{
	char buf[65536], *line, *nl;
	ssize_t n;

	if (block)
		fcntl(t->fd, F_SETFL, 0);
	while (!t->ended) {
		n = read(t->fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			t->ended = true;
			break;
		}
		buf[n] = '\0';
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (parse_record(t, line))
				return -1;
		}
	}
	return 0;
}

static struct tree_proc *find_proc(struct perfex_tree *t, int pid)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++) {
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	}
	return NULL;
}

static struct tree_task *find_task(struct perfex_tree *t, int pid)
{
	size_t i;

	for (i = 0; i < t->ntasks; i++) {
		if (t->tasks[i].pid == pid)
			return &t->tasks[i];
	}
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct tree_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Adds @p's subtree into its own, children first; returns it. */
static const uint64_t *sum_subtree(struct perfex_tree *t, struct tree_proc *p,
				   unsigned int nr, int depth)
{
	size_t i;
	unsigned int k;

	p->depth = depth;
	memcpy(p->subtree, p->self, sizeof(p->subtree));
	for (i = 0; i < t->nprocs; i++) {
		struct tree_proc *c = &t->procs[i];

		if (c->parent != p - t->procs || c == p)
			continue;
		c->in_tree = true;
		sum_subtree(t, c, nr, depth + 1);
		for (k = 0; k < nr; k++)
			p->subtree[k] = count_add(p->subtree[k],
						  c->subtree[k]);
	}
	return p->subtree;
}

/*
 * The processes of the tree, from the records and the root's counts
 * (@root: its own and children counts, read from the zombie).  Sets
 * t->complete when every subtree adds up to what the kernel merged.
 */
int tree_build(struct perfex_tree *t, pid_t root, const char *root_comm,
	       const struct perfex_counts *c)
{
	struct tree_proc *p, *r;
	size_t i, k;
	unsigned int e;

	if (t->ntasks && t->nr != c->nr) {
		errno = EPROTO;
		return -1;
	}
	t->procs = calloc(t->ntasks + 1, sizeof(*t->procs));
	if (!t->procs)
		return -1;
	/* the root first: its own counts from its files */
	r = &t->procs[t->nprocs++];
	r->pid = root;
	r->ppid = getpid();		/* perfex forked it */
	r->parent = -1;
	r->leader = -1;
	snprintf(r->comm, sizeof(r->comm), "%s", root_comm);
	memcpy(r->self, c->self, sizeof(r->self));
	r->has_leader = true;
	for (i = 0; i < t->ntasks; i++) {
		struct tree_task *task = &t->tasks[i];

		if (task->pid == root) {	/* its record, at the end */
			snprintf(r->comm, sizeof(r->comm), "%s", task->comm);
			continue;
		}
		p = find_proc(t, task->tgid);
		if (!p) {
			p = &t->procs[t->nprocs++];
			p->pid = task->tgid;
			p->parent = -1;
			p->leader = -1;
			p->ppid = task->ppid;
		}
		for (e = 0; e < c->nr; e++)
			p->self[e] = count_add(p->self[e], task->self[e]);
		p->nthreads += task->pid != task->tgid;
		if (task->pid == task->tgid) {
			p->leader = i;
			p->has_leader = true;
			p->ppid = task->ppid;
			snprintf(p->comm, sizeof(p->comm), "%s", task->comm);
		}
	}
	qsort(t->procs + 1, t->nprocs - 1, sizeof(*t->procs), cmp_pid);

	/* a process hangs under the process its leader was merged into */
	for (i = 1; i < t->nprocs; i++) {
		struct tree_task *lead, *into;
		int into_tgid;

		p = &t->procs[i];
		if (!p->has_leader) {
			snprintf(p->comm, sizeof(p->comm), "?");
			continue;
		}
		lead = &t->tasks[p->leader];
		if (!lead->into)
			continue;
		into = find_task(t, lead->into);
		into_tgid = lead->into == root ? root :
			    into ? into->tgid : 0;
		for (k = 0; into_tgid && k < t->nprocs; k++) {
			if (t->procs[k].pid == into_tgid && k != i)
				p->parent = k;
		}
	}
	r->in_tree = true;
	sum_subtree(t, r, c->nr, 0);

	/* what the kernel merged, against what the records add up to */
	t->complete = !t->dropped;
	for (e = 0; e < c->nr; e++) {
		if (r->subtree[e] != count_add(c->self[e], c->children[e]))
			t->complete = false;
	}
	for (i = 1; i < t->nprocs; i++) {
		p = &t->procs[i];
		if (!p->in_tree) {
			t->outside++;
			continue;
		}
		t->inside++;
		if (!p->has_leader) {
			t->complete = false;
			continue;
		}
		for (e = 0; e < c->nr; e++) {
			const struct tree_task *lead = &t->tasks[p->leader];

			if (p->subtree[e] != count_add(lead->self[e],
						       lead->children[e]))
				t->complete = false;
		}
	}
	return 0;
}

void tree_free(struct perfex_tree *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->tasks);
	free(t->procs);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}
