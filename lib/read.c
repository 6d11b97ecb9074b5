// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * Reading counts: the owner's fast path through its counter page, and
 * pread(2) of the files, one system call per snapshot, for everything
 * else.
 *
 * The page is read only by the owner of a self handle: the thread that
 * opened it, in the process that opened it (pc_enter() rebinds a handle a
 * forked child inherited first), told by its pthread_t and its thread id
 * (pc_own_page()).  Its values are computed with the owner's time stamp
 * counter, so any other thread reads the counts file, which gives the
 * owner's counts; so does a new thread that got the pthread_t of an owner
 * that exited.
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int pc_check_buf(const void *counts, unsigned int n)
{
	if (!counts && n) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The caller's room for the counts: all or nothing. */
static int pc_copy(uint64_t *counts, unsigned int n, const struct pc_snap *s)
{
	if (s->nr > n) {
		errno = ERANGE;
		return -1;
	}
	if (s->nr)
		memcpy(counts, s->val, s->nr * sizeof(*counts));
	return s->nr;
}

/* One read of a counts or children file. */
static int pc_file_counts(struct perfctr *pc, enum pc_file f,
			  struct pc_snap *s)
{
	char buf[PC_TEXT_MAX];
	ssize_t len;
	int nr;

	len = pc_read_text(pc->fd[f], buf);
	if (len < 0)
		return -1;
	nr = pc_parse_counts(buf, len, s->val, PERFCTR_MAX_COUNTERS);
	if (nr < 0) {
		errno = EPROTO;
		return -1;
	}
	s->nr = nr;
	return 0;
}

/*
 * Whether a read's id and counts can be of one control: only a clear and
 * a new control between the reads of id repeat an id, 0, and the counts
 * then show counters.  A control always has counters.
 */
static int pc_id_matches(uint64_t id, const struct pc_snap *s)
{
	if (id && !s->nr) {
		errno = EPROTO;
		return -1;
	}
	return !id == !s->nr;
}

/*
 * The owner's counts by read(2) with the id of their control, told by the
 * page before and after the read: a fresh page shows the current control
 * (another task marks it stale before it changes anything), and ids are
 * never reused, so the same id fresh on both sides is the control the
 * counts are of.  1: the page cannot tell, use pc_counts_files().
 */
static int pc_counts_paged(struct perfctr *pc, const struct perfctr_page *pg,
			   struct pc_snap *s)
{
	struct pc_snap before, after;
	int ret;

	if (pc_page_snapshot(pg, &before, false))
		return 1;
	if (pc_file_counts(pc, PC_COUNTS, s))
		return -1;
	if (pc_page_snapshot(pg, &after, false) ||
	    after.id != before.id || after.nr != s->nr)
		return 1;
	ret = pc_id_matches(before.id, s);
	if (ret <= 0)
		return ret < 0 ? -1 : 1;
	s->id = before.id;
	return 0;
}

/* The counts by read(2), bracketed by two reads of the id file. */
static int pc_counts_files(struct perfctr *pc, struct pc_snap *s)
{
	uint64_t again;
	int ret;

	for (;;) {
		if (pc_read_number(pc->fd[PC_ID], &s->id) ||
		    pc_file_counts(pc, PC_COUNTS, s) ||
		    pc_read_number(pc->fd[PC_ID], &again))
			return -1;
		if (again != s->id)
			continue;	/* a control was written meanwhile */
		ret = pc_id_matches(s->id, s);
		if (ret < 0)
			return -1;
		if (ret)
			return 0;
	}
}

/*
 * Tries with a fresh plan before the general reader takes over: a plan
 * fails only when the thread was switched out or interrupted during the
 * read, or another task began a change.
 */
#define PC_PLAN_TRIES	2

/*
 * perfctr_read() but for its fast path (page.c): the owner of a self
 * handle makes the plan of its page and reads with it, or reads the page
 * the general way where a plan cannot serve; everything else is one
 * pread(2) of counts, which also makes the kernel rewrite the owner's
 * stale page, so that the next read is fast again.
 */
int pc_read_slow(struct perfctr *pc, uint64_t *counts, unsigned int n)
{
	const struct perfctr_page *pg;
	struct pc_snap s;
	int ret = -3, i;

	if (pc_enter(pc) || pc_check_buf(counts, n))
		return -1;
	pg = pc_own_page(pc);
	if (pg) {
		for (i = 0; i < PC_PLAN_TRIES && ret == -3; i++) {
			if (pc_plan_make(pc, pg))
				break;
			ret = pc_plan_read(pc, pg, counts, n);
		}
		if (ret == -3)
			ret = pc_page_read(pg, counts, n);
		if (ret >= 0)
			return ret;
		if (ret == -2) {
			errno = ERANGE;
			return -1;
		}
	}
	if (pc_file_counts(pc, PC_COUNTS, &s))
		return -1;
	return pc_copy(counts, n, &s);
}

PC_EXPORT int perfctr_read_id(struct perfctr *pc, uint64_t *counts,
			      unsigned int n, uint64_t *id)
{
	const struct perfctr_page *pg;
	struct pc_snap s;
	int ret = 1;

	if (pc_enter(pc) || pc_check_buf(counts, n))
		return -1;
	if (!id) {
		errno = EINVAL;
		return -1;
	}
	pg = pc_own_page(pc);
	if (pg) {
		ret = pc_page_snapshot(pg, &s, true);
		if (ret)
			ret = pc_counts_paged(pc, pg, &s);
		if (ret < 0)
			return -1;
	}
	if (ret && pc_counts_files(pc, &s))
		return -1;
	ret = pc_copy(counts, n, &s);
	if (ret >= 0)
		*id = s.id;
	return ret;
}

PC_EXPORT int perfctr_read_children(struct perfctr *pc, uint64_t *counts,
				    unsigned int n)
{
	struct pc_snap s;

	if (pc_enter(pc) || pc_check_buf(counts, n) ||
	    pc_file_counts(pc, PC_CHILDREN, &s))
		return -1;
	return pc_copy(counts, n, &s);
}

/* The control's id: from the owner's page when fresh, else the file. */
int pc_current_id(struct perfctr *pc, uint64_t *id)
{
	const struct perfctr_page *pg = pc_own_page(pc);
	struct pc_snap s;

	if (pg && !pc_page_snapshot(pg, &s, false)) {
		*id = s.id;
		return 0;
	}
	return pc_read_number(pc->fd[PC_ID], id);
}

PC_EXPORT int perfctr_id(struct perfctr *pc, uint64_t *id)
{
	if (pc_enter(pc))
		return -1;
	if (!id) {
		errno = EINVAL;
		return -1;
	}
	return pc_current_id(pc, id);
}

/* Rarely read: opened for each call rather than kept open. */
PC_EXPORT int perfctr_lost(struct perfctr *pc, uint64_t *lost)
{
	int fd, ret, err;

	if (pc_enter(pc))
		return -1;
	if (!lost) {
		errno = EINVAL;
		return -1;
	}
	fd = pc_openat(pc, "lost", O_RDONLY);
	if (fd < 0)
		return -1;
	ret = pc_read_number(fd, lost);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/*
 * perfctr_snapshot() reads again while the control changes between its
 * reads of id: a control written that often by another task is a fight
 * the caller should hear about (EAGAIN) rather than a loop without end.
 */
#define PC_SNAPSHOT_TRIES	100

_Static_assert(sizeof(struct perfctr_snapshot) == PERFCTR_SNAPSHOT_SIZE_VER0,
	       "PERFCTR_SNAPSHOT_SIZE_VER0 is the size of the first version");

/*
 * One round: id, names (control), counts, children, lost, id.  A control
 * written in between changes the id for good (ids are never reused), so
 * equal non-zero ids mean every file was read under that control.  Equal
 * ids of 0 can hide a control written and cleared in between: then every
 * file must be empty and lost 0, as they are without a control.  Returns
 * 0, 1 to read again, or -1 and errno.
 */
static int pc_snapshot_try(struct perfctr *pc, int lost_fd,
			   struct perfctr_snapshot *t)
{
	struct pc_snap self, children;
	uint64_t again;
	int nr;

	memset(t, 0, sizeof(*t));	/* nothing left of an earlier round */
	if (pc_read_number(pc->fd[PC_ID], &t->id))
		return -1;
	nr = pc_names_copy(pc, t->id, t->name);
	if (nr < 0 ||
	    pc_file_counts(pc, PC_COUNTS, &self) ||
	    pc_file_counts(pc, PC_CHILDREN, &children) ||
	    pc_read_number(lost_fd, &t->lost) ||
	    pc_read_number(pc->fd[PC_ID], &again))
		return -1;
	if (again != t->id)
		return 1;
	if (!t->id) {
		if (nr || self.nr || children.nr || t->lost)
			return 1;
	} else if (!nr || self.nr != (unsigned int)nr ||
		   children.nr != (unsigned int)nr) {
		errno = EPROTO;
		return -1;
	}
	t->nr = nr;
	memcpy(t->self, self.val, nr * sizeof(t->self[0]));
	memcpy(t->children, children.val, nr * sizeof(t->children[0]));
	return 0;
}

/*
 * Always the files, also for the owner of a self handle: the page gives
 * neither children counts nor names, and one rule brackets every value.
 */
PC_EXPORT int perfctr_snapshot(struct perfctr *pc, struct perfctr_snapshot *s,
			       size_t size)
{
	struct perfctr_snapshot t;
	int fd, ret = 1, err, i;

	if (pc_enter(pc))
		return -1;
	if (!s || size < PERFCTR_SNAPSHOT_SIZE_VER0) {
		errno = EINVAL;
		return -1;
	}
	fd = pc_openat(pc, "lost", O_RDONLY);
	if (fd < 0)
		return -1;
	for (i = 0; i < PC_SNAPSHOT_TRIES && ret > 0; i++)
		ret = pc_snapshot_try(pc, fd, &t);
	err = errno;
	close(fd);
	if (ret) {
		errno = ret > 0 ? EAGAIN : err;
		return -1;
	}
	if (size > sizeof(t)) {
		memset((char *)s + sizeof(t), 0, size - sizeof(t));
		size = sizeof(t);
	}
	t.size = size;
	memcpy(s, &t, size);
	return t.nr;
}
