// SPDX-License-Identifier: GPL-2.0
#include "names.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define NAME(id, name, help) [MPX_ST_##id] = name,
#define HELP(id, name, help) [MPX_ST_##id] = help,
const char *const mpx_stat_name[MPX_ST__MAX] = { MPX_STATS(NAME) };
const char *const mpx_stat_help[MPX_ST__MAX] = { MPX_STATS(HELP) };
#undef NAME
#undef HELP

const char *mpx_role_name(unsigned role)
{
	return role == MPX_ROLE_CLIENT ? "client" : role == MPX_ROLE_SERVER ? "server" : "?";
}

int mpx_role_parse(const char *s)
{
	if (!strcmp(s, "client"))
		return MPX_ROLE_CLIENT;
	if (!strcmp(s, "server"))
		return MPX_ROLE_SERVER;
	return 0;
}

void mpx_fmt_endpoint(char *buf, size_t len, const unsigned char *addr, int v6,
		      unsigned port)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a, port);
}

const char *mpx_conn_state_name(unsigned s)
{
	if (s & MPX_CS_DEAD)
		return "replaced";
	if (s & MPX_CS_RST)
		return "reset";
	if (MPX_CS_CLOSED(s))
		return "closed";
	if (s & (MPX_CS_C_DATAFIN | MPX_CS_S_FIN))
		return "closing";
	return "established";
}
