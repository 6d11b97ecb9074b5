// SPDX-License-Identifier: GPL-2.0
/*
 * pcperm: the cells of the permission matrix (32-permission-matrix.bats)
 *
 * Each OP is one cell: a file of /proc/<pid>/perfctr/ opened and used once.
 *   control id counts children lost   open O_RDONLY, read(2) to the end
 *   page                                open O_RDONLY, mmap(2) one page
 *   w=TEXT                              open O_WRONLY, write(2) TEXT
 * and its result is printed as one word: "ok", or the errno's name and the
 * call that failed ("EACCES@open", "EACCES@read", "EPERM@mmap" ...).  A read
 * of id must give a decimal number ("baddata" otherwise).
 *
 *   pcperm [-n] probe PID OP...     open and use, as this process (PID may
 *                                   be "self")
 *   pcperm [-n] hold NAME PID OP... open as this process, then hand the
 *                                   descriptors to the first "fetch" on the
 *                                   abstract socket @NAME, and exit
 *   pcperm [-n] fetch NAME OP...    use the descriptors "hold" opened (a
 *                                   failed open reports the holder's error)
 *   pcperm [-n] target NAME CONTROL a long-lived target: writes CONTROL to
 *                                   its own control, then serves "ask"s on
 *                                   @NAME until killed
 *   pcperm [-n] ask NAME pid        the target's pid (SO_PEERCRED: as seen
 *                                   from here, whatever its PID namespace)
 *   pcperm [-n] ask NAME self OP... the target opens its own files and uses
 *                                   them
 *   pcperm [-n] ask NAME give OP... the target opens its own files and hands
 *                                   them over; this process uses them
 *   pcperm [-n] ask NAME use PID OP...
 *                                   this process opens PID's files and hands
 *                                   them to the target, which uses them
 *   pcperm [-n] ask NAME fd N OP... the target writes through its
 *                                   descriptor N (w= ops only), which it
 *                                   inherited across exec
 *   pcperm [-n] ask NAME givefd N OP...
 *                                   the target hands over its descriptor N;
 *                                   this process writes through it
 *   pcperm keep-control CMD...      open /proc/self/perfctr/control for
 *                                   writing as descriptor 9, then exec CMD
 *   pcperm pidns [--proc] CMD...    run CMD as pid 1 of a new PID namespace,
 *                                   with a /proc of its own if --proc
 *                                   (and, in stock mode, a perfctr
 *                                   filesystem at $PERFCTR_ROOT)
 *
 * -n makes this process non-dumpable (prctl(PR_SET_DUMPABLE, 0)) first (a
 * target: once it has programmed itself); an exec would undo that, hence a
 * flag rather than a wrapper.  Results are
 * printed space-separated on one line, in OP order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pcroot.h"

#define MAX_OPS	16
#define MSG_MAX	2048
#define PAGE	4096

static bool nondumpable;

static void die(const char *what)
{
	fprintf(stderr, "pcperm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static bool is_write(const char *op)
{
	return !strncmp(op, "w=", 2);
}

static bool valid_op(const char *op)
{
	static const char *const names[] = {
		"control", "id", "counts", "children", "lost", "page",
	};
	size_t i;

	if (is_write(op))
		return op[2] != '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(op, names[i]))
			return true;
	return false;
}

static void check_ops(int n, char **ops)
{
	int i;

	if (n < 1 || n > MAX_OPS) {
		fprintf(stderr, "pcperm: 1 to %d OPs\n", MAX_OPS);
		exit(64);
	}
	for (i = 0; i < n; i++) {
		if (!valid_op(ops[i])) {
			fprintf(stderr, "pcperm: bad OP '%s'\n", ops[i]);
			exit(64);
		}
	}
}

static void result(char *out, size_t size, int err, const char *call)
{
	if (err)
		snprintf(out, size, "%s@%s", strerrorname_np(err), call);
	else
		snprintf(out, size, "ok");
}

/* Open the file OP works on, of task @pid; -errno on failure. */
static int open_op(const char *pid, const char *op)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/perfctr/%s", pc_root(), pid,
		 is_write(op) ? "control" : op);
	fd = open(path, is_write(op) ? O_WRONLY : O_RDONLY);
	return fd < 0 ? -errno : fd;
}

