/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libperfctr internals: the handle, the counter page reader, the text
 * parsers.  Nothing here is exported: the library is built with
 * -fvisibility=hidden, and the static archive has these symbols localized.
 */
#ifndef PERFCTR_INTERNAL_H
#define PERFCTR_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uapi/linux/perfctr.h>

#include "perfctr.h"

#define PC_EXPORT	__attribute__((visibility("default")))

/*
 * Where procfs is.  Only the host tests change it (lib/tests/fake-test.c
 * builds the library against a directory tree of regular files).
 */
#ifndef PC_PROC_ROOT
#define PC_PROC_ROOT	"/proc"
#endif

/*
 * Where the module serves the same files on a stock kernel, which cannot
 * have them in /proc: its own filesystem, with the same layout below it
 * (<pid>/perfctr/, self/, thread-self/).  Tried when PC_PROC_ROOT has no
 * perfctr directory.
 */
#ifndef PC_FS_ROOT
#define PC_FS_ROOT	"/sys/fs/perfctr"
#endif

/*
 * Room for any file of the directory: a control is at most 16 labels of
 * at most 32 bytes, a counts file 16 lines of label, blank, 20 digits and
 * newline.  A read that fills the buffer is a format we do not know.
 */
#define PC_TEXT_MAX	4096

/* The files a handle keeps open, O_RDONLY. */
enum pc_file {
	PC_CONTROL,
	PC_ID,
	PC_COUNTS,
	PC_CHILDREN,
	PC_NR_FILES,
};

/*
 * Fork detection.  The process has one canary word, the first word of a
 * private anonymous page advised MADV_WIPEONFORK (pc_canary, handle.c),
 * mapped at the first self open: the process's generation, given at the
 * first use of the library in the process, larger than any generation its
 * ancestors had; a forked child reads 0 there until it gets its own.  A
 * self handle records the generation it was bound in (perfctr::gen), so
 * a handle whose generation is not the process's is a forked child's copy
 * of its parent's, rebound before use, with no system call to tell.
 *
 * perfctr::gen also elects the thread that rebinds: PC_GEN_BINDING | g
 * while a thread of generation g does, PC_GEN_UNBOUND after a failed
 * rebind.  Neither ever equals a canary.
 */
#define PC_GEN_BINDING	(~0UL ^ (~0UL >> 1))	/* the top bit */
#define PC_GEN_UNBOUND	PC_GEN_BINDING

/*
 * The canary of handles that are never rebound: those opened for a
 * thread id, and self handles where MADV_WIPEONFORK is refused.  It reads
 * 0, their generation, so pc_enter() needs no other test.
 */
extern const unsigned long pc_no_canary __attribute__((visibility("hidden")));

/*
 * What perfctr_read() finds at a handle's seq without a page: a page's
 * seq and tid fields, the seq odd, which no plan has, and the tid 0, which
 * no thread has (PC_PAGE_SEQ_TID).
 */
extern const __u64 pc_no_seq[] __attribute__((visibility("hidden")));
/* The tid's place from the seq's, in __u64s. */
#define PC_PAGE_SEQ_TID	((offsetof(struct perfctr_page, tid) -		\
			  offsetof(struct perfctr_page, seq)) / sizeof(__u64))

/*
 * A plan: how to read each counter of the page at one value of its seq,
 * made by the owner at the first read after the page changed (in practice:
 * after each switch of the thread onto a CPU), so that the reads until the
 * next change check nothing of the page but seq (page.c, "Plans").  Only
 * the owner reads or writes it.
 *
 * pc_plan_counter::src says how to read a counter: 0, a plain sum;
 * PC_PLAN_TSC; PC_PLAN_CLOCK with the page's counter number from bit
 * PC_PLAN_CLOCK_SHIFT up; or, for a hardware counter, the address of the
 * lock word of perf's record, which is PC_PLAN_PERF bytes into a record
 * that starts at a multiple of PERFCTR_RECORD_SIZE in the page-aligned
 * mapping: bit 3 set, and only there.  So the common hardware counter
 * costs one bit test and no untagging.
 */
#define PC_PLAN_TSC	2UL	/* base + the time stamp */
#define PC_PLAN_CLOCK	4UL	/* base + the scaled time stamp */
#define PC_PLAN_PERF	8UL	/* base + the record's count */
#define PC_PLAN_CLOCK_SHIFT	4

/* An odd seq: the page never has it when it may be read, so no plan. */
#define PC_PLAN_NONE	1

