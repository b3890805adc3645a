/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A synthetic established connection for the translation tests: the
 * connection and its initial subflow set up as the daemon's install()
 * does, a segment builder, and option writers independent of options.h.
 */
#ifndef MPX_TEST_SYNTH_H
#define MPX_TEST_SYNTH_H

#include <criterion/criterion.h>
#include "tcore.h"

struct env {
	struct mpx_conn c;
	struct mpx_sf sf; /* the initial subflow */
	struct mpx_sf joined[MPX_SF_MAX]; /* joined subflows by index (env_join; [0] unused) */
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint8_t tcp13_high; /* ECE/CWR on the segments seg() builds */
	uint16_t win;	    /* their window field (0: 502) */
	uint8_t buf[2048];
	size_t len;
};

static const uint64_t KEY_C = 0x1122334455667788ull, KEY_G = 0x99aabbccddeeff01ull;

/* as daemon/handshake.c install(): c_seq0 = the SYN-ACK's ack, s_seq0 = its
 * seq + 1; window scales of the client's SYN and the server's SYN-ACK
 * (MPX_WS_NONE: not offered), the third ACK's TSval (0: none) */
static inline void env_init_ws(struct env *e, uint64_t idsn_c, uint64_t idsn_g, uint32_t c_seq0,
			       uint32_t s_seq0, int csum, uint8_t c_ws, uint8_t s_ws, uint32_t c_tsval)
{
	struct mpx_conn_params a = {
		.key_c = KEY_C, .key_g = KEY_G, .idsn_c = idsn_c, .idsn_g = idsn_g,
		.synack_seq = s_seq0 - 1, .synack_ack = c_seq0,
		.flags = csum ? MPX_CF_CSUM : 0, .c_ws = c_ws, .s_ws = s_ws, .c_tsval = c_tsval,
	};

	memset(e, 0, sizeof(*e));
	memcpy(e->caddr, "\x0a\x01\x00\x01", 4);
	memcpy(e->saddr, "\x0a\x02\x00\x01", 4);
	e->cport = 40001;
	e->sport = 8080;
	memcpy(a.key.c_addr, e->caddr, 16);
	memcpy(a.key.s_addr, e->saddr, 16);
	a.key.c_port = e->cport;
	a.key.s_port = e->sport;
	mpx_conn_init(&e->c, &e->sf, &a);
}

static inline void env_init(struct env *e, uint64_t idsn_c, uint64_t idsn_g, uint32_t c_seq0,
			    uint32_t s_seq0, int csum)
{
	env_init_ws(e, idsn_c, idsn_g, c_seq0, s_seq0, csum, MPX_WS_NONE, MPX_WS_NONE, 0);
}

/* subflow i of the connection: the initial one, or a joined one */
static inline struct mpx_sf *env_sf(struct env *e, uint32_t i)
{
	return i ? &e->joined[i & (MPX_SF_MAX - 1)] : &e->sf;
}

static uint8_t PAYLOAD[1600];

__attribute__((constructor)) static void init_payload(void)
{
	for (int i = 0; i < 1600; i++)
		PAYLOAD[i] = (uint8_t)("MPTCP-vector-payload-0123456789abcdefghijklmnopqrstuvwxyz|"[i % 58]);
}

/* Build and load one segment on subflow i's 4-tuple (the server only ever
 * talks to the initial one's). */
static inline void seg_sf(struct env *e, uint32_t i, struct mpx_pkt *p, int from_client, uint32_t seq,
			  uint32_t ack, uint8_t flags, const uint8_t *opt, int optlen, int plen)
{
	const uint8_t *caddr = i ? env_sf(e, i)->key.c_addr : e->caddr;
	const uint8_t *saddr = i ? env_sf(e, i)->key.s_addr : e->saddr;
	uint16_t cport = i ? env_sf(e, i)->key.c_port : e->cport;
	uint16_t sport = i ? env_sf(e, i)->key.s_port : e->sport;
	struct fb f;

	memset(&f, 0, sizeof(f));
	memcpy(f.saddr, from_client ? caddr : saddr, 16);
	memcpy(f.daddr, from_client ? saddr : caddr, 16);
	f.sport = from_client ? cport : sport;
	f.dport = from_client ? sport : cport;
	f.seq = seq;
	f.ack = ack;
	f.flags = flags;
	f.tcp13_high = e->tcp13_high;
	f.win = e->win ? e->win : 502;
	f.opt = opt;
	f.optlen = optlen;
	f.payload = PAYLOAD;
	f.plen = plen;
	e->len = fb_build(e->buf, sizeof(e->buf), &f);
	cr_assert_gt(e->len, 0, "segment does not fit");
	cr_assert_eq(mpx_pkt_load(p, e->buf, (uint32_t)e->len), MPX_PKT_OK);
}

