// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "s01.h"
#include "mpxdp/conn.h"

static uint64_t hex64(const char *h)
{
	char *end;
	uint64_t v;

	cr_assert_eq(strlen(h), 16, "key \"%s\"", h);
	v = strtoull(h, &end, 16);
	cr_assert_eq(*end, 0);
	return v;
}

void s01_load(struct s01 *s)
{
	char buf[64];
	uint64_t v;
	struct bt_view sv;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(bt_pcap_load("s01_plain_v4.pcap", &s->pc), 0,
		     "cannot read tests/data/s01_plain_v4.pcap (run from the source tree or set MPX_TESTDATA)");
	cr_assert_eq(bt_vec_str(S01_CONN, "client", "key", buf, sizeof(buf)), 0, "vectors.json: client key");
	s->key_c = hex64(buf);
	cr_assert_eq(bt_vec_str(S01_CONN, "server", "key", buf, sizeof(buf)), 0, "vectors.json: server key");
	s->key_s = hex64(buf);
	bt_token_idsn(s->key_c, &s->token_c, &s->idsn_c);
	bt_token_idsn(s->key_s, &s->token_s, &s->idsn_s);
	/* lib/keys.c against the kernel's tokens and Wireshark's IDSNs */
	cr_assert_eq(bt_vec_str(S01_CONN, "client", "idsn", buf, sizeof(buf)), 0);
	cr_assert_eq(s->idsn_c, hex64(buf));
	cr_assert_eq(bt_vec_str(S01_CONN, "server", "idsn", buf, sizeof(buf)), 0);
	cr_assert_eq(s->idsn_s, hex64(buf));
	cr_assert_eq(bt_vec_str(S01_CONN, "client", "kernel_token", buf, sizeof(buf)), 0);
	cr_assert_eq(s->token_c, (uint32_t)strtoul(buf, NULL, 16));
	cr_assert_eq(bt_vec_str(S01_CONN, "server", "kernel_token", buf, sizeof(buf)), 0);
	cr_assert_eq(s->token_s, (uint32_t)strtoul(buf, NULL, 16));

	s->syn = s->synack = s->ack3 = -1;
	for (int i = 0; i < s->pc.n; i++) {
		struct bt_view w;

		cr_assert_eq(bt_parse(s->pc.f[i].d, s->pc.f[i].len, &w), 0, "s01 frame %d", i + 1);
		cr_assert(bt_csum_ok(s->pc.f[i].d, s->pc.f[i].len), "s01 frame %d checksum", i + 1);
		if ((w.flags & 0x12) == 0x02 && s->syn < 0)
			s->syn = i;
		else if ((w.flags & 0x12) == 0x12 && s->synack < 0)
			s->synack = i;
		else if (s->synack >= 0 && s->ack3 < 0)
			s->ack3 = i;
	}
	cr_assert(s->syn >= 0 && s->synack > s->syn && s->ack3 > s->synack);
	cr_assert_eq(bt_parse(s->pc.f[s->syn].d, s->pc.f[s->syn].len, &sv), 0);
	s->isn_c = sv.seq;
	memset(&s->c2s, 0, sizeof(s->c2s));
	memcpy(s->c2s.saddr, s->pc.f[s->syn].d + 14 + 12, 4);
	memcpy(s->c2s.daddr, s->pc.f[s->syn].d + 14 + 16, 4);
	s->c2s.sport = bt_get16(s->pc.f[s->syn].d + sv.tcp);
	s->c2s.dport = bt_get16(s->pc.f[s->syn].d + sv.tcp + 2);
	cr_assert_eq(bt_parse(s->pc.f[s->synack].d, s->pc.f[s->synack].len, &sv), 0);
	s->isn_s = sv.seq;
	cr_assert_eq(sv.ack, s->isn_c + 1);
	/* the ISNs vectors.json reports */
	cr_assert_eq(bt_vec_num(S01_CONN, "isn_initiator", &v), 0);
	cr_assert_eq(v, s->isn_c);
	cr_assert_eq(bt_vec_num(S01_CONN, "isn_responder", &v), 0);
	cr_assert_eq(v, s->isn_s);
	/* the keys the handshake carried: server's in the SYN-ACK, both in
	 * the third ACK */
	{
		const struct bt_frame *f = &s->pc.f[s->synack];
		int o;

		cr_assert_eq(bt_parse(f->d, f->len, &sv), 0);
		o = bt_opt_find_mptcp(f->d + sv.opt, sv.optlen, 0);
		cr_assert_geq(o, 0);
		cr_assert_eq(bt_get64(f->d + sv.opt + o + 4), s->key_s);
		f = &s->pc.f[s->ack3];
		cr_assert_eq(bt_parse(f->d, f->len, &sv), 0);
		o = bt_opt_find_mptcp(f->d + sv.opt, sv.optlen, 0);
		cr_assert_geq(o, 0);
		cr_assert_eq(f->d[sv.opt + o + 1], 20);
		cr_assert_eq(bt_get64(f->d + sv.opt + o + 4), s->key_c);
		cr_assert_eq(bt_get64(f->d + sv.opt + o + 12), s->key_s);
	}
}

