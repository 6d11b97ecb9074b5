/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pclib and pchwpage share: a self handle, the counts file read by
 * hand, the check that each library read lies between two read(2)s of it,
 * and a seccomp filter that makes any system call but write and exit kill
 * the process (a read off the page makes none).
 */
#ifndef PERFCTR_TEST_LIBHELPER_H
#define PERFCTR_TEST_LIBHELPER_H

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <perfctr.h>

#include "../helpers/helper.h"
#include "../helpers/pcroot.h"
#include "tests/seccomp.h"

#define MAX 16

/* The text of the file @path by one read(2), into @buf of @size bytes. */
static inline void read_text(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY);
	len = fd < 0 ? -1 : read(fd, buf, size - 1);
	if (len < 0)
		die("read %s", path);
	close(fd);
	buf[len] = 0;
}

/* The counts of thread @t of this process by one read(2) of its file. */
static inline int file_counts(pid_t t, uint64_t *v)
{
	char p[128], buf[4096], *s, *line;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%d/task/%d/perfctr/counts", pc_root(), getpid(), t);
	read_text(p, buf, sizeof(buf));
	for (line = strtok_r(buf, "\n", &s); line; line = strtok_r(NULL, "\n", &s))
		v[n++] = strtoull(strchr(line, ' ') + 1, NULL, 10);
	return n;
}

/* A self handle, with @events written to its control unless NULL. */
static inline struct perfctr *open_self(const char *events)
{
	struct perfctr *pc = perfctr_open(0);

	if (!pc)
		die("perfctr_open(0)");
	if (events && perfctr_set_control(pc, events))
		die("perfctr_set_control(%s)", events);
	return pc;
}

/*
 * @n library reads of thread @t's counts through @pc, each between the
 * file reads around it, and none going back; a yield every fifth, so that
 * some reads follow a switch.
 */
static inline void check_between(struct perfctr *pc, pid_t t, long n,
				 const char *who)
{
	uint64_t a[MAX], b[MAX], c[MAX], last[MAX] = {};
	int nr, i;
	long k;

	for (k = 0; k < n; k++) {
		nr = file_counts(t, a);
		if (perfctr_read(pc, b, MAX) != nr)
			die("%s: perfctr_read gave another number of counters", who);
		file_counts(t, c);
		for (i = 0; i < nr; i++) {
			if (b[i] < a[i] || b[i] > c[i])
				die("%s: counter %d: %" PRIu64 " not in [%" PRIu64 ", %" PRIu64 "]",
				    who, i, b[i], a[i], c[i]);
			if (b[i] < last[i])
				die("%s: counter %d went back", who, i);
			last[i] = b[i];
		}
		if (k % 5 == 0)
			sched_yield();
	}
}

/* Only write and exit from here on: any other system call kills. */
static inline void seccomp_only_write_exit(void)
{
	if (seccomp_write_exit())
		die("seccomp");
}

#endif /* PERFCTR_TEST_LIBHELPER_H */
