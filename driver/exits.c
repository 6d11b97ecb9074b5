// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the exits file, the final counts of every task under a control
 *
 * Inheritance sums a tree into its root's children counts; the exits file
 * tells the parts apart.  Its reader (perfex --tree) opens
 * /proc/<pid>/perfctr/exits and gets one record per task that is released
 * while counting with the control <pid> had at open: who the task was,
 * whom it was forked by, which task its counts were merged into (if any),
 * its final counts and its children counts.  The records are taken at
 * release, where the merge is decided, so that a reader can rebuild the
 * tree of merges exactly.  Tasks are named by their states' serials, which
 * are never reused, as well as by pid numbers, which are: the tree stays
 * exact however often the numbers wrap.  The file ends when <pid> itself
 * is released, after its own record.  See Documentation/perfctr.rst, "Exit
 * records".
 *
 * Memory is bounded: PERFCTR_EXITS_RECORDS records are kept for the
 * reader, and the ones that arrive while they are all unread are counted
 * and reported as dropped, in the order they were lost.  Tasks that nobody
 * listens to pay one pointer test at release, and at fork.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "exits.h"
#include "kernel.h"
#include "procfs.h"
#include "task.h"

/**
 * struct pc_exit_record - one released task, as the ring holds it
 * @dropped: records dropped before this one was added, since the open
 * @serial: the task's perfctr_task::serial
 * @leader: its perfctr_task::leader_serial, its process's identity
 * @into_serial: the serial of the task its counts were merged into, or 0
 * @pid: the task's pid, in the reader's pid namespace (0 outside it)
 * @tgid: its thread-group id
 * @ppid: the process that forked it (for a thread: its own process)
 * @into: the task its counts were merged into, or 0 if they were not
 * @comm: its command name
 * @counts: its final counts, then its children counts, nr of each
 */
struct pc_exit_record {
	u64 dropped;
	u64 serial;
	u64 leader;
	u64 into_serial;
	pid_t pid;
	pid_t tgid;
	pid_t ppid;
	pid_t into;
	char comm[TASK_COMM_LEN];
	u64 counts[];
};

/**
 * struct pc_exits - the listener behind an open exits file
 * @lock: protects @head, @tail, @dropped, @reported, @ended and the
 *	records.  Records
 *	are added in the release hook, under tasklist_lock, so it is taken
 *	with interrupts off everywhere.
 * @wait: readers and pollers wait here for a record or the end
 * @read_mutex: one reader at a time: the reader owns @head's advance,
 *	@snap and @line
 * @ctl: the control listened to, with a reference
 * @root: the state of the task whose file was opened, with a reference
 *	(pc_task_get()), which outlives the task's release (that ends the file)
 * @ns: the pid namespace the records' numbers are in: that of the proc
 *	mount the file was opened through, with a reference
 * @nr: counters per record
 * @slot_size: bytes per record
 * @records: the ring of PERFCTR_EXITS_RECORDS records
 * @head: the next record to read (free running)
 * @tail: the next record to write (free running)
 * @dropped: records dropped since the open; only the writers change it
 * @reported: how many of them the reader has reported; only it changes it
 * @ended: @root was released: no record will follow
 * @snap: the record being formatted, copied out of the ring
 * @line: its text
 *
 * Lifetime: created by the open of the file and freed by its release.
 * While attached, @ctl->exits and @root->exits point here; both
 * change only under pc_exits_lock, the latter also under the state's lock.
 * The release hook finds a listener under RCU (pc_exits_record(),
 * pc_exits_end()), so the file's release detaches it and waits for a grace
 * period before freeing it.  The root's release detaches it from @ctl.
 */
struct pc_exits {
	spinlock_t lock;		/* the ring, @ended */
	wait_queue_head_t wait;
	struct mutex read_mutex;	/* one reader */
	struct pc_control *ctl;
	struct perfctr_task *root;
	struct pid_namespace *ns;
	unsigned int nr;
	size_t slot_size;
	void *records;
	unsigned long head;
	unsigned long tail;
	u64 dropped;
	u64 reported;
	bool ended;
	struct pc_exit_record *snap;
	char *line;
};