/* Use @fd as OP says; writes the result word to @out. */
static void use_op(int fd, const char *op, char *out, size_t size)
{
	char buf[8192];
	size_t len = 0;
	ssize_t got;
	void *map;

	if (!strcmp(op, "page")) {
		map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			result(out, size, errno, "mmap");
			return;
		}
		munmap(map, PAGE);
		result(out, size, 0, NULL);
		return;
	}
	if (is_write(op)) {
		got = write(fd, op + 2, strlen(op + 2));
		result(out, size, got < 0 ? errno : 0, "write");
		return;
	}
	while ((got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	if (got < 0) {
		result(out, size, errno, "read");
		return;
	}
	buf[len] = '\0';
	if (!strcmp(op, "id") &&
	    (len < 2 || strspn(buf, "0123456789") != len - 1 ||
	     buf[len - 1] != '\n')) {
		snprintf(out, size, "baddata");
		return;
	}
	result(out, size, 0, NULL);
}

/* Appends @word to the line @line. */
static void append(char *line, size_t size, const char *word)
{
	size_t len = strlen(line);

	snprintf(line + len, size - len, "%s%s", len ? " " : "", word);
}

/*
 * Opens every OP of @pid: fds[i] is the descriptor or -errno.  Returns the
 * number opened.
 */
static int open_ops(const char *pid, int n, char **ops, int *fds)
{
	int i, opened = 0;

	for (i = 0; i < n; i++) {
		fds[i] = open_op(pid, ops[i]);
		opened += fds[i] >= 0;
	}
	return opened;
}

/* Uses the descriptors of open_ops(); the results on one line. */
static void use_ops(int n, char **ops, const int *fds, char *line,
		    size_t size)
{
	char word[64];
	int i;

	line[0] = '\0';
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			result(word, sizeof(word), -fds[i], "open");
		else
			use_op(fds[i], ops[i], word, sizeof(word));
		append(line, size, word);
	}
}

/* Descriptor passing: one SOCK_SEQPACKET message of text and descriptors. */

static void send_msg(int sock, const char *text, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_OPS)] = { 0 };
	struct iovec iov = { (void *)text, strlen(text) + 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += fds[i] >= 0;
	if (k) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * k);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * k);
		for (i = 0, k = 0; i < n; i++)
			if (fds[i] >= 0)
				memcpy(CMSG_DATA(cmsg) + sizeof(int) * k++,
				       &fds[i], sizeof(int));
	}
	if (sendmsg(sock, &msg, 0) < 0)
		die("sendmsg");
}

/*
 * Receives a message: returns its text (in @text), and fills @fds, in
 * order, with the received descriptors where the sender's @n words of the
 * text say "ok", and -errno of the sender's failed open elsewhere.  The
 * text is "WORD..." with one word per op; with @n == 0 the text is free.
 * Returns false if the sender closed the connection instead (@n == 0 only).
 */
