// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: stock mode's files, a filesystem of the module's own
 *
 * A stock kernel has no perfctr directory in /proc/<pid>/, and a module
 * cannot add one.  So stock mode serves the same files, with the same
 * formats and errnos, from the "perfctr" filesystem, mounted at
 * /sys/fs/perfctr with one superblock per pid namespace, as procfs has:
 *
 *   /sys/fs/perfctr/<pid>/perfctr/{children,control,counts,exits,id,lost,
 *                                  page}
 *   /sys/fs/perfctr/<pid>/task/<tid>/perfctr/...
 *   /sys/fs/perfctr/self -> <tgid>, thread-self -> <tgid>/task/<tid>
 *   /sys/fs/perfctr/stock   what stock mode could not do (its presence
 *                           is how a tool tells the mode)
 *
 * Directories are made at lookup, from the pid namespace of the superblock,
 * and never cached (always_delete_dentry): a name is resolved again at each
 * open.  An inode of a task's directory or file holds that task's struct
 * pid, as procfs's do, so an open file stays with its task, and reads
 * -ESRCH once the task is gone.
 *
 * Access is decided by pc_stock_may_access(), which stands in for the
 * patched kernel's ptrace checks (Documentation/perfctr-stock.rst): at
 * open, and again at each read or write with the task's exec_update_lock
 * held, so that an exec that raises the task's privilege cannot slip in
 * between.  A write runs with the opener's credentials and is refused
 * after an exec of the task, as on a patched kernel.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "control.h"
#include "exits.h"
#include "page.h"
#include "procfs.h"
#include "stock-fs.h"
#include "stock-hooks.h"
#include "stock-state.h"

#define PC_FS_MAGIC	0x70637472	/* "pctr" */

/* What an inode is. */
enum pc_fs_kind {
	PC_FS_ROOT,
	PC_FS_STOCK,		/* the stock file */
	PC_FS_TASK,		/* <pid>/ and <pid>/task/<tid>/ */
	PC_FS_TASKS,		/* <pid>/task/ */
	PC_FS_DIR,		/* .../perfctr/ */
	PC_FS_FILE,		/* .../perfctr/<file> */
	PC_FS_LINK,		/* self, thread-self */
};

/**
 * struct pc_fs_inode - an inode of the perfctr filesystem
 * @pid: the task of a task's directory or file, with a reference; NULL
 *	for the root, the stock file and the links
 * @kind: what the inode is
 * @file: for PC_FS_FILE, which file
 * @vfs: the VFS's inode
 */
struct pc_fs_inode {
	struct pid *pid;
	enum pc_fs_kind kind;
	enum perfctr_file file;
	struct inode vfs;
};

static struct kmem_cache *pc_fs_inode_cache;

static struct pc_fs_inode *PC_I(struct inode *inode)
{
	return container_of(inode, struct pc_fs_inode, vfs);
}

static struct pid_namespace *pc_fs_ns(struct super_block *sb)
{
	return sb->s_fs_info;
}

static const struct file_operations pc_fs_control_fops;
static const struct file_operations pc_fs_read_fops;
static const struct file_operations pc_fs_page_fops;
static const struct file_operations pc_fs_exits_fops;

/* The files of a perfctr directory, in the order readdir lists them. */
static const struct pc_fs_entry {
	const char *name;
	umode_t mode;
	enum perfctr_file file;		/* for control and the read-only ones */
	const struct file_operations *fops;
} pc_fs_files[] = {
	{ "children",	0444, PERFCTR_FILE_CHILDREN,	&pc_fs_read_fops },
	{ "control",	0644, PERFCTR_FILE_CONTROL,	&pc_fs_control_fops },
	{ "counts",	0444, PERFCTR_FILE_COUNTS,	&pc_fs_read_fops },
	{ "exits",	0444, 0,			&pc_fs_exits_fops },
	{ "id",		0444, PERFCTR_FILE_ID,		&pc_fs_read_fops },
	{ "lost",	0444, PERFCTR_FILE_LOST,	&pc_fs_read_fops },
	{ "page",	0444, 0,			&pc_fs_page_fops },
};

struct pid_namespace *pc_file_pid_ns(const struct file *file)
{
	return pc_fs_ns(file_inode(file)->i_sb);
}

