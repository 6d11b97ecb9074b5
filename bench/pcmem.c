// SPDX-License-Identifier: GPL-2.0
/*
 * pcmem: the kernel memory a task with counters costs
 *
 *	pcmem TASKS ROUNDS [CONFIG...]
 *	pcmem list
 *
 * For each CONFIG (all of them by default), in every round: writes the
 * config's control to this process's own control (a blank one for none,
 * which clears it), lets the previous round's frees settle, reads
 * /proc/meminfo, forks TASKS children that block on a pipe, waits until
 * every one of them runs, reads /proc/meminfo again, then releases and
 * reaps them.  Prints one line per measurement,
 *
 *	mem CONFIG TASKS OBJECTS UNRECL STACK PT STATES
 *
 * the growth per child, in bytes, of the slab objects in use (the sum of
 * active_objs * objsize over /proc/slabinfo), of SUnreclaim, KernelStack
 * and PageTables (/proc/meminfo), and the perfctr_task objects per child;
 * then a reStructuredText table of the medians over the rounds, with each
 * config's objects and unreclaimable slab less those of none: what
 * counting adds per task.  Every cache is shrunk before each sample (see
 * shrink_all()), so the objects are what was allocated, exactly; SUnreclaim
 * counts whole slab pages, so it adds the slabs' free space and moves by
 * whole slabs, which makes it the noisier of the two.  Needs root.  The configs of one round run one after the other, so that they
 * are interleaved round by round in the same boot.
 *
 * A task's state and its perf events are unreclaimable slab; the kernel
 * stack and page tables of a child are the same with or without counters,
 * and are reported only to show that.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct mem_config {
	const char *name;
	const char *control;	/* "" clears */
};

static const struct mem_config configs[] = {
	{ "none", "" },
	{ "tsc", "tsc" },
	{ "acct-4", "task-clock minor-faults context-switches cpu-migrations" },
	{ "perf-1", "page-faults" },
	{ "perf-2", "page-faults alignment-faults" },
	{ "perf-4", "page-faults:u alignment-faults cs:u migrations:u" },
	/* pcbench's 16: five accounting counters and eleven perf events */
	{ "mixed-16",
	  "task-clock page-faults minor-faults major-faults context-switches "
	  "cpu-migrations alignment-faults emulation-faults task-clock:u "
	  "page-faults:u minor-faults:u major-faults:u context-switches:u "
	  "cpu-migrations:u alignment-faults:u emulation-faults:u" },
	/* sixteen perf events */
	{ "perf-16",
	  "task-clock:uk page-faults minor-faults:uk major-faults:uk cs:uk "
	  "migrations:uk alignment-faults emulation-faults task-clock:u "
	  "page-faults:u minor-faults:u major-faults:u cs:u migrations:u "
	  "alignment-faults:u emulation-faults:u" },
};

#define NR_CONFIGS	(sizeof(configs) / sizeof(configs[0]))
#define MAX_ROUNDS	64

enum { UNRECL, STACK, PT, OBJS, STATES, NR_FIGS };

static const char *const meminfo_names[] = {
	"SUnreclaim", "KernelStack", "PageTables",
};

static void die(const char *what)
{
	fprintf(stderr, "pcmem: %s: %s\n", what, strerror(errno));
	exit(2);
}

/*
 * Writing 1 to a cache's shrink file flushes its per-CPU slabs, whose free
 * objects /proc/slabinfo would otherwise count as active, gives back its
 * empty slabs and, with KASAN, empties its quarantine of freed objects:
 * after it, active_objs is the objects allocated, exactly.  Aliases of
 * merged caches are symlinks to the same cache.
 */
static void shrink_all(void)
{
	char path[320];
	struct dirent *d;
	DIR *dir;
	int fd;

	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 d->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) < 0)
			;	/* a cache that cannot shrink is counted as it is */
		close(fd);
	}
	closedir(dir);
}

/*
 * The three /proc/meminfo figures in bytes; from /proc/slabinfo, the bytes
 * of all active slab objects (active_objs * objsize, every cache), and the
 * perfctr_task objects.
 */
static void sample(double fig[NR_FIGS])
{
	char line[512], name[128];
	double active, size;
	FILE *f;
	int i;

	shrink_all();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < OBJS; i++) {
			size_t len = strlen(meminfo_names[i]);

			if (!strncmp(line, meminfo_names[i], len) &&
			    line[len] == ':')
				fig[i] = atof(line + len + 1) * 1024;
		}
	}
	fclose(f);
	fig[OBJS] = fig[STATES] = 0;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lf %*f %lf", name, &active, &size) != 3)
			continue;	/* the two header lines */
		fig[OBJS] += active * size;
		if (!strcmp(name, "perfctr_task"))
			fig[STATES] = active;
	}
	fclose(f);
}

