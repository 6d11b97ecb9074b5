// SPDX-License-Identifier: GPL-2.0
/*
 * perfex: run a command with perfctr's per-task counters and print what it
 * and its descendants counted, or follow the counters of a running
 * process (-p).  Options and usage here; the modes in run.c and poll.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "perfex.h"

const char *perfex_name = "perfex";

static const char usage_text[] =
"usage: perfex [-e EVENTS] [--tree [--threads] | -r N | -I MSEC]\n"
"              [-x SEP | --json] [-o FILE [--append]] [--] COMMAND [ARG...]\n"
"       perfex --tree --folded EVENT [-e EVENTS] [-o FILE [--append]]\n"
"              [--] COMMAND [ARG...]\n"
"       perfex -p PID [-e EVENTS] [-I MSEC] [--count N] [-x SEP | --json]\n"
"              [-o FILE [--append]]\n"
"\n"
"Runs COMMAND with perfctr's per-task counters and prints, per event, what\n"
"COMMAND counted itself, what the descendants it reaped counted, and the\n"
"total, on standard error (as perf stat and time do), so that standard\n"
"output is COMMAND's alone.  Exits with COMMAND's exit status (128 + N if\n"
"signal N killed it), even when its counts cannot be read or printed (said\n"
"on stderr); 127 if COMMAND is not found, 126 if it cannot be executed.\n"
"With --tree, also prints every process under COMMAND, with its own counts\n"
"and its subtree's.  With -p, prints the counters PID already has every MSEC\n"
"milliseconds, on standard output; with -p and -e, programs PID with EVENTS\n"
"first, replacing its control, which perfex leaves so at its exit.\n"
"\n"
"  -e, --event EVENTS          events to count, separated by blanks or\n"
"                              commas; may be repeated.  Default:\n"
"                              task-clock context-switches cpu-migrations\n"
"                              minor-faults major-faults\n"
"      --tree                  print the process tree: one line per process,\n"
"                              its own counts and its subtree's\n"
"      --threads               with --tree: each thread on its own line\n"
"      --folded EVENT          with --tree: instead of the report, the tree\n"
"                              as folded stacks for flame graph tools, one\n"
"                              line per process: its command names from\n"
"                              COMMAND's down, ';'-separated, and its own\n"
"                              count of EVENT (one of the events counted)\n"
"  -r, --repeat N              run COMMAND N times, print the means and the\n"
"                              standard deviation of each mean (+- %); stop\n"
"                              at a run that exits non-zero, with its status\n"
"  -x, --field-separator SEP   CSV: one line per event, fields separated\n"
"                              by SEP\n"
"  -j, --json                  JSON (with -p: one object per line)\n"
"  -o, --output FILE           write the counts to FILE, created or\n"
"                              truncated\n"
"      --append                with -o: append to FILE\n"
"  -p, --pid PID               follow thread PID's counters\n"
"  -I, --interval MSEC         with -p: sample every MSEC ms (default 1000);\n"
"                              with COMMAND: every MSEC ms, print what its\n"
"                              counts (self, children, total) grew by since\n"
"                              the last line, then the report at its exit\n"
"      --count N               with -p: stop after N samples\n"
"  -h, --help                  print this help\n"
"\n"
"See perfex(1).\n";

enum {
	OPT_COUNT = 0x100,
	OPT_TREE,
	OPT_THREADS,
	OPT_APPEND,
	OPT_FOLDED,
};

static const struct option long_options[] = {
	{ "event",		required_argument,	NULL, 'e' },
	{ "field-separator",	required_argument,	NULL, 'x' },
	{ "json",		no_argument,		NULL, 'j' },
	{ "output",		required_argument,	NULL, 'o' },
	{ "append",		no_argument,		NULL, OPT_APPEND },
	{ "pid",		required_argument,	NULL, 'p' },
	{ "interval",		required_argument,	NULL, 'I' },
	{ "count",		required_argument,	NULL, OPT_COUNT },
	{ "repeat",		required_argument,	NULL, 'r' },
	{ "tree",		no_argument,		NULL, OPT_TREE },
	{ "threads",		no_argument,		NULL, OPT_THREADS },
	{ "folded",		required_argument,	NULL, OPT_FOLDED },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 },
};

/* '+': options end at the command, whose own options are its business. */
static const char short_options[] = "+:e:x:jo:p:I:r:h";

/*
 * Where the files are, as libperfctr finds them: /proc on a patched
 * kernel, else the module's own filesystem on a stock one, whose layout
 * below the root is the same.  /proc when neither has them.
 */