/*
 * Yama's ptrace_scope, read from its file as the opener would (Yama's
 * state is not exported): 0 classic ptrace permissions, 1 descendants
 * only, 2 CAP_SYS_PTRACE only, 3 no attach.  Without Yama the file is
 * missing: 0.  The exceptions a task declares with PR_SET_PTRACER are not
 * visible to a module: they are ignored, so scope 1 is applied strictly.
 */
static int pc_yama_scope(void)
{
	int scope = pc_sysctl_int("/proc/sys/kernel/yama/ptrace_scope", -1);

	if (scope >= 0)
		return scope;
	/* no Yama, where /proc/sys can be read at all; else the strict 1 */
	return pc_sysctl_int("/proc/sys/kernel/pid_max", -1) > 0 ? 0 : 1;
}

/*
 * Access to another task follows what ptrace would check, as far as a
 * stock kernel lets a module check it (ptrace_may_access() and the LSM
 * hooks behind it are not exported), with current's credentials: a
 * reader's own, and for a write the opener's (pc_fs_control_write_iter()):
 *  - a thread group always reaches itself;
 *  - otherwise the opener's fsuid and fsgid must equal the task's real,
 *    effective and saved ids, the task must be dumpable (not set-uid, not
 *    made undumpable), and in the opener's user namespace;
 *  - or the opener has CAP_SYS_PTRACE in the task's user namespace;
 *  - and to program (@write), Yama's rule for ptrace attach on top, as
 *    ptrace_may_access() would apply it for PTRACE_MODE_ATTACH.
 * Returns 0 or -EACCES.
 */
static int pc_stock_may_access(struct task_struct *task, bool write)
{
	const struct cred *cred = current_cred(), *tcred;
	int scope = write ? pc_yama_scope() : 0;
	bool same, cap, descendant = false;
	struct user_namespace *ns;
	struct task_struct *walk;
	struct mm_struct *mm;

	if (same_thread_group(task, current))
		return 0;
	rcu_read_lock();
	tcred = __task_cred(task);
	same = uid_eq(cred->fsuid, tcred->uid) &&
	       uid_eq(cred->fsuid, tcred->euid) &&
	       uid_eq(cred->fsuid, tcred->suid) &&
	       gid_eq(cred->fsgid, tcred->gid) &&
	       gid_eq(cred->fsgid, tcred->egid) &&
	       gid_eq(cred->fsgid, tcred->sgid) &&
	       tcred->user_ns == cred->user_ns;
	ns = get_user_ns(tcred->user_ns);
	for (walk = task; scope == 1 && walk->pid > 1 && !descendant;
	     walk = rcu_dereference(walk->real_parent))
		descendant = same_thread_group(walk, current);
	rcu_read_unlock();

	task_lock(task);
	mm = task->mm;
	if (mm && get_dumpable(mm) != SUID_DUMP_USER)
		same = false;
	task_unlock(task);

	cap = ns_capable(ns, CAP_SYS_PTRACE);
	put_user_ns(ns);
	if (!same && !cap)
		return -EACCES;
	switch (scope) {
	case 0:
		return 0;
	case 1:
		return descendant || cap ? 0 : -EACCES;
	case 2:
		return cap ? 0 : -EACCES;
	default:
		return -EACCES;
	}
}

/*
 * The task of a file, its exec_update_lock held for reading unless it is
 * in current's thread group, and access checked again under it.  Returns
 * the task with a reference, or an ERR_PTR.
 */
static struct task_struct *pc_fs_lock_task(const struct file *file,
					   bool write)
{
	struct task_struct *task = get_pid_task(PC_I(file_inode(file))->pid,
						PIDTYPE_PID);
	int err;

	if (!task)
		return ERR_PTR(-ESRCH);
	if (same_thread_group(task, current))
		return task;
	err = down_read_killable(&task->signal->exec_update_lock);
	if (!err) {
		err = pc_stock_may_access(task, write);
		if (!err)
			return task;
		up_read(&task->signal->exec_update_lock);
	}
	put_task_struct(task);
	return ERR_PTR(err);
}