/* Build and load one segment on the initial subflow. */
static inline void seg(struct env *e, struct mpx_pkt *p, int from_client, uint32_t seq, uint32_t ack,
		       uint8_t flags, const uint8_t *opt, int optlen, int plen)
{
	seg_sf(e, 0, p, from_client, seq, ack, flags, opt, optlen, plen);
}

/* ---- option writers (independent of options.h) ---------------------------- */

static inline int o_pad(uint8_t *o, int n)
{
	while (n & 3)
		o[n++] = 1;
	return n;
}

static inline int o_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	wbe32(o + 4, val);
	wbe32(o + 8, ecr);
	return 12;
}

/* NOP NOP SACK with nb blocks (left edges l[], each 100 bytes long) */
static inline int o_sack(uint8_t *o, int nb, const uint32_t *l)
{
	int n = 0;

	o[n++] = 1;
	o[n++] = 1;
	o[n++] = 5;
	o[n++] = (uint8_t)(2 + 8 * nb);
	for (int b = 0; b < nb; b++, n += 8) {
		wbe32(o + n, l[b]);
		wbe32(o + n + 4, l[b] + 100);
	}
	return n;
}

/* DSS: ack_w / map_w are 0 (absent), 4 or 8 */
static inline int o_dss(uint8_t *o, int ack_w, uint64_t ack, int map_w, uint64_t dsn, uint32_t ssn,
			uint16_t dlen, int fin, int has_csum, uint16_t csum)
{
	int n = 4;

	o[0] = 30;
	o[2] = 0x20;
	o[3] = (uint8_t)((ack_w ? 1 : 0) | (ack_w == 8 ? 2 : 0) | (map_w ? 4 : 0) | (map_w == 8 ? 8 : 0) |
			 (fin ? 16 : 0));
	if (ack_w == 8)
		wbe64(o + n, ack);
	else if (ack_w == 4)
		wbe32(o + n, (uint32_t)ack);
	n += ack_w;
	if (map_w) {
		if (map_w == 8)
			wbe64(o + n, dsn);
		else
			wbe32(o + n, (uint32_t)dsn);
		n += map_w;
		wbe32(o + n, ssn);
		wbe16(o + n + 4, dlen);
		n += 6;
		if (has_csum) {
			wbe16(o + n, csum);
			n += 2;
		}
	}
	o[1] = (uint8_t)n;
	return n;
}

static inline int o_mpc(uint8_t *o, int len, uint8_t flags, uint64_t ka, uint64_t kb, uint16_t dlen,
			uint16_t cs)
{
	o[0] = 30;
	o[1] = (uint8_t)len;
	o[2] = 0x01;
	o[3] = flags;
	if (len >= 12)
		wbe64(o + 4, ka);
	if (len >= 20)
		wbe64(o + 12, kb);
	if (len >= 22)
		wbe16(o + 20, dlen);
	if (len >= 24)
		wbe16(o + 22, cs);
	return len;
}

/* a client segment that arrived on subflow i, at time now */
static inline void run_c2s_on(struct env *e, uint32_t i, struct mpx_pkt *p, struct mpx_tx *tx,
			      struct mpx_verdict *v, uint64_t now)
{
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	mpx_c2s(&e->c, env_sf(e, i), p, tx, v, now);
}

static inline void run_c2s(struct env *e, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v)
{
	run_c2s_on(e, 0, p, tx, v, 1000);
}

/* a server segment, placed among all the connection's subflows, at time
 * now with the daemon's subflow timeout stall_ns */