const char *perfex_root(void)
{
	static const char *root;

	if (!root) {
		root = "/proc";
		if (access("/proc/self/perfctr", F_OK) &&
		    !access("/sys/fs/perfctr/self/perfctr", F_OK))
			root = "/sys/fs/perfctr";
	}
	return root;
}

void perfex_unavailable(int err)
{
	if (err == ENODEV)
		fprintf(stderr, "%s: perfctr is not available (module not loaded?)\n",
			perfex_name);
	else
		fprintf(stderr, "%s: perfctr is not available (no /proc/<pid>/perfctr/ nor /sys/fs/perfctr/<pid>/perfctr/)\n",
			perfex_name);
}

uint64_t perfex_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A pidfd of process @pid, or -1 (errno says why): not a process leader,
 * or a kernel or C library older than pidfd_open(), 5.3.  The raw system
 * call, so that perfex builds where <sys/pidfd.h> is missing; callers cope
 * with -1 as their mode allows.
 */
int perfex_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* perfex's own usage errors: the message and the usage; -1, for status 2. */
__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", perfex_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return -1;
}

/*
 * getopt's complaint, about the word where it stopped, or about the
 * unknown short option it names (which may sit inside a word: -jz).
 */
static int bad_option(bool missing, char **argv)
{
	char name[3] = { '-', (char)optopt, '\0' };

	if (missing)
		return usage_error("option '%s' needs an argument",
				   argv[optind - 1]);
	return usage_error("unknown option '%s'",
			   optopt ? name : argv[optind - 1]);
}