static void pc_fs_unlock_task(struct task_struct *task)
{
	if (!same_thread_group(task, current))
		up_read(&task->signal->exec_update_lock);
	put_task_struct(task);
}

/*
 * id, counts, children and lost, as procfs serves them: a read at offset 0
 * takes a new snapshot of the file's text into the open file's buffer,
 * access checked; a read further on goes on in the snapshot the last read
 * at 0 took (or takes one, if none did), so that a reader with a small
 * buffer still gets one consistent text.
 */
struct pc_fs_read_file {
	struct mutex lock;	/* one read of the open file at a time */
	bool taken;		/* @text holds a snapshot, @len long */
	size_t len;
	char text[PERFCTR_READ_MAX];
};

static int pc_fs_read_open(struct inode *inode, struct file *file)
{
	struct pc_fs_read_file *rf = kmalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);

	if (!rf)
		return -ENOMEM;
	mutex_init(&rf->lock);
	rf->taken = false;
	rf->len = 0;
	file->private_data = rf;
	return 0;
}

static ssize_t pc_fs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct pc_fs_read_file *rf = file->private_data;
	struct task_struct *task;
	ssize_t ret;
	size_t n;

	if (!iov_iter_count(to))
		return 0;
	ret = mutex_lock_killable(&rf->lock);
	if (ret)
		return ret;
	if (iocb->ki_pos == 0 || !rf->taken) {
		/* on failure, no text is left that this check did not pass */
		rf->taken = false;
		rf->len = 0;
		task = pc_fs_lock_task(file, false);
		ret = PTR_ERR(task);
		if (IS_ERR(task))
			goto out;
		ret = pc_read(task, PC_I(file_inode(file))->file, rf->text,
			      sizeof(rf->text));
		pc_fs_unlock_task(task);
		if (ret < 0)
			goto out;
		rf->len = ret;
		rf->taken = true;
	}
	ret = 0;
	if (iocb->ki_pos < rf->len) {
		n = copy_to_iter(rf->text + iocb->ki_pos,
				 rf->len - iocb->ki_pos, to);
		ret = n ? n : -EFAULT;
		iocb->ki_pos += n;
	}
out:
	mutex_unlock(&rf->lock);
	return ret;
}

static int pc_fs_read_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations pc_fs_read_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_fs_read_open,
	.read_iter	= pc_fs_read_iter,
	.llseek		= generic_file_llseek,
	.release	= pc_fs_read_release,
};

/*
 * The control file: read through seq_file, access checked at each read;
 * written whole at offset 0.  Opening it for writing needs the access a
 * write needs, and binds the descriptor to the program the task runs now
 * (its self_exec_id, kept in the seq_file's private pointer).
 */
static int pc_fs_control_show(struct seq_file *m, void *v)
{
	const struct file *file = m->file;
	struct task_struct *task = pc_fs_lock_task(file, false);
	int err;

	if (IS_ERR(task))
		return PTR_ERR(task);
	err = pc_show(m, task, PERFCTR_FILE_CONTROL);
	pc_fs_unlock_task(task);
	return err;
}

static int pc_fs_control_open(struct inode *inode, struct file *file)
{
	struct task_struct *task = get_pid_task(PC_I(inode)->pid, PIDTYPE_PID);
	u64 exec_id;
	int err = 0;

	if (!task)
		return -ESRCH;
	if (file->f_mode & FMODE_WRITE)
		err = pc_stock_may_access(task, true);
	exec_id = READ_ONCE(task->self_exec_id);
	put_task_struct(task);
	if (err)
		return err;
	return single_open(file, pc_fs_control_show, (void *)(uintptr_t)exec_id);
}

/*
 * write_iter alone: a writev() arrives in one call, so a control is whole,
 * and a segment that cannot be read fails it before anything changes.  The
 * text is copied before the task's exec_update_lock is taken.
 */
