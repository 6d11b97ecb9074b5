// SPDX-License-Identifier: GPL-2.0
/*
 * pctree: a big process tree of known shape, for perfex --tree to measure
 * (66-perfex-tree.bats).
 *
 *	pctree N CHAIN LOG
 *
 * The calling process is node 0, the root; it makes N more processes, one
 * unit after another, each unit reaped before the next starts:
 *
 *   - a chain of CHAIN, CHAIN / 4, CHAIN / 2 or CHAIN / 8 processes, in
 *     turn, each making the next and waiting for it; every 50th also makes
 *     a leaf first (the chain's side leaves);
 *   - a bush of 121 processes between chains: each makes 3 children at
 *     once, 4 levels deep, and waits for them.
 *
 * Every process is made by clone(CLONE_VM): a process of its own, under
 * the process that made it, sharing its memory (see spawn()).
 *
 * The last unit is cut short so that there are exactly N.  Node i calls
 * itself "n<i>" (prctl(PR_SET_NAME), the command name the exit records
 * give) and faults in i % 13 + 1 fresh pages.  Its last act, once its
 * children are reaped, is to read its own minor-faults count from its
 * counts file and append to LOG
 *
 *	n<i> n<parent> <minor-faults> <pid>
 *
 * (the root's parent is "-"): nothing it does after that faults, so the
 * count is its final one, which its exit record must say.  The root also
 * appends "cpu <us>": its CPU time and its reaped descendants', all of the
 * command's, in microseconds.  With a lowered pid_max the pids wrap: the
 * LOG says which numbers came back.  The root writes its "cpu" line before
 * its own.
 *
 * Exits 0, or 1 with what went wrong (a fork that failed, a missing
 * counter).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"
#include "pcroot.h"
#include "touch.h"

#define SIDE_EVERY	50
#define BUSH_WIDTH	3
#define BUSH_SIZE	121		/* 1 + 3 + 9 + 27 + 81 */
#define STACK_SIZE	(64 * 1024)
#define MAX_CHILDREN	BUSH_WIDTH

/*
 * A node: its number, its parent's, what it makes, and the stacks of the
 * children it waits for.  A node's own lives at the top of its stack.
 */
struct node {
	long idx, parent;
	void (*fn)(struct node *n);
	long base, j, size;		/* a bush: node @j of @size from @base */
	long len, nsides;		/* a chain: @len nodes, @nsides leaves */
	void *stacks[MAX_CHILDREN];
	int nstacks;
};

static int log_fd;

/* Reaps the node's children and frees their stacks. */
static void finish_children(struct node *n)
{
	int i, fails;

	/*
	 * errno is no help: every node has the root's thread-local storage,
	 * and so its errno, which any other node may set meanwhile.  Hence
	 * the children are counted, and a wait that keeps failing is fatal.
	 */
	for (i = 0, fails = 0; i < n->nstacks;) {
		if (wait(NULL) > 0) {
			i++;
			fails = 0;
		} else if (++fails == 1000) {
			die("node %ld: a child cannot be waited for", n->idx);
		}
	}
	for (i = 0; i < n->nstacks; i++)
		munmap(n->stacks[i], STACK_SIZE);
	n->nstacks = 0;
}

/*
 * Reaps the node's children, then appends its line to the log.  The
 * buffers are written before the count is read, so that reading and
 * reporting it fault nothing.
 */
static void finish(struct node *n)
{
	char counts[4096], line[128], *p;
	ssize_t got;
	int fd, len;

	finish_children(n);
	memset(counts, 0, sizeof(counts));
	memset(line, 0, sizeof(line));
	fd = open(pc_path("self/perfctr/counts"), O_RDONLY);
	if (fd < 0)
		die("open counts: %s", strerror(errno));
	got = read(fd, counts, sizeof(counts) - 1);
	close(fd);
	if (got <= 0)
		die("read counts: %s", got ? strerror(errno) : "empty");
	p = strstr(counts, "minor-faults ");
	if (!p || (p != counts && p[-1] != '\n'))
		die("no minor-faults counter");
	p += strlen("minor-faults ");
	if (n->parent < 0)
		len = snprintf(line, sizeof(line), "n%ld - %.*s %d\n", n->idx,
			       (int)strcspn(p, "\n"), p, (int)getpid());
	else
		len = snprintf(line, sizeof(line), "n%ld n%ld %.*s %d\n",
			       n->idx, n->parent, (int)strcspn(p, "\n"), p,
			       (int)getpid());
	if (write(log_fd, line, len) != len)
		die("write log: %s", strerror(errno));
}

