/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libperfctr: per-task performance counters from /proc/<pid>/perfctr/
 *
 * A handle names one thread.  Its counts are read from the thread's
 * files, or, when the thread reads its own counts through a handle it
 * opened for itself, from the counter page the kernel keeps for it,
 * without a system call.  See libperfctr(3) and
 * Documentation/perfctr-library.rst.
 *
 * Errors: a function that returns a pointer (perfctr_open(),
 * perfctr_counter_name()) returns NULL on failure, every other one but
 * perfctr_close() returns -1; both set errno, which means nothing after a
 * success.  Not -errno, as liburing and libperf return: the library is a
 * thin layer over open(2), pread(2), write(2) and mmap(2) of the perfctr
 * files, whose errors it passes on unchanged, so its callers handle them
 * as they would the files' own; errno is per thread, so that costs no
 * thread safety; one convention serves the functions that return counts,
 * thread ids and pointers alike; and the fast path, the only place where
 * a cost would matter, fails only on a buffer too small.  perfctr_close()
 * keeps errno.
 *
 * Link with -lperfctr (pkg-config perfctr).
 *
 * Threads: every function but perfctr_close() may be called on one handle
 * from several threads at once.  perfctr_close() must run alone and last;
 * a string from perfctr_counter_name() is overwritten when another
 * thread's name call finds a new control (perfctr_get_counter_name()
 * copies instead).
 */
#ifndef PERFCTR_H
#define PERFCTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The limits of include/uapi/linux/perfctr.h, copied so that this header
 * needs no other: most counters in one control, longest control text.
 */
#ifndef PERFCTR_MAX_COUNTERS
#define PERFCTR_MAX_COUNTERS	16
#endif
#ifndef PERFCTR_CONTROL_MAX
#define PERFCTR_CONTROL_MAX	4096
#endif

/*
 * The value of a count that was not counted: a hardware event the PMU could
 * not schedule, or one that never ran while enabled, which the files print
 * as "<not-counted>".  Every function that gives counts gives this in its
 * place, never a number; no real count reaches it.  A sum with it is it.
 */
#define PERFCTR_NOT_COUNTED	UINT64_MAX

/* Room for any canonical counter name and its NUL ("r<16 hex digits>:uk"). */
#define PERFCTR_NAME_MAX	32

/* A handle on one thread's counters; opaque. */
struct perfctr;

/*
 * Opens the counters of thread @tid (any thread of any process the caller
 * may read), or of the calling thread itself when @tid is 0 or its own
 * thread id.  NULL and errno on failure.
 */
struct perfctr *perfctr_open(pid_t tid);

/* Closes @pc; NULL is ignored.  errno is preserved. */
void perfctr_close(struct perfctr *pc);

/* The thread @pc counts: its thread id as gettid(2) gives it. */
pid_t perfctr_tid(struct perfctr *pc);

/*
 * Programs the thread's counters: @events is a control text ("tsc
 * minor-faults", see Documentation/perfctr.rst); NULL or a blank text
 * clears the control.  Every counter restarts from zero.
 */
int perfctr_set_control(struct perfctr *pc, const char *events);

/*
 * The control in canonical form, NUL-terminated, without a newline;
 * empty without a control.  ERANGE if @len is too small.
 */
int perfctr_get_control(struct perfctr *pc, char *buf, size_t len);

/* The control's id in *@id: 0 without a control. */
int perfctr_id(struct perfctr *pc, uint64_t *id);

/* The number of counters of the control, 0 without one. */
int perfctr_nr_counters(struct perfctr *pc);

/*
 * The canonical name of counter @i, from a cache in @pc.  The string stays
 * valid until a perfctr_counter_name() or perfctr_get_counter_name() call
 * on @pc, from any thread, finds a different control id and refills the
 * cache, or perfctr_close(): while other threads use @pc, prefer
 * perfctr_get_counter_name().  NULL and ERANGE if @i is not a counter.
 */
const char *perfctr_counter_name(struct perfctr *pc, unsigned int i);

/*
 * The same name copied into @buf (@len bytes, PERFCTR_NAME_MAX always
 * enough), NUL-terminated: nothing of it depends on the handle afterwards.
 * ERANGE if @i is not a counter or the name does not fit.
 */
int perfctr_get_counter_name(struct perfctr *pc, unsigned int i, char *buf,
			     size_t len);

/*
 * The thread's own counts, in control order, into @counts (room for @n):
 * returns how many were written, the control's number of counters, or -1
 * (ERANGE: @n is smaller than that number).
 */
int perfctr_read(struct perfctr *pc, uint64_t *counts, unsigned int n);

/* perfctr_read() that also gives the id of the control the counts are of. */
int perfctr_read_id(struct perfctr *pc, uint64_t *counts, unsigned int n,
		    uint64_t *id);

/* The children counts, as perfctr_read() gives the thread's own. */
int perfctr_read_children(struct perfctr *pc, uint64_t *counts,
			  unsigned int n);

/* The lost children count in *@lost. */
int perfctr_lost(struct perfctr *pc, uint64_t *lost);

/*
 * Everything the files say about one control, from perfctr_snapshot().
 * The caller passes sizeof(struct perfctr_snapshot) as it was compiled;
 * later versions of the library only append fields, fill those the
 * caller's size covers, and zero what they do not know.
 */
struct perfctr_snapshot {
	uint32_t size;		/* the bytes the library filled */
	uint32_t nr;		/* the number of counters, 0 without a control */
	uint64_t id;		/* the control's id, 0 without a control */
	uint64_t lost;		/* the lost children count */
	uint64_t self[PERFCTR_MAX_COUNTERS];	/* the thread's own counts */
	uint64_t children[PERFCTR_MAX_COUNTERS]; /* its children counts */
	char name[PERFCTR_MAX_COUNTERS][PERFCTR_NAME_MAX];	/* canonical */
};

/* The size of the first version of the structure. */
#define PERFCTR_SNAPSHOT_SIZE_VER0	792

/*
 * The id, names, own counts, children counts and lost count of one
 * control, into @s of @size bytes: the files are read between two reads
 * of id, again until both ids agree (EAGAIN after 100 tries).  Returns the
 * number of counters.
 */
int perfctr_snapshot(struct perfctr *pc, struct perfctr_snapshot *s,
		     size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PERFCTR_H */
