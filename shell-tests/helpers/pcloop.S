/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcloop: a program whose user-mode instruction count is known, for
 * 27-hardware.bats.  No C library: from its first instruction to its exit
 * it runs exactly what is below.  With argc arguments (the program name
 * included) it loops argc * 65536 times and exits 0:
 *
 *	arm64: ldr, lsl, 2 per iteration (subs, b.ne), mov, mov, svc
 *	       = 4 + 2 * 65536 * argc instructions, plus the svc if the
 *	       emulation counts it before the kernel reads
 *
 * The x86_64 version exists so that every architecture builds the same
 * helpers; nothing counts it exactly there.
 */
	.text
	.globl	_start
_start:
#if defined(__aarch64__)
	ldr	x9, [sp]		/* argc */
	lsl	x9, x9, #16
1:	subs	x9, x9, #1
	b.ne	1b
	mov	x0, #0
	mov	x8, #93			/* exit */
	svc	#0
#elif defined(__x86_64__)
	movq	(%rsp), %rcx		/* argc */
	shlq	$16, %rcx
1:	decq	%rcx
	jnz	1b
	xorl	%edi, %edi
	movl	$60, %eax		/* exit */
	syscall
#else
#error "pcloop: no version for this architecture"
#endif
	.section .note.GNU-stack, "", %progbits