/* Nests outside a state's lock; inside tasklist_lock, so irqsave. */
static DEFINE_SPINLOCK(pc_exits_lock);

static struct pc_exit_record *pc_exits_slot(struct pc_exits *ex,
					    unsigned long n)
{
	return ex->records + (n % PERFCTR_EXITS_RECORDS) * ex->slot_size;
}

/* Something for a reader: a record, a count of dropped ones, or the end. */
static bool pc_exits_ready(struct pc_exits *ex)
{
	bool ready;

	spin_lock_irq(&ex->lock);
	ready = ex->head != ex->tail || ex->dropped != ex->reported ||
		ex->ended;
	spin_unlock_irq(&ex->lock);
	return ready;
}

/*
 * The tgid of the process that forked @tsk, when its fork was not
 * recorded (it came before the listener): its parent, or for a thread its
 * own process.  tasklist_lock is held.
 */
static pid_t pc_exits_ppid(struct task_struct *tsk, struct pid_namespace *ns)
{
	struct task_struct *parent;

	if (!thread_group_leader(tsk))
		return task_tgid_nr_ns(tsk, ns);
	parent = rcu_dereference(tsk->real_parent);
	return task_tgid_nr_ns(parent, ns);
}

static void pc_exits_add(struct pc_exits *ex, struct task_struct *tsk,
			 struct perfctr_task *st, const u64 *self,
			 const u64 *children, struct task_struct *into,
			 u64 into_serial)
{
	pid_t pid = task_pid_nr_ns(tsk, ex->ns);
	pid_t tgid = task_tgid_nr_ns(tsk, ex->ns);
	pid_t ppid = st->forker ? pid_nr_ns(st->forker, ex->ns) :
				  pc_exits_ppid(tsk, ex->ns);
	pid_t into_pid = into ? task_pid_nr_ns(into, ex->ns) : 0;
	struct pc_exit_record *rec;
	unsigned long flags;

	spin_lock_irqsave(&ex->lock, flags);
	if (ex->ended) {
		spin_unlock_irqrestore(&ex->lock, flags);
		return;
	}
	if (ex->tail - ex->head == PERFCTR_EXITS_RECORDS) {
		ex->dropped++;
		spin_unlock_irqrestore(&ex->lock, flags);
		return;
	}
	rec = pc_exits_slot(ex, ex->tail);
	rec->dropped = ex->dropped;
	rec->serial = st->serial;
	rec->leader = st->leader_serial;
	rec->into_serial = into_serial;
	rec->pid = pid;
	rec->tgid = tgid;
	rec->ppid = ppid;
	rec->into = into_pid;
	/* /proc/<pid>/comm may still write it: copy what is there */
	strscpy_pad(rec->comm, tsk->comm, sizeof(rec->comm));
	memcpy(rec->counts, self, ex->nr * sizeof(u64));
	memcpy(rec->counts + ex->nr, children, ex->nr * sizeof(u64));
	ex->tail++;
	spin_unlock_irqrestore(&ex->lock, flags);
}

/**
 * pc_exits_record() - give a released task's record to its control's
 *	listener, if it has one
 * @tsk: the task, in release_task() under tasklist_lock
 * @st: its state
 * @ctl: its control
 * @self: its final counts
 * @children: its children counts
 * @into: the task its counts were just merged into, or NULL
 * @into_serial: the perfctr_task::serial of @into's state, or 0
 *
 * The reader is woken by pc_exits_wake(), once tasklist_lock is dropped.
 */
void pc_exits_record(struct task_struct *tsk, struct perfctr_task *st,
		     const struct pc_control *ctl, const u64 *self,
		     const u64 *children, struct task_struct *into,
		     u64 into_serial)
{
	struct pc_exits *ex;

	rcu_read_lock();
	ex = rcu_dereference(ctl->exits);
	if (ex)
		pc_exits_add(ex, tsk, st, self, children, into, into_serial);
	rcu_read_unlock();
}

/**
 * pc_exits_end() - the listener's root was released: end its file
 * @ex: the listener, found through the root's state under RCU
 *
 * The root's own record, if any, is in already.  Tasks that still count
 * with the control are outside the root's tree from now on (orphans), and
 * are no longer recorded.  Called under tasklist_lock; the reader is woken
 * by pc_exits_wake(), once it is dropped.
 */
