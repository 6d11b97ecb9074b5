/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test helpers' way of making an exact number of minor faults, shared
 * by pctest, pcmany and pctorture.
 */
#ifndef PERFCTR_TEST_TOUCH_H
#define PERFCTR_TEST_TOUCH_H

#include <sys/mman.h>
#include <unistd.h>

/*
 * Faults in @pages fresh anonymous pages: exactly @pages minor faults.
 * Returns 0, or -1 with errno from mmap().
 */
static inline int touch_fresh_pages(long pages)
{
	long psz = sysconf(_SC_PAGESIZE), i;
	char *p;

	if (pages <= 0)
		return 0;
	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/*
	 * A kernel that gives anonymous memory huge pages unasked (Debian's
	 * transparent_hugepage=always) would fault 512 pages at once.
	 */
	madvise(p, pages * psz, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		p[i * psz] = 1;
	munmap(p, pages * psz);
	return 0;
}

#endif /* PERFCTR_TEST_TOUCH_H */
