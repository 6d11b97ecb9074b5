// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * The text of the perfctr files (Documentation/perfctr.rst):
 *
 *   control   canonical names separated by single spaces, one line ending
 *             in a newline; empty without a control
 *   id, lost  a decimal number and a newline
 *   counts,   one "<name> <decimal>\n" line per counter, "<not-counted>"
 *   children  in place of the decimal for a count perf did not take
 *             (PERFCTR_NOT_COUNTED); empty without a control
 *
 * The kernel writes exactly these; anything else is refused rather than
 * guessed at (the callers report EPROTO), so that a change of format shows
 * up as an error instead of wrong numbers.  Pure functions, tested on the
 * host by lib/tests/text-test.c.
 */
#include <string.h>

#include "internal.h"

/* [s, s + len) is all decimal digits and fits in 64 bits. */
int pc_parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t r = 0;
	size_t i;

	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || r > (UINT64_MAX - d) / 10)
			return -1;
		r = r * 10 + d;
	}
	*v = r;
	return 0;
}

/* "<decimal>\n", the id and lost files. */
int pc_parse_number(const char *buf, size_t len, uint64_t *v)
{
	if (!len || buf[len - 1] != '\n')
		return -1;
	return pc_parse_u64(buf, len - 1, v);
}

/* A name of the counts files: not empty, no blank, no control byte. */
static bool pc_is_name(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

/* [s, s + len) is the marker of a count that was not counted. */
static bool pc_is_not_counted(const char *s, size_t len)
{
	static const char marker[] = "<not-counted>";

	return len == sizeof(marker) - 1 && !memcmp(s, marker, len);
}

/*
 * Lines of "<name> <decimal>\n" or "<name> <not-counted>\n": the values into
 * @vals (room for @max, PERFCTR_NOT_COUNTED for the marker);
 * returns the number of lines.
 */
int pc_parse_counts(const char *buf, size_t len, uint64_t *vals,
		    unsigned int max)
{
	const char *p = buf, *end = buf + len;
	unsigned int nr = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *sp;

		if (!nl)
			return -1;
		sp = memchr(p, ' ', nl - p);
		if (!sp || !pc_is_name(p, sp - p) || nr == max)
			return -1;
		if (pc_is_not_counted(sp + 1, nl - sp - 1))
			vals[nr] = PERFCTR_NOT_COUNTED;
		else if (pc_parse_u64(sp + 1, nl - sp - 1, &vals[nr]))
			return -1;
		nr++;
		p = nl + 1;
	}
	return nr;
}

/*
 * A control as the control file prints it: empty, or names separated by
 * single spaces and a final newline.  Returns the number of names, at most
 * @max.
 */
int pc_check_control(const char *buf, size_t len, unsigned int max)
{
	const char *p = buf, *end;
	unsigned int nr = 0;

	if (!len)
		return 0;
	if (buf[len - 1] != '\n')
		return -1;
	end = buf + len - 1;
	for (;;) {
		const char *sp = memchr(p, ' ', end - p);
		const char *stop = sp ? sp : end;

		if (!pc_is_name(p, stop - p) || nr == max)
			return -1;
		nr++;
		if (!sp)
			return nr;
		p = sp + 1;
	}
}

/*
 * pc_check_control(), then the names NUL-terminated in place, pointed to
 * by @names.
 */
int pc_split_control(char *buf, size_t len, const char **names,
		     unsigned int max)
{
	int nr = pc_check_control(buf, len, max);
	char *p = buf;
	int i;

	for (i = 0; i < nr; i++) {
		names[i] = p;
		p += strcspn(p, " \n");
		*p++ = '\0';
	}
	return nr;
}