void s01_free(struct s01 *s)
{
	bt_pcap_free(&s->pc);
}

int s01_from_client(const struct s01 *s, const uint8_t *f, size_t len)
{
	struct bt_view v;

	cr_assert_eq(bt_parse(f, len, &v), 0);
	if (v.v6)
		return f[v.l3 + 8 + 15] == s->c2s.saddr[3] &&
		       bt_get16(f + v.tcp) == s->c2s.sport;
	return !memcmp(f + v.l3 + 12, s->c2s.saddr, 4) && bt_get16(f + v.tcp) == s->c2s.sport;
}

void s01_conn(const struct s01 *s, int v6, struct mpx_conn *c, struct mpx_sf *sf,
	      struct mpx_flow_key *k)
{
	struct mpx_conn_params a = {
		.key_c = s->key_c, .key_g = s->key_s, .idsn_c = s->idsn_c, .idsn_g = s->idsn_s,
		.token_c = s->token_c, .token_g = s->token_s,
		.synack_seq = s->isn_s, .synack_ack = s->isn_c + 1,
		.c_ws = MPX_WS_NONE, .s_ws = MPX_WS_NONE, .now = bt_now_ns(),
	};
	struct bt_tuple t = s->c2s;
	struct mpx_sf tmp;

	if (v6) {
		memset(t.saddr, 0, 16);
		memset(t.daddr, 0, 16);
		for (int a = 0; a < 2; a++) {
			uint8_t *d = a ? t.daddr : t.saddr;
			const uint8_t *src = a ? s->c2s.daddr : s->c2s.saddr;

			d[0] = 0x20, d[1] = 0x01, d[2] = 0x0d, d[3] = 0xb8;
			d[5] = src[2];
			d[15] = src[3];
		}
		t.v6 = 1;
	}
	bt_flow_key(k, &t);
	a.key = *k;
	mpx_conn_init(c, sf ? sf : &tmp, &a);
}

void s01_install(const struct s01 *s, int v6, struct mpx_conn *c)
{
	s01_install_flags(s, v6, c, 0);
}

void s01_install_flags(const struct s01 *s, int v6, struct mpx_conn *c, uint16_t flow_flags)
{
	struct mpx_flow_key k;
	struct mpx_flow f = { .conn_id = 1, .sf_idx = 0, .flags = flow_flags };
	struct mpx_sf_key sk = { .conn_id = 1, .idx = 0 };
	struct mpx_sf sf;
	uint32_t id = 1;

	s01_conn(s, v6, c, &sf, &k);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("conns"), &id, c, BPF_NOEXIST), 0);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("subflows"), &sk, &sf, BPF_NOEXIST), 0);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("tokens"), &c->token_g, &id, BPF_NOEXIST), 0);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("flows"), &k, &f, BPF_NOEXIST), 0);
}

void s01_sf_get(uint32_t conn_id, uint32_t idx, struct mpx_sf *sf)
{
	struct mpx_sf_key sk = { .conn_id = conn_id, .idx = idx };

	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("subflows"), &sk, sf), 0,
		     "subflow {%u, %u}", conn_id, idx);
}
