// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * install-test: built by "make check-install" from an installed tree with
 * nothing but pkg-config's flags, shared and static, in C99.  Every
 * function must link; on a kernel with perfctr it also reads its counts,
 * elsewhere perfctr_open() fails as documented.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <perfctr.h>

static const struct {
	struct perfctr *(*open)(pid_t);
	void (*close)(struct perfctr *);
	pid_t (*tid)(struct perfctr *);
	int (*set_control)(struct perfctr *, const char *);
	int (*get_control)(struct perfctr *, char *, size_t);
	int (*id)(struct perfctr *, uint64_t *);
	int (*nr_counters)(struct perfctr *);
	const char *(*counter_name)(struct perfctr *, unsigned int);
	int (*read)(struct perfctr *, uint64_t *, unsigned int);
	int (*read_id)(struct perfctr *, uint64_t *, unsigned int, uint64_t *);
	int (*read_children)(struct perfctr *, uint64_t *, unsigned int);
	int (*lost)(struct perfctr *, uint64_t *);
} api = {
	perfctr_open, perfctr_close, perfctr_tid, perfctr_set_control,
	perfctr_get_control, perfctr_id, perfctr_nr_counters,
	perfctr_counter_name, perfctr_read, perfctr_read_id,
	perfctr_read_children, perfctr_lost,
};

int main(void)
{
	uint64_t counts[PERFCTR_MAX_COUNTERS];
	struct perfctr *pc = api.open(0);

	if (!pc) {
		if (errno == ENOENT || errno == ENODEV)
			return 0;	/* no perfctr in this kernel */
		fprintf(stderr, "perfctr_open: %s\n", strerror(errno));
		return 1;
	}
	if (api.read(pc, counts, PERFCTR_MAX_COUNTERS) < 0) {
		fprintf(stderr, "perfctr_read: %s\n", strerror(errno));
		return 1;
	}
	api.close(pc);
	return 0;
}