static ssize_t pc_fs_control_write_iter(struct kiocb *iocb,
					struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct seq_file *m = file->private_data;
	size_t count = iov_iter_count(from);
	const struct cred *saved;
	struct task_struct *task;
	ssize_t ret;
	char *text;

	if (count > PERFCTR_CONTROL_MAX)
		return -EINVAL;
	text = kmalloc(count + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	if (!copy_from_iter_full(text, count, from)) {
		ret = -EFAULT;
		goto out;
	}
	text[count] = '\0';
	/* judged, and run, as its opener: perf's checks too (pc_may_count()) */
	saved = override_creds(file->f_cred);
	task = pc_fs_lock_task(file, true);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
	} else {
		/* exec changes self_exec_id under exec_update_lock */
		if (READ_ONCE(task->self_exec_id) != (uintptr_t)m->private)
			ret = -EACCES;
		else
			ret = pc_write_control(task, text, count, &iocb->ki_pos);
		pc_fs_unlock_task(task);
	}
	revert_creds(saved);
out:
	kfree(text);
	return ret;
}

static const struct file_operations pc_fs_control_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_fs_control_open,
	.read		= seq_read,
	.write_iter	= pc_fs_control_write_iter,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/*
 * The counter page: anybody may open the file, only the thread itself may
 * map it, and only the thread's own open gets its page ready (the patched
 * kernel's rules, Documentation/perfctr-page.rst).
 */
static int pc_fs_page_open(struct inode *inode, struct file *file)
{
	struct task_struct *task = get_pid_task(PC_I(inode)->pid, PIDTYPE_PID);
	int err;

	if (!task)
		return -ESRCH;
	err = task == current ? pc_open_page(task) : 0;
	put_task_struct(task);
	return err;
}

/*
 * Read-only, from offset 0, never copied at fork, grown or dumped; never
 * executable (the filesystem is noexec, as procfs is).
 */
static int pc_fs_page_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (PC_I(file_inode(file))->pid != task_pid(current))
		return -EPERM;
	if (vma->vm_pgoff)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_IO,
		     VM_MAYWRITE | VM_MAYEXEC);
	return pc_mmap_page(current, vma);
}

static const struct file_operations pc_fs_page_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_fs_page_open,
	.mmap		= pc_fs_page_mmap,
};

/* The exits file: read access, checked once, at open, as procfs does. */
static int pc_fs_exits_open(struct inode *inode, struct file *file)
{
	struct task_struct *task = pc_fs_lock_task(file, false);
	int err;

	if (IS_ERR(task))
		return PTR_ERR(task);
	err = pc_open_exits(task, file);
	pc_fs_unlock_task(task);
	return err;
}

static const struct file_operations pc_fs_exits_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_fs_exits_open,
};

/* The stock file: what stock mode missed, since the module was loaded. */
static int pc_fs_stock_show(struct seq_file *m, void *v)
{
	seq_printf(m, "missed-release %lu\n",
		   atomic_long_read(&pc_stock_missed_release));
	seq_printf(m, "missed-exit %lu\n",
		   atomic_long_read(&pc_stock_missed_exit));
	seq_printf(m, "missed-probes %lu\n", pc_stock_missed_probes());
	return 0;
}

static int pc_fs_stock_open(struct inode *inode, struct file *file)
{
	return single_open(file, pc_fs_stock_show, NULL);
}

