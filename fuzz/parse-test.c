// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven tests of the control parser (driver/control.c), built for
 * user space with the stand-ins of fuzz/shim/.  Each case is a text and
 * either the canonical form it parses to or the errno it fails with.
 * Prints TAP; the exit status is the number of failures.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control-harness.h"

struct parse_case {
	const char *text;
	int err;		/* 0, or the negative errno expected */
	const char *canon;	/* expected canonical form, "" for blank */
};

static const struct parse_case cases[] = {
	{ "", 0, "" },
	{ " \t\n", 0, "" },
	{ "minor-faults", 0, "minor-faults" },
	{ "minor-faults\n", 0, "minor-faults" },
	{ "page-faults,cs", 0, "page-faults context-switches" },
	{ "  faults ,  cs\t migrations\n", 0,
	  "page-faults context-switches cpu-migrations" },
	{ "cs cs:u cs:k cs:uk", 0,
	  "context-switches context-switches:u context-switches:k context-switches:uk" },
	{ "r00C0:u r1", 0, "rc0:u r1" },
	{ "rffffffffffffffff", 0, "rffffffffffffffff" },
	{ "tsc task-clock", 0, "tsc task-clock" },
	{ "voluntary-switches involuntary-switches", 0,
	  "voluntary-switches involuntary-switches" },
	{ "cycles:k idle-cycles-frontend:uk", 0,
	  "cycles:k stalled-cycles-frontend:uk" },
	/* bytes that are not separators */
	{ "\xa0", -EINVAL, NULL },
	{ "\xa0" "cs", -EINVAL, NULL },
	{ "cs\xa0tsc", -EINVAL, NULL },
	{ "cs\vtsc", -EINVAL, NULL },
	{ "cs\ftsc", -EINVAL, NULL },
	{ "cs\rtsc", -EINVAL, NULL },
	{ "cs\r\n", -EINVAL, NULL },
	{ "cs\x01", -EINVAL, NULL },
	/* names, modifiers, syntax */
	{ "bogus", -EINVAL, NULL },
	{ "MINOR-FAULTS", -EINVAL, NULL },
	{ "cs:", -EINVAL, NULL },
	{ "cs:x", -EINVAL, NULL },
	{ "cs:ku", -EINVAL, NULL },
	{ "cs:uku", -EINVAL, NULL },
	{ "cs:u:k", -EINVAL, NULL },
	{ "tsc:u", -EINVAL, NULL },
	{ "tsc:uk", -EINVAL, NULL },
	{ "voluntary-switches:u", -EINVAL, NULL },
	{ ",cs", -EINVAL, NULL },
	{ "cs,", -EINVAL, NULL },
	{ "cs,,faults", -EINVAL, NULL },
	{ ",", -EINVAL, NULL },
	{ "r", -EINVAL, NULL },
	{ "rxyz", -EINVAL, NULL },
	{ "r0x10", -EINVAL, NULL },
	{ "r12345678901234567", -EINVAL, NULL },
	/* repeats */
	{ "cs context-switches", -EINVAL, NULL },
	{ "tsc tsc", -EINVAL, NULL },
	{ "minor-faults:uk minor-faults:uk", -EINVAL, NULL },
	{ "r1 r01", -EINVAL, NULL },
};

/* @n raw events r1..r<n>, then @extra. */
static char *raw_events(unsigned int n, const char *extra)
{
	static char text[PERFCTR_CONTROL_MAX + 1];
	size_t len = 0;
	unsigned int i;

	for (i = 1; i <= n; i++)
		len += snprintf(text + len, sizeof(text) - len, "r%x ", i);
	snprintf(text + len, sizeof(text) - len, "%s", extra);
	return text;
}

static int failures, tests;

static void check(const char *what, const char *text, int err,
		  const char *canon)
{
	char got[sizeof(((struct seq_file *)0)->buf)];
	int ret = pc_parse_checked(text, got, sizeof(got));
	int ok = ret == err && (err || !strcmp(got, canon));

	tests++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", tests, what);
	if (!ok) {
		printf("#   got %d '%s', want %d '%s'\n", ret, got, err,
		       canon ? canon : "");
		failures++;
	}
}

int main(void)
{
	static const char sixteen[] =
		"tsc task-clock page-faults minor-faults major-faults cs "
		"migrations alignment-faults emulation-faults task-clock:u "
		"page-faults:u minor-faults:u major-faults:u cs:u migrations:u "
		"alignment-faults:u";
	char text[PERFCTR_CONTROL_MAX + 1], what[96];
	unsigned int i;

	printf("1..%zu\n", sizeof(cases) / sizeof(cases[0]) + 9);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "case %u", i);
		check(what, cases[i].text, cases[i].err, cases[i].canon);
	}

	check("sixteen counters", sixteen, 0,
	      "tsc task-clock page-faults minor-faults major-faults "
	      "context-switches cpu-migrations alignment-faults "
	      "emulation-faults task-clock:u page-faults:u minor-faults:u "
	      "major-faults:u context-switches:u cpu-migrations:u "
	      "alignment-faults:u");
	snprintf(text, sizeof(text), "%s emulation-faults:u", sixteen);
	check("seventeen distinct: E2BIG", text, -E2BIG, NULL);
	snprintf(text, sizeof(text), "%s tsc", sixteen);
	check("a repeat as the seventeenth: EINVAL", text, -EINVAL, NULL);
	snprintf(text, sizeof(text), "%s emulation-faults:u r1 r2 r1", sixteen);
	check("a repeat past the seventeenth: E2BIG, the first error",
	      text, -E2BIG, NULL);
	snprintf(text, sizeof(text), "%s bogus emulation-faults:u", sixteen);
	check("a bad name as the seventeenth: EINVAL", text, -EINVAL, NULL);
	check("500 distinct raw events: E2BIG", raw_events(500, ""), -E2BIG,
	      NULL);
	check("500 raw events and a repeat: E2BIG at the seventeenth",
	      raw_events(500, "r1f4"), -E2BIG, NULL);
	check("a repeat among the first sixteen: EINVAL",
	      raw_events(0, "r1 r2 r1 r3"), -EINVAL, NULL);

	/* where counts come from */
	{
		struct pc_control *ctl;

		tests++;
		if (pc_control_parse("minor-faults minor-faults:u tsc cs", &ctl) ||
		    ctl->ev[0].kind != PC_KIND_ACCOUNT ||
		    ctl->ev[0].acct != PC_ACCT_MIN_FLT ||
		    ctl->ev[1].kind != PC_KIND_PERF ||
		    ctl->ev[1].mod != PC_MOD_USER || ctl->tsc != 2 ||
		    ctl->ev[3].acct != PC_ACCT_SWITCHES) {
			printf("not ok %d counter kinds\n", tests);
			failures++;
		} else {
			printf("ok %d counter kinds\n", tests);
		}
		pc_control_put(ctl);
	}
	return failures;
}
