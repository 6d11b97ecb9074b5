// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Handles: opening a thread's perfctr directory, its files and, for the
 * calling thread, its counter page; closing them; and rebinding a handle a
 * forked child inherited to the child's own thread.
 *
 * A handle holds an O_PATH descriptor of the thread's perfctr/ directory.
 * procfs ties that directory to the thread (its struct pid), not to a
 * number, so the files opened through it stay the thread's even if the
 * thread id is reused after the thread is gone: they fail with ESRCH
 * instead.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK	18
#endif

static const char *const pc_file_name[PC_NR_FILES] = {
	[PC_CONTROL]	= "control",
	[PC_ID]		= "id",
	[PC_COUNTS]	= "counts",
	[PC_CHILDREN]	= "children",
};

__thread pid_t pc_self_tid;

const unsigned long pc_no_canary;
const __u64 pc_no_seq[PC_PAGE_SEQ_TID + 1] = { PC_PLAN_NONE + 2 };

/*
 * The process's canary word (see internal.h): NULL until the first self
 * open maps it, &pc_no_canary if MADV_WIPEONFORK is refused.  Once set it
 * stays for the life of the process, and a forked child inherits the
 * pointer with the mapping, whose contents the kernel wiped.
 */
static unsigned long *pc_canary;

/*
 * The largest generation given so far in this process or, before the
 * fork, in its ancestors: unlike the canary, a child inherits it, so the
 * generation it gives itself is larger than any its handles were bound in.
 */
static unsigned long pc_last_gen;

static pid_t pc_gettid(void)
{
	return syscall(SYS_gettid);
}

