// SPDX-License-Identifier: GPL-2.0
/*
 * pcwrite-random: throw random controls at a task's control file and check
 * each result against the parser itself, built for user space (the
 * differential oracle), run in the guest:
 *
 *   pcwrite-random PID N SEED
 *
 * Texts are random sequences of names (good and bad, with modifiers), raw
 * events, separators (blanks, commas, and bytes that are not separators),
 * or random bytes; some longer than a write may be.  Each is written with
 * writev() in one to four segments on a fresh descriptor.  A text the
 * parser rejects must fail with its errno, and one the kernel cannot count
 * (hardware and raw events, no PMU) with ENOENT or EOPNOTSUPP; where the
 * machine has a PMU (arm64 under QEMU), which of those events it has is
 * the PMU's business, so such a text may also be accepted; either way
 * the task's control, id, counts and children must stay byte for byte as
 * they were.  An accepted text must read back in the parser's canonical
 * form, with a new id.  The target must not run meanwhile (pause(2)).
 * Prints the tallies; exits 1 at the first mismatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "control-harness.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char dir[64];

static void read_file(const char *name, char *buf, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	n = read(fd, buf, size - 1);
	if (n < 0) {
		perror(path);
		exit(2);
	}
	buf[n] = '\0';
	close(fd);
}

struct snapshot {
	char control[4096], id[32], counts[4096], children[4096];
};

static void snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));	/* compared whole, with memcmp() */
	read_file("control", s->control, sizeof(s->control));
	read_file("id", s->id, sizeof(s->id));
	read_file("counts", s->counts, sizeof(s->counts));
	read_file("children", s->children, sizeof(s->children));
}

/* The first GOOD_WORDS, GOOD_MODS and GOOD_SEPS entries are valid. */
static const char * const words[] = {
	"tsc", "task-clock", "page-faults", "faults", "minor-faults",
	"major-faults", "context-switches", "cs", "cpu-migrations",
	"migrations", "voluntary-switches", "involuntary-switches",
	"alignment-faults", "emulation-faults",
	"cycles", "instructions", "branch-misses", "r0", "r1", "rc0",
	"rffffffffffffffff",
	"r12345678901234567", "bogus", "TSC", "minor_faults", "r", "rxyz",
};
static const char * const mods[] = { "", ":u", ":k", ":uk", ":ku", ":", ":x" };
static const char * const seps[] = {
	" ", ",", ", ", "\t", "\n", "  ",
	",,", "\xa0", "\v", "\r", "\f", "\x01",
};
#define GOOD_WORDS	14	/* and software: no PMU needed */
#define GOOD_MODS	4
#define GOOD_SEPS	6


/* Mostly what a user writes; one piece in eight from anywhere. */
static const char *pick(const char * const *all, unsigned int n,
			unsigned int good)
{
	return rand() % 8 ? all[rand() % good] : all[rand() % n];
}

/* A random text of at most @max bytes (no NUL); returns its length. */
static size_t random_text(char *text, size_t max)
{
	size_t len = 0;
	int i, n;

	switch (rand() % 8) {
	case 0:		/* random bytes */
		n = rand() % 64;
		for (i = 0; i < n && len < max; i++)
			text[len++] = 1 + rand() % 255;
		break;
	case 1:		/* long: up to twice a write's limit */
		n = rand() % (2 * PERFCTR_CONTROL_MAX);
		while (len + 24 < max && (int)len < n)
			len += snprintf(text + len, max - len, "r%x ", rand());
		break;
	default:	/* names, modifiers, separators */
		n = 1 + rand() % 6;
		for (i = 0; i < n && len + 40 < max; i++) {
			if (i)
				len += snprintf(text + len, max - len, "%s",
						pick(seps, ARRAY_SIZE(seps),
						     GOOD_SEPS));
			len += snprintf(text + len, max - len, "%s%s",
					pick(words, ARRAY_SIZE(words),
					     GOOD_WORDS),
					pick(mods, ARRAY_SIZE(mods), GOOD_MODS));
		}
		if (rand() % 2)
			text[len++] = '\n';
		break;
	}
	text[len] = '\0';
	return len;
}

