// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the files of /proc/<pid>/perfctr/
 *
 * The kernel has checked access before calling in here (ptrace read access
 * to read, ptrace attach access to write) and holds the task's
 * exec_update_lock for reading.  Formats, see Documentation/perfctr.rst:
 *
 *   control   canonical names separated by single spaces, one line;
 *             empty without a control
 *   id        the control's id in decimal, 0 without a control
 *   counts    "<name> <count>" per counter, in control order; empty without
 *   children  the same for the children counts
 *   lost      the lost children count in decimal
 */
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
 * was most of what reading them cost.
 *
 * Return: the end of what was written.
 */
char *pc_put_u64(char *p, u64 v)
{
	char digits[20], *d = digits + sizeof(digits);
	size_t len;

	do {
		*--d = '0' + v % 10;
		v /= 10;
	} while (v);
	len = digits + sizeof(digits) - d;
	memcpy(p, d, len);
	return p + len;
}

/*
 * "<label> <count>\n" per counter, written straight into the seq_file's
 * buffer: counts files are what scripts poll in loops, and this is most of
 * what a read of one costs.  If the buffer is too small, seq_commit(-1)
 * makes seq_file retry with a larger one.
 */
static void pc_counts_print(struct seq_file *m, const struct pc_control *ctl,
			    const u64 *counts)
{
	size_t room, need = 0;
	unsigned int i;
	char *buf, *p;

	if (!ctl)
		return;
	for (i = 0; i < ctl->nr; i++)
		need += ctl->ev[i].label_len + sizeof(" 18446744073709551615\n");
	room = seq_get_buf(m, &buf);
	if (room < need) {
		seq_commit(m, -1);
		return;
	}
	p = buf;
	for (i = 0; i < ctl->nr; i++) {
		const struct pc_event *ev = &ctl->ev[i];

		memcpy(p, ev->label, ev->label_len);
		p += ev->label_len;
		*p++ = ' ';
		p = pc_put_u64(p, counts[i]);
		*p++ = '\n';
	}
	seq_commit(m, p - buf);
}

int pc_show(struct seq_file *m, struct task_struct *task,
	    enum perfctr_file file)
{
	struct perfctr_task *st = pc_task_state(task);
	u64 counts[PERFCTR_MAX_COUNTERS], lost = 0;
	struct pc_control *ctl = NULL;

	switch (file) {
	case PERFCTR_FILE_CONTROL:
		ctl = st ? pc_task_control(st) : NULL;
		if (ctl)
			pc_control_print(m, ctl);
		break;
	case PERFCTR_FILE_ID:
		ctl = st ? pc_task_control(st) : NULL;
		seq_printf(m, "%llu\n", ctl ? ctl->id : 0);
		break;
	case PERFCTR_FILE_COUNTS:
		ctl = st ? pc_task_read_counts(task, st, counts) : NULL;
		pc_counts_print(m, ctl, counts);
		break;
	case PERFCTR_FILE_CHILDREN:
		ctl = st ? pc_task_read_children(st, counts, &lost) : NULL;
		pc_counts_print(m, ctl, counts);
		break;
	case PERFCTR_FILE_LOST:
		ctl = st ? pc_task_read_children(st, counts, &lost) : NULL;
		seq_printf(m, "%llu\n", lost);
		break;
	}
	pc_control_put(ctl);
	return 0;
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
