// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The control: writing it, reading it back, the number of counters and
 * their names.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * One write(2) at offset 0 of a descriptor opened for it: the kernel takes
 * a control whole, from one write at offset 0 only, and checks ptrace
 * attach access both at open and at write.
 */
PC_EXPORT int perfctr_set_control(struct perfctr *pc, const char *events)
{
	size_t len;
	ssize_t ret;
	int fd, err;

	if (pc_enter(pc))
		return -1;
	/* an empty write changes nothing; a blank one clears */
	if (!events || !*events)
		events = "\n";
	len = strlen(events);
	if (len > PERFCTR_CONTROL_MAX) {
		errno = EINVAL;
		return -1;
	}
	fd = pc_openat(pc, "control", O_WRONLY);
	if (fd < 0)
		return -1;
	do {
		ret = write(fd, events, len);	/* nothing written on EINTR */
	} while (ret < 0 && errno == EINTR);
	err = errno;
	close(fd);
	if (ret < 0) {
		errno = err;
		return -1;
	}
	if ((size_t)ret != len) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

PC_EXPORT int perfctr_get_control(struct perfctr *pc, char *buf, size_t len)
{
	char text[PC_TEXT_MAX];
	ssize_t n;
	size_t tlen;

	if (pc_enter(pc))
		return -1;
	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	n = pc_read_text(pc->fd[PC_CONTROL], text);
	if (n < 0)
		return -1;
	if (pc_check_control(text, n, PERFCTR_MAX_COUNTERS) < 0) {
		errno = EPROTO;
		return -1;
	}
	tlen = n ? n - 1 : 0;		/* without the newline */
	if (tlen >= len) {
		errno = ERANGE;
		return -1;
	}
	memcpy(buf, text, tlen);
	buf[tlen] = '\0';
	return 0;
}

PC_EXPORT int perfctr_nr_counters(struct perfctr *pc)
{
	const struct perfctr_page *pg;
	char text[PC_TEXT_MAX];
	struct pc_snap s;
	ssize_t n;
	int nr;

	if (pc_enter(pc))
		return -1;
	pg = pc_own_page(pc);
	if (pg && !pc_page_snapshot(pg, &s, false))
		return s.nr;
	n = pc_read_text(pc->fd[PC_CONTROL], text);
	if (n < 0)
		return -1;
	nr = pc_check_control(text, n, PERFCTR_MAX_COUNTERS);
	if (nr < 0) {
		errno = EPROTO;
		return -1;
	}
	return nr;
}

/*
 * Fills the name cache from the control file, bracketed by two reads of
 * id: ids are never reused, so the same id on both sides means the text
 * is that control's.  Only a clear and a new control in between can
 * repeat an id, 0, and the text then shows counters: read again.
 */
static int pc_names_refresh(struct perfctr *pc)
{
	uint64_t id, again;
	ssize_t len;
	int nr;

	pc->names_valid = false;
	for (;;) {
		if (pc_read_number(pc->fd[PC_ID], &id))
			return -1;
		len = pc_read_text(pc->fd[PC_CONTROL], pc->names_buf);
		if (len < 0 || pc_read_number(pc->fd[PC_ID], &again))
			return -1;
		if (again != id)
			continue;
		nr = pc_split_control(pc->names_buf, len, pc->names,
				      PERFCTR_MAX_COUNTERS);
		if (nr < 0 || (id && !nr)) {
			errno = EPROTO;
			return -1;
		}
		if (!id && nr)
			continue;
		break;
	}
	pc->names_id = id;
	pc->names_nr = nr;
	pc->names_valid = true;
	return 0;
}

/*
 * Under @pc->lock: the cache filled for the control of id @id, refilled
 * if it was for another one.  0, or -1 and errno.
 */
static int pc_names_get(struct perfctr *pc, uint64_t id)
{
	if (pc->names_valid && pc->names_id == id)
		return 0;
	return pc_names_refresh(pc);
}

/* @n names into @name, or -1 and EPROTO if one is too long for it. */
static int pc_names_out(char (*name)[PERFCTR_NAME_MAX], const char **names,
			int n)
{
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (len >= PERFCTR_NAME_MAX) {
			errno = EPROTO;
			return -1;
		}
		memcpy(name[i], names[i], len + 1);
	}
	return n;
}

/*
 * perfctr_snapshot()'s names: those of the control of id @id, copied from
 * the cache if it was filled for that id, else from one read of the
 * control file, which the caller brackets by reads of id.  The cache is
 * left as it is, so that no string perfctr_counter_name() gave is
 * overwritten.  Returns the number of names, or -1 and errno.
 */
int pc_names_copy(struct perfctr *pc, uint64_t id,
		  char (*name)[PERFCTR_NAME_MAX])
{
	const char *names[PERFCTR_MAX_COUNTERS];
	char text[PC_TEXT_MAX];
	ssize_t len;
	int nr, err;

	pthread_mutex_lock(&pc->lock);
	if (pc->names_valid && pc->names_id == id) {
		nr = pc_names_out(name, pc->names, pc->names_nr);
		err = errno;
		pthread_mutex_unlock(&pc->lock);
		errno = err;
		return nr;
	}
	pthread_mutex_unlock(&pc->lock);
	len = pc_read_text(pc->fd[PC_CONTROL], text);
	if (len < 0)
		return -1;
	nr = pc_split_control(text, len, names, PERFCTR_MAX_COUNTERS);
	if (nr < 0) {
		errno = EPROTO;
		return -1;
	}
	return pc_names_out(name, names, nr);
}

/*
 * The cache is refilled only by the two functions below, when the
 * control's id is not the one it was filled for: a name
 * perfctr_counter_name() returns stays valid until such a call, from any
 * thread, or perfctr_close().
 */
PC_EXPORT const char *perfctr_counter_name(struct perfctr *pc, unsigned int i)
{
	const char *name = NULL;
	uint64_t id;
	int err;

	if (pc_enter(pc) || pc_current_id(pc, &id))
		return NULL;
	pthread_mutex_lock(&pc->lock);
	if (!pc_names_get(pc, id)) {
		if (i < pc->names_nr)
			name = pc->names[i];
		else
			errno = ERANGE;
	}
	err = errno;
	pthread_mutex_unlock(&pc->lock);
	errno = err;
	return name;
}

/* The name copied out under the lock: nothing of it outlives the call. */
PC_EXPORT int perfctr_get_counter_name(struct perfctr *pc, unsigned int i,
				       char *buf, size_t len)
{
	uint64_t id;
	size_t n;
	int ret = -1, err;

	if (pc_enter(pc))
		return -1;
	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	if (pc_current_id(pc, &id))
		return -1;
	pthread_mutex_lock(&pc->lock);
	if (!pc_names_get(pc, id)) {
		n = i < pc->names_nr ? strlen(pc->names[i]) : 0;
		if (i >= pc->names_nr || n >= len) {
			errno = ERANGE;
		} else {
			memcpy(buf, pc->names[i], n + 1);
			ret = 0;
		}
	}
	err = errno;
	pthread_mutex_unlock(&pc->lock);
	errno = err;
	return ret;
}