static const struct file_operations pc_fs_stock_fops = {
	.owner		= THIS_MODULE,
	.open		= pc_fs_stock_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static const struct inode_operations pc_fs_dir_iops;
static const struct inode_operations pc_fs_link_iops;
static const struct file_operations pc_fs_dir_fops;

/*
 * A task's directories and files belong to the task's effective ids, or to
 * root while it is not dumpable, as procfs has them (task_dump_owner()).
 */
static void pc_fs_set_owner(struct inode *inode, struct pid *pid)
{
	struct task_struct *task = get_pid_task(pid, PIDTYPE_PID);
	const struct cred *cred;
	bool dumpable;

	inode->i_uid = GLOBAL_ROOT_UID;
	inode->i_gid = GLOBAL_ROOT_GID;
	if (!task)
		return;
	task_lock(task);
	dumpable = !task->mm || get_dumpable(task->mm) == SUID_DUMP_USER;
	task_unlock(task);
	if (dumpable) {
		cred = get_task_cred(task);
		inode->i_uid = cred->euid;
		inode->i_gid = cred->egid;
		put_cred(cred);
	}
	put_task_struct(task);
}

/*
 * The task itself may always open its own files, even when being
 * non-dumpable has made them root's; others face the mode, then the access
 * rule (pc_stock_may_access()).  As procfs does for the same files.
 */
static int pc_fs_permission(struct mnt_idmap *idmap, struct inode *inode,
			    int mask)
{
	struct pid *pid = PC_I(inode)->pid;
	bool self;

	rcu_read_lock();
	self = pid && pid_task(pid, PIDTYPE_PID) &&
	       same_thread_group(pid_task(pid, PIDTYPE_PID), current);
	rcu_read_unlock();
	if (self && !(mask & MAY_EXEC))
		return 0;
	return generic_permission(idmap, inode, mask);
}

static const struct inode_operations pc_fs_file_iops = {
	.permission	= pc_fs_permission,
};

static struct inode *pc_fs_new_inode(struct super_block *sb,
				     enum pc_fs_kind kind, struct pid *pid,
				     umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode->i_mode = mode;
	simple_inode_init_ts(inode);
	PC_I(inode)->kind = kind;
	PC_I(inode)->pid = get_pid(pid);
	if (pid)
		pc_fs_set_owner(inode, pid);
	if (S_ISREG(mode) && pid)
		inode->i_op = &pc_fs_file_iops;
	if (S_ISDIR(mode)) {
		inode->i_op = &pc_fs_dir_iops;
		inode->i_fop = &pc_fs_dir_fops;
		set_nlink(inode, 2);
	} else if (S_ISLNK(mode)) {
		inode->i_op = &pc_fs_link_iops;
	}
	return inode;
}

static struct dentry *pc_fs_add(struct dentry *dentry, struct inode *inode)
{
	if (!inode)
		return ERR_PTR(-ENOMEM);
	d_add(dentry, inode);
	return NULL;
}

/* A number in a name, as procfs reads pids: decimal, no sign, no zeros. */
static bool pc_fs_name_number(const struct qstr *name, unsigned int *nr)
{
	if (name->len > 10 || (name->len > 1 && name->name[0] == '0'))
		return false;
	return !kstrtouint(name->name, 10, nr) && *nr;
}

static struct dentry *pc_fs_lookup(struct inode *dir, struct dentry *dentry,
				   unsigned int flags)
{
	struct super_block *sb = dir->i_sb;
	struct pc_fs_inode *pi = PC_I(dir);
	struct task_struct *task, *leader;
	struct inode *inode = NULL;
	struct pid *pid = NULL;
	unsigned int nr, i;

	switch (pi->kind) {
	case PC_FS_ROOT:
		if (!strcmp(dentry->d_name.name, "stock")) {
			inode = pc_fs_new_inode(sb, PC_FS_STOCK, NULL,
						S_IFREG | 0444);
			if (inode)
				inode->i_fop = &pc_fs_stock_fops;
			return pc_fs_add(dentry, inode);
		}
		if (!strcmp(dentry->d_name.name, "self") ||
		    !strcmp(dentry->d_name.name, "thread-self"))
			return pc_fs_add(dentry,
					 pc_fs_new_inode(sb, PC_FS_LINK, NULL,
							 S_IFLNK | 0777));
		if (!pc_fs_name_number(&dentry->d_name, &nr))
			return ERR_PTR(-ENOENT);
		rcu_read_lock();
		pid = get_pid(find_pid_ns(nr, pc_fs_ns(sb)));
		rcu_read_unlock();
		break;
	case PC_FS_TASK:
		if (!strcmp(dentry->d_name.name, "perfctr"))
			return pc_fs_add(dentry,
					 pc_fs_new_inode(sb, PC_FS_DIR, pi->pid,
							 S_IFDIR | 0555));
		/* only a process's directory, in the root, has task/ */
		if (strcmp(dentry->d_name.name, "task") ||
		    dentry->d_parent->d_parent != sb->s_root)
			return ERR_PTR(-ENOENT);
		return pc_fs_add(dentry,
				 pc_fs_new_inode(sb, PC_FS_TASKS, pi->pid,
						 S_IFDIR | 0555));
	case PC_FS_TASKS:
		if (!pc_fs_name_number(&dentry->d_name, &nr))
			return ERR_PTR(-ENOENT);
		rcu_read_lock();
		pid = find_pid_ns(nr, pc_fs_ns(sb));
		task = pid ? pid_task(pid, PIDTYPE_PID) : NULL;
		leader = pid_task(pi->pid, PIDTYPE_PID);
		/* a thread of the process whose directory this is */
		if (!task || !leader || !same_thread_group(task, leader))
			pid = NULL;
		pid = get_pid(pid);
		rcu_read_unlock();
		break;
	case PC_FS_DIR:
		for (i = 0; i < ARRAY_SIZE(pc_fs_files); i++) {
			const struct pc_fs_entry *e = &pc_fs_files[i];

			if (strcmp(dentry->d_name.name, e->name))
				continue;
			inode = pc_fs_new_inode(sb, PC_FS_FILE, pi->pid,
						S_IFREG | e->mode);
			if (inode) {
				PC_I(inode)->file = e->file;
				inode->i_fop = e->fops;
			}
			return pc_fs_add(dentry, inode);
		}
		return ERR_PTR(-ENOENT);
	default:
		return ERR_PTR(-ENOTDIR);
	}
	/* a task's directory: <pid>/ or <pid>/task/<tid>/ */
	if (!pid || !pid_has_task(pid, PIDTYPE_PID)) {
		put_pid(pid);
		return ERR_PTR(-ENOENT);
	}
	inode = pc_fs_new_inode(sb, PC_FS_TASK, pid, S_IFDIR | 0555);
	put_pid(pid);
	return pc_fs_add(dentry, inode);
}

/* The names a directory has besides "." and "..". */
static int pc_fs_readdir(struct file *file, struct dir_context *ctx)
{
	static const char *const root[] = { "self", "thread-self", "stock" };
	struct dentry *dentry = file->f_path.dentry;
	struct pc_fs_inode *pi = PC_I(file_inode(file));
	const char *const *names = NULL;
	unsigned int nr = 0, i;

	if (!dir_emit_dots(file, ctx))
		return 0;
	switch (pi->kind) {
	case PC_FS_ROOT:
		names = root;
		nr = ARRAY_SIZE(root);
		break;
	case PC_FS_DIR:
		for (i = ctx->pos - 2; i < ARRAY_SIZE(pc_fs_files);
		     i++, ctx->pos++)
			if (!dir_emit(ctx, pc_fs_files[i].name,
				      strlen(pc_fs_files[i].name), ctx->pos,
				      DT_REG))
				return 0;
		return 0;
	case PC_FS_TASK:
		if (dentry->d_parent == dentry->d_sb->s_root) {
			static const char *const proc[] = { "perfctr", "task" };

			names = proc;
			nr = 2;
		} else {
			static const char *const thread[] = { "perfctr" };

			names = thread;
			nr = 1;
		}
		break;
	default:	/* task/: looked up by tid, not listed */
		break;
	}
	/*
	 * Inodes are made at lookup: the numbers here only need not be 0,
	 * which readdir(3) takes for a deleted entry.
	 */
	for (i = ctx->pos - 2; i < nr; i++, ctx->pos++)
		if (!dir_emit(ctx, names[i], strlen(names[i]), ctx->pos,
			      DT_UNKNOWN))
			return 0;
	return 0;
}

static const char *pc_fs_get_link(struct dentry *dentry, struct inode *inode,
				  struct delayed_call *done)
{
	struct pid_namespace *ns = pc_fs_ns(inode->i_sb);
	pid_t tgid = task_tgid_nr_ns(current, ns);
	pid_t tid = task_pid_nr_ns(current, ns);
	char *link;

	if (!tgid)
		return ERR_PTR(-ENOENT);
	if (!strcmp(dentry->d_name.name, "self"))
		link = kasprintf(GFP_KERNEL, "%d", tgid);
	else
		link = kasprintf(GFP_KERNEL, "%d/task/%d", tgid, tid);
	if (!link)
		return ERR_PTR(-ENOMEM);
	set_delayed_call(done, kfree_link, link);
	return link;
}

static const struct inode_operations pc_fs_dir_iops = {
	.lookup		= pc_fs_lookup,
};

static const struct inode_operations pc_fs_link_iops = {
	.get_link	= pc_fs_get_link,
};

static const struct file_operations pc_fs_dir_fops = {
	.owner		= THIS_MODULE,
	.read		= generic_read_dir,
	.iterate_shared	= pc_fs_readdir,
	.llseek		= generic_file_llseek,
};

static struct inode *pc_fs_alloc_inode(struct super_block *sb)
{
	struct pc_fs_inode *pi = alloc_inode_sb(sb, pc_fs_inode_cache,
						GFP_KERNEL);

	if (!pi)
		return NULL;
	pi->pid = NULL;
	return &pi->vfs;
}

static void pc_fs_free_inode(struct inode *inode)
{
	kmem_cache_free(pc_fs_inode_cache, PC_I(inode));
}

static void pc_fs_evict_inode(struct inode *inode)
{
	clear_inode(inode);
	put_pid(PC_I(inode)->pid);
	PC_I(inode)->pid = NULL;
}

static const struct super_operations pc_fs_sops = {
	.alloc_inode	= pc_fs_alloc_inode,
	.free_inode	= pc_fs_free_inode,
	.evict_inode	= pc_fs_evict_inode,
	.statfs		= simple_statfs,
	.drop_inode	= generic_delete_inode,
};

static const struct dentry_operations pc_fs_dops = {
	.d_delete	= always_delete_dentry,
};

static int pc_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;

	/*
	 * What stat() gives as the files' block size, which stdio sizes its
	 * buffer by: with 1, a shell's echo would write a control byte by
	 * byte, and only the first byte would be a whole write.
	 */
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = PC_FS_MAGIC;
	/* as procfs: nothing here executes (a page mapped PROT_EXEC: EPERM) */
	sb->s_iflags |= SB_I_NOEXEC | SB_I_NODEV;
	sb->s_op = &pc_fs_sops;
	sb->s_d_op = &pc_fs_dops;
	sb->s_time_gran = 1;
	root = pc_fs_new_inode(sb, PC_FS_ROOT, NULL, S_IFDIR | 0555);
	if (!root)
		return -ENOMEM;
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	/* the superblock holds its namespace (pc_fs_kill_sb()) */
	get_pid_ns(pc_fs_ns(sb));
	return 0;
}

