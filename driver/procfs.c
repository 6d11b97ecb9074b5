// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the files of /proc/<pid>/perfctr/
 *
 * The kernel has checked access before calling in here (ptrace read access
 * to read, ptrace attach access to write) and holds the task's
 * exec_update_lock for reading, except for a thread group reading its own
 * id, counts, children or lost (perfctr_proc_read()).  Formats, see
 * Documentation/perfctr.rst:
 *
 *   control   canonical names separated by single spaces, one line;
 *             empty without a control
 *   id        the control's id in decimal, 0 without a control
 *   counts    "<name> <count>" per counter, in control order; empty without
 *   children  the same for the children counts
 *   lost      the lost children count in decimal
 */
#include <linux/bitops.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "control.h"
#include "procfs.h"
#include "task.h"

/**
 * pc_put_u64() - @v in decimal at @p, with no terminating NUL
 * @p: room for 20 characters
 * @v: the number
 *
 * What the files of many lines (counts, exits) print most; vsnprintf()
 * was most of what reading them cost.  The digits go straight to their
 * place, two per 64-bit division.
 *
 * Return: the end of what was written.
 */
char *pc_put_u64(char *p, u64 v)
{
	static const u64 pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};
	/* log10(2) is about 1233 / 4096: the digits of 2^(bits - 1) */
	unsigned int t = fls64(v) * 1233 >> 12;
	unsigned int len = v ? t + (v >= pow10[t]) : 1;
	char *d = p + len;

	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		*--d = '0' + r % 10;
		*--d = '0' + r / 10;
	}
	if (v >= 10)
		*--d = '0' + v % 10;
	*--d = '0' + (v >= 10 ? v / 10 : v);
	return p + len;
}

/**
 * pc_put_count() - a count at @p as the files print it, with no NUL
 * @p: room for 20 characters
 * @v: the count: decimal, or PC_NOT_COUNTED_TEXT for PC_NOT_COUNTED
 *
 * Return: the end of what was written.
 */
char *pc_put_count(char *p, u64 v)
{
	static_assert(sizeof(PC_NOT_COUNTED_TEXT) - 1 <= 20);

	if (v != PC_NOT_COUNTED)
		return pc_put_u64(p, v);
	memcpy(p, PC_NOT_COUNTED_TEXT, sizeof(PC_NOT_COUNTED_TEXT) - 1);
	return p + sizeof(PC_NOT_COUNTED_TEXT) - 1;
}

/* The longest line of a counts file: a label, a blank, 20 digits, '\n'. */
#define PC_COUNTS_LINE_MAX	(PC_LABEL_MAX + 22)
static_assert(PERFCTR_MAX_COUNTERS * PC_COUNTS_LINE_MAX <= PERFCTR_READ_MAX);

/*
 * "<label> <count>\n" per counter, at @buf, which has room for all, and
 * for a whole label buffer at the start of any line.
 */
static size_t pc_counts_print(char *buf, const struct pc_control *ctl,
			      const u64 *counts)
{
	unsigned int i;
	char *p = buf;

	if (!ctl)
		return 0;
	for (i = 0; i < ctl->nr; i++) {
		const struct pc_event *ev = &ctl->ev[i];

		/* a constant size: a few moves, where label_len was a call */
		memcpy(p, ev->label, PC_LABEL_MAX);
		p += ev->label_len;
		*p++ = ' ';
		p = pc_put_count(p, counts[i]);
		*p++ = '\n';
	}
	return p - buf;
}

/* One number and a newline. */
static size_t pc_number_print(char *buf, u64 v)
{
	char *p = pc_put_u64(buf, v);

	*p++ = '\n';
	return p - buf;
}

/* The control file, the one read through seq_file. */
int pc_show(struct seq_file *m, struct task_struct *task,
	    enum perfctr_file file)
{
	struct perfctr_task *st;
	struct pc_control *ctl;

	if (file != PERFCTR_FILE_CONTROL)
		return -EINVAL;
	st = pc_task_get(task);
	ctl = st ? pc_task_control(st) : NULL;
	if (st)
		pc_task_put(st);
	if (ctl)
		pc_control_print(m, ctl);
	pc_control_put(ctl);
	return 0;
}

/* id, counts, children and lost, into @buf of PERFCTR_READ_MAX bytes. */
ssize_t pc_read(struct task_struct *task, enum perfctr_file file, char *buf,
		size_t size)
{
	/* a task reading itself, the common case, needs no reference */
	bool stable = pc_task_stable(task);
	struct perfctr_task *st = stable ? pc_task_state(task) :
					   pc_task_get(task);
	/*
	 * Filled and printed for the control's slots only: not zeroed first
	 * (CONFIG_INIT_STACK_ALL_ZERO would: 20 of the 1,160 instructions of
	 * a read of four counts).
	 */
	u64 counts[PERFCTR_MAX_COUNTERS] __uninitialized;
	struct pc_control *ctl = NULL;
	ssize_t len = 0;
	u64 lost = 0;

	if (size < PERFCTR_READ_MAX) {
		len = -EINVAL;
		goto out;
	}
	switch (file) {
	case PERFCTR_FILE_ID:
		ctl = st ? pc_task_control(st) : NULL;
		len = pc_number_print(buf, ctl ? ctl->id : 0);
		break;
	case PERFCTR_FILE_COUNTS:
		if (!st)
			break;
		/* printed under the state's mutex, which holds the control */
		len = pc_counts_print(buf, pc_task_counts_begin(task, st, counts),
				      counts);
		pc_task_counts_end(st);
		break;
	case PERFCTR_FILE_CHILDREN:
		ctl = st ? pc_task_read_children(st, counts, &lost) : NULL;
		len = pc_counts_print(buf, ctl, counts);
		break;
	case PERFCTR_FILE_LOST:
		ctl = st ? pc_task_read_children(st, counts, &lost) : NULL;
		len = pc_number_print(buf, lost);
		break;
	default:
		len = -EINVAL;
		break;
	}
	pc_control_put(ctl);
out:
	if (st && !stable)
		pc_task_put(st);
	return len;
}

/*
 * The whole control in one write at offset 0: a control is not a stream,
 * and accepting pieces would apply half a control.  The kernel has copied
 * the whole text of the write system call, writev()'s segments together
 * (at most PERFCTR_CONTROL_MAX bytes, see pc_ops.write_max), and runs this
 * with the file opener's credentials.
 */
ssize_t pc_write_control(struct task_struct *task, const char *text,
			 size_t count, loff_t *ppos)
{
	struct pc_control *ctl;
	int err;

	if (*ppos != 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (strlen(text) != count)	/* an embedded NUL */
		return -EINVAL;
	err = pc_control_parse(text, &ctl);
	if (err)
		return err;
	err = pc_task_program(task, ctl);
	if (err) {
		pc_control_put(ctl);
		return err;
	}
	*ppos += count;
	return count;
}