static int parse_long(const char *s, long min, long max, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* -e EVENTS again: the texts joined by a blank, as one control. */
static int add_events(struct perfex_opts *opts, const char *text)
{
	size_t old = opts->events ? strlen(opts->events) : 0;
	char *events = realloc(opts->events, old + strlen(text) + 2);

	if (!events)
		return -1;
	if (old)
		events[old++] = ' ';
	strcpy(events + old, text);
	opts->events = events;
	return 0;
}

/* The options' values into @opts: 0, 1 for --help, or -1 (said why). */
static int parse_option(int c, struct perfex_opts *opts, bool *csv)
{
	long v;

	switch (c) {
	case 'e':
		if (add_events(opts, optarg))
			return usage_error("%s", strerror(errno));
		return 0;
	case 'x':
		if (!*optarg)
			return usage_error("-x: empty separator");
		opts->sep = optarg;
		*csv = true;
		return 0;
	case 'j':
		opts->format = FORMAT_JSON;
		return 0;
	case 'o':
		opts->output = optarg;
		return 0;
	case OPT_APPEND:
		opts->append = true;
		return 0;
	case 'p':
		if (parse_long(optarg, 1, INT_MAX, &v))
			return usage_error("-p: not a process id: '%s'",
					   optarg);
		opts->pid = v;
		return 0;
	case 'I':
		if (parse_long(optarg, 1, 86400000, &v))
			return usage_error("-I: not a number of milliseconds: '%s'",
					   optarg);
		opts->interval_ms = v;
		return 0;
	case 'r':
		if (parse_long(optarg, 1, PERFEX_REPEAT_MAX, &v))
			return usage_error("-r: not a number of runs from 1 to %d: '%s'",
					   PERFEX_REPEAT_MAX, optarg);
		opts->repeat = v;
		return 0;
	case OPT_COUNT:
		if (parse_long(optarg, 1, LONG_MAX, &v))
			return usage_error("--count: not a positive number: '%s'",
					   optarg);
		opts->count = v;
		return 0;
	case OPT_THREADS:
		opts->threads = true;
		opts->tree = true;
		return 0;
	case OPT_TREE:
		opts->tree = true;
		return 0;
	case OPT_FOLDED:
		opts->folded = optarg;
		return 0;
	case 'h':
		return 1;
	case ':':
		return bad_option(true, opts->argv);
	default:
		return bad_option(false, opts->argv);
	}
}

/*
 * --folded EVENT: where EVENT is among the events asked for (-e, else the
 * default), for folded_counter() to find its counter by; -1 if it is not
 * one of them.
 */
static int folded_event(struct perfex_opts *opts)
{
	const char *text = opts->events ? opts->events :
			   PERFEX_DEFAULT_HW_EVENTS " " PERFEX_DEFAULT_EVENTS;
	size_t pos, len, want = strlen(opts->folded);
	unsigned int n = 0;
	int found = -1;

	for (pos = 0; (len = events_token(text, &pos)); pos += len) {
		if (found < 0 && len == want &&
		    !memcmp(text + pos, opts->folded, len))
			found = n;
		n++;
	}
	if (found < 0)
		return -1;
	opts->folded_pos = found;
	opts->folded_tokens = n;
	return 0;
}

/*
 * --folded is a format of its own, of the tree: the other formats and the
 * modes without a tree exclude it.
 */
static int check_folded(struct perfex_opts *opts, bool csv)
{
	if (csv || opts->format != FORMAT_TABLE)
		return usage_error("--folded is a format of its own: it excludes -x and --json");
	if (opts->pid)
		return usage_error("--folded draws a command's process tree; it cannot follow a process (-p)");
	if (opts->repeat)
		return usage_error("--folded and -r exclude each other: a tree is one run's");
	if (opts->interval_ms)
		return usage_error("--folded and -I exclude each other");
	if (opts->threads)
		return usage_error("--folded and --threads exclude each other: a process's line counts its threads");
	if (!opts->tree)
		return usage_error("--folded draws the process tree: it needs --tree");
	if (folded_event(opts))
		return usage_error("--folded: '%s' is not among the events counted (-e)",
				   opts->folded);
	opts->format = FORMAT_FOLDED;
	return 0;
}

/* What the options say together; 0 or -1 (said why). */
static int check_options(struct perfex_opts *opts, bool csv)
{
	size_t pos = 0;

	if (csv && opts->format == FORMAT_JSON)
		return usage_error("-x and --json exclude each other");
	if (csv)
		opts->format = FORMAT_CSV;
	if (opts->append && !opts->output)
		return usage_error("--append needs -o FILE");
	if (opts->events && !events_token(opts->events, &pos))
		return usage_error("-e: no events");
	if (opts->folded && check_folded(opts, csv))
		return -1;
	if (opts->pid) {
		if (*opts->argv)
			return usage_error("-p follows a running process: no command");
		if (opts->tree)
			return usage_error("--tree runs a command; it cannot follow a process (-p)");
		if (opts->repeat)
			return usage_error("-r runs a command; it cannot follow a process (-p)");
		if (!opts->interval_ms)
			opts->interval_ms = 1000;
		return 0;
	}
	if (opts->count)
		return usage_error("--count needs -p");
	if (opts->repeat && opts->tree)
		return usage_error("-r and --tree exclude each other: a tree is one run's");
	if (opts->repeat && opts->interval_ms)
		return usage_error("-r and -I exclude each other");
	if (opts->interval_ms && opts->tree)
		return usage_error("-I and --tree exclude each other");
	if (!*opts->argv)
		return usage_error("no command");
	return 0;
}

static int parse_options(int argc, char **argv, struct perfex_opts *opts)
{
	bool csv = false;
	int c, ret;

	opts->argv = argv;	/* for the messages, until the command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_options, long_options,
				NULL)) != -1) {
		ret = parse_option(c, opts, &csv);
		if (ret)
			return ret;
	}
	opts->argv = argv + optind;
	return check_options(opts, csv);
}

/*
 * Where the counts go: -o FILE, which the command never gets, or else a
 * command's on standard error, as perf stat and time(1) print theirs, so
 * that standard output is the command's alone; -p's samples, the only
 * output there is, on standard output.
 */
static int open_output(const struct perfex_opts *opts, struct perfex_out *out)
{
	out->format = opts->format;
	out->sep = opts->sep;
	out->folded = opts->folded;
	out->folded_pos = opts->folded_pos;
	out->folded_tokens = opts->folded_tokens;
	out->f = opts->pid ? stdout : stderr;
	if (!opts->output)
		return 0;
	out->f = fopen(opts->output, opts->append ? "ae" : "we");
	if (!out->f) {
		fprintf(stderr, "%s: %s: %s\n", perfex_name, opts->output,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Standard error is not closed: it may still have a message to say. */
static int close_output(const struct perfex_opts *opts, FILE *f)
{
	bool failed = ferror(f);

	if (f == stderr ? fflush(f) : fclose(f))
		failed = true;
	if (failed && f != stderr)
		fprintf(stderr, "%s: %s: write error\n", perfex_name,
			opts->output ? opts->output : "standard output");
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct perfex_opts opts = { .format = FORMAT_TABLE };
	struct perfex_out out;
	int ret;

	/* a report on stderr is written a line at a time, not a byte */
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
	ret = parse_options(argc, argv, &opts);
	if (ret > 0) {
		fputs(usage_text, stdout);
		return EXIT_SUCCESS;
	}
	if (ret < 0)
		return EXIT_USAGE;
	if (open_output(&opts, &out))
		return EXIT_FAILURE;
	if (opts.pid)
		ret = perfex_poll(&opts, &out);
	else
		ret = perfex_run_command(&opts, &out);
	/* a command's status is perfex's, as with time(1): said, not lost */
	if (close_output(&opts, out.f) && opts.pid)
		ret = EXIT_FAILURE;
	free(opts.events);
	return ret;
}
