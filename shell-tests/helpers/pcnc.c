// SPDX-License-Identifier: GPL-2.0
/*
 * pcnc: the hardware counters a task cannot have, for
 * shell-tests/28-not-counted.bats.
 *
 *   pcnc hog N       opens N pinned CPU-wide hardware events on every CPU
 *                    (the first of each CPU cycles, the others
 *                    instructions), prints "ready" once they all count,
 *                    and holds them until killed: perf schedules CPU
 *                    pinned events before any task's, so a task's pinned
 *                    hardware events no longer fit on the PMU
 *   pcnc spin N      N iterations of an empty loop, then exits
 *
 * Exits non-zero with a message on a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "pcnc: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int cmd_hog(long n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), cpu, i;
	struct {
		uint64_t value, enabled, running;
	} r;

	for (cpu = 0; cpu < cpus; cpu++) {
		for (i = 0; i < n; i++) {
			struct perf_event_attr attr = {
				.type = PERF_TYPE_HARDWARE,
				.size = sizeof(attr),
				.config = i ? PERF_COUNT_HW_INSTRUCTIONS :
					      PERF_COUNT_HW_CPU_CYCLES,
				.pinned = 1,
				.read_format =
					PERF_FORMAT_TOTAL_TIME_ENABLED |
					PERF_FORMAT_TOTAL_TIME_RUNNING,
			};
			int fd = syscall(SYS_perf_event_open, &attr, -1,
					 (int)cpu, -1, 0);

			if (fd < 0)
				die("perf_event_open");
			/* on the PMU, or the hog holds nothing */
			usleep(10000);
			if (read(fd, &r, sizeof(r)) != sizeof(r))
				die("read");
			if (!r.enabled || r.running != r.enabled) {
				errno = ENOSPC;
				die("a hog event is not counting");
			}
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static void __attribute__((noinline)) spin(long n)
{
	long i;

	for (i = 0; i < n; i++)
		__asm__ volatile("" : : : "memory");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hog"))
		return cmd_hog(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "spin")) {
		spin(atol(argv[2]));
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of pcnc.c\n");
	return 2;
}