static bool recv_msg(int sock, char *text, size_t size, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_OPS)];
	struct iovec iov = { text, size - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int got[MAX_OPS], ngot = 0, i, k = 0;
	char *save, *word, copy[MSG_MAX];
	ssize_t len;

	len = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (len < 0)
		die("recvmsg");
	text[len] = '\0';
	if (len == 0 && !n)
		return false;
	if (len == 0) {
		fprintf(stderr, "pcperm: connection closed\n");
		exit(2);
	}
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS) {
		ngot = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(got, CMSG_DATA(cmsg), sizeof(int) * ngot);
	}
	if (!n)
		return true;
	snprintf(copy, sizeof(copy), "%s", text);
	word = strtok_r(copy, " ", &save);
	for (i = 0; i < n; i++) {
		if (!word) {
			fprintf(stderr, "pcperm: short message '%s'\n", text);
			exit(2);
		}
		if (!strcmp(word, "ok")) {
			if (k >= ngot) {
				fprintf(stderr, "pcperm: descriptor missing\n");
				exit(2);
			}
			fds[i] = got[k++];
		} else {
			/* the sender's "EACCES@open" */
			char name[32];

			snprintf(name, sizeof(name), "%s", word);
			*strchrnul(name, '@') = '\0';
			fds[i] = -EINVAL;
			for (int e = 1; e < 4096; e++) {
				const char *en = strerrorname_np(e);

				if (en && !strcmp(en, name)) {
					fds[i] = -e;
					break;
				}
			}
		}
		word = strtok_r(NULL, " ", &save);
	}
	return true;
}

static void open_words(int n, const int *fds, char *line, size_t size)
{
	char word[64];
	int i;

	line[0] = '\0';
	for (i = 0; i < n; i++) {
		result(word, sizeof(word), fds[i] < 0 ? -fds[i] : 0, "open");
		append(line, size, word);
	}
}

static socklen_t sock_addr(const char *name, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* abstract: no file, no file permission, any mount namespace */
	snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "pcperm.%s",
		 name);
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       strlen(sun->sun_path + 1);
}

static int listen_on(const char *name)
{
	struct sockaddr_un sun;
	socklen_t len = sock_addr(name, &sun);
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (sock < 0)
		die("socket");
	if (bind(sock, (struct sockaddr *)&sun, len) || listen(sock, 8))
		die(name);
	return sock;
}

/* Connects to @name, retrying for 20 s while nobody listens yet. */
static int connect_to(const char *name)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct sockaddr_un sun;
	socklen_t len = sock_addr(name, &sun);
	int sock, tries;

	for (tries = 0; tries < 2000; tries++) {
		sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (sock < 0)
			die("socket");
		if (!connect(sock, (struct sockaddr *)&sun, len))
			return sock;
		if (errno != ECONNREFUSED)
			die(name);
		close(sock);
		nanosleep(&pause, NULL);
	}
	die(name);
	return -1;
}

static int cmd_probe(int argc, char **argv)
{
	char line[MSG_MAX];
	int fds[MAX_OPS];

	if (argc < 2)
		return 64;
	check_ops(argc - 1, argv + 1);
	open_ops(argv[0], argc - 1, argv + 1, fds);
	use_ops(argc - 1, argv + 1, fds, line, sizeof(line));
	puts(line);
	return 0;
}

static int cmd_hold(int argc, char **argv)
{
	char line[MSG_MAX];
	int fds[MAX_OPS], sock, conn;

	if (argc < 3)
		return 64;
	check_ops(argc - 2, argv + 2);
	sock = listen_on(argv[0]);
	open_ops(argv[1], argc - 2, argv + 2, fds);
	/* a holder nobody fetches from must not outlive its test */
	alarm(30);
	conn = accept(sock, NULL, NULL);
	if (conn < 0)
		die("accept");
	open_words(argc - 2, fds, line, sizeof(line));
	send_msg(conn, line, fds, argc - 2);
	/* wait for the fetcher to be done with them, then exit */
	if (read(conn, line, 1) < 0)
		die("read");
	return 0;
}

static int cmd_fetch(int argc, char **argv)
{
	char text[MSG_MAX], line[MSG_MAX];
	int fds[MAX_OPS], sock;

	if (argc < 2)
		return 64;
	check_ops(argc - 1, argv + 1);
	sock = connect_to(argv[0]);
	recv_msg(sock, text, sizeof(text), fds, argc - 1);
	use_ops(argc - 1, argv + 1, fds, line, sizeof(line));
	puts(line);
	return 0;
}

