// SPDX-License-Identifier: GPL-2.0
/*
 * perfctr: parsing and printing controls
 *
 * A control is written as event names separated by spaces and/or single
 * commas, each optionally followed by ":u", ":k" or ":uk".  Names are
 * perf's (including its aliases) plus "tsc", raw "r<hex>" events and the
 * figures only the task's accounting has (voluntary-switches,
 * involuntary-switches).  The canonical form prints each counter under its
 * first-listed name, separated by single spaces.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/perf_event.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "control.h"

/*
 * The names a control may use.  @acct names the figure of the task's own
 * accounting that counts the event without a perf event, or is -1; an
 * event written with a ":u" or ":k" modifier is always perf's, because the
 * accounting cannot tell user from kernel mode.  @type is PERF_TYPE_MAX
 * for a figure perf has no event for.
 */
struct pc_name {
	const char *name;
	const char *alias;
	u32 type;
	u64 config;
	int acct;
};

#define SW(n, a, c)	{ n, a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##c, -1 }
#define HW(n, a, c)	{ n, a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_##c, -1 }
#define SWA(n, a, c, f)	{ n, a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##c, PC_ACCT_##f }
#define ACCT(n, f)	{ n, NULL, PERF_TYPE_MAX, 0, PC_ACCT_##f }

static const struct pc_name pc_names[] = {
	SWA("task-clock",		NULL,		TASK_CLOCK,	  RUNTIME),
	SW("page-faults",		"faults",	PAGE_FAULTS),
	SWA("minor-faults",		NULL,		PAGE_FAULTS_MIN,  MIN_FLT),
	SWA("major-faults",		NULL,		PAGE_FAULTS_MAJ,  MAJ_FLT),
	SWA("context-switches",		"cs",		CONTEXT_SWITCHES, SWITCHES),
	SWA("cpu-migrations",		"migrations",	CPU_MIGRATIONS,	  MIGRATIONS),
	SW("alignment-faults",		NULL,		ALIGNMENT_FAULTS),
	SW("emulation-faults",		NULL,		EMULATION_FAULTS),
	ACCT("voluntary-switches",	VOLUNTARY),
	ACCT("involuntary-switches",	INVOLUNTARY),
	HW("cycles",			"cpu-cycles",		CPU_CYCLES),
	HW("instructions",		NULL,			INSTRUCTIONS),
	HW("cache-references",		NULL,			CACHE_REFERENCES),
	HW("cache-misses",		NULL,			CACHE_MISSES),
	HW("branches",			"branch-instructions",	BRANCH_INSTRUCTIONS),
	HW("branch-misses",		NULL,			BRANCH_MISSES),
	HW("bus-cycles",		NULL,			BUS_CYCLES),
	HW("ref-cycles",		NULL,			REF_CPU_CYCLES),
	HW("stalled-cycles-frontend",	"idle-cycles-frontend",	STALLED_CYCLES_FRONTEND),
	HW("stalled-cycles-backend",	"idle-cycles-backend",	STALLED_CYCLES_BACKEND),
};

static const char pc_tsc_name[] = "tsc";

static bool pc_token_is(const char *tok, size_t len, const char *name)
{
	return name && strlen(name) == len && !memcmp(tok, name, len);
}

/* "r" followed by 1 to 16 hex digits: a raw PMU event. */
static int pc_parse_raw(const char *tok, size_t len, u64 *config)
{
	char hex[17];

	if (len < 2 || len > 17 || tok[0] != 'r')
		return -EINVAL;
	memcpy(hex, tok + 1, len - 1);
	hex[len - 1] = '\0';
	/* kstrtoull() would accept a "0x" prefix; the syntax does not. */
	if (strspn(hex, "0123456789abcdefABCDEF") != len - 1)
		return -EINVAL;
	return kstrtoull(hex, 16, config);
}

static int pc_parse_name(const char *tok, size_t len, struct pc_event *ev)
{
	size_t i;

	if (pc_token_is(tok, len, pc_tsc_name)) {
		ev->kind = PC_KIND_TSC;
		ev->name = pc_tsc_name;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(pc_names); i++) {
		const struct pc_name *n = &pc_names[i];

		if (pc_token_is(tok, len, n->name) ||
		    pc_token_is(tok, len, n->alias)) {
			ev->kind = n->acct >= 0 ? PC_KIND_ACCOUNT : PC_KIND_PERF;
			ev->acct = n->acct >= 0 ? n->acct : 0;
			ev->type = n->type;
			ev->config = n->config;
			ev->name = n->name;
			return 0;
		}
	}
	ev->kind = PC_KIND_PERF;
	ev->type = PERF_TYPE_RAW;
	ev->name = NULL;
	return pc_parse_raw(tok, len, &ev->config);
}

/*
 * One event: a name, then optionally ":u", ":k" or ":uk", which only perf
 * events take: a modifier turns an accounting counter into its perf event
 * (":uk" counts both modes, like perf's event without a modifier).
 */