struct pc_plan_counter {
	uint64_t base;		/* the sum; less start for PC_PLAN_TSC */
	uintptr_t src;
};

/*
 * In pc_plan::nr: a counter needs the time stamp.  Above any caller's
 * room (an unsigned int), so that one comparison with it sends a read
 * that needs the time stamp, or more room, off the shortest path.
 */
#define PC_PLAN_NOW	(1ULL << 63)

struct pc_plan {
	uint64_t seq;		/* the page's seq it is of, or PC_PLAN_NONE */
	uint64_t nr;		/* up to PERFCTR_MAX_COUNTERS, | PC_PLAN_NOW */
	struct pc_plan_counter c[PERFCTR_MAX_COUNTERS];
};

/* Which file an inherited descriptor was, to close it only if still ours. */
struct pc_fdid {
	dev_t dev;
	ino_t ino;
};

struct perfctr {
	/*
	 * Read first by every call (pc_enter()), together.  @canary is set
	 * at open; @gen changes at a rebind, atomically.  @gen comes first:
	 * its load-acquire then needs no address computed (arm64's takes a
	 * bare register).
	 */
	unsigned long gen;		/* the generation bound in, see above */
	const unsigned long *canary;	/* the process's, or &pc_no_canary */
	/*
	 * Set at open (or by the rebind in a forked child, before its
	 * release store of @gen), then read without a lock.
	 */
	pid_t tid;
	/*
	 * self: the owner thread's pc_self(), which names the thread as
	 * its pthread_t does: static thread-local storage lies at a fixed
	 * distance from the thread's descriptor, so two live threads never
	 * share it, and a new thread has it only with the descriptor (and
	 * pthread_t) of a dead one.  Comparing it costs no call.
	 */
	const void *owner;
	/*
	 * self: the seq of @page, where perfctr_read()'s fast path starts,
	 * or pc_no_seq without a page: never NULL, so that the fast path
	 * tests nothing but the tid and seq it finds there.  Set after
	 * @page, and back to pc_no_seq before it is dropped.
	 */
	const __u64 *seq;
	/*
	 * self: NULL if unusable.  Dropped (pc_drop_page()) once another
	 * thread has the owner's pthread_t, so accessed atomically.
	 */
	const struct perfctr_page *page;
	size_t map_size;		/* of @page: the page and its records */
	size_t page_size;
	int dir;			/* O_PATH, the thread's perfctr/ */
	int fd[PC_NR_FILES];
	struct pc_fdid id_dir, id_fd[PC_NR_FILES];

	/* The owner's alone: how to read the page at its current seq. */
	struct pc_plan plan;

	/*
	 * Everything below changes under @lock (or in a rebind, before any
	 * other thread of the child may take it).
	 */
	pthread_mutex_t lock;
	bool names_valid;
	uint64_t names_id;
	unsigned int names_nr;
	const char *names[PERFCTR_MAX_COUNTERS];
	char names_buf[PC_TEXT_MAX];
};

/*
 * The calling thread's id, from gettid() when the thread last bound a self
 * handle (0 before): the owner of a bound handle always finds its own id
 * here, with no system call.  A new thread starts with 0, also when the C
 * library gave it the descriptor and memory of a dead thread (a thread's
 * variables are initialized again for each thread).  In a forked child
 * the forking thread keeps its parent's value, but every handle is rebound
 * before it is read (pc_enter()), which sets the rebinding thread's, and
 * pc_own_page() also requires the owner's pthread_t.  Initial-exec: one
 * load from the thread pointer on the fast path.
 */
extern __thread pid_t pc_self_tid
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

/*
 * The calling thread, named by its thread pointer where the compiler reads
 * that in one instruction (mrs tpidr_el0; mov %fs:0), else by the address
 * of its pc_self_tid, a fixed distance from it: the same name either way.
 */
static inline const void *pc_self(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
	return __builtin_thread_pointer();
#else
	return &pc_self_tid;
#endif
}

/* handle.c */
int pc_rebind(struct perfctr *pc);
void pc_drop_page(struct perfctr *pc);
ssize_t pc_pread(int fd, char *buf, size_t size);
int pc_read_number(int fd, uint64_t *v);
int pc_openat(const struct perfctr *pc, const char *name, int flags);
ssize_t pc_read_text(int fd, char *buf);

/* read.c */
int pc_current_id(struct perfctr *pc, uint64_t *id);
int pc_read_slow(struct perfctr *pc, uint64_t *counts, unsigned int n);

