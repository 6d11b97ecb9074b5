/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The tests' proof that a read makes no system call: a seccomp filter that
 * lets the process write and exit and kills it at any other system call.
 * Shared by lib/tests/fake-test.c and the guest's library helpers
 * (shell-tests/lib-helpers/).
 */
#ifndef PERFCTR_TEST_SECCOMP_H
#define PERFCTR_TEST_SECCOMP_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* Only write, exit and exit_group from here on.  0, or -1 and errno. */
static inline int seccomp_write_exit(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 6, .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -1;
	return 0;
}

#endif /* PERFCTR_TEST_SECCOMP_H */