/* Splits "WORD WORD ..." into @words; returns their number. */
static int split(char *text, char **words, int max)
{
	char *save, *word;
	int n = 0;

	for (word = strtok_r(text, " ", &save); word && n < max;
	     word = strtok_r(NULL, " ", &save))
		words[n++] = word;
	return n;
}

/*
 * Serves one request of "ask": "self OP...", "give OP...", "use OP..." (the
 * words, then the descriptors, in a second message) or "fd N OP...".
 */
static void serve(int conn)
{
	char text[MSG_MAX], line[MSG_MAX], *words[MAX_OPS + 2];
	int fds[MAX_OPS], n, i;

	/* "ask NAME pid" only connects */
	if (!recv_msg(conn, text, sizeof(text), NULL, 0))
		return;
	n = split(text, words, MAX_OPS + 2);
	if (n < 2)
		goto bad;
	if (!strcmp(words[0], "self")) {
		check_ops(n - 1, words + 1);
		open_ops("thread-self", n - 1, words + 1, fds);
		use_ops(n - 1, words + 1, fds, line, sizeof(line));
	} else if (!strcmp(words[0], "give")) {
		check_ops(n - 1, words + 1);
		open_ops("thread-self", n - 1, words + 1, fds);
		open_words(n - 1, fds, line, sizeof(line));
		send_msg(conn, line, fds, n - 1);
		/* the asker has its own copies now */
		for (i = 0; i < n - 1; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return;
	} else if (!strcmp(words[0], "givefd") && n >= 3) {
		check_ops(n - 2, words + 2);
		for (i = 0; i < n - 2; i++) {
			if (!is_write(words[2 + i]))
				goto bad;
			fds[i] = dup(atoi(words[1]));
			if (fds[i] < 0)
				fds[i] = -errno;
		}
		open_words(n - 2, fds, line, sizeof(line));
		send_msg(conn, line, fds, n - 2);
		for (i = 0; i < n - 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return;
	} else if (!strcmp(words[0], "use")) {
		check_ops(n - 1, words + 1);
		recv_msg(conn, line, sizeof(line), fds, n - 1);
		use_ops(n - 1, words + 1, fds, line, sizeof(line));
	} else if (!strcmp(words[0], "fd") && n >= 3) {
		check_ops(n - 2, words + 2);
		for (i = 0; i < n - 2; i++) {
			if (!is_write(words[2 + i]))
				goto bad;
			fds[i] = dup(atoi(words[1]));
			if (fds[i] < 0)
				fds[i] = -errno;
		}
		use_ops(n - 2, words + 2, fds, line, sizeof(line));
		n--;
	} else {
		goto bad;
	}
	for (i = 0; i < n - 1; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	send_msg(conn, line, NULL, 0);
	return;
bad:
	send_msg(conn, "bad-request", NULL, 0);
}

static int cmd_target(int argc, char **argv)
{
	int sock, conn, err, fd;

	if (argc != 2)
		return 64;
	fd = open_op("thread-self", "w=x");
	err = fd < 0 ? -fd : 0;
	if (!err && write(fd, argv[1], strlen(argv[1])) < 0)
		err = errno;
	if (err) {
		errno = err;
		die("programming its own control");
	}
	close(fd);
	/*
	 * Only now: the files of a non-dumpable task belong to root, so that
	 * it could not open its own control for writing any more.
	 */
	if (nondumpable && prctl(PR_SET_DUMPABLE, 0))
		die("PR_SET_DUMPABLE");
	sock = listen_on(argv[0]);
	for (;;) {
		conn = accept(sock, NULL, NULL);
		if (conn < 0)
			die("accept");
		serve(conn);
		close(conn);
	}
}

static int cmd_ask(int argc, char **argv)
{
	char text[MSG_MAX], line[MSG_MAX];
	int fds[MAX_OPS], sock, i, n;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (argc < 2)
		return 64;
	sock = connect_to(argv[0]);
	if (!strcmp(argv[1], "pid")) {
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len))
			die("SO_PEERCRED");
		printf("%d\n", cred.pid);
		return 0;
	}
	if (argc < 3)
		return 64;
	text[0] = '\0';
	for (i = 1; i < argc; i++)
		append(text, sizeof(text), argv[i]);
	if (!strcmp(argv[1], "give") || !strcmp(argv[1], "givefd")) {
		i = !strcmp(argv[1], "give") ? 2 : 3;
		n = argc - i;
		check_ops(n, argv + i);
		send_msg(sock, text, NULL, 0);
		recv_msg(sock, line, sizeof(line), fds, n);
		use_ops(n, argv + i, fds, line, sizeof(line));
		puts(line);
		return 0;
	}
	if (!strcmp(argv[1], "use")) {
		/* "use PID OP...": the target gets "use OP..." */
		if (argc < 4)
			return 64;
		n = argc - 3;
		check_ops(n, argv + 3);
		text[0] = '\0';
		append(text, sizeof(text), "use");
		for (i = 3; i < argc; i++)
			append(text, sizeof(text), argv[i]);
		send_msg(sock, text, NULL, 0);
		open_ops(argv[2], n, argv + 3, fds);
		open_words(n, fds, line, sizeof(line));
		send_msg(sock, line, fds, n);
	} else {
		send_msg(sock, text, NULL, 0);
	}
	recv_msg(sock, line, sizeof(line), NULL, 0);
	puts(line);
	return 0;
}

static int cmd_keep_control(int argc, char **argv)
{
	int fd;

	if (argc < 1)
		return 64;
	fd = open(pc_path("self/perfctr/control"), O_WRONLY);
	if (fd < 0)
		die("/proc/self/perfctr/control");
	if (dup2(fd, 9) != 9)
		die("dup2");
	execvp(argv[0], argv);
	die(argv[0]);
	return 127;
}

static int cmd_pidns(int argc, char **argv)
{
	bool proc = argc >= 1 && !strcmp(argv[0], "--proc");
	int status;
	pid_t pid;

	argc -= proc;
	argv += proc;
	if (argc < 1)
		return 64;
	if (unshare(CLONE_NEWPID | (proc ? CLONE_NEWNS : 0)))
		die("unshare");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (proc &&
		    (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		     mount("proc", "/proc", "proc",
			   MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)))
			die("mounting /proc");
		/* Stock mode: the files' own filesystem, of this namespace too. */
		if (proc && strcmp(pc_root(), "/proc") &&
		    mount("perfctr", pc_root(), "perfctr",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			die("mounting the perfctr filesystem");
		execvp(argv[0], argv);
		die(argv[0]);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} cmds[] = {
	{ "probe", cmd_probe, "PID OP..." },
	{ "hold", cmd_hold, "NAME PID OP..." },
	{ "fetch", cmd_fetch, "NAME OP..." },
	{ "target", cmd_target, "NAME CONTROL" },
	{ "ask", cmd_ask,
	  "NAME pid|self OP...|give OP...|use PID OP...|fd N OP...|givefd N OP..." },
	{ "keep-control", cmd_keep_control, "CMD..." },
	{ "pidns", cmd_pidns, "[--proc] CMD..." },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && !strcmp(argv[1], "-n")) {
		nondumpable = true;
		argc--;
		argv++;
	}
	/* "target" programs itself first */
	if (nondumpable && (argc < 2 || strcmp(argv[1], "target")) &&
	    prctl(PR_SET_DUMPABLE, 0))
		die("PR_SET_DUMPABLE");
	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			int ret = cmds[i].fn(argc - 2, argv + 2);

			if (ret == 64)
				fprintf(stderr, "usage: pcperm [-n] %s %s\n",
					cmds[i].name, cmds[i].usage);
			return ret;
		}
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "%s pcperm [-n] %s %s\n", i ? "      " : "usage:",
			cmds[i].name, cmds[i].usage);
	return 64;
}