/* control.c */
int pc_names_copy(struct perfctr *pc, uint64_t id,
		  char (*name)[PERFCTR_NAME_MAX]);

/* Whether @pc is a self handle that a forked child rebinds. */
static inline bool pc_forks(const struct perfctr *pc)
{
	return pc->canary != &pc_no_canary;
}

/*
 * Every entry point starts here: it rejects a NULL handle and, in a forked
 * child, rebinds a self handle to the child's thread before anything reads
 * the page or the files (which are still the parent thread's).  Three
 * loads, two of them from the handle's first line, and one branch: the
 * acquire pairs with the release store of a rebind by another thread.
 */
static inline int pc_enter(struct perfctr *pc)
{
	if (!pc) {
		errno = EINVAL;
		return -1;
	}
	if (__atomic_load_n(pc->canary, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&pc->gen, __ATOMIC_ACQUIRE))
		return pc_rebind(pc);
	return 0;
}

/*
 * The page, if the caller may read it as its own, else NULL.  The owner's
 * pthread_t is not enough: once the owner has exited and been joined, the
 * C library gives its pthread_t to the next thread created, and the join
 * returns when the kernel clears the owner's tid word, before the owner's
 * exit publishes PERFCTR_PAGE_EXITED on the page.  So the page's tid must
 * also be the caller's.  It cannot be a new thread's until the kernel has
 * freed the owner's id, after PERFCTR_PAGE_EXITED, which the reader checks
 * (pc_page_load()).  A caller with the owner's pthread_t but another id
 * is such a new thread: the owner is gone and will never read the page
 * again, so it is unmapped.
 */
static inline const struct perfctr_page *pc_own_page(struct perfctr *pc)
{
	const struct perfctr_page *pg;

	pg = __atomic_load_n(&pc->page, __ATOMIC_RELAXED);
	if (!pg || pc->owner != pc_self())
		return NULL;
	if (__atomic_load_n(&pg->tid, __ATOMIC_RELAXED) !=
	    (uint64_t)pc_self_tid) {
		pc_drop_page(pc);
		return NULL;
	}
	return pg;
}

/* page.c */

/* One consistent snapshot of the page. */
struct pc_snap {
	uint64_t id;
	unsigned int nr;
	uint64_t val[PERFCTR_MAX_COUNTERS];
};

/*
 * (a * m) >> shift, the product taken in 96 bits, for 0 <= shift < 64: the
 * scaling of the page's clock counters (the kernel's mul_u64_u32_shr()).
 * Two 64-bit words rather than a 128-bit type, which 32-bit targets (i386,
 * 32-bit Arm) lack.  The product is hi * 2^32 + lo, with a's high and low
 * halves each multiplied by m: both fit 64 bits.
 */
static inline uint64_t pc_mul_u64_u32_shr(uint64_t a, uint32_t m,
					  unsigned int shift)
{
	uint64_t lo = (uint64_t)(uint32_t)a * m;
	uint64_t hi = (a >> 32) * m;
	uint64_t p_lo = lo + (hi << 32);		/* bits 0-63 */
	uint64_t p_hi = (hi >> 32) + (p_lo < lo);	/* bits 64-95 */

	if (!shift)
		return p_lo;
	return p_lo >> shift | p_hi << (64 - shift);
}

int pc_page_snapshot(const struct perfctr_page *pg, struct pc_snap *s,
		     bool values);
int pc_page_read(const struct perfctr_page *pg, uint64_t *counts,
		 unsigned int n);
int pc_plan_make(struct perfctr *pc, const struct perfctr_page *pg);
int pc_plan_read(struct perfctr *pc, const struct perfctr_page *pg,
		 uint64_t *counts, unsigned int n);

/* Forgets the plan: at bind, before the handle has a page. */
static inline void pc_plan_drop(struct perfctr *pc)
{
	__atomic_store_n(&pc->plan.seq, PC_PLAN_NONE, __ATOMIC_RELAXED);
}

/* text.c: 0 or a count on success, -1 if the text is not the format */
int pc_parse_u64(const char *s, size_t len, uint64_t *v);
int pc_parse_number(const char *buf, size_t len, uint64_t *v);
int pc_parse_counts(const char *buf, size_t len, uint64_t *vals,
		    unsigned int max);
int pc_check_control(const char *buf, size_t len, unsigned int max);
int pc_split_control(char *buf, size_t len, const char **names,
		     unsigned int max);

#endif /* PERFCTR_INTERNAL_H */
