// SPDX-License-Identifier: GPL-2.0
/*
 * Event names as a control text has them (Documentation/perfctr.rst,
 * "Control syntax"): names separated by blanks and commas, each perf event
 * with an optional modifier.  perfex never validates names itself: the
 * kernel does, and perfex only needs to find the names in a text.
 */
#include <stdlib.h>
#include <string.h>

#include "perfex.h"

/*
 * The names perfctr counts without perf (tsc, and the task's own
 * accounting), aliases included.  With a modifier, an accounting name
 * becomes perf's event; without one, none of these needs perf permission.
 */
static const char *const plain_names[] = {
	"tsc",
	"task-clock",
	"context-switches", "cs",
	"cpu-migrations", "migrations",
	"minor-faults",
	"major-faults",
	"voluntary-switches",
	"involuntary-switches",
};

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',';
}

/*
 * The next name of @text at or after *@pos: returns its length and leaves
 * *@pos at its first byte; 0 at the end of the text.  Any byte that is not
 * a separator belongs to a name, so that a name the kernel refuses for a
 * stray byte is shown with it.
 */
size_t events_token(const char *text, size_t *pos)
{
	size_t i = *pos, len = 0;

	while (text[i] && is_sep(text[i]))
		i++;
	*pos = i;
	while (text[i + len] && !is_sep(text[i + len]))
		len++;
	return len;
}

/* Does name (@len bytes) need perf, hence perf permission? */
bool events_is_perf(const char *name, size_t len)
{
	size_t i;

	if (memchr(name, ':', len))
		return true;
	for (i = 0; i < sizeof(plain_names) / sizeof(plain_names[0]); i++) {
		if (strlen(plain_names[i]) == len &&
		    !memcmp(plain_names[i], name, len))
			return false;
	}
	return true;
}

/*
 * @events with ":u" after every perf event that has no modifier, the
 * separators kept as they were; NULL if there is no such event (or no
 * memory: then there is no fallback either).  Only user-mode counting
 * remains allowed at perf_event_paranoid 2, Linux's default.
 */
char *events_user_only(const char *events)
{
	size_t pos, len, out = 0, done = 0;
	bool changed = false;
	char *text;

	/* at most one ":u" per name, and a name is at least one byte */
	text = malloc(strlen(events) * 3 + 1);
	if (!text)
		return NULL;
	for (pos = 0; (len = events_token(events, &pos)); pos += len) {
		memcpy(text + out, events + done, pos + len - done);
		out += pos + len - done;
		done = pos + len;
		if (events_is_perf(events + pos, len) &&
		    !memchr(events + pos, ':', len)) {
			memcpy(text + out, ":u", 2);
			out += 2;
			changed = true;
		}
	}
	strcpy(text + out, events + done);
	if (!changed) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Splits a canonical name into its base, copied into @base, and its
 * modifier (":u", ":k", ":uk" or ""), pointed to in @name.  -1 if the
 * base does not fit.
 */
int events_base(const char *name, char *base, size_t size,
		const char **modifier)
{
	size_t len = strcspn(name, ":");

	if (len >= size)
		return -1;
	memcpy(base, name, len);
	base[len] = '\0';
	*modifier = name + len;
	return 0;
}