void pc_exits_end(struct pc_exits *ex)
{
	unsigned long flags;

	spin_lock_irqsave(&pc_exits_lock, flags);
	if (rcu_access_pointer(ex->ctl->exits) == ex)
		RCU_INIT_POINTER(ex->ctl->exits, NULL);
	spin_unlock_irqrestore(&pc_exits_lock, flags);

	spin_lock_irqsave(&ex->lock, flags);
	WRITE_ONCE(ex->ended, true);	/* pc_exits_wake() reads it unlocked */
	spin_unlock_irqrestore(&ex->lock, flags);
}

/**
 * pc_exits_wake() - wake the reader of a listener that got a record or ended
 * @ex: the listener, found under RCU
 *
 * Called by the release hook's second half, outside tasklist_lock.  A
 * reader that reads as records come (perfex) is rarely asleep, so the wait
 * queue's lock is only taken for a sleeper.  The barrier of
 * wq_has_sleeper() pairs with the one the reader's prepare_to_wait() makes
 * before it tests pc_exits_ready(), which the record or the end, made under
 * @ex->lock before this, then satisfies.
 */
void pc_exits_wake(struct pc_exits *ex)
{
	if (wq_has_sleeper(&ex->wait))
		wake_up_interruptible_poll(&ex->wait, EPOLLIN | EPOLLRDNORM |
					   (READ_ONCE(ex->ended) ? EPOLLHUP : 0));
}

/* Escapes what would split or hide a field: blanks, controls, '\'. */
static char *pc_exits_comm(char *p, const char *comm)
{
	const unsigned char *c = (const unsigned char *)comm;

	if (!*c)
		return p + sprintf(p, "\\000");
	for (; *c; c++) {
		if (*c <= ' ' || *c >= 0x7f || *c == '\\')
			p += sprintf(p, "\\%03o", *c);
		else
			*p++ = *c;
	}
	return p;
}

/* " <v>" in decimal at @p, returning the end */
static char *pc_exits_num(char *p, u64 v)
{
	*p++ = ' ';
	return pc_put_u64(p, v);
}

/* " <count>" at @p, returning the end */
static char *pc_exits_count(char *p, u64 v)
{
	*p++ = ' ';
	return pc_put_count(p, v);
}

/* The longest text of one record, its "dropped N" line (29 bytes) included */
#define PC_EXITS_LINE	(29 + 5 + 3 * 21 + 4 * 12 + TASK_COMM_LEN * 4 + \
			 2 * PERFCTR_MAX_COUNTERS * 21 + 1)
static_assert(PC_EXITS_LINE <= PERFCTR_EXITS_LINE_MAX);

/*
 * The text of @rec into @ex->line: "dropped N" first if records were lost
 * since the last one reported, then "task SERIAL LEADER INTO_SERIAL PID
 * TGID PPID INTO COMM SELF... CHILDREN...".  The first word names the
 * layout: "exit" lines, without the serials, are what the file gave before
 * they came, and a reader that finds a word it does not know skips the line.
 */
static size_t pc_exits_format(struct pc_exits *ex,
			      const struct pc_exit_record *rec)
{
	char *p = ex->line;
	unsigned int i;

	if (rec->dropped != ex->reported) {
		memcpy(p, "dropped", 7);
		p = pc_exits_num(p + 7, rec->dropped - ex->reported);
		*p++ = '\n';
	}
	memcpy(p, "task", 4);
	p = pc_exits_num(p + 4, rec->serial);
	p = pc_exits_num(p, rec->leader);
	p = pc_exits_num(p, rec->into_serial);
	/* pid numbers are never negative: 0 stands for "none" */
	p = pc_exits_num(p, rec->pid);
	p = pc_exits_num(p, rec->tgid);
	p = pc_exits_num(p, rec->ppid);
	p = pc_exits_num(p, rec->into);
	*p++ = ' ';
	p = pc_exits_comm(p, rec->comm);
	for (i = 0; i < 2 * ex->nr; i++)
		p = pc_exits_count(p, rec->counts[i]);
	*p++ = '\n';
	return p - ex->line;
}

