// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: the tsc counter, driven by the context-switch hook
 *
 * tsc counts get_cycles(): on x86 the time-stamp counter, at the TSC's
 * frequency; on arm64 the architected counter (arch_timer_read_counter(),
 * CNTVCT_EL0), at the generic timer's fixed frequency.  The hook runs once
 * per switch with the runqueue lock held and interrupts off; it reads the
 * counter once for both tasks and takes no lock.  See struct pc_tsc for
 * who writes what.
 */
#include <linux/compat.h>
#include <linux/irqflags.h>
#include "kernel.h"
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/timex.h>

#ifdef CONFIG_ARM64
#include <asm/arch_timer.h>
#endif

#include "page.h"
#include "task.h"
#include "tsc.h"

/**
 * pc_tsc_user_readable() - whether a task reads get_cycles()'s counter itself
 * @task: the task, running on this CPU or being switched onto it
 *
 * The counter page gives tsc and task-clock only to a thread that can read
 * the counter they follow directly, with the value get_cycles() returns:
 *
 * - x86: rdtsc, unless the CPU has no TSC or the task asked for rdtsc to
 *   fault (prctl(PR_SET_TSC, PR_TSC_SIGSEGV): TIF_NOTSC, which sets
 *   CR4.TSD while the task runs).
 * - arm64: CNTVCT_EL0, which arm64 Linux lets EL0 read (CNTKCTL_EL1.EL0VCTEN)
 *   except where it traps the reads: on a CPU whose timer erratum
 *   workaround replaces the counter read (the kernel then reads a
 *   corrected value, and emulates EL0's reads with it), for a task that
 *   asked for the reads to fault (PR_TSC_SIGSEGV: TIF_TSC_SIGSEGV), and for
 *   32-bit tasks on CPUs with erratum 1418040 (update_cntkctl_el1()).  A
 *   32-bit task is never given the counter here.  Without a workaround,
 *   get_cycles() reads CNTVCT_EL0, or CNTPCT_EL0 when the kernel runs at
 *   EL2 (VHE), where the host's virtual offset is zero: the same value.
 * - elsewhere: never.
 *
 * The erratum test is this CPU's: the switch hook calls this on the CPU
 * the task is switched onto, and a move to another CPU is another switch.
 *
 * Context: interrupts or preemption off.
 */
bool pc_tsc_user_readable(struct task_struct *task)
{
#if defined(CONFIG_X86)
	return boot_cpu_has(X86_FEATURE_TSC) &&
	       !test_tsk_thread_flag(task, TIF_NOTSC);
#elif defined(CONFIG_ARM64)
	return !test_tsk_thread_flag(task, TIF_TSC_SIGSEGV) &&
	       !is_compat_thread(task_thread_info(task)) &&
	       !has_erratum_handler(read_cntvct_el0);
#else
	return false;
#endif
}

/* A state nobody else can see yet: a child's, at fork. */
void pc_tsc_init(struct pc_tsc *tsc, bool on)
{
	seqcount_init(&tsc->seq);
	tsc->sum = 0;
	tsc->start = 0;
	tsc->running = false;
	tsc->on = on;
	tsc->applied = 0;
	tsc->requested = 0;
	tsc->want = on;
}

/* Restart the count as the last request says.  Owner, interrupts off. */
static void pc_tsc_restart(struct pc_tsc *tsc, unsigned int requested)
{
	tsc->on = READ_ONCE(tsc->want);
	tsc->sum = 0;
	tsc->running = false;
	tsc->applied = requested;
}

/*
 * The owner's side of a context switch: apply a pending request, then
 * account a switch away from the CPU (@in false) or onto it (@in true) at
 * @now.  Interrupts off.
 */
static __always_inline void pc_tsc_switch(struct pc_tsc *tsc, bool in,
					  u64 now)
{
	/* pairs with smp_store_release() in pc_tsc_program() */
	unsigned int requested = smp_load_acquire(&tsc->requested);

	if (!tsc->on && !tsc->running && requested == tsc->applied)
		return;
	raw_write_seqcount_begin(&tsc->seq);
	if (requested != tsc->applied)
		pc_tsc_restart(tsc, requested);
	if (in && tsc->on) {
		tsc->start = now;
		tsc->cpu = smp_processor_id();
		tsc->running = true;
	} else if (!in && tsc->running) {
		tsc->sum += now - tsc->start;
		tsc->running = false;
	}
	raw_write_seqcount_end(&tsc->seq);
}

/**
 * pc_tsc_program() - restart a task's tsc count, on or off
 * @task: the task that owns @tsc
 * @tsc: its tsc counter
 * @on: whether it counts tsc from now on
 *
 * Context: the owning state's mutex held.  For current, the count restarts
 * at once; for another task, at its next switch onto a CPU.
 */
void pc_tsc_program(struct task_struct *task, struct pc_tsc *tsc, bool on)
{
	unsigned long flags;

	WRITE_ONCE(tsc->want, on);
	/* pairs with smp_load_acquire() in pc_tsc_switch() */
	smp_store_release(&tsc->requested, tsc->requested + 1);
	if (task != current)
		return;
	/* current cannot switch with interrupts off: it is the only writer */
	local_irq_save(flags);
	raw_write_seqcount_begin(&tsc->seq);
	pc_tsc_restart(tsc, tsc->requested);
	if (tsc->on) {
		tsc->start = get_cycles();
		tsc->cpu = smp_processor_id();
		tsc->running = true;
	}
	raw_write_seqcount_end(&tsc->seq);
	local_irq_restore(flags);
}

