// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * text-test: the parsers of lib/text.c on the texts the kernel writes and
 * on texts it never writes, which must be refused.  TAP output; exits 1 if
 * a case fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int failed, ntest;

static void check(int ok, const char *what, const char *text)
{
	ntest++;
	printf("%sok %d - %s", ok ? "" : "not ", ntest, what);
	if (text) {
		const char *p;

		printf(" '");
		for (p = text; *p; p++)
			printf(*p == '\n' ? "\\n" : "%c", *p);
		printf("'");
	}
	printf("\n");
	if (!ok)
		failed = 1;
}

static void number(const char *text, int want, uint64_t value)
{
	uint64_t v = 0;
	int ret = pc_parse_number(text, strlen(text), &v);

	check(ret == want && (ret || v == value),
	      want ? "number refused" : "number", text);
}

/* @want: the number of counters, or -1 */
static void counts(const char *text, int want, const uint64_t *values)
{
	uint64_t v[PERFCTR_MAX_COUNTERS + 1];
	int ret = pc_parse_counts(text, strlen(text), v, PERFCTR_MAX_COUNTERS);
	int ok = ret == want;

	if (ok && values && ret > 0)
		ok = !memcmp(v, values, ret * sizeof(*v));
	check(ok, want < 0 ? "counts refused" : "counts", text);
}

static void control(const char *text, int want, const char *const *names)
{
	char buf[PC_TEXT_MAX];
	const char *n[PERFCTR_MAX_COUNTERS];
	size_t len = strlen(text);
	int ret, i, ok;

	ok = pc_check_control(text, len, PERFCTR_MAX_COUNTERS) == want;
	memcpy(buf, text, len);
	ret = pc_split_control(buf, len, n, PERFCTR_MAX_COUNTERS);
	ok = ok && ret == want;
	for (i = 0; ok && names && i < ret; i++)
		ok = !strcmp(n[i], names[i]);
	check(ok, want < 0 ? "control refused" : "control", text);
}

static void test_numbers(void)
{
	uint64_t v;

	number("0\n", 0, 0);
	number("42\n", 0, 42);
	number("18446744073709551615\n", 0, UINT64_MAX);
	number("18446744073709551616\n", -1, 0);
	number("99999999999999999999\n", -1, 0);
	number("", -1, 0);
	number("\n", -1, 0);
	number("42", -1, 0);
	number("42\n\n", -1, 0);
	number("-1\n", -1, 0);
	number("+1\n", -1, 0);
	number(" 1\n", -1, 0);
	number("1 \n", -1, 0);
	number("0x10\n", -1, 0);
	check(pc_parse_u64("123", 2, &v) == 0 && v == 12, "u64 stops at len",
	      NULL);
	check(pc_parse_u64("1\0002", 3, &v) == -1, "u64 refuses a NUL", NULL);
	check(pc_parse_number("7\n", 2, &v) == 0 && v == 7, "number no NUL",
	      NULL);
}

static void test_counts(void)
{
	static const uint64_t two[] = { 123, 18446744073709551615ULL };
	static const uint64_t zero[] = { 0 };
	static const uint64_t not_counted[] = { PERFCTR_NOT_COUNTED, 123 };
	uint64_t many_v[PERFCTR_MAX_COUNTERS];
	char many[2048];
	int i;

	counts("", 0, NULL);
	counts("tsc 123\ncontext-switches 18446744073709551615\n", 2, two);
	counts("rc0:u 0\n", 1, zero);
	counts("cycles <not-counted>\ntsc 123\n", 2, not_counted);
	counts("cycles <not counted>\n", -1, NULL);
	counts("cycles <not-counted> \n", -1, NULL);
	counts("cycles <not-counte>\n", -1, NULL);
	counts("tsc 123", -1, NULL);
	counts("tsc\n", -1, NULL);
	counts("tsc \n", -1, NULL);
	counts(" 5\n", -1, NULL);
	counts("tsc  5\n", -1, NULL);
	counts("tsc 5 \n", -1, NULL);
	counts("tsc 5\n\n", -1, NULL);
	counts("\n", -1, NULL);
	counts("tsc -5\n", -1, NULL);
	counts("tsc 18446744073709551616\n", -1, NULL);
	counts("t\tsc 5\n", -1, NULL);
	counts("tsc 5\r\n", -1, NULL);
	for (i = 0, many[0] = 0; i < PERFCTR_MAX_COUNTERS; i++) {
		sprintf(many + strlen(many), "r%x %d\n", i + 1, i * 1000);
		many_v[i] = i * 1000;
	}
	counts(many, PERFCTR_MAX_COUNTERS, many_v);
	strcat(many, "r99 1\n");
	counts(many, -1, NULL);
	check(pc_parse_counts("a 1\nb 2\n", 4, many_v, 16) == 1 &&
	      many_v[0] == 1, "counts stops at len", NULL);
	check(pc_parse_counts("a 1\0b 2\n", 8, many_v, 16) == -1,
	      "counts refuses a NUL", NULL);
}

