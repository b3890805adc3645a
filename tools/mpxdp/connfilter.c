// SPDX-License-Identifier: GPL-2.0
/* mpxdp conn show's filters, ip-style keywords:
 *   src ADDR[/LEN]  a client address of the connection (any subflow)
 *   dst ADDR[/LEN]  its server address
 *   token HEX       the client's or the gateway's token
 * All given must match. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cli.h"

static int parse_prefix(struct conn_prefix *p, const char *arg)
{
	char buf[INET6_ADDRSTRLEN + 4], *slash, *end;
	unsigned long len;

	snprintf(buf, sizeof(buf), "%s", arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->v6 = 0;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->v6 = 1;
	else
		return cli_fail("bad address \"%s\" (want ADDR or ADDR/LEN)", arg);
	p->len = p->v6 ? 128 : 32;
	if (slash) {
		errno = 0;
		len = strtoul(slash, &end, 10);
		if (errno || end == slash || *end || len > p->len)
			return cli_fail("bad prefix length in \"%s\"", arg);
		p->len = len;
	}
	p->set = 1;
	return 0;
}

int conn_filter_parse(struct conn_filter *f, int argc, char **argv)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < argc; i += 2) {
		const char *v;
		char *end;

		if (strcmp(argv[i], "src") && strcmp(argv[i], "dst") && strcmp(argv[i], "token"))
			return cli_fail("unknown argument \"%s\" (try: src, dst, token)", argv[i]);
		if (i + 1 >= argc)
			return cli_fail("\"%s\" needs a value", argv[i]);
		v = argv[i + 1];
		if (!strcmp(argv[i], "src") && parse_prefix(&f->src, v))
			return 1;
		if (!strcmp(argv[i], "dst") && parse_prefix(&f->dst, v))
			return 1;
		if (!strcmp(argv[i], "token")) {
			errno = 0;
			f->token = strtoul(v, &end, 16);
			if (errno || end == v || *end || f->token > UINT32_MAX)
				return cli_fail("bad token \"%s\" (want up to 8 hex digits)", v);
			f->has_token = 1;
		}
	}
	return 0;
}

static int prefix_match(const struct conn_prefix *p, const uint8_t *addr, int v6)
{
	unsigned whole = p->len / 8, bits = p->len % 8;

	if (!p->set)
		return 1;
	if (p->v6 != v6 || memcmp(p->addr, addr, whole))
		return 0;
	return !bits || !((p->addr[whole] ^ addr[whole]) & (0xff00 >> bits));
}

static int tuple_match(const struct conn_filter *f, const struct mpx_flow_key *k)
{
	return prefix_match(&f->src, k->c_addr, k->v6) && prefix_match(&f->dst, k->s_addr, k->v6);
}

int conn_filter_match(const struct conn_filter *f, int subflows_fd, uint32_t id,
		      const struct mpx_conn *k)
{
	if (f->has_token && f->token != k->token_c && f->token != k->token_g)
		return 0;
	if (tuple_match(f, &k->key0))
		return 1;
	/* joined subflows have their own client addresses */
	for (uint32_t i = 0; i < MPX_SF_MAX; i++) {
		struct mpx_sf_key sk = { .conn_id = id, .idx = i };
		struct mpx_sf sf;

		if (bpf_map_lookup_elem(subflows_fd, &sk, &sf) == 0 && tuple_match(f, &sf.key))
			return 1;
	}
	return 0;
}