/*
 * Apply a restart another task asked for now rather than at the next
 * switch: the owner (current), interrupts off.
 */
void pc_tsc_sync(struct pc_tsc *tsc)
{
	/* pairs with smp_store_release() in pc_tsc_program() */
	unsigned int requested = smp_load_acquire(&tsc->requested);

	if (requested == tsc->applied)
		return;
	raw_write_seqcount_begin(&tsc->seq);
	pc_tsc_restart(tsc, requested);
	if (tsc->on) {
		tsc->start = get_cycles();
		tsc->cpu = smp_processor_id();
		tsc->running = true;
	}
	raw_write_seqcount_end(&tsc->seq);
}

/**
 * struct pc_tsc_sample - a read of a tsc counter, as seen from one CPU
 * @tsc: the counter
 * @count: what it held: with the running slice if that runs on this CPU
 * @elsewhere: the CPU the running slice runs on, if another one; else -1
 */
struct pc_tsc_sample {
	struct pc_tsc *tsc;
	u64 count;
	int elsewhere;
};

/* Preemption or interrupts off, so that this CPU stays this CPU. */
static void pc_tsc_sample(void *arg)
{
	struct pc_tsc_sample *s = arg;
	struct pc_tsc *tsc = s->tsc;
	int cpu = smp_processor_id();
	unsigned int seq;

	do {
		seq = raw_read_seqcount_begin(&tsc->seq);
		s->count = tsc->sum;
		s->elsewhere = -1;
		if (READ_ONCE(tsc->requested) != tsc->applied)
			s->count = 0;	/* restarts at the next switch */
		else if (tsc->running && tsc->cpu == cpu)
			s->count += get_cycles() - tsc->start;
		else if (tsc->running)
			s->elsewhere = tsc->cpu;
	} while (read_seqcount_retry(&tsc->seq, seq));
}

/*
 * Process context, interrupts on; preemption may be off for the task's
 * own read, which needs no call.  The running slice is measured on the
 * CPU it runs on, as perf reads an active event on its CPU: the task's own
 * read is local; another task's running slice is sampled there by a
 * function call (an IPI), which runs between that CPU's switches, so the
 * slice seen running there is still running.  A task that keeps moving
 * gets its finished slices only: a count never exceeds what the finished
 * and the running slices will add up to, so reads never go back.
 */
u64 pc_tsc_read(struct pc_tsc *tsc)
{
	struct pc_tsc_sample s = { .tsc = tsc };
	int tries = 3;

	preempt_disable();
	pc_tsc_sample(&s);
	preempt_enable();
	while (s.elsewhere >= 0 && tries--) {
		if (smp_call_function_single(s.elsewhere, pc_tsc_sample, &s,
					     true))
			break;	/* offline: nothing runs there any more */
	}
	return s.count;
}

/*
 * The two halves of a switch.  A patched kernel calls pc_sched_switch()
 * at every switch of a task with a state, and has them inlined there;
 * stock mode's preempt notifiers call them one at a time (stock-hooks.c),
 * through pc_switch_out() and pc_switch_in().
 */
static __always_inline void __pc_switch_out(struct perfctr_task *st, u64 now)
{
	pc_tsc_switch(&st->tsc, false, now);
}

static __always_inline void __pc_switch_in(struct task_struct *task,
					   struct perfctr_task *st, u64 now)
{
	struct pc_page *pg;

	st->own_clock.valid = false;
	pc_tsc_switch(&st->tsc, true, now);
	pg = READ_ONCE(st->page);
	if (pg)
		pc_page_switch_in(task, st, pg);
}

#if PC_STOCK
/**
 * pc_switch_out() - a task with a state leaves its CPU
 * @st: its state
 * @now: the counter, read once for the whole switch
 *
 * Context: the switch, interrupts off.
 */
void pc_switch_out(struct perfctr_task *st, u64 now)
{
	__pc_switch_out(st, now);
}

/**
 * pc_switch_in() - a task with a state gets its CPU
 * @task: the task
 * @st: its state
 * @now: the counter, read once for the whole switch
 *
 * Context: the switch, interrupts off.
 */
void pc_switch_in(struct task_struct *task, struct perfctr_task *st, u64 now)
{
	__pc_switch_in(task, st, now);
}
#else
/*
 * An exited task's state may be released by its parent, on another CPU,
 * while the task makes its last switches: as the kernel's test before the
 * call (perfctr_switch_counts()), this leaves out a task with an
 * exit_state.
 */
void pc_sched_switch(struct task_struct *prev, struct task_struct *next)
{
	struct perfctr_task *out = pc_task_state(prev);
	struct perfctr_task *in = pc_task_state(next);
	u64 now = get_cycles();

	if (out && likely(!READ_ONCE(prev->exit_state)))
		__pc_switch_out(out, now);
	if (in && likely(!READ_ONCE(next->exit_state)))
		__pc_switch_in(next, in, now);
}
#endif
