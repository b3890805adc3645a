// SPDX-License-Identifier: GPL-2.0
/* mpxdp conn show: the connection table. Tokens are shown (they are public
 * on the wire); keys never are. */
#include <stdio.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "names.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const char *sf_state(const struct mpx_conn *k, uint32_t i)
{
	if (k->sf_gone & (1u << i))
		return "gone";
	if (k->sf_dead & (1u << i))
		return "stalled";
	return "active";
}

/* The connection's subflows: the client's end of each, its address ID,
 * backup bit, state and bytes. */
static void show_subflows(struct cli *c, const struct mpx_maps *m, uint32_t id,
			  const struct mpx_conn *k)
{
	struct mpx_sf_key sk = { .conn_id = id };
	struct mpx_sf sf;
	char ep[64];

	if (c->json) {
		mpx_json_key(&c->j, "subflows");
		mpx_json_arr_begin(&c->j);
	}
	for (sk.idx = 0; sk.idx < k->nsf && sk.idx < MPX_SF_MAX; sk.idx++) {
		int backup = !!(k->sf_backup & (1u << sk.idx));

		if (bpf_map_lookup_elem(m->subflows, &sk, &sf))
			continue;
		mpx_fmt_endpoint(ep, sizeof(ep), sf.key.c_addr, sf.key.v6, sf.key.c_port);
		if (!c->json) {
			printf("    subflow %u %s addr-id %u backup %s state %s  c2s %llu bytes  s2c %llu bytes\n",
			       sk.idx, ep, k->sf_addr[sk.idx], backup ? "yes" : "no",
			       sf_state(k, sk.idx), (unsigned long long)sf.c2s_bytes,
			       (unsigned long long)sf.s2c_bytes);
			continue;
		}
		mpx_json_obj_begin(&c->j);
		mpx_json_ku64(&c->j, "index", sk.idx);
		mpx_json_kstr(&c->j, "client", ep);
		mpx_json_ku64(&c->j, "addr_id", k->sf_addr[sk.idx]);
		mpx_json_kbool(&c->j, "backup", backup);
		mpx_json_kstr(&c->j, "state", sf_state(k, sk.idx));
		mpx_json_ku64(&c->j, "c2s_bytes", sf.c2s_bytes);
		mpx_json_ku64(&c->j, "s2c_bytes", sf.s2c_bytes);
		mpx_json_obj_end(&c->j);
	}
	if (c->json)
		mpx_json_arr_end(&c->j);
}

static void show_one(struct cli *c, const struct mpx_maps *m, uint32_t id,
		     const struct mpx_conn *k, uint64_t now)
{
	char cl[64], sv[64], tok[16];
	uint64_t age = now > k->created_ns ? (now - k->created_ns) / 1000000 : 0;
	uint64_t idle = now > k->last_ns ? (now - k->last_ns) / 1000000 : 0;

	mpx_fmt_endpoint(cl, sizeof(cl), k->key0.c_addr, k->key0.v6, k->key0.c_port);
	mpx_fmt_endpoint(sv, sizeof(sv), k->key0.s_addr, k->key0.v6, k->key0.s_port);
	snprintf(tok, sizeof(tok), "%08x", k->token_g);
	if (!c->json) {
		printf("conn %u %s -> %s token %s state %s csum %s\n"
		       "    c2s %llu bytes %llu pkts  s2c %llu bytes %llu pkts  age %llums idle %llums\n",
		       id, cl, sv, tok, mpx_conn_state_name(k->state),
		       k->flags & MPX_CF_CSUM ? "on" : "off",
		       (unsigned long long)k->c2s_bytes, (unsigned long long)k->c2s_pkts,
		       (unsigned long long)k->s2c_bytes, (unsigned long long)k->s2c_pkts,
		       (unsigned long long)age, (unsigned long long)idle);
		show_subflows(c, m, id, k);
		return;
	}
	mpx_json_obj_begin(&c->j);
	mpx_json_ku64(&c->j, "id", id);
	mpx_json_kstr(&c->j, "client", cl);
	mpx_json_kstr(&c->j, "server", sv);
	mpx_json_kstr(&c->j, "token", tok);
	mpx_json_kstr(&c->j, "state", mpx_conn_state_name(k->state));
	mpx_json_kbool(&c->j, "checksum", k->flags & MPX_CF_CSUM);
	mpx_json_ku64(&c->j, "c2s_bytes", k->c2s_bytes);
	mpx_json_ku64(&c->j, "c2s_pkts", k->c2s_pkts);
	mpx_json_ku64(&c->j, "s2c_bytes", k->s2c_bytes);
	mpx_json_ku64(&c->j, "s2c_pkts", k->s2c_pkts);
	mpx_json_ku64(&c->j, "age_ms", age);
	mpx_json_ku64(&c->j, "idle_ms", idle);
	show_subflows(c, m, id, k);
	mpx_json_obj_end(&c->j);
}

int cmd_conn(struct cli *c, int argc, char **argv)
{
	struct conn_filter f;
	struct mpx_maps m;
	struct mpx_conn k;
	uint32_t key, *prev = NULL;
	uint64_t now = mono_ns();

	if (argc > 0 && !cli_matches(argv[0], "show") && !cli_matches(argv[0], "list"))
		return cli_fail("unknown conn command \"%s\" (try: show)", argv[0]);
	if (conn_filter_parse(&f, argc ? argc - 1 : 0, argv + !!argc)) /* after "show" */
		return 1;
	if (cli_maps(c, &m))
		return 1;
	if (c->json)
		mpx_json_arr_begin(&c->j);
	while (bpf_map_get_next_key(m.conns, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(m.conns, &key, &k) == 0 &&
		    conn_filter_match(&f, m.subflows, key, &k))
			show_one(c, &m, key, &k, now);
	}
	if (c->json)
		mpx_json_arr_end(&c->j);
	mpx_maps_close(&m);
	return 0;
}