/* One snapshot of a file: the seq_file is regenerated at offset 0. */
ssize_t pc_pread(int fd, char *buf, size_t size)
{
	ssize_t ret;

	do {
		ret = pread(fd, buf, size, 0);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

/* A whole file into @buf, of PC_TEXT_MAX bytes. */
ssize_t pc_read_text(int fd, char *buf)
{
	ssize_t len = pc_pread(fd, buf, PC_TEXT_MAX);

	if (len == PC_TEXT_MAX) {
		errno = EPROTO;
		return -1;
	}
	return len;
}

/* The id or lost file. */
int pc_read_number(int fd, uint64_t *v)
{
	char buf[32];
	ssize_t len = pc_pread(fd, buf, sizeof(buf));

	if (len < 0)
		return -1;
	if ((size_t)len == sizeof(buf) || pc_parse_number(buf, len, v)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/*
 * A file of the handle's directory.  The directory exists, so the file
 * is missing only because the thread is gone.
 */
int pc_openat(const struct perfctr *pc, const char *name, int flags)
{
	int fd = openat(pc->dir, name, flags | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		errno = ESRCH;
	return fd;
}

static void pc_fdid_get(int fd, struct pc_fdid *id)
{
	struct stat st;

	if (fstat(fd, &st)) {
		id->dev = 0;
		id->ino = 0;
		return;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
}

/*
 * Closes a descriptor; @check: only if it is still the file it was (in a
 * forked child, the program may have closed it and opened another).
 */
static void pc_close_fd(int *fd, const struct pc_fdid *id, bool check)
{
	struct pc_fdid now;

	if (*fd < 0)
		return;
	if (check) {
		pc_fdid_get(*fd, &now);
		if (!id->ino || now.dev != id->dev || now.ino != id->ino) {
			*fd = -1;
			return;
		}
	}
	close(*fd);
	*fd = -1;
}

static void pc_close_files(struct perfctr *pc, bool check)
{
	int i;

	for (i = 0; i < PC_NR_FILES; i++)
		pc_close_fd(&pc->fd[i], &pc->id_fd[i], check);
	pc_close_fd(&pc->dir, &pc->id_dir, check);
}

/*
 * The files a handle keeps, and a first read of id: it fails as every
 * later read would (ENODEV without the module, EACCES without ptrace read
 * access), so perfctr_open() reports it.
 */
static int pc_open_files(struct perfctr *pc)
{
	uint64_t id;
	int i;

	for (i = 0; i < PC_NR_FILES; i++) {
		pc->fd[i] = pc_openat(pc, pc_file_name[i], O_RDONLY);
		if (pc->fd[i] < 0)
			return -1;
	}
	if (pc_forks(pc)) {
		/* to recognize them in a forked child (pc_close_fd()) */
		pc_fdid_get(pc->dir, &pc->id_dir);
		for (i = 0; i < PC_NR_FILES; i++)
			pc_fdid_get(pc->fd[i], &pc->id_fd[i]);
	}
	return pc_read_number(pc->fd[PC_ID], &id);
}

/*
 * Maps the calling thread's counter page.  A kernel that has no page (no
 * file, or no mmap for it), a page of a version we do not know, or one that
 * does not name this thread (a module that predates perfctr_page::tid
 * leaves it 0) leaves the handle without one: every read then uses
 * read(2).  Without the tid, a new thread given this one's pthread_t could
 * take the page for its own (pc_own_page()).  Where the page gives
 * hardware counters, their records follow it: the whole map_size is
 * mapped, or no page is kept at all, since the page would send the reader
 * beyond a shorter mapping.
 */
static int pc_map_page(struct perfctr *pc)
{
	const struct perfctr_page *pg;
	size_t size = pc->page_size;
	uint64_t map_size;
	int fd, err;
	void *p;

	fd = openat(pc->dir, "page", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	err = errno;
	if (p == MAP_FAILED)
		goto out;
	pg = p;
	if (__atomic_load_n(&pg->version, __ATOMIC_RELAXED) !=
	    PERFCTR_PAGE_VERSION ||
	    __atomic_load_n(&pg->tid, __ATOMIC_RELAXED) != (uint64_t)pc->tid)
		goto drop;
	map_size = __atomic_load_n(&pg->map_size, __ATOMIC_RELAXED);
	if (map_size > size) {
		if (map_size % size || map_size > 16 * size)
			goto drop;
		munmap(p, size);
		size = map_size;
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		err = errno;
		if (p == MAP_FAILED)
			goto out;
	}
	close(fd);
	pc->map_size = size;
	__atomic_store_n(&pc->page, p, __ATOMIC_RELAXED);
	__atomic_store_n(&pc->seq, &((const struct perfctr_page *)p)->seq,
			 __ATOMIC_RELAXED);
	return 0;
drop:
	munmap(p, size);
	close(fd);
	return 0;
out:
	close(fd);
	errno = err;
	return err == ENODEV || err == EINVAL || err == ENOMEM ? 0 : -1;
}

/*
 * Unmaps the page when nobody will read it as their own again: at close,
 * or when another thread has the owner's pthread_t, which the C library
 * hands on only once the owner has exited.  Only a thread with that
 * pthread_t touches the page (pc_own_page()), so there is one at a time:
 * the caller.
 */
void pc_drop_page(struct perfctr *pc)
{
	const struct perfctr_page *pg;

	__atomic_store_n(&pc->seq, pc_no_seq, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pg = __atomic_exchange_n(&pc->page, NULL, __ATOMIC_RELAXED);
	if (pg)
		munmap((void *)pg, pc->map_size);
}

/*
 * Opens the perfctr directory @below names (e.g. "thread-self/perfctr")
 * under the first root that has one: /proc on a patched kernel, the
 * module's filesystem on a stock one.  Which one is not kept: a module
 * reloaded in the other mode is found as well.
 */
static int pc_open_dir(const char *below)
{
	static const char *const roots[] = { PC_PROC_ROOT, PC_FS_ROOT };
	char path[sizeof(PC_PROC_ROOT) + sizeof(PC_FS_ROOT) + 32];
	unsigned int i;
	int fd = -1;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], below);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
	}
	return fd;
}

/*
 * Binds a self handle to the calling thread.  /proc/thread-self resolves
 * to /proc/<pid>/task/<tid>/ when the directory is opened, so the
 * directory, and the files opened through it, stay this thread's whoever
 * uses them later.  Without fork detection there is no page: a forked
 * child would otherwise touch an address its parent's page is not mapped
 * at.  The thread's id, the one its page names, is also kept for the
 * thread (pc_self_tid), for pc_own_page() to check with no system call,
 * and the thread's name (pc_self()).
 */
static int pc_bind_self(struct perfctr *pc)
{
	int err;

	pc->tid = pc_gettid();
	pc_self_tid = pc->tid;
	pc->owner = pc_self();
	pc_plan_drop(pc);	/* of the parent's page, in a rebind */
	pc->dir = pc_open_dir("thread-self/perfctr");
	if (pc->dir < 0)
		return -1;	/* ENOENT: a kernel without perfctr */
	if (pc_open_files(pc) || (pc_forks(pc) && pc_map_page(pc))) {
		err = errno;
		pc_close_files(pc, false);
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * <root>/<tid>/perfctr is missing under either root: no such thread, or no
 * perfctr.  /proc/<tid> tells which in both modes.
 */
static int pc_no_dir_errno(pid_t tid)
{
	char path[sizeof(PC_PROC_ROOT) + 16];

	snprintf(path, sizeof(path), PC_PROC_ROOT "/%d", (int)tid);
	if (!access(path, F_OK) || access(PC_PROC_ROOT "/self", F_OK))
		return ENOENT;
	return ESRCH;
}

/* Any thread by id: /proc/<tid>/ works for every thread, not only leaders. */
static int pc_bind_tid(struct perfctr *pc, pid_t tid)
{
	char below[32];
	int err;

	pc->tid = tid;
	snprintf(below, sizeof(below), "%d/perfctr", (int)tid);
	pc->dir = pc_open_dir(below);
	if (pc->dir < 0) {
		if (errno == ENOENT)
			errno = pc_no_dir_errno(tid);
		return -1;
	}
	if (pc_open_files(pc)) {
		err = errno;
		pc_close_files(pc, false);
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * The process's canary for a new self handle: mapped at the first call in
 * the process (or an ancestor).  Threads that race here each map a page;
 * one is kept.  Without MADV_WIPEONFORK (Linux before 4.14) self handles
 * have no fork detection, hence no page, and are never rebound.
 */
static int pc_canary_get(struct perfctr *pc, size_t size)
{
	unsigned long *cur, *p;
	int err;

	cur = __atomic_load_n(&pc_canary, __ATOMIC_ACQUIRE);
	if (!cur) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		if (madvise(p, size, MADV_WIPEONFORK)) {
			err = errno;
			munmap(p, size);
			if (err != EINVAL && err != ENOSYS) {
				errno = err;
				return -1;
			}
			p = (unsigned long *)&pc_no_canary;
		}
		if (__atomic_compare_exchange_n(&pc_canary, &cur, p, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			cur = p;
		} else if (p != &pc_no_canary) {
			munmap(p, size);
		}
	}
	pc->canary = cur;
	return 0;
}

/*
 * The process's generation, given by the first thread that asks after the
 * fork that wiped the canary.  pc_last_gen grows before the canary shows
 * the new value, so a fork at any moment copies a pc_last_gen at least as
 * large as any generation a handle could have been bound in.
 */
static unsigned long pc_generation(void)
{
	unsigned long gen, next;

	gen = __atomic_load_n(pc_canary, __ATOMIC_ACQUIRE);
	if (gen)
		return gen;
	next = __atomic_add_fetch(&pc_last_gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_compare_exchange_n(pc_canary, &gen, next, false,
					__ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
		return next;
	return gen;		/* another thread's */
}

/*
 * The handle a forked child inherited: its files and page were the parent
 * thread's.  The first thread of the child that uses the handle takes it
 * over.  The handle's generation, which is the child's own memory, also
 * serves as the lock that elects that thread; the handle's mutex cannot,
 * since a thread of the parent may have held it at the fork.  A marker
 * of a rebind under way in the parent at the fork names an older
 * generation: the child takes the handle over from it too.
 */
int pc_rebind(struct perfctr *pc)
{
	unsigned long gen = pc_generation(), old;
	int ret;

	for (;;) {
		old = __atomic_load_n(&pc->gen, __ATOMIC_ACQUIRE);
		if (old == gen)
			return 0;	/* another thread rebound it */
		if (old == (gen | PC_GEN_BINDING)) {
			sched_yield();	/* another thread is rebinding */
			continue;
		}
		if (__atomic_compare_exchange_n(&pc->gen, &old,
						gen | PC_GEN_BINDING, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE))
			break;
	}
	pthread_mutex_init(&pc->lock, NULL);
	pc->names_valid = false;
	/*
	 * The parent's page is not mapped in the child (VM_DONTCOPY), and
	 * its address may since hold another mapping: forget it, never touch
	 * or unmap it.
	 */
	__atomic_store_n(&pc->seq, pc_no_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&pc->page, NULL, __ATOMIC_RELAXED);
	pc_close_files(pc, true);
	ret = pc_bind_self(pc);
	__atomic_store_n(&pc->gen, ret ? PC_GEN_UNBOUND : gen,
			 __ATOMIC_RELEASE);
	return ret;
}

static struct perfctr *pc_alloc(void)
{
	struct perfctr *pc = calloc(1, sizeof(*pc));
	long size = sysconf(_SC_PAGESIZE);
	int i;

	if (!pc)
		return NULL;
	pc->dir = -1;
	for (i = 0; i < PC_NR_FILES; i++)
		pc->fd[i] = -1;
	pc->page_size = size > 0 ? (size_t)size : 4096;
	pc->canary = &pc_no_canary;
	pc->seq = pc_no_seq;
	pc_plan_drop(pc);
	pthread_mutex_init(&pc->lock, NULL);
	return pc;
}

/*
 * @ours: the handle was opened, or rebound, in this process.  Otherwise
 * it is a forked child's copy nobody rebound: the page address is not
 * ours, the descriptors are closed only if they are still the files, and
 * the mutex may be a copy held by a thread the child does not have.
 */
static void pc_free(struct perfctr *pc, bool ours)
{
	pc_close_files(pc, !ours);
	if (ours) {
		pc_drop_page(pc);
		pthread_mutex_destroy(&pc->lock);
	}
	free(pc);
}

PC_EXPORT struct perfctr *perfctr_open(pid_t tid)
{
	unsigned long gen = 0;
	struct perfctr *pc;
	int ret, err;

	if (tid < 0) {
		errno = EINVAL;
		return NULL;
	}
	pc = pc_alloc();
	if (!pc)
		return NULL;
	if (tid == 0 || tid == pc_gettid()) {
		ret = pc_canary_get(pc, pc->page_size);
		if (!ret && pc_forks(pc))
			gen = pc_generation();
		if (!ret)
			ret = pc_bind_self(pc);
	} else {
		ret = pc_bind_tid(pc, tid);
	}
	if (ret) {
		err = errno;
		pc_free(pc, true);
		errno = err;
		return NULL;
	}
	pc->gen = gen;
	return pc;
}

PC_EXPORT void perfctr_close(struct perfctr *pc)
{
	int err = errno;
	bool ours;

	if (!pc)
		return;
	ours = !pc_forks(pc) ||
	       __atomic_load_n(&pc->gen, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(pc->canary, __ATOMIC_RELAXED);
	pc_free(pc, ours);
	errno = err;
}

PC_EXPORT pid_t perfctr_tid(struct perfctr *pc)
{
	if (pc_enter(pc))
		return -1;
	return pc->tid;
}
