/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structured logs (logfmt: ts=... level=... event=... key=value ...) on
 * stderr, which journald or the terminal collects. Keys never appear in
 * logs: callers pass tokens, never key material.
 */
#ifndef MPXDP_LIB_LOG_H
#define MPXDP_LIB_LOG_H

enum mpx_log_level { MPX_LOG_ERR, MPX_LOG_WARN, MPX_LOG_INFO, MPX_LOG_DEBUG };

void mpx_log_set_level(enum mpx_log_level lvl);
int mpx_log_parse_level(const char *s); /* -1 if unknown */
int mpx_log_enabled(enum mpx_log_level lvl);

/* event: a short identifier; fmt: the rest as "key=value ..." */
void mpx_log(enum mpx_log_level lvl, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define mpx_err(ev, ...) mpx_log(MPX_LOG_ERR, ev, __VA_ARGS__)
#define mpx_warn(ev, ...) mpx_log(MPX_LOG_WARN, ev, __VA_ARGS__)
#define mpx_info(ev, ...) mpx_log(MPX_LOG_INFO, ev, __VA_ARGS__)
#define mpx_debug(ev, ...)                                                     \
	do {                                                                   \
		if (mpx_log_enabled(MPX_LOG_DEBUG))                            \
			mpx_log(MPX_LOG_DEBUG, ev, __VA_ARGS__);               \
	} while (0)

#endif