/* One superblock per pid namespace, the mounter's, as procfs. */
static int pc_fs_get_tree(struct fs_context *fc)
{
	return get_tree_keyed(fc, pc_fs_fill_super,
			      task_active_pid_ns(current));
}

static const struct fs_context_operations pc_fs_context_ops = {
	.get_tree	= pc_fs_get_tree,
};

static int pc_fs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &pc_fs_context_ops;
	return 0;
}

static void pc_fs_kill_sb(struct super_block *sb)
{
	struct pid_namespace *ns = pc_fs_ns(sb);

	kill_anon_super(sb);
	if (ns)
		put_pid_ns(ns);
}

static struct file_system_type pc_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "perfctr",
	.init_fs_context	= pc_fs_init_fs_context,
	.kill_sb		= pc_fs_kill_sb,
};

static void pc_fs_inode_ctor(void *obj)
{
	struct pc_fs_inode *pi = obj;

	inode_init_once(&pi->vfs);
}

int pc_stock_fs_init(void)
{
	int err;

	pc_fs_inode_cache = kmem_cache_create("perfctr_inode",
					      sizeof(struct pc_fs_inode), 0,
					      SLAB_RECLAIM_ACCOUNT |
					      SLAB_ACCOUNT, pc_fs_inode_ctor);
	if (!pc_fs_inode_cache)
		return -ENOMEM;
	err = sysfs_create_mount_point(fs_kobj, "perfctr");
	if (err)
		goto cache;
	err = register_filesystem(&pc_fs_type);
	if (err)
		goto mount_point;
	return 0;
mount_point:
	sysfs_remove_mount_point(fs_kobj, "perfctr");
cache:
	kmem_cache_destroy(pc_fs_inode_cache);
	return err;
}

void pc_stock_fs_exit(void)
{
	unregister_filesystem(&pc_fs_type);
	sysfs_remove_mount_point(fs_kobj, "perfctr");
	rcu_barrier();	/* inodes are freed after a grace period */
	kmem_cache_destroy(pc_fs_inode_cache);
}