static void test_control(void)
{
	static const char *const one[] = { "tsc" };
	static const char *const three[] = {
		"page-faults", "context-switches", "rc0:u"
	};
	const char *n[PERFCTR_MAX_COUNTERS];
	char many[2048], buf[2048];
	int i;

	control("", 0, NULL);
	control("tsc\n", 1, one);
	control("page-faults context-switches rc0:u\n", 3, three);
	control("\n", -1, NULL);
	control("tsc", -1, NULL);
	control(" tsc\n", -1, NULL);
	control("tsc \n", -1, NULL);
	control("tsc  cs\n", -1, NULL);
	control("tsc,cs\n", 1, (const char *const[]){ "tsc,cs" });
	control("tsc\tcs\n", -1, NULL);
	control("tsc\ncs\n", -1, NULL);
	control("tsc\n\n", -1, NULL);
	for (i = 0, many[0] = 0; i < PERFCTR_MAX_COUNTERS; i++)
		sprintf(many + strlen(many), "%sr%x", i ? " " : "", i + 1);
	strcat(many, "\n");
	control(many, PERFCTR_MAX_COUNTERS, NULL);
	memcpy(buf, many, strlen(many));
	check(pc_split_control(buf, strlen(many), n, 16) == 16 &&
	      !strcmp(n[0], "r1") && !strcmp(n[15], "r10"),
	      "control splits 16", NULL);
	strcpy(many + strlen(many) - 1, " r11\n");
	control(many, -1, NULL);
	check(pc_check_control("tsc\0cs\n", 7, 16) == -1,
	      "control refuses a NUL", NULL);
	check(pc_check_control("tsc cs\n", 4, 16) == -1,
	      "control needs its newline within len", NULL);
}

/* The page's 96-bit scaling without __int128, against __int128. */
static void test_mul_shr(void)
{
	static const uint64_t as[] = {
		0, 1, 0xffffffffULL, 0x100000000ULL, 0x123456789abcdef0ULL,
		0x7fffffffffffffffULL, 0xffffffffffffffffULL,
	};
	static const uint32_t ms[] = { 0, 1, 3u << 30, 0x80000000u, 0xffffffffu };
	unsigned int i, j, shift, bad = 0, n = 0;

	for (i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		for (j = 0; j < sizeof(ms) / sizeof(ms[0]); j++) {
			for (shift = 0; shift < 64; shift++) {
				uint64_t want = (uint64_t)(((unsigned __int128)as[i] *
							   ms[j]) >> shift);

				n++;
				if (pc_mul_u64_u32_shr(as[i], ms[j], shift) != want) {
					bad++;
					printf("# %#" PRIx64 " * %#x >> %u\n", as[i],
					       ms[j], shift);
				}
			}
		}
	}
	check(!bad && n == 7 * 5 * 64, "pc_mul_u64_u32_shr equals the 128-bit product, shifted",
	      NULL);
}

int main(void)
{
	test_mul_shr();
	test_numbers();
	test_counts();
	test_control();
	printf("1..%d\n", ntest);
	return failed;
}
