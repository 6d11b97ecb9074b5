// SPDX-License-Identifier: GPL-2.0
/*
 * pchw: hardware counters with counts known in advance, for
 * 27-hardware.bats.  arm64 only: QEMU's emulated PMUv3 counts user-mode
 * instructions exactly with one vCPU under -icount, and every measured
 * stretch of code here is inline assembly whose instruction count follows
 * from the source.  pchw programs its own control, "instructions:u
 * cycles:u", first, unless -k: then it keeps the control it inherited,
 * which must have both (for perfex --tree to measure it).
 *
 *	pchw self N		the two counts of a stretch between two reads
 *				of /proc/self/perfctr/counts that loops N times
 *	pchw spawn N...		one child per N, each looping N times
 *	pchw tree DEPTH WIDTH N	a tree of processes DEPTH levels below
 *				pchw, WIDTH children each, every one looping
 *				N times
 *	pchw exec LOOP ARGS N	a child that loops N times, then execs the
 *				program LOOP (pcloop) with ARGS arguments
 *	pchw reprogram N	a child that reprograms itself, then loops
 *	pchw threads T N	T threads, each looping N times
 *	pchw remote N		a child that loops N times while pchw reads
 *				its counts from outside
 *
 * Each prints key=value words: what it measured ("instructions=",
 * "cycles=", children counts as "children=" and "children_cycles=") and,
 * for everything but threads, what the code implies ("expect=").
 * "svc=" is how many instructions one `svc` (a system call) adds to the
 * count before the kernel reads it: 0 or 1 as the emulation retires it,
 * measured once by "self" and then an input of the others (-s S).
 *
 * What the code implies, in instructions (n loop iterations, s = svc):
 *   self:    between the first read's return and the second read's entry,
 *            5 movs, a cbz and the loop, then the svc: 6 + 2n + s
 *   a child forked by raw clone and looping n times: the cbnz that sees
 *            it is the child, mov, cbz, the loop, 2 movs, the exit's svc:
 *            5 + 2n + s
 *   pcloop:  ldr, lsl, the loop of args * 65536, 2 movs, svc (see
 *            pcloop.S): 4 + s + 2 * 65536 * args, after the child's own
 *            7 + 2n + s up to its execve: the cbnz, mov, cbz, the loop,
 *            4 movs and the svc (the kernel keeps a plain exec's
 *            counts; a set-uid exec keeps them too, as kept counts, and
 *            does not count the privileged program at all)
 *   tree:    see tree_node_expect()
 * Expected values in the output are the children counts pchw must read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pcroot.h"

#define CONTROL	"instructions:u cycles:u"

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pchw: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t number(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("not a number: '%s'", s);
	return v;
}

/* The instructions:u and cycles:u counts of a counts or children text. */
struct hw_counts {
	uint64_t instructions;
	uint64_t cycles;
};

static void parse_counts(const char *text, struct hw_counts *c)
{
	const char *p;

	p = strstr(text, "instructions:u ");
	if (!p || sscanf(p, "instructions:u %" SCNu64, &c->instructions) != 1)
		die("no instructions:u in '%s'", text);
	p = strstr(text, "cycles:u ");
	if (!p || sscanf(p, "cycles:u %" SCNu64, &c->cycles) != 1)
		die("no cycles:u in '%s'", text);
}

static void read_file_counts(const char *path, struct hw_counts *c)
{
	char buf[512];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die("%s: %s", path, n ? strerror(errno) : "empty");
	buf[n] = 0;
	close(fd);
	parse_counts(buf, c);
}