/*
 * The next piece of text for the reader into @ex->line, without consuming
 * it: the oldest record (with the drops before it), or, with no record
 * left, the drops not reported yet.  Returns its length, 0 if there is
 * nothing.  *@is_record says whether consuming it advances past a record;
 * *@reported is the drop count reported once it is consumed.  Caller holds
 * @ex->read_mutex.
 */
static size_t pc_exits_peek(struct pc_exits *ex, bool *is_record,
			    u64 *reported)
{
	u64 dropped;

	spin_lock_irq(&ex->lock);
	if (ex->head != ex->tail) {
		memcpy(ex->snap, pc_exits_slot(ex, ex->head), ex->slot_size);
		spin_unlock_irq(&ex->lock);
		*is_record = true;
		*reported = ex->snap->dropped;
		return pc_exits_format(ex, ex->snap);
	}
	dropped = ex->dropped;
	spin_unlock_irq(&ex->lock);
	*is_record = false;
	*reported = dropped;
	if (dropped == ex->reported)
		return 0;
	return sprintf(ex->line, "dropped %llu\n", dropped - ex->reported);
}

static void pc_exits_consume(struct pc_exits *ex, bool is_record,
			     u64 reported)
{
	spin_lock_irq(&ex->lock);
	if (is_record)
		ex->head++;
	ex->reported = reported;
	spin_unlock_irq(&ex->lock);
}

/*
 * Whole lines, as many as fit; blocks until there is one unless
 * O_NONBLOCK, and returns 0 once the root was released and all is read.
 */
static ssize_t pc_exits_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct pc_exits *ex = file->private_data;
	bool is_record;
	ssize_t ret = 0;
	size_t done = 0, len;
	u64 reported;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&ex->read_mutex))
		return -ERESTARTSYS;
	while (!pc_exits_ready(ex)) {
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto unlock;
		}
		mutex_unlock(&ex->read_mutex);
		if (wait_event_interruptible(ex->wait, pc_exits_ready(ex)))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&ex->read_mutex))
			return -ERESTARTSYS;
	}
	while ((len = pc_exits_peek(ex, &is_record, &reported))) {
		if (len > count - done) {
			if (!done)
				ret = -EINVAL;
			break;
		}
		if (copy_to_user(buf + done, ex->line, len)) {
			if (!done)
				ret = -EFAULT;
			break;
		}
		pc_exits_consume(ex, is_record, reported);
		done += len;
	}
unlock:
	mutex_unlock(&ex->read_mutex);
	return done ? done : ret;
}

static __poll_t pc_exits_poll(struct file *file, poll_table *pt)
{
	struct pc_exits *ex = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ex->wait, pt);
	spin_lock_irq(&ex->lock);
	if (ex->head != ex->tail || ex->dropped != ex->reported || ex->ended)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ex->ended)
		mask |= EPOLLHUP;
	spin_unlock_irq(&ex->lock);
	return mask;
}

static void pc_exits_free(struct pc_exits *ex)
{
	kvfree(ex->records);
	kfree(ex->snap);
	kfree(ex->line);
	if (ex->ns)
		put_pid_ns(ex->ns);
	if (ex->root)
		pc_task_put(ex->root);
	pc_control_put(ex->ctl);
	kfree(ex);
}

static int pc_exits_release(struct inode *inode, struct file *file)
{
	struct pc_exits *ex = file->private_data;
	struct perfctr_task *st = ex->root;
	unsigned long flags, st_flags;

	spin_lock_irqsave(&pc_exits_lock, flags);
	if (rcu_access_pointer(ex->ctl->exits) == ex)
		RCU_INIT_POINTER(ex->ctl->exits, NULL);
	raw_spin_lock_irqsave(&st->lock, st_flags);
	if (rcu_access_pointer(st->exits) == ex)
		RCU_INIT_POINTER(st->exits, NULL);
	raw_spin_unlock_irqrestore(&st->lock, st_flags);
	spin_unlock_irqrestore(&pc_exits_lock, flags);
	/* the release hook finds listeners under RCU */
	synchronize_rcu();
	pc_exits_free(ex);
	return 0;
}

