/* SPDX-License-Identifier: GPL-2.0 */
/* Human-facing names for the shared state: counters, roles, states, flows. */
#ifndef MPXDP_LIB_NAMES_H
#define MPXDP_LIB_NAMES_H

#include <stddef.h>
#include "mpxdp/state.h"
#include "mpxdp/stats.h"

extern const char *const mpx_stat_name[MPX_ST__MAX];
extern const char *const mpx_stat_help[MPX_ST__MAX];

const char *mpx_role_name(unsigned role);
int mpx_role_parse(const char *s); /* 0 if unknown */

/* "198.18.1.1:4000" or "[2001:db8::1]:4000" */
void mpx_fmt_endpoint(char *buf, size_t len, const unsigned char *addr, int v6,
		      unsigned port);
/* "established", "closing", "closed", ... from conn->state */
const char *mpx_conn_state_name(unsigned state);

#endif