static int write_control(const char *control)
{
	const char *text = *control ? control : "\n";
	int fd, ret = 0;

	fd = open("/proc/self/perfctr/control", O_WRONLY);
	if (fd < 0)
		return *control ? -1 : 0;	/* none needs no perfctr */
	if (write(fd, text, strlen(text)) < 0)
		ret = -1;
	close(fd);
	return ret;
}

/* One measurement of @tasks children under @cfg, per child into @per. */
static int measure(const struct mem_config *cfg, int tasks,
		   double per[NR_FIGS])
{
	double before[NR_FIGS], after[NR_FIGS];
	int release[2], ready[2], i, n;
	char c;

	if (write_control(cfg->control)) {
		fprintf(stderr, "pcmem: %s: control: %s\n", cfg->name,
			strerror(errno));
		return -1;
	}
	if (pipe(release) || pipe(ready))
		die("pipe");
	/* the last round's tasks are freed after RCU grace periods */
	sleep(1);
	sample(before);
	for (n = 0; n < tasks; n++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "pcmem: fork %d: %s\n", n,
				strerror(errno));
			break;
		}
		if (pid == 0) {
			close(release[1]);
			close(ready[0]);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			while (read(release[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	}
	close(ready[1]);
	for (i = 0; i < n && read(ready[0], &c, 1) == 1; i++)
		;
	sample(after);
	close(ready[0]);
	close(release[1]);
	close(release[0]);
	while (wait(NULL) > 0)
		;
	if (n < tasks || i < n)
		return -1;
	for (i = 0; i < NR_FIGS; i++)
		per[i] = (after[i] - before[i]) / tasks;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static double fig[NR_CONFIGS][NR_FIGS][MAX_ROUNDS];
	double med[NR_CONFIGS][NR_FIGS], per[NR_FIGS];
	int chosen[NR_CONFIGS], nr_chosen = 0, tasks, rounds, r, i, j, k;
	int failures = 0, none = -1;
	const char *rule = "========== ======== ======== ======== ======== "
			   "======== ======= ==========================";
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (i = 0; i < (int)NR_CONFIGS; i++)
			printf("%-9s %s\n", configs[i].name,
			       *configs[i].control ? configs[i].control : "(cleared)");
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: pcmem TASKS ROUNDS [CONFIG...] | pcmem list\n");
		return 64;
	}
	tasks = atoi(argv[1]);
	rounds = atoi(argv[2]);
	if (tasks < 1 || rounds < 1 || rounds > MAX_ROUNDS)
		return 64;
	for (i = 3; i < argc; i++) {
		for (j = 0; j < (int)NR_CONFIGS; j++)
			if (!strcmp(argv[i], configs[j].name))
				break;
		if (j == NR_CONFIGS) {
			fprintf(stderr, "pcmem: unknown config %s\n", argv[i]);
			return 64;
		}
		chosen[nr_chosen++] = j;
	}
	for (j = 0; argc == 3 && j < (int)NR_CONFIGS; j++)
		chosen[nr_chosen++] = j;

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < nr_chosen; k++) {
			const struct mem_config *cfg = &configs[chosen[k]];

			if (measure(cfg, tasks, per)) {
				printf("# pcmem: FAILED: %s\n", cfg->name);
				failures++;
				memset(per, 0, sizeof(per));
			}
			for (j = 0; j < NR_FIGS; j++)
				fig[chosen[k]][j][r] = per[j];
			printf("mem %s %d %.0f %.0f %.0f %.0f %.2f\n", cfg->name,
			       tasks, per[OBJS], per[UNRECL], per[STACK],
			       per[PT], per[STATES]);
			fflush(stdout);
		}
	}
	write_control("");

	for (k = 0; k < nr_chosen; k++) {
		i = chosen[k];
		if (!strcmp(configs[i].name, "none"))
			none = i;
		for (j = 0; j < NR_FIGS; j++)
			med[i][j] = median(fig[i][j], rounds);
	}
	printf("\nBytes per task, medians of %d rounds of %d tasks:\n\n", rounds,
	       tasks);
	printf("%s\n", rule);
	printf("%-10s %8s %8s %8s %8s %8s %7s %s\n", "config", "objects",
	       "counting", "unrecl.", "counting", "stack", "states", "control");
	printf("%s\n", rule);
	for (k = 0; k < nr_chosen; k++) {
		i = chosen[k];
		printf("%-10s %8.0f %8.0f %8.0f %8.0f %8.0f %7.2f %s\n",
		       configs[i].name, med[i][OBJS],
		       none >= 0 ? med[i][OBJS] - med[none][OBJS] : 0,
		       med[i][UNRECL],
		       none >= 0 ? med[i][UNRECL] - med[none][UNRECL] : 0,
		       med[i][STACK], med[i][STATES],
		       *configs[i].control ? configs[i].control : "(none)");
	}
	printf("%s\n", rule);
	printf("# pcmem: failures %d\n", failures);
	return failures ? 1 : 0;
}
