// SPDX-License-Identifier: GPL-2.0
/*
 * pcreap: the ways a task gets released that a reap hook can miss
 *
 *   pcreap zapped PAGES       a child whose leader thread exits first, while a
 *                             second thread goes on, touches PAGES pages and
 *                             exits last; SIGCHLD is ignored, so the kernel
 *                             releases the zombie leader itself, from the last
 *                             thread's release (its "zapped leader").  Prints
 *                             children_minor and lost once the child is gone.
 *   pcreap thread-exec PAGES  a child whose second thread execs this program
 *                             to touch PAGES pages, which releases the old
 *                             leader at the exec; we wait for the child.
 *                             Prints children_minor and rusage_minor, which
 *                             must be equal.
 *   pcreap touch PAGES        touches PAGES fresh pages and exits.
 *
 * The caller has given this process a control counting minor-faults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"
#include "pcroot.h"
#include "touch.h"

/* The value of @name in the counts-format file @below the root, or -1. */
static long long counter(const char *below, const char *name)
{
	char line[128], key[64];
	long long v, found = -1;
	FILE *f = fopen(pc_path(below), "r");

	if (!f)
		die("%s", below);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static long long number(const char *below)
{
	long long v = -1;
	FILE *f = fopen(pc_path(below), "r");

	if (!f || fscanf(f, "%lld", &v) != 1)
		die("%s", below);
	fclose(f);
	return v;
}

static long pages;

static void *late_toucher(void *arg)
{
	/* the leader has exited by then: it is a zombie waiting for us */
	usleep(200000);
	if (touch_fresh_pages(pages))
		die("touch");
	return NULL;
}

static int cmd_zapped(void)
{
	pthread_t t;
	pid_t pid;

	signal(SIGCHLD, SIG_IGN);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (pthread_create(&t, NULL, late_toucher, NULL))
			die("pthread_create");
		pthread_exit(NULL);	/* the leader goes first */
	}
	while (kill(pid, 0) == 0)
		usleep(1000);
	if (errno != ESRCH)
		die("kill");
	printf("children_minor=%lld lost=%lld\n",
	       counter("self/perfctr/children", "minor-faults"),
	       number("self/perfctr/lost"));
	return 0;
}

static char *self_path;

static void *exec_toucher(void *arg)
{
	char n[32];

	snprintf(n, sizeof(n), "%ld", pages);
	execl(self_path, "pcreap", "touch", n, (char *)NULL);
	die("execl");
	return NULL;
}

static int cmd_thread_exec(void)
{
	long long before_children;
	struct rusage before, after;
	pthread_t t;
	int status;
	pid_t pid;

	before_children = counter("self/perfctr/children", "minor-faults");
	getrusage(RUSAGE_CHILDREN, &before);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (pthread_create(&t, NULL, exec_toucher, NULL))
			die("pthread_create");
		pause();	/* the exec ends us */
		_exit(1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("child");
	getrusage(RUSAGE_CHILDREN, &after);
	printf("children_minor=%lld rusage_minor=%ld\n",
	       counter("self/perfctr/children", "minor-faults") - before_children,
	       after.ru_minflt - before.ru_minflt);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pcreap zapped|thread-exec|touch PAGES\n");
		return 64;
	}
	pages = atol(argv[2]);
	self_path = realpath("/proc/self/exe", NULL);
	if (!self_path)
		die("/proc/self/exe");
	if (!strcmp(argv[1], "zapped"))
		return cmd_zapped();
	if (!strcmp(argv[1], "thread-exec"))
		return cmd_thread_exec();
	if (!strcmp(argv[1], "touch"))
		return touch_fresh_pages(pages) ? 1 : 0;
	return 64;
}
