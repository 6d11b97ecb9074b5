/* SPDX-License-Identifier: GPL-2.0 */
/* A seq_file that appends to a fixed buffer and notes an overflow. */
#ifndef _SHIM_LINUX_SEQ_FILE_H
#define _SHIM_LINUX_SEQ_FILE_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct seq_file {
	char buf[8192];
	size_t count;
	int overflow;
};

static inline void seq_write(struct seq_file *m, const void *p, size_t len)
{
	if (m->count + len >= sizeof(m->buf)) {
		m->overflow = 1;
		return;
	}
	memcpy(m->buf + m->count, p, len);
	m->count += len;
	m->buf[m->count] = '\0';
}

static inline void seq_putc(struct seq_file *m, char c)
{
	seq_write(m, &c, 1);
}

static inline void seq_puts(struct seq_file *m, const char *s)
{
	seq_write(m, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static inline void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		seq_write(m, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}
#endif
