// SPDX-License-Identifier: GPL-2.0
/*
 * selfmon: a program that watches itself through libperfctr's fast path.
 *
 * It counts tsc, task-clock, context switches, cpu migrations and minor
 * faults (all of which the counter page gives without a system call),
 * times a loop of reads, then does some work and prints what that work
 * cost.
 *
 *   selfmon [LOOPS]
 *
 * Build: cc -O2 selfmon.c $(pkg-config --cflags --libs perfctr)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <perfctr.h>

#define EVENTS "tsc task-clock context-switches cpu-migrations minor-faults"

int main(int argc, char **argv)
{
	uint64_t before[16], after[16], t0[16], t1[16];
	long loops = argc > 1 ? atol(argv[1]) : 100000;
	struct perfctr *pc;
	char *mem;
	int nr, i;
	long k;

	pc = perfctr_open(0);
	if (!pc) {
		fprintf(stderr, "selfmon: perfctr_open: %s\n", strerror(errno));
		return 1;
	}
	if (perfctr_set_control(pc, EVENTS)) {
		fprintf(stderr, "selfmon: perfctr_set_control: %s\n", strerror(errno));
		return 1;
	}

	/* what one read costs, in tsc ticks, measured by the reads themselves */
	if (perfctr_read(pc, t0, 16) < 0)
		goto fail;
	for (k = 0; k < loops; k++)
		if (perfctr_read(pc, t1, 16) < 0)
			goto fail;
	printf("reads: %ld, %.1f tsc ticks each\n", loops,
	       (double)(t1[0] - t0[0]) / loops);

	/* some work to measure: a few sleeps, a busy loop, fresh memory */
	if (perfctr_read(pc, before, 16) < 0)
		goto fail;
	for (k = 0; k < 3; k++)
		usleep(1000);
	for (volatile long spin = 0; spin < 1000000; spin++)
		;
	mem = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem != MAP_FAILED) {
		for (k = 0; k < 64 << 20; k += 4096)
			((volatile char *)mem)[k] = 1;
		munmap(mem, 64 << 20);
	}
	nr = perfctr_read(pc, after, 16);
	if (nr < 0)
		goto fail;
	printf("the work cost:\n");
	for (i = 0; i < nr; i++)
		printf("  %-20s %" PRIu64 "\n", perfctr_counter_name(pc, i),
		       after[i] - before[i]);
	perfctr_close(pc);
	return 0;
fail:
	fprintf(stderr, "selfmon: perfctr_read: %s\n", strerror(errno));
	return 1;
}
