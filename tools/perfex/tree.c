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
 *
 * Records name tasks by serials the kernel never reuses, so the tree is
 * exact even where pid numbers wrapped during the command: the records
 * are indexed by serial, the tree is walked with a stack of its own rather
 * than by recursion, and the subtrees are summed in one pass.  Building
 * it is linear in the records (but for sorting siblings by pid), however
 * wide or deep the tree.
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

/*
 * A map from serials (never 0) to indexes, open addressing: the records
 * are looked up by the serials they name, in constant time, however many.
 */
struct serial_map {
	uint64_t *keys;			/* 0: an empty slot */
	long *vals;
	size_t mask;
};

static int map_init(struct serial_map *m, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	m->mask = size - 1;
	m->keys = calloc(size, sizeof(*m->keys));
	m->vals = malloc(size * sizeof(*m->vals));
	return m->keys && m->vals ? 0 : -1;
}

static void map_free(struct serial_map *m)
{
	free(m->keys);
	free(m->vals);
}

static size_t map_slot(const struct serial_map *m, uint64_t key)
{
	/* serials are consecutive: spread them over the table */
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & m->mask;

	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & m->mask;
	return i;
}

/* The first index given to @key stays. */
static void map_add(struct serial_map *m, uint64_t key, long val)
{
	size_t i = map_slot(m, key);

	if (m->keys[i])
		return;
	m->keys[i] = key;
	m->vals[i] = val;
}

static long map_find(const struct serial_map *m, uint64_t key)
{
	size_t i;

	if (!key)
		return -1;
	i = map_slot(m, key);
	return m->keys[i] ? m->vals[i] : -1;
}

/* The process a record belongs to: its leader's serial, or its own. */
static uint64_t task_proc(const struct tree_task *task)
{
	return task->leader ? task->leader : task->serial;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct tree_proc *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->serial > y->serial) - (x->serial < y->serial);
}

/*
 * The root's serial: that of its own record, which comes last, or else
 * (the record was dropped) the one the records merged into the root name:
 * no other task has the root's pid while it lives.
 */
static uint64_t root_serial(const struct perfex_tree *t, pid_t root,
			    long *rec)
{
	uint64_t serial = 0;
	size_t i;

	*rec = -1;
	for (i = t->ntasks; i-- > 0;) {
		const struct tree_task *task = &t->tasks[i];

		if (task->pid == root && task->tgid == root) {
			*rec = i;
			return task->serial;
		}
		if (task->into == root && task->into_serial)
			serial = task->into_serial;
	}
	return serial;
}

/*
 * The processes in tree order from the root, each before its children and
 * those by pid, with their depths, without recursion: a tree as deep as it
 * has processes needs no more stack than a flat one.  Returns 0 or -1.
 */
static int tree_order(struct perfex_tree *t)
{
	size_t *stack, sp = 0, start, lo, hi;
	long c;

	t->order = malloc(t->nprocs * sizeof(*t->order));
	stack = malloc(t->nprocs * sizeof(*stack));
	if (!t->order || !stack) {
		free(stack);
		return -1;
	}
	t->procs[0].in_tree = true;
	stack[sp++] = 0;
	while (sp) {
		struct tree_proc *p = &t->procs[stack[--sp]];

		t->order[t->norder++] = p - t->procs;
		/* every process has one parent: each is pushed once */
		start = sp;
		for (c = p->first_child; c >= 0; c = t->procs[c].next_sibling) {
			t->procs[c].in_tree = true;
			t->procs[c].depth = p->depth + 1;
			stack[sp++] = c;
		}
		/* the first child on top */
		for (lo = start, hi = sp; lo + 1 < hi; lo++, hi--) {
			size_t x = stack[lo];

			stack[lo] = stack[hi - 1];
			stack[hi - 1] = x;
		}
	}
	free(stack);
	return 0;
}

/*
 * The processes of the tree, from the records and the root's counts
 * (@root: its own and children counts, read from the zombie).  Sets
 * t->complete when every subtree adds up to what the kernel merged.
 * Linear in the records, give or take the sort by pid.
 */