static void write_control(const char *text)
{
	int fd = open(pc_path("self/perfctr/control"), O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("control '%s': %s", text, strerror(errno));
	close(fd);
}

static void children(struct hw_counts *c)
{
	read_file_counts(pc_path("self/perfctr/children"), c);
}

static void reap_all(void)
{
	int status;

	while (wait(&status) > 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("a child ended with status %#x", status);
	}
	if (errno != ECHILD)
		die("wait: %s", strerror(errno));
}

/* Print what children counts grew by, and what the code implies. */
#define UNKNOWN	UINT64_MAX

static void report_children(const struct hw_counts *before, uint64_t expect)
{
	struct hw_counts after;

	children(&after);
	printf("children=%" PRIu64 " children_cycles=%" PRIu64,
	       after.instructions - before->instructions,
	       after.cycles - before->cycles);
	if (expect != UNKNOWN)
		printf(" expect=%" PRIu64, expect);
	putchar('\n');
}

#ifdef __aarch64__

/* arm64 system call numbers (asm-generic/unistd.h) */
#define NR_WRITE	64
#define NR_PREAD64	67
#define NR_EXIT		93
#define NR_EXIT_GROUP	94
#define NR_CLONE	220
#define NR_EXECVE	221
#define NR_WAIT4	260
#define SIGCHLD_	17

#define STR_(x)		#x
#define STR(x)		STR_(x)
/* "mov x8, #NR": the system call number for the svc that follows */
#define SYSNR(nr)	"mov	x8, #" STR(nr) "\n\t"

/*
 * The measured loop, 2n instructions for n = %[n] (subs, b.ne; n = 0 skips
 * it), after the mov and cbz that set it up.  Ends at label 2.
 */
#define LOOP_N		"mov	x9, %[n]\n\t"		\
			"cbz	x9, 2f\n"			\
			"1:\tsubs	x9, x9, #1\n\t"		\
			"b.ne	1b\n"
/*
 * Two reads of the counts file around a loop of @n.  noipa: the compiler
 * may not move code of the caller into the stretch between the reads.
 */
static __attribute__((noipa)) long self_window(long fd, char *b1, char *b2,
					       long len, unsigned long n)
{
	register long x0 asm("x0") = fd;
	register long x1 asm("x1") = (long)b1;
	register long x2 asm("x2") = len;
	register long x3 asm("x3") = 0;
	register long x8 asm("x8") = NR_PREAD64;

	asm volatile("svc	#0\n\t"
		     "mov	x0, %[fd]\n\t"
		     "mov	x1, %[b2]\n\t"
		     "mov	x2, %[len]\n\t"
		     "mov	x3, #0\n\t"
		     LOOP_N
		     "2:\tsvc	#0\n\t"
		     : "+&r"(x0), "+&r"(x1), "+&r"(x2), "+&r"(x3)
		     : "r"(x8), [fd] "r"(fd), [b2] "r"(b2), [len] "r"(len),
		       [n] "r"(n)
		     : "x9", "memory", "cc");
	return x0;
}

/*
 * A child by raw clone (fork's semantics) that loops @n times and exits 0
 * without returning to C; the child's count is 5 + 2n + svc.  In the
 * parent, returns the child's pid.
 */
static __attribute__((noipa)) long spawn_loop(unsigned long n)
{
	register long x0 asm("x0") = SIGCHLD_;
	register long x1 asm("x1") = 0;
	register long x2 asm("x2") = 0;
	register long x3 asm("x3") = 0;
	register long x4 asm("x4") = 0;
	register long x8 asm("x8") = NR_CLONE;

	asm volatile("svc	#0\n\t"
		     "cbnz	x0, 3f\n\t"
		     LOOP_N
		     "2:\tmov	x0, #0\n\t"
		     SYSNR(NR_EXIT_GROUP)
		     "svc	#0\n"
		     "3:\n"
		     : "+&r"(x0), "+&r"(x1), "+&r"(x2), "+&r"(x3), "+&r"(x4),
		       "+&r"(x8)
		     : [n] "r"(n)
		     : "x9", "memory", "cc");
	return x0;
}

/*
 * As spawn_loop(), but the child then writes @len bytes of @text to the
 * descriptor @fd (its control: a reprogram) before looping.
 */
static __attribute__((noipa)) long spawn_write_loop(long fd, const char *text,
						    long len, unsigned long n)
{
	register long x0 asm("x0") = SIGCHLD_;
	register long x1 asm("x1") = 0;
	register long x2 asm("x2") = 0;
	register long x3 asm("x3") = 0;
	register long x4 asm("x4") = 0;
	register long x8 asm("x8") = NR_CLONE;

	asm volatile("svc	#0\n\t"
		     "cbnz	x0, 3f\n\t"
		     "mov	x0, %[fd]\n\t"
		     "mov	x1, %[text]\n\t"
		     "mov	x2, %[len]\n\t"
		     SYSNR(NR_WRITE)
		     "svc	#0\n\t"
		     LOOP_N
		     "2:\tmov	x0, #0\n\t"
		     SYSNR(NR_EXIT_GROUP)
		     "svc	#0\n"
		     "3:\n"
		     : "+&r"(x0), "+&r"(x1), "+&r"(x2), "+&r"(x3), "+&r"(x4),
		       "+&r"(x8)
		     : [fd] "r"(fd), [text] "r"(text), [len] "r"(len),
		       [n] "r"(n)
		     : "x9", "memory", "cc");
	return x0;
}

/*
 * A child that loops @n times, then execve(@path, @argv, @envp); if that
 * fails it exits 127.  The child's count up to the execve is 7 + 2n + svc:
 * spawn_loop()'s, with 4 movs (x0 to x2, x8) in the place of exit's 2.
 */
static __attribute__((noipa)) long spawn_loop_exec(unsigned long n,
						   const char *path,
						   char *const *argv,
						   char *const *envp)
{
	register long x0 asm("x0") = SIGCHLD_;
	register long x1 asm("x1") = 0;
	register long x2 asm("x2") = 0;
	register long x3 asm("x3") = 0;
	register long x4 asm("x4") = 0;
	register long x8 asm("x8") = NR_CLONE;

	asm volatile("svc	#0\n\t"
		     "cbnz	x0, 3f\n\t"
		     LOOP_N
		     "2:\tmov	x0, %[path]\n\t"
		     "mov	x1, %[argv]\n\t"
		     "mov	x2, %[envp]\n\t"
		     SYSNR(NR_EXECVE)
		     "svc	#0\n\t"
		     "mov	x0, #127\n\t"
		     SYSNR(NR_EXIT_GROUP)
		     "svc	#0\n"
		     "3:\n"
		     : "+&r"(x0), "+&r"(x1), "+&r"(x2), "+&r"(x3), "+&r"(x4),
		       "+&r"(x8)
		     : [n] "r"(n), [path] "r"(path), [argv] "r"(argv),
		       [envp] "r"(envp)
		     : "x9", "memory", "cc");
	return x0;
}

/*
 * A process tree, all of it in this one stretch of assembly.  pchw itself
 * enters at "spawn" with x19 = DEPTH; every process forked here starts at
 * "node" (its first instruction, the cbz that sends it there, is its
 * first), loops n times, and, if its level x19 is not 0, forks WIDTH
 * children one level down and reaps them; then it exits.  x24 tells pchw
 * (1) from the processes it forked (0).  Registers survive clone.
 */
static __attribute__((noipa)) void tree_run(unsigned long depth,
					    unsigned long width,
					    unsigned long n)
{
	asm volatile("mov	x19, %[depth]\n\t"
		     "mov	x20, %[n]\n\t"
		     "mov	x22, %[width]\n\t"
		     "mov	x24, #1\n\t"
		     "b		5f\n"
		     "0:\tmov	x24, #0\n\t"		/* node */
		     "mov	x9, x20\n\t"
		     "cbz	x9, 2f\n"
		     "1:\tsubs	x9, x9, #1\n\t"
		     "b.ne	1b\n"
		     "2:\tcbz	x19, 9f\n"
		     "5:\tsub	x19, x19, #1\n\t"	/* spawn */
		     "mov	x23, x22\n"
		     "3:\tmov	x0, #" STR(SIGCHLD_) "\n\t"
		     "mov	x1, #0\n\t"
		     "mov	x2, #0\n\t"
		     "mov	x3, #0\n\t"
		     "mov	x4, #0\n\t"
		     SYSNR(NR_CLONE)
		     "svc	#0\n\t"
		     "cbz	x0, 0b\n\t"
		     "subs	x23, x23, #1\n\t"
		     "b.ne	3b\n\t"
		     "mov	x23, x22\n"
		     "4:\tmov	x0, #-1\n\t"
		     "mov	x1, #0\n\t"
		     "mov	x2, #0\n\t"
		     "mov	x3, #0\n\t"
		     SYSNR(NR_WAIT4)
		     "svc	#0\n\t"
		     "subs	x23, x23, #1\n\t"
		     "b.ne	4b\n\t"
		     "cbnz	x24, 10f\n"
		     "9:\tmov	x0, #0\n\t"
		     SYSNR(NR_EXIT)
		     "svc	#0\n"
		     "10:\n"
		     :
		     : [depth] "r"(depth), [width] "r"(width), [n] "r"(n)
		     : "x0", "x1", "x2", "x3", "x4", "x8", "x9", "x19", "x20",
		       "x22", "x23", "x24", "memory", "cc");
}

/* A thread's whole work: a loop of @n. */
static __attribute__((noipa)) void loop(unsigned long n)
{
	asm volatile(LOOP_N
		     "2:\n"
		     : : [n] "r"(n) : "x9", "cc");
}

#define HAVE_ASM	1
#else
#define HAVE_ASM	0
static long self_window(long fd, char *b1, char *b2, long len,
			unsigned long n) { return -1; }
static long spawn_loop(unsigned long n) { return -1; }
static long spawn_write_loop(long fd, const char *text, long len,
			     unsigned long n) { return -1; }
static long spawn_loop_exec(unsigned long n, const char *path,
			    char *const *argv, char *const *envp)
{
	return -1;
}
static void tree_run(unsigned long depth, unsigned long width,
		     unsigned long n) { }
static void loop(unsigned long n) { }
#endif

static uint64_t svc_count;

static void cmd_self(uint64_t n)
{
	char b1[512], b2[512];
	struct hw_counts a, b;
	long r;
	int fd;

	fd = open(pc_path("self/perfctr/counts"), O_RDONLY);
	if (fd < 0)
		die("counts: %s", strerror(errno));
	memset(b1, 0, sizeof(b1));
	memset(b2, 0, sizeof(b2));
	r = self_window(fd, b1, b2, sizeof(b1) - 1, n);
	if (r <= 0 || !b1[0])
		die("reading counts failed");
	parse_counts(b1, &a);
	parse_counts(b2, &b);
	printf("instructions=%" PRIu64 " cycles=%" PRIu64 " loop=%" PRIu64 "\n",
	       b.instructions - a.instructions, b.cycles - a.cycles, 2 * n);
}

static void cmd_spawn(int argc, char **argv)
{
	struct hw_counts before;
	uint64_t expect = 0, n;
	int i;

	children(&before);
	for (i = 0; i < argc; i++) {
		n = number(argv[i]);
		if (spawn_loop(n) < 0)
			die("clone: %s", strerror(errno));
		expect += 5 + 2 * n + svc_count;
	}
	reap_all();
	report_children(&before, expect);
}

/*
 * A node at level @level (0: a leaf) of a tree of @width: its own count,
 * instruction by instruction as tree_run() runs it.
 */
static uint64_t tree_node_self(uint64_t level, uint64_t width, uint64_t n)
{
	/* cbz x0, mov x24, mov x9, cbz x9, the loop, cbz x19 */
	uint64_t c = 5 + 2 * n;

	if (level) {
		/* sub, mov; per child: 6 movs, svc, cbz, subs, b.ne */
		c += 2 + width * (9 + svc_count);
		/* mov; per child: 5 movs, svc, subs, b.ne; then cbnz x24 */
		c += 1 + width * (7 + svc_count) + 1;
	}
	/* mov, mov, svc */
	return c + 2 + svc_count;
}

/* The final count of a node at @level: its own plus its subtree's. */
static uint64_t tree_node_final(uint64_t level, uint64_t width, uint64_t n)
{
	uint64_t c = tree_node_self(level, width, n);

	if (level)
		c += width * tree_node_final(level - 1, width, n);
	return c;
}

static void cmd_tree(uint64_t depth, uint64_t width, uint64_t n)
{
	struct hw_counts before;

	if (depth < 1 || width < 1)
		die("tree: DEPTH and WIDTH must be at least 1");
	children(&before);
	tree_run(depth, width, n);
	report_children(&before, width * tree_node_final(depth - 1, width, n));
}

static void cmd_exec(const char *prog, uint64_t args, uint64_t n)
{
	struct hw_counts before;
	char *argv[66], *envp[] = { NULL };
	uint64_t i;

	if (args < 1 || args > 64)
		die("exec: ARGS from 1 to 64");
	argv[0] = (char *)prog;
	for (i = 1; i < args; i++)
		argv[i] = "x";
	argv[args] = NULL;
	children(&before);
	if (spawn_loop_exec(n, prog, argv, envp) < 0)
		die("clone: %s", strerror(errno));
	reap_all();
	/* the child up to its execve, then pcloop with argc = args */
	report_children(&before, 7 + 2 * n + svc_count +
				 4 + svc_count + 2 * 65536 * args);
}

static void cmd_reprogram(uint64_t n)
{
	static const char text[] = CONTROL;
	struct hw_counts before;
	int fd;

	fd = open(pc_path("self/perfctr/control"), O_WRONLY);
	if (fd < 0)
		die("control: %s", strerror(errno));
	children(&before);
	if (spawn_write_loop(fd, text, sizeof(text) - 1, n) < 0)
		die("clone: %s", strerror(errno));
	reap_all();
	close(fd);
	/* a child that reprogrammed itself is not merged: nothing */
	report_children(&before, 0);
}

static void *thread_main(void *arg)
{
	loop((uintptr_t)arg);
	return NULL;
}

/*
 * Threads merge into their leader when they are released, which may come
 * after pthread_join() returns; their ids leave /proc in the same
 * tasklist_lock section as the merge.
 */
static int task_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("/proc/self/task: %s", strerror(errno));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void cmd_threads(uint64_t t, uint64_t n)
{
	struct hw_counts before;
	pthread_t th[64];
	uint64_t i;
	int tries;

	if (t < 1 || t > 64)
		die("threads: T from 1 to 64");
	children(&before);
	for (i = 0; i < t; i++) {
		if (pthread_create(&th[i], NULL, thread_main,
				   (void *)(uintptr_t)n))
			die("pthread_create failed");
	}
	for (i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	for (tries = 0; task_count() > 1; tries++) {
		if (tries == 10000)
			die("threads still listed after they were joined");
		usleep(1000);
	}
	/* what glibc runs in a thread is not known here */
	report_children(&before, UNKNOWN);
}

static void cmd_remote(uint64_t n)
{
	char path[64], buf[512];
	struct hw_counts c, fin, before;
	uint64_t last = 0, reads = 0, moves = 0;
	long pid;
	int fd, status;
	ssize_t r;

	children(&before);
	pid = spawn_loop(n);
	if (pid < 0)
		die("clone: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%ld/perfctr/counts", pc_root(), pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		r = pread(fd, buf, sizeof(buf) - 1, 0);
		if (r <= 0)
			break;		/* the child has exited */
		buf[r] = 0;
		parse_counts(buf, &c);
		reads++;
		if (c.instructions < last)
			die("remote read went back: %" PRIu64 " after %" PRIu64,
			    c.instructions, last);
		if (c.instructions > last)
			moves++;
		last = c.instructions;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	close(fd);
	reap_all();
	children(&fin);
	fin.instructions -= before.instructions;
	if (last > fin.instructions)
		die("a remote read (%" PRIu64 ") is past the final count (%"
		    PRIu64 ")", last, fin.instructions);
	printf("reads=%" PRIu64 " moves=%" PRIu64 " last=%" PRIu64
	       " children=%" PRIu64 " expect=%" PRIu64 "\n", reads, moves,
	       last, fin.instructions, 5 + 2 * n + svc_count);
}

int main(int argc, char **argv)
{
	bool keep = false;
	int opt;

	while ((opt = getopt(argc, argv, "+ks:")) != -1) {
		if (opt == 'k')
			keep = true;
		else if (opt == 's')
			svc_count = number(optarg);
		else
			return 2;
	}
	argc -= optind;
	argv += optind;
	if (!HAVE_ASM)
		die("needs arm64");
	if (argc < 1)
		die("usage: pchw [-k] [-s SVC] self|spawn|tree|exec|reprogram|threads|remote ...");
	if (!keep)
		write_control(CONTROL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[0], "self") && argc == 2)
		cmd_self(number(argv[1]));
	else if (!strcmp(argv[0], "spawn") && argc >= 2)
		cmd_spawn(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "tree") && argc == 4)
		cmd_tree(number(argv[1]), number(argv[2]), number(argv[3]));
	else if (!strcmp(argv[0], "exec") && argc == 4)
		cmd_exec(argv[1], number(argv[2]), number(argv[3]));
	else if (!strcmp(argv[0], "reprogram") && argc == 2)
		cmd_reprogram(number(argv[1]));
	else if (!strcmp(argv[0], "threads") && argc == 3)
		cmd_threads(number(argv[1]), number(argv[2]));
	else if (!strcmp(argv[0], "remote") && argc == 2)
		cmd_remote(number(argv[1]));
	else
		die("bad arguments");
	return 0;
}