static int pc_parse_event(const char *tok, size_t len, struct pc_event *ev)
{
	const char *colon = memchr(tok, ':', len);
	size_t name_len = colon ? colon - tok : len;
	int err;

	memset(ev, 0, sizeof(*ev));
	err = pc_parse_name(tok, name_len, ev);
	if (err || !colon)
		return err;
	if (ev->kind == PC_KIND_TSC || ev->type == PERF_TYPE_MAX)
		return -EINVAL;
	ev->kind = PC_KIND_PERF;
	switch (len - name_len) {
	case 2:
		if (colon[1] == 'u')
			ev->mod = PC_MOD_USER;
		else if (colon[1] == 'k')
			ev->mod = PC_MOD_KERNEL;
		else
			return -EINVAL;
		return 0;
	case 3:
		if (colon[1] != 'u' || colon[2] != 'k')
			return -EINVAL;
		ev->mod = PC_MOD_BOTH;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The event's canonical name and modifier, as the files print them. */
static void pc_event_label(struct pc_event *ev)
{
	static const char * const suffix[] = {
		[PC_MOD_NONE] = "", [PC_MOD_USER] = ":u", [PC_MOD_KERNEL] = ":k",
		[PC_MOD_BOTH] = ":uk",
	};
	int len;

	if (ev->name)
		len = snprintf(ev->label, sizeof(ev->label), "%s%s", ev->name,
			       suffix[ev->mod]);
	else
		len = snprintf(ev->label, sizeof(ev->label), "r%llx%s",
			       ev->config, suffix[ev->mod]);
	/* PC_LABEL_MAX holds the longest name in pc_names[] */
	WARN_ON_ONCE(len >= sizeof(ev->label));
	ev->label_len = min_t(int, len, sizeof(ev->label) - 1);
}

/*
 * Whether @x and @y name the same counter: the same event and modifier, the
 * same accounting figure, or both tsc.
 */
static bool pc_event_same(const struct pc_event *x, const struct pc_event *y)
{
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case PC_KIND_TSC:
		return true;
	case PC_KIND_ACCOUNT:
		return x->acct == y->acct;
	default:
		return x->type == y->type && x->config == y->config &&
		       x->mod == y->mod;
	}
}

/*
 * Split @text into events, into @evs (PERFCTR_MAX_COUNTERS of them).  Names
 * are separated by blanks (space, tab, newline) and/or single commas; any
 * other byte outside a name, such as \v, \f, \r or a non-ASCII byte, makes
 * the name around it unknown.  The text is read from the left and the first
 * error ends it: one more valid counter than fits, not named before, is
 * -E2BIG, and nothing after it is looked at, so that a long text costs no
 * more than the limit.  Returns the number of events in @evs or a negative
 * errno.
 */
static int pc_split(const char *text, struct pc_event *evs)
{
	static const char separators[] = ", \t\n";
	bool need_name = false;	/* after a comma */
	struct pc_event extra, *ev;
	const char *p = text;
	unsigned int n = 0, i;
	size_t len;
	int err;

	for (;;) {
		p += strspn(p, " \t\n");
		if (!*p)
			return need_name ? -EINVAL : n;
		if (*p == ',') {
			if (!n || need_name)
				return -EINVAL;
			need_name = true;
			p++;
			continue;
		}
		len = strcspn(p, separators);
		ev = n < PERFCTR_MAX_COUNTERS ? &evs[n] : &extra;
		err = pc_parse_event(p, len, ev);
		if (err)
			return err;
		for (i = 0; i < n; i++)
			if (pc_event_same(ev, &evs[i]))
				return -EINVAL;
		if (ev == &extra)
			return -E2BIG;
		n++;
		p += len;
		need_name = false;
	}
}

/**
 * pc_control_parse() - parse the text written to a control file
 * @text: NUL-terminated text
 * @ctlp: the new control (one reference), or NULL for a blank text
 *
 * The text is checked from the left, and the first error found is the
 * answer: bad syntax, an unknown name or modifier, or a counter named a
 * second time is -EINVAL; a seventeenth valid, distinct counter is -E2BIG,
 * whatever follows it.
 *
 * Return: 0; -EINVAL for bad syntax, an unknown name, a bad modifier or a
 * counter named twice; -E2BIG for more than PERFCTR_MAX_COUNTERS counters;
 * -ENOMEM.
 */
int pc_control_parse(const char *text, struct pc_control **ctlp)
{
	/* charged to the writer's memory cgroup, like the task states */
	struct pc_control *ctl = kzalloc(sizeof(*ctl), GFP_KERNEL_ACCOUNT);
	unsigned int i;
	int n;

	*ctlp = NULL;
	if (!ctl)
		return -ENOMEM;
	n = pc_split(text, ctl->ev);
	if (n <= 0) {
		kfree(ctl);
		return n;
	}
	refcount_set(&ctl->ref, 1);
	ctl->tsc = -1;
	for (i = 0; i < n; i++) {
		pc_event_label(&ctl->ev[i]);
		if (ctl->ev[i].kind == PC_KIND_TSC)
			ctl->tsc = i;
		if (ctl->ev[i].kind == PC_KIND_PERF)
			ctl->nr_perf++;
	}
	ctl->nr = n;
	*ctlp = ctl;
	return 0;
}

void pc_control_put(struct pc_control *ctl)
{
	if (ctl && refcount_dec_and_test(&ctl->ref))
		kfree_rcu(ctl, rcu);
}

void pc_event_print(struct seq_file *m, const struct pc_event *ev)
{
	seq_write(m, ev->label, ev->label_len);
}

/* The canonical form: one line, counters separated by single spaces. */
void pc_control_print(struct seq_file *m, const struct pc_control *ctl)
{
	unsigned int i;

	for (i = 0; i < ctl->nr; i++) {
		if (i)
			seq_putc(m, ' ');
		pc_event_print(m, &ctl->ev[i]);
	}
	seq_putc(m, '\n');
}
