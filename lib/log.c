// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum mpx_log_level level = MPX_LOG_INFO;
static const char *names[] = { "error", "warn", "info", "debug" };

void mpx_log_set_level(enum mpx_log_level lvl)
{
	level = lvl;
}

int mpx_log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int mpx_log_enabled(enum mpx_log_level lvl)
{
	return lvl <= level;
}

void mpx_log(enum mpx_log_level lvl, const char *event, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32], rest[1024] = "";
	va_list ap;

	if (lvl > level)
		return;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(rest, sizeof(rest), fmt, ap);
		va_end(ap);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "ts=%s.%03ldZ level=%s event=%s%s%s\n", when, ts.tv_nsec / 1000000,
		names[lvl], event, *rest ? " " : "", rest);
}