/* Whether a control the parser accepts holds events without a PMU here. */
static int needs_pmu(const char *text)
{
	struct pc_control *ctl;
	unsigned int i;
	int pmu = 0;

	if (pc_control_parse(text, &ctl) || !ctl)
		return 0;
	for (i = 0; i < ctl->nr; i++)
		pmu |= ctl->ev[i].kind == PC_KIND_PERF &&
		       ctl->ev[i].type != PERF_TYPE_SOFTWARE;
	pc_control_put(ctl);
	return pmu;
}

/* Whether this machine has a hardware PMU: user-mode instructions open. */
static int have_pmu(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.disabled = 1,
		.exclude_kernel = 1,
	};
	int fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	static char text[2 * PERFCTR_CONTROL_MAX + 64], canon[8192];
	static struct snapshot before, after;
	unsigned long n, i, accepted = 0, rejected = 0, nopmu = 0;
	struct iovec iov[4];
	size_t len;
	int want, got, pmu, maybe;

	if (argc != 4) {
		fprintf(stderr, "usage: pcwrite-random PID N SEED\n");
		return 2;
	}
	/* the files' root: /proc, or a stock kernel's /sys/fs/perfctr */
	snprintf(dir, sizeof(dir), "%s/%s/perfctr",
		 getenv("PERFCTR_ROOT") ?: "/proc", argv[1]);
	n = strtoul(argv[2], NULL, 0);
	srand(strtoul(argv[3], NULL, 0));
	snap(&before);
	pmu = have_pmu();

	for (i = 0; i < n; i++) {
		char path[96];
		int fd, segs, s;
		size_t off = 0;
		ssize_t ret;

		len = random_text(text, sizeof(text) - 1);
		if (!len)
			continue;	/* a write of nothing changes nothing */
		if (len > PERFCTR_CONTROL_MAX)
			want = -EINVAL;
		else
			want = pc_parse_checked(text, canon, sizeof(canon));
		maybe = 0;
		if (!want && needs_pmu(text)) {
			if (pmu)
				maybe = 1;	/* 0, ENOENT or EOPNOTSUPP */
			else
				want = -ENOENT;
		}

		segs = 1 + rand() % 4;
		for (s = 0; s < segs; s++) {
			size_t part = s == segs - 1 ? len - off :
				      (len - off) / (segs - s);

			iov[s].iov_base = text + off;
			iov[s].iov_len = part;
			off += part;
		}
		snprintf(path, sizeof(path), "%s/control", dir);
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			perror(path);
			return 2;
		}
		ret = writev(fd, iov, segs);
		got = ret < 0 ? -errno : 0;
		close(fd);
		if (!got && ret != (ssize_t)len)
			got = -EIO;	/* a short write: never allowed */
		if (maybe && (got == -ENOENT || got == -EOPNOTSUPP))
			want = -ENOENT;
		if (want == -ENOENT && got == -EOPNOTSUPP)
			got = -ENOENT;
		if (got != want) {
			printf("mismatch: input %lu '%s': kernel %d, parser %d\n",
			       i, text, got, want);
			return 1;
		}
		snap(&after);
		if (got) {
			if (memcmp(&before, &after, sizeof(before))) {
				printf("input %lu '%s' (%d) changed the state:\n"
				       "%s%s%s%s -> %s%s%s%s\n", i, text, got,
				       before.control, before.id,
				       before.counts, before.children,
				       after.control, after.id,
				       after.counts, after.children);
				return 1;
			}
			rejected++;
			nopmu += got == -ENOENT;
			continue;
		}
		/* accepted: canonical form back (empty when blank), new id */
		if (strncmp(after.control, canon, strlen(canon)) ||
		    strcmp(after.control + strlen(canon), canon[0] ? "\n" : "") ||
		    (canon[0] && !strcmp(after.id, before.id))) {
			printf("input %lu '%s': control '%s' id %s, want '%s'\n",
			       i, text, after.control, after.id, canon);
			return 1;
		}
		accepted++;
		before = after;
	}
	printf("inputs=%lu accepted=%lu rejected=%lu nopmu=%lu\n",
	       accepted + rejected, accepted, rejected, nopmu);
	return 0;
}