int tree_build(struct perfex_tree *t, pid_t root, const char *root_comm,
	       const struct perfex_counts *c)
{
	struct serial_map tasks = { 0 }, procs = { 0 };
	struct tree_proc *p, *r;
	uint64_t rserial;
	long root_rec, k;
	size_t i;
	unsigned int e;
	int ret = -1;

	if (t->ntasks && t->nr != c->nr) {
		errno = EPROTO;
		return -1;
	}
	t->procs = calloc(t->ntasks + 1, sizeof(*t->procs));
	if (!t->procs || map_init(&tasks, t->ntasks) ||
	    map_init(&procs, t->ntasks + 1))
		goto out;
	rserial = root_serial(t, root, &root_rec);
	/* the root first: its own counts from its files */
	r = &t->procs[t->nprocs++];
	r->serial = rserial;
	r->pid = root;
	r->ppid = getpid();		/* perfex forked it */
	r->leader = -1;
	snprintf(r->comm, sizeof(r->comm), "%s", root_comm);
	memcpy(r->self, c->self, sizeof(r->self));
	r->has_leader = true;
	if (rserial)
		map_add(&procs, rserial, 0);
	for (i = 0; i < t->ntasks; i++) {
		struct tree_task *task = &t->tasks[i];
		uint64_t key = task_proc(task);

		map_add(&tasks, task->serial, i);
		if ((long)i == root_rec) {	/* its record, at the end */
			snprintf(r->comm, sizeof(r->comm), "%s", task->comm);
			continue;
		}
		k = map_find(&procs, key);
		if (k < 0) {
			k = t->nprocs++;
			map_add(&procs, key, k);
			t->procs[k].serial = key;
			t->procs[k].pid = task->tgid;
			t->procs[k].ppid = task->ppid;
			t->procs[k].leader = -1;
		}
		p = &t->procs[k];
		for (e = 0; e < c->nr; e++)
			p->self[e] = count_add(p->self[e], task->self[e]);
		if (task->serial == key) {
			p->leader = i;
			p->has_leader = true;
			p->ppid = task->ppid;
			snprintf(p->comm, sizeof(p->comm), "%s", task->comm);
		} else {
			p->nthreads++;
		}
	}
	qsort(t->procs + 1, t->nprocs - 1, sizeof(*t->procs), cmp_pid);

	/* the map again, by the sorted indexes */
	memset(procs.keys, 0, (procs.mask + 1) * sizeof(*procs.keys));
	for (i = 0; i < t->nprocs; i++) {
		p = &t->procs[i];
		p->parent = -1;
		p->first_child = -1;
		p->next_sibling = -1;
		p->first_thread = -1;
		if (p->serial)
			map_add(&procs, p->serial, i);
	}
	/* each process's threads, in the order they were released */
	for (i = t->ntasks; i-- > 0;) {
		struct tree_task *task = &t->tasks[i];

		task->next_thread = -1;
		if (task->serial == task_proc(task) || (long)i == root_rec)
			continue;
		k = map_find(&procs, task_proc(task));
		if (k < 0)
			continue;
		task->next_thread = t->procs[k].first_thread;
		t->procs[k].first_thread = i;
	}
	/*
	 * A process hangs under the process of the task its leader was
	 * merged into.  Walking the processes backwards by pid puts every
	 * list of children in pid order.
	 */
	for (i = t->nprocs; i-- > 1;) {
		const struct tree_task *lead;
		long into;

		p = &t->procs[i];
		if (!p->has_leader) {
			snprintf(p->comm, sizeof(p->comm), "?");
			continue;
		}
		lead = &t->tasks[p->leader];
		if (!lead->into_serial)
			continue;
		if (lead->into_serial == rserial) {
			k = 0;
		} else {
			into = map_find(&tasks, lead->into_serial);
			k = into < 0 ? -1 :
			    map_find(&procs, task_proc(&t->tasks[into]));
		}
		if (k < 0 || k == (long)i)
			continue;
		p->parent = k;
		p->next_sibling = t->procs[k].first_child;
		t->procs[k].first_child = i;
	}
	if (tree_order(t))
		goto out;

	/* subtrees: children before parents, the tree order backwards */
	for (i = 0; i < t->nprocs; i++)
		memcpy(t->procs[i].subtree, t->procs[i].self,
		       sizeof(t->procs[i].subtree));
	for (i = t->norder; i-- > 1;) {
		p = &t->procs[t->order[i]];
		for (e = 0; e < c->nr; e++)
			t->procs[p->parent].subtree[e] =
				count_add(t->procs[p->parent].subtree[e],
					  p->subtree[e]);
	}

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
	ret = 0;
out:
	map_free(&tasks);
	map_free(&procs);
	return ret;
}

/* @p, then with --threads its threads but the leader, then its end */
static void visit(const struct perfex_tree *t, const struct tree_proc *p,
		  const struct tree_visitor *v, void *arg)
{
	uint64_t sub[PERFEX_MAX_EVENTS];
	unsigned int e;
	long i;

	v->process(t, p, arg);
	for (i = p->first_thread; t->threads && v->thread && i >= 0;
	     i = t->tasks[i].next_thread) {
		const struct tree_task *k = &t->tasks[i];

		for (e = 0; e < t->nr; e++)
			sub[e] = count_add(k->self[e], k->children[e]);
		v->thread(t, p, k, sub, arg);
	}
	if (v->process_end)
		v->process_end(t, p, arg);
}

void tree_walk(const struct perfex_tree *t, const struct tree_visitor *v,
	       void *arg)
{
	size_t i;

	for (i = 0; i < t->norder; i++)
		visit(t, &t->procs[t->order[i]], v, arg);
}

void tree_walk_outside(const struct perfex_tree *t,
		       const struct tree_visitor *v, void *arg)
{
	size_t i;

	for (i = 1; i < t->nprocs; i++) {
		if (!t->procs[i].in_tree)
			visit(t, &t->procs[i], v, arg);
	}
}

void tree_free(struct perfex_tree *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->tasks);
	free(t->procs);
	free(t->order);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}