static const struct file_operations pc_exits_fops = {
	.owner		= THIS_MODULE,
	.read		= pc_exits_read,
	.poll		= pc_exits_poll,
	.release	= pc_exits_release,
};

static struct pc_exits *pc_exits_alloc(struct pc_control *ctl)
{
	struct pc_exits *ex = kzalloc(sizeof(*ex), GFP_KERNEL_ACCOUNT);

	if (!ex)
		return NULL;
	spin_lock_init(&ex->lock);
	init_waitqueue_head(&ex->wait);
	mutex_init(&ex->read_mutex);
	ex->nr = ctl->nr;
	ex->slot_size = ALIGN(struct_size(ex->snap, counts, 2 * ctl->nr), 8);
	ex->records = kvcalloc(PERFCTR_EXITS_RECORDS, ex->slot_size,
			       GFP_KERNEL_ACCOUNT);
	ex->snap = kmalloc(ex->slot_size, GFP_KERNEL_ACCOUNT);
	ex->line = kmalloc(PERFCTR_EXITS_LINE_MAX, GFP_KERNEL_ACCOUNT);
	if (!ex->records || !ex->snap || !ex->line) {
		pc_exits_free(ex);
		return NULL;
	}
	return ex;
}

/**
 * pc_open_exits() - perfctr_ops::open_exits, open @task's exits file
 * @task: the task the file belongs to, the root of the records' tree
 * @file: the file being opened, access already checked
 *
 * Listens to the control @task has now, which must have been written to
 * @task itself: then every other task that counts with it was forked from
 * @task since (or from those tasks), and the opener, who may read @task's
 * counts, may read theirs.  A task that merely inherited its control may
 * not be listened to: that would show its ancestors and siblings.  One
 * listener per control and per root.  A task that is released while
 * counting with that control (@task included, normally last) gives the
 * file a record.
 *
 * Return: 0; -ENODATA if @task has no control; -EPERM if it inherited it;
 * -ESRCH if it was released; -EAGAIN if its control changed meanwhile;
 * -EBUSY if its control or @task has a listener already; -ENOMEM.
 */
int pc_open_exits(struct task_struct *task, struct file *file)
{
	struct perfctr_task *st = pc_task_get(task);
	const struct file_operations *fops;
	unsigned long flags, st_flags;
	struct pc_control *ctl;
	struct pc_exits *ex;
	int err = 0;

	ctl = st ? pc_task_control(st) : NULL;
	if (!ctl) {
		if (st)
			pc_task_put(st);
		/* a released task's state is gone with it */
		return READ_ONCE(task->exit_state) == EXIT_DEAD ? -ESRCH :
								  -ENODATA;
	}
	ex = pc_exits_alloc(ctl);
	if (!ex) {
		pc_task_put(st);
		pc_control_put(ctl);
		return -ENOMEM;
	}
	ex->ctl = ctl;
	ex->ns = get_pid_ns(pc_file_pid_ns(file));
	ex->root = st;
	fops = fops_get(&pc_exits_fops);
	if (!fops) {
		pc_exits_free(ex);
		return -ENODEV;
	}

	spin_lock_irqsave(&pc_exits_lock, flags);
	raw_spin_lock_irqsave(&st->lock, st_flags);
	if (st->released)
		err = -ESRCH;
	else if (rcu_access_pointer(st->control) != ctl)	/* a write came in between */
		err = -EAGAIN;
	else if (!st->programmed)
		err = -EPERM;
	else if (rcu_access_pointer(st->exits) ||
		 rcu_access_pointer(ctl->exits))
		err = -EBUSY;
	if (!err) {
		rcu_assign_pointer(st->exits, ex);
		rcu_assign_pointer(ctl->exits, ex);
	}
	raw_spin_unlock_irqrestore(&st->lock, st_flags);
	spin_unlock_irqrestore(&pc_exits_lock, flags);
	if (err) {
		fops_put(fops);
		pc_exits_free(ex);
		return err;
	}

	file->private_data = ex;
	replace_fops(file, fops);
	return 0;
}