static int node_main(void *arg)
{
	struct node *n = arg;
	char name[16];

	snprintf(name, sizeof(name), "n%ld", n->idx);
	prctl(PR_SET_NAME, name);
	if (touch_fresh_pages(n->idx % 13 + 1))
		die("mmap: %s", strerror(errno));
	if (n->fn)
		n->fn(n);
	finish(n);
	return 0;
}

/*
 * Makes node @idx, a child of @parent that runs @tmpl->fn and finishes.
 * The child is a process of its own that shares its parent's memory
 * (CLONE_VM): a chain of processes that each copied their parent's would
 * cost the kernel memory quadratic in the chain's length (every process
 * links to the anonymous memory of all its ancestors).
 */
static void spawn(struct node *parent, long idx, const struct node *tmpl)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	struct node *n;

	if (stack == MAP_FAILED)
		die("mmap stack: %s", strerror(errno));
	if (parent->nstacks == MAX_CHILDREN)
		die("node %ld: too many children", parent->idx);
	n = (struct node *)(stack + STACK_SIZE) - 1;
	*n = *tmpl;
	n->idx = idx;
	n->parent = parent->idx;
	n->nstacks = 0;
	if (clone(node_main, n, CLONE_VM | SIGCHLD, n) < 0)
		die("clone of node %ld: %s", idx, strerror(errno));
	parent->stacks[parent->nstacks++] = stack;
}

/* Node @n->j of a bush: its 3 children. */
static void bush(struct node *n)
{
	struct node c = *n;
	long k;

	for (k = BUSH_WIDTH * n->j + 1; k <= BUSH_WIDTH * n->j + BUSH_WIDTH;
	     k++) {
		if (k >= n->size)
			break;
		c.j = k;
		spawn(n, n->base + k, &c);
	}
}

/*
 * Node @n->j of a chain of @n->len nodes from @n->base: the next one, and
 * every SIDE_EVERY nodes a side leaf first, numbered from @n->base +
 * @n->len.
 */
static void chain(struct node *n)
{
	struct node c = *n, leaf = { 0 };
	long k = n->j;

	if (k % SIDE_EVERY == SIDE_EVERY - 1 && k / SIDE_EVERY < n->nsides)
		spawn(n, n->base + n->len + k / SIDE_EVERY, &leaf);
	if (k + 1 < n->len) {
		c.j = k + 1;
		spawn(n, n->base + k + 1, &c);
	}
}

int main(int argc, char **argv)
{
	static const int chain_div[] = { 1, 4, 2, 8 };
	static struct node root = { .parent = -1 };
	long n, chain_max, next = 1, units = 0, left, len;
	struct rusage self, children;
	struct node unit;
	char line[64];
	int len_line;

	if (argc != 4)
		die("usage: pctree N CHAIN LOG");
	n = atol(argv[1]);
	chain_max = atol(argv[2]);
	if (n < 0 || chain_max < 1)
		die("usage: pctree N CHAIN LOG");
	log_fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (log_fd < 0)
		die("%s: %s", argv[3], strerror(errno));
	prctl(PR_SET_NAME, "n0");
	while (next <= n) {
		memset(&unit, 0, sizeof(unit));
		left = n + 1 - next;
		unit.base = next;
		if (units % 2) {
			unit.fn = bush;
			unit.size = left < BUSH_SIZE ? left : BUSH_SIZE;
			len = unit.size;
		} else {
			unit.fn = chain;
			len = chain_max / chain_div[units / 2 % 4];
			if (len < 1)
				len = 1;
			if (len > left)
				len = left;
			unit.len = len;
			unit.nsides = len / SIDE_EVERY;
			if (unit.nsides > left - len)
				unit.nsides = left - len;
			len += unit.nsides;
		}
		spawn(&root, next, &unit);
		/* one unit at a time: at most a chain's worth alive */
		finish_children(&root);
		next += len;
		units++;
	}
	/* before its own line, after which it must fault nothing */
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	len_line = snprintf(line, sizeof(line), "cpu %lld\n",
			    (long long)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
					children.ru_utime.tv_sec +
					children.ru_stime.tv_sec) * 1000000 +
			    self.ru_utime.tv_usec + self.ru_stime.tv_usec +
			    children.ru_utime.tv_usec + children.ru_stime.tv_usec);
	if (write(log_fd, line, len_line) != len_line)
		die("write log: %s", strerror(errno));
	finish(&root);
	/* not exit(): the C library's exit handlers may fault a page */
	_exit(0);
}