static inline void run_s2c_at(struct env *e, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v,
			      struct ref_dss *d, uint64_t now, uint64_t stall_ns)
{
	struct mpx_sf *sfs[MPX_SF_MAX];
	uint32_t n = e->c.nsf < MPX_SF_MAX ? e->c.nsf : MPX_SF_MAX;

	for (uint32_t i = 0; i < n; i++)
		sfs[i] = env_sf(e, i);
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	s2c_multi(&e->c, sfs, (int)n, p, tx, v, now, stall_ns);
	ref_dss_of_area(tx->opt.b, tx->opt.len, d);
}

static inline void run_s2c(struct env *e, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v,
			   struct ref_dss *d)
{
	run_s2c_at(e, p, tx, v, d, 2000, 0);
}

/* ---- joined subflows ------------------------------------------------------- */

/* A join as the client ran it: the new 4-tuple (IPv4 client address
 * caddr, port cport; the server's as on the initial subflow), the
 * client's and the gateway's ISNs on it, the address ID and backup bit of
 * its SYN, the window scale it offered (MPX_WS_NONE: none) and the third
 * ACK's TSval (0: no timestamps). */
struct join {
	uint32_t idx;
	uint8_t caddr[4];
	uint16_t cport;
	uint32_t isn_c, isn_g;
	uint8_t addr_id, backup, c_ws;
	uint32_t tsval;
	uint64_t now;
};

/*
 * Add joined subflow j->idx to the connection as daemon/join.c join_ack()
 * writes it into the maps (after the HMAC verified), then run the third ACK
 * through mpx_join_established() as the fast path does when the daemon
 * re-runs it. tx/v: the gateway's ACK of the third ACK.
 */
static inline void env_join(struct env *e, const struct join *j, struct mpx_tx *tx, struct mpx_verdict *v)
{
	struct mpx_sf *sf = env_sf(e, j->idx);
	struct mpx_pkt p;
	uint8_t o[40];
	int n = 0;

	cr_assert(j->idx > 0 && j->idx < MPX_SF_MAX);
	memset(sf, 0, sizeof(*sf));
	memcpy(sf->key.c_addr, j->caddr, 4);
	memcpy(sf->key.s_addr, e->saddr, 16);
	sf->key.c_port = j->cport;
	sf->key.s_port = e->sport;
	sf->flags = j->backup ? MPX_SF_BACKUP : 0;
	sf->idx = (uint8_t)j->idx;
	sf->addr_id = j->addr_id;
	sf->c_ws = j->c_ws;
	sf->ssn_base = j->isn_c;
	sf->rcv_hi = sf->ack = sf->ack_sent = j->isn_c + 1;
	if (j->tsval) {
		sf->c_tsval = j->tsval;
		sf->ts_delta = e->c.c_tsval - j->tsval;
	}
	sf->snd_isn = j->isn_g;
	sf->last_ns = j->now;

	/* the third ACK: [TS] MP_JOIN with a 160-bit HMAC (not checked here) */
	if (j->tsval)
		n = o_ts(o, j->tsval, e->c.s_tsval);
	o[n] = 30;
	o[n + 1] = MPX_JOIN_LEN_ACK;
	o[n + 2] = MPX_MP_JOIN << 4;
	o[n + 3] = 0;
	memset(o + n + 4, 0xa5, 20);
	n = o_pad(o, n + MPX_JOIN_LEN_ACK);
	seg_sf(e, j->idx, &p, 1, j->isn_c + 1, j->isn_g + 1, MPX_TCP_ACK, o, n, 0);
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	mpx_join_established(&e->c, sf, &p, tx, v, j->now);
}

/* the emitted segment is well formed */
static inline void emit_check(struct env *e, const struct mpx_pkt *p, const struct mpx_tx *tx)
{
	uint8_t out[2048];
	size_t len = emit_frame(out, e->buf, p, tx, 0);
	struct ref_hdr h;

	cr_assert_eq(ref_parse(out, len, &h), 0);
	cr_expect(ref_tcp_ok(h.ip, h.ip_len), "emitted checksums");
	cr_expect_eq(h.optlen, tx->opt.len);
	cr_expect_eq(h.plen, tx->plen);
}

#endif
