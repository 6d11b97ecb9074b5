// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the control parser (driver/control.c), built for
 * user space with the stand-ins of fuzz/shim/ and with AddressSanitizer and
 * UndefinedBehaviorSanitizer.  Each input is a write to a control file:
 * at most PERFCTR_CONTROL_MAX bytes, made a string as the kernel does
 * (inputs with an embedded NUL are refused before the parser, as the
 * kernel refuses them).  Besides crashes, sanitizer reports and WARNs, it
 * checks that an accepted text's canonical form parses back to the same
 * control, and that the errors are the documented ones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control-harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[PERFCTR_CONTROL_MAX + 1];
	int err;

	if (size > PERFCTR_CONTROL_MAX || memchr(data, '\0', size))
		return -1;	/* not a text the parser can be given */
	memcpy(text, data, size);
	text[size] = '\0';
	err = pc_parse_checked(text, NULL, 0);
	if (err && err != -EINVAL && err != -E2BIG)
		abort();
	return 0;
}
