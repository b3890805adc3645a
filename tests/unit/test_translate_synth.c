// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 7 (continued). The translation core on crafted segments: sequence-space
 * wraps, invalid DATA_ACKs, MP_FASTCLOSE, MP_CAPABLE key checks, resets,
 * FINs both ways, SACK trimming, and the handshake functions (client SYN,
 * server SYN-ACK, pending third ACK), the latter on real handshake frames.
 * Every expectation is computed from the protocol (RFC 8684 and the rules
 * written in translate.h), not read back from the core.
 */
#include <criterion/criterion.h>
#include "tcore.h"

/* ---- a synthetic connection ---------------------------------------------- */

struct env {
	struct mpx_conn c;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint8_t buf[2048];
	size_t len;
};

static const uint64_t KEY_C = 0x1122334455667788ull, KEY_G = 0x99aabbccddeeff01ull;

static void env_init(struct env *e, uint64_t idsn_c, uint64_t idsn_g, uint32_t c_seq0,
		     uint32_t s_seq0, int csum)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->caddr, "\x0a\x01\x00\x01", 4);
	memcpy(e->saddr, "\x0a\x02\x00\x01", 4);
	e->cport = 40001;
	e->sport = 8080;
	e->c.key_c = KEY_C;
	e->c.key_g = KEY_G;
	e->c.idsn_c = idsn_c;
	e->c.idsn_g = idsn_g;
	e->c.c_seq0 = c_seq0;
	e->c.s_seq0 = s_seq0;
	e->c.c2s_ref = idsn_c + 1;
	e->c.s2c_ref = idsn_g + 1;
	e->c.flags = csum ? MPX_CF_CSUM : 0;
}

static uint8_t PAYLOAD[1600];

__attribute__((constructor)) static void init_payload(void)
{
	for (int i = 0; i < 1600; i++)
		PAYLOAD[i] = (uint8_t)("MPTCP-vector-payload-0123456789abcdefghijklmnopqrstuvwxyz|"[i % 58]);
}

/* Build and load one segment. */
static void seg(struct env *e, struct mpx_pkt *p, int from_client, uint32_t seq, uint32_t ack,
		uint8_t flags, const uint8_t *opt, int optlen, int plen)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	memcpy(f.saddr, from_client ? e->caddr : e->saddr, 16);
	memcpy(f.daddr, from_client ? e->saddr : e->caddr, 16);
	f.sport = from_client ? e->cport : e->sport;
	f.dport = from_client ? e->sport : e->cport;
	f.seq = seq;
	f.ack = ack;
	f.flags = flags;
	f.win = 502;
	f.opt = opt;
	f.optlen = optlen;
	f.payload = PAYLOAD;
	f.plen = plen;
	e->len = fb_build(e->buf, sizeof(e->buf), &f);
	cr_assert_gt(e->len, 0, "segment does not fit");
	cr_assert_eq(mpx_pkt_load(p, e->buf, (uint32_t)e->len), MPX_PKT_OK);
}

/* ---- option writers (independent of options.h) ---------------------------- */

static int o_pad(uint8_t *o, int n)
{
	while (n & 3)
		o[n++] = 1;
	return n;
}

static int o_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	wbe32(o + 4, val);
	wbe32(o + 8, ecr);
	return 12;
}

/* DSS: ack_w / map_w are 0 (absent), 4 or 8 */
static int o_dss(uint8_t *o, int ack_w, uint64_t ack, int map_w, uint64_t dsn, uint32_t ssn,
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

static int o_mpc(uint8_t *o, int len, uint8_t flags, uint64_t ka, uint64_t kb, uint16_t dlen, uint16_t cs)
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

static void run_c2s(struct env *e, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v)
{
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	mpx_c2s(&e->c, p, tx, v, 1000);
}

static void run_s2c(struct env *e, struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v,
		    struct ref_dss *d)
{
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	mpx_s2c(&e->c, p, tx, v, 2000);
	ref_dss_of_area(tx->opt.b, tx->opt.len, d);
}

/* the emitted segment is well formed */
static void emit_check(struct env *e, const struct mpx_pkt *p, const struct mpx_tx *tx)
{
	uint8_t out[2048];
	size_t len = emit_frame(out, e->buf, p, tx, 0);
	struct ref_hdr h;

	cr_assert_eq(ref_parse(out, len, &h), 0);
	cr_expect(ref_tcp_ok(h.ip, h.ip_len), "emitted checksums");
	cr_expect_eq(h.optlen, tx->opt.len);
}

/* ---- sequence spaces ------------------------------------------------------- */

/* The server's 32-bit sequence space wraps while the gateway's 64-bit DSN
 * crosses a 2^32 boundary at a different point; then the client sends
 * 32-bit DSNs and DATA_ACKs across its own boundaries. */
Test(xlat, widen_across_2_32)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	const uint64_t idsn_c = 0x00000007ffffffc0ull - 1, idsn_g = 0x00000005ffffff00ull - 1;
	const uint32_t c_seq0 = 0xfffffff0u, s_seq0 = 0xffffff80u;

	env_init(&e, idsn_c, idsn_g, c_seq0, s_seq0, 0);
	/* server -> client: 10 x 100 bytes from s_seq0 */
	for (uint32_t k = 0; k < 10; k++) {
		seg(&e, &p, 0, s_seq0 + 100 * k, c_seq0, MPX_TCP_ACK, NULL, 0, 100);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_assert(d.present && d.has_map && d.dsn8 && d.ack8, "k %u", k);
		cr_expect_eq(d.dsn, idsn_g + 1 + 100 * k, "k %u: DSN %#llx", k, (unsigned long long)d.dsn);
		cr_expect_eq(d.ssn, 1 + 100 * k, "k %u", k);
		cr_expect_eq(d.dlen, 100);
		cr_expect_eq(d.data_ack, idsn_c + 1, "k %u", k);
		cr_expect_eq(tx.seq, s_seq0 + 100 * k);
		cr_expect_eq(e.c.s2c_ref, idsn_g + 1 + 100 * (k + 1));
	}
	/* client -> server: 32-bit DSNs, 10 x 100 bytes */
	for (uint32_t k = 0; k < 10; k++) {
		int n = o_pad(o, o_dss(o, 4, idsn_g + 1 + 1000, 4, idsn_c + 1 + 100 * k, 1 + 100 * k, 100, 0, 0, 0));

		seg(&e, &p, 1, c_seq0 + 100 * k, s_seq0 + 1000, MPX_TCP_ACK, o, n, 100);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "k %u: %s", k, evs(&v));
		cr_expect_eq(tx.seq, c_seq0 + 100 * k, "k %u: seq %#x", k, tx.seq);
		cr_expect_eq(tx.ack, s_seq0 + 1000, "k %u: 32-bit DATA_ACK", k);
		cr_expect_eq(e.c.c2s_ref, idsn_c + 1 + 100 * (k + 1), "k %u: c2s_ref %#llx", k,
			     (unsigned long long)e.c.c2s_ref);
	}
	/* the server acknowledges it all: 64-bit DATA_ACK past the boundary */
	seg(&e, &p, 0, s_seq0 + 1000, c_seq0 + 1000, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(d.data_ack, idsn_c + 1 + 1000, "%#llx", (unsigned long long)d.data_ack);
	cr_expect_not(d.has_map);
}

/* Far past 2^32 bytes, in steps below 2^31 each way. */
Test(xlat, widen_many_wraps)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	const uint64_t idsn_c = 0xfffffffffff00000ull, idsn_g = 0x7ffffffffffff000ull;
	const uint32_t c_seq0 = 12345, s_seq0 = 0x80000000u;
	const uint64_t step = 0x30000000ull; /* 768 MiB */

	env_init(&e, idsn_c, idsn_g, c_seq0, s_seq0, 0);
	for (uint64_t off = 0; off < 6 * 0x100000000ull; off += step) {
		/* server data at offset off */
		seg(&e, &p, 0, s_seq0 + (uint32_t)off, c_seq0 + (uint32_t)off, MPX_TCP_ACK, NULL, 0, 10);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(d.dsn, idsn_g + 1 + off, "off %#llx: DSN %#llx", (unsigned long long)off,
			     (unsigned long long)d.dsn);
		cr_expect_eq(d.ssn, (uint32_t)(1 + off));
		/* client data at the same offset, 32-bit DSN and DATA_ACK */
		int n = o_pad(o, o_dss(o, 4, idsn_g + 1 + off + 10, 4, idsn_c + 1 + off, (uint32_t)(1 + off), 10, 0, 0, 0));

		seg(&e, &p, 1, c_seq0 + (uint32_t)off, s_seq0 + (uint32_t)off + 10, MPX_TCP_ACK, o, n, 10);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "off %#llx: %s", (unsigned long long)off, evs(&v));
		cr_expect_eq(tx.seq, c_seq0 + (uint32_t)off);
		cr_expect_eq(tx.ack, s_seq0 + (uint32_t)off + 10);
		cr_expect_eq(e.c.c2s_ref, idsn_c + 1 + off + 10);
		/* the server's ACK of it, as a 64-bit DATA_ACK */
		seg(&e, &p, 0, s_seq0 + (uint32_t)off + 10, c_seq0 + (uint32_t)off + 10, MPX_TCP_ACK, NULL, 0, 0);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(d.data_ack, idsn_c + 1 + off + 10, "off %#llx", (unsigned long long)off);
	}
}

Test(xlat, data_ack_beyond_sent)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	const uint64_t idsn_c = 0x0123456789abcdefull, idsn_g = 0x00000000fffffe00ull;
	int n;

	env_init(&e, idsn_c, idsn_g, 1000, 2000, 0);
	/* nothing sent yet: idsn_g + 1 is fine, one more is not */
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.ack, 2000);
	n = o_pad(o, o_dss(o, 8, idsn_g + 2, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, 1000, 2001, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DATA_ACK_INVALID), "%s", evs(&v));

	/* the server sends 1000 bytes (across the DSN's 2^32 boundary) */
	seg(&e, &p, 0, 2000, 1000, MPX_TCP_ACK, NULL, 0, 1000);
	run_s2c(&e, &p, &tx, &v, &d);
	const uint64_t top = idsn_g + 1 + 1000;
	const struct {
		int w;
		uint64_t ack;
		int ok;
	} cases[] = {
		{ 8, top, 1 },	     { 8, top - 1, 1 },	     { 8, idsn_g + 1, 1 }, { 8, top + 1, 0 },
		{ 8, top + 1000, 0 }, { 4, top, 1 },	      { 4, top - 500, 1 },  { 4, top + 1, 0 },
		{ 4, top + 0x7fffffff, 0 },
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		n = o_pad(o, o_dss(o, cases[k].w, cases[k].ack, 0, 0, 0, 0, 0, 0, 0));
		seg(&e, &p, 1, 1000, 2000 + (uint32_t)(cases[k].ack - idsn_g - 1), MPX_TCP_ACK, o, n, 0);
		run_c2s(&e, &p, &tx, &v);
		if (cases[k].ok) {
			cr_expect_eq(v.act, MPX_ACT_FWD, "case %u: %s", k, evs(&v));
			cr_expect_eq(tx.ack, 2000 + (uint32_t)(cases[k].ack - idsn_g - 1), "case %u", k);
			cr_expect_not(has_ev(&v, MPX_ST_DATA_ACK_INVALID));
		} else {
			cr_expect_eq(v.act, MPX_ACT_DROP, "case %u: DATA_ACK past what the server sent", k);
			cr_expect(has_ev(&v, MPX_ST_DATA_ACK_INVALID), "case %u: %s", k, evs(&v));
		}
	}
}

/* ---- MP_FASTCLOSE, MP_CAPABLE, RST ----------------------------------------- */

Test(xlat, fastclose)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	int n;

	/* wrong key (the client's own, and a random one): dropped */
	const uint64_t wrong[] = { KEY_C, KEY_G ^ 1, 0 };

	for (int k = 0; k < 3; k++) {
		env_init(&e, 100, 200, 1000, 2000, 0);
		n = o_pad(o, o_ts(o, 1, 2) + o_dss(o + 12, 8, 201, 0, 0, 0, 0, 0, 0, 0));
		o[n] = 30;
		o[n + 1] = 12;
		o[n + 2] = 0x70;
		o[n + 3] = 0;
		wbe64(o + n + 4, wrong[k]);
		seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n + 12, 0);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_DROP, "key %d", k);
		cr_expect(has_ev(&v, MPX_ST_FASTCLOSE_BAD), "key %d: %s", k, evs(&v));
		cr_expect_not(e.c.state & MPX_CS_RST, "key %d", k);
	}
	/* the gateway's key: the server hears a RST */
	env_init(&e, 100, 200, 1000, 2000, 0);
	n = o_ts(o, 1, 2);
	o[n] = 30;
	o[n + 1] = 12;
	o[n + 2] = 0x70;
	o[n + 3] = 0;
	wbe64(o + n + 4, KEY_G);
	seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n + 12, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_RST);
	cr_expect(has_ev(&v, MPX_ST_FASTCLOSE_RX), "%s", evs(&v));
	cr_expect(e.c.state & MPX_CS_RST);
	cr_expect(MPX_CS_CLOSED(e.c.state));
	cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 0);
	cr_expect_eq(tx.seq, 1000);
	emit_check(&e, &p, &tx);
}

Test(xlat, mp_capable_keys_on_established)
{
	const struct {
		int len;
		uint64_t ka, kb;
		int ok;
	} cases[] = {
		{ 20, KEY_C, KEY_G, 1 },     { 20, KEY_C ^ 1, KEY_G, 0 }, { 20, KEY_C, KEY_G ^ (1ull << 63), 0 },
		{ 20, KEY_G, KEY_C, 0 },     { 22, KEY_C, KEY_G, 1 },	  { 22, KEY_C, 0, 0 },
		{ 24, 0, KEY_G, 0 },	     { 24, KEY_C, KEY_G, 1 },
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct env e;
		struct mpx_pkt p;
		struct mpx_tx tx;
		struct mpx_verdict v;
		uint8_t o[40];
		int plen = cases[k].len >= 22 ? 300 : 0, n;
		uint16_t cs = ref_dss_csum(100 + 1, 1, 300, PAYLOAD, 300);

		env_init(&e, 100, 200, 1000, 2000, cases[k].len == 24);
		n = o_pad(o, o_ts(o, 5, 6) + o_mpc(o + 12, cases[k].len, 0x01, cases[k].ka, cases[k].kb, 300, cs));
		seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK | (plen ? MPX_TCP_PSH : 0), o, n, plen);
		run_c2s(&e, &p, &tx, &v);
		if (!cases[k].ok) {
			cr_expect_eq(v.act, MPX_ACT_DROP, "case %u", k);
			cr_expect(has_ev(&v, MPX_ST_MPC_KEY_MISMATCH), "case %u: %s", k, evs(&v));
			continue;
		}
		cr_expect_eq(v.act, MPX_ACT_FWD, "case %u: %s", k, evs(&v));
		cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 0);
		cr_expect_eq(tx.seq, 1000, "case %u: implicit mapping at idsn_c + 1, SSN 1", k);
		if (plen)
			cr_expect_eq(e.c.c2s_ref, 100 + 1 + 300, "case %u", k);
	}
	/* the same with a wrong checksum: dropped */
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	uint16_t cs = ref_dss_csum(100 + 1, 1, 300, PAYLOAD, 300);
	int n;

	env_init(&e, 100, 200, 1000, 2000, 1);
	n = o_pad(o, o_ts(o, 5, 6) + o_mpc(o + 12, 24, 0x81, KEY_C, KEY_G, 300, (uint16_t)(cs + 1)));
	seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n, 300);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DATA_CSUM_ERR), "%s", evs(&v));
}

Test(xlat, server_rst)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct mpx_opts o2;
	uint8_t o[40];
	int n = o_ts(o, 7, 8);

	/* TS + SACK 2 blocks: the SACK goes, the TS stays */
	o[n++] = 1;
	o[n++] = 1;
	o[n++] = 5;
	o[n++] = 18;
	for (int b = 0; b < 4; b++, n += 4)
		wbe32(o + n, 5000u + 100u * b);
	env_init(&e, 100, 200, 1000, 2000, 0);
	seg(&e, &p, 0, 2500, 1000, MPX_TCP_RST | MPX_TCP_ACK, o, n, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_FWD);
	cr_expect_eq(tx.flags & (MPX_TCP_RST | MPX_TCP_ACK), MPX_TCP_RST | MPX_TCP_ACK);
	cr_expect(has_ev(&v, MPX_ST_FASTCLOSE_TX), "%s", evs(&v));
	cr_expect(e.c.state & MPX_CS_RST);
	parse_area(&o2, tx.opt.b, tx.opt.len);
	cr_expect_eq(o2.malformed, 0);
	cr_expect(o2.has & MPX_HAS_TS);
	cr_expect_eq(o2.tsval, 7);
	cr_expect_eq(o2.sack_n, 0, "no SACK on a RST");
	cr_expect_eq(o2.mp.present, (1u << MPX_MP_FASTCLOSE) | (1u << MPX_MP_TCPRST), "present %#x", o2.mp.present);
	{
		int off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_FASTCLOSE);

		cr_assert_geq(off, 0);
		cr_expect_eq(tx.opt.b[off + 1], 12);
		cr_expect_eq(be64(tx.opt.b + off + 4), KEY_C, "MP_FASTCLOSE carries the receiver's (client's) key");
		off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_TCPRST);
		cr_assert_geq(off, 0);
		cr_expect_eq(tx.opt.b[off + 1], 4);
		cr_expect_eq(tx.opt.b[off + 3], MPX_RST_UNSPEC);
	}
	cr_expect_not(d.present, "no DSS on the RST");
	cr_expect_eq(tx.opt.len & 3, 0);
	emit_check(&e, &p, &tx);
}

/* ---- FINs -------------------------------------------------------------------- */

Test(xlat, server_fin_becomes_data_fin)
{
	for (int csum = 0; csum < 2; csum++) {
		for (int plen = 0; plen <= 200; plen += 200) {
			struct env e;
			struct mpx_pkt p;
			struct mpx_tx tx;
			struct mpx_verdict v;
			struct ref_dss d;
			uint8_t o[40];
			const uint64_t idsn_c = 0x5555, idsn_g = 0xfffffffffffffff0ull;
			uint32_t sent = 700, fin_at = 3001 + sent + (uint32_t)plen; /* the FIN's seq */
			uint64_t fin_dsn = idsn_g + 1 + sent + (uint32_t)plen;
			int n;

			env_init(&e, idsn_c, idsn_g, 1001, 3001, csum);
			seg(&e, &p, 0, 3001, 1001, MPX_TCP_ACK, NULL, 0, (int)sent);
			run_s2c(&e, &p, &tx, &v, &d);

			seg(&e, &p, 0, 3001 + sent, 1001, MPX_TCP_ACK | MPX_TCP_FIN, NULL, 0, plen);
			run_s2c(&e, &p, &tx, &v, &d);
			cr_expect_eq(v.act, MPX_ACT_FWD);
			cr_expect(tx.flags & MPX_TCP_FIN, "the TCP FIN is kept");
			cr_assert(d.present && d.has_map);
			cr_expect(d.fin, "csum %d plen %d: DATA_FIN", csum, plen);
			cr_expect_eq(d.dsn, idsn_g + 1 + sent, "csum %d plen %d", csum, plen);
			cr_expect_eq(d.ssn, plen ? 1 + sent : 0, "csum %d plen %d: SSN", csum, plen);
			cr_expect_eq(d.dlen, plen + 1, "csum %d plen %d: length counts the DATA_FIN", csum, plen);
			cr_expect_eq(d.has_csum, csum);
			if (csum)
				cr_expect_eq(d.csum, ref_dss_csum(d.dsn, d.ssn, d.dlen, PAYLOAD, (size_t)plen),
					     "csum %d plen %d", csum, plen);
			cr_expect(has_ev(&v, MPX_ST_DATA_FIN_TX), "%s", evs(&v));
			cr_expect(e.c.state & MPX_CS_S_FIN);
			cr_expect_eq(e.c.s_fin_seq, fin_at, "s_fin_seq");
			emit_check(&e, &p, &tx);

			/* a retransmitted FIN: same DATA_FIN, counted once */
			seg(&e, &p, 0, 3001 + sent, 1001, MPX_TCP_ACK | MPX_TCP_FIN, NULL, 0, plen);
			run_s2c(&e, &p, &tx, &v, &d);
			cr_expect(d.fin && d.dsn == idsn_g + 1 + sent);
			cr_expect_not(has_ev(&v, MPX_ST_DATA_FIN_TX), "counted twice");

			/* the client acknowledges the DATA_FIN: the server sees its FIN acked */
			n = o_pad(o, o_dss(o, 8, fin_dsn + 1, 0, 0, 0, 0, 0, 0, 0));
			seg(&e, &p, 1, 1001, fin_at + 1, MPX_TCP_ACK, o, n, 0);
			run_c2s(&e, &p, &tx, &v);
			cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
			cr_expect_eq(tx.ack, fin_at + 1, "csum %d plen %d: ack %u", csum, plen, tx.ack);
			cr_expect(e.c.state & MPX_CS_S_FIN_ACKED);
		}
	}
}

/* The client closes first with a DATA_FIN on a pure ACK (Linux's way):
 * the server gets a FIN there; its ACK of that FIN is held at the FIN's
 * number until the client's subflow sends its own FIN. */
Test(xlat, client_data_fin_ack_clamp)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	const uint64_t idsn_c = 0x00000000ffffff00ull, idsn_g = 0x42;
	const uint32_t c0 = 0xffffff00u, s0 = 77;
	const uint32_t sent = 500, fin_seq = c0 + sent; /* server-side seq of the FIN */
	const uint64_t fin_dsn = idsn_c + 1 + sent;
	int n;

	env_init(&e, idsn_c, idsn_g, c0, s0, 0);
	/* 500 bytes of data */
	n = o_pad(o, o_ts(o, 1, 1) + o_dss(o + 12, 8, idsn_g + 1, 8, idsn_c + 1, 1, (uint16_t)sent, 0, 0, 0));
	seg(&e, &p, 1, c0, s0, MPX_TCP_ACK, o, n, (int)sent);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	/* DATA_FIN alone: SSN 0, length 1, on a pure ACK at the subflow's snd_nxt */
	n = o_pad(o, o_ts(o, 2, 1) + o_dss(o + 12, 8, idsn_g + 1, 8, fin_dsn, 0, 1, 1, 0, 0));
	seg(&e, &p, 1, c0 + sent, s0, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_FIN, "DATA_FIN -> FIN");
	cr_expect_eq(tx.seq, fin_seq);
	cr_expect(has_ev(&v, MPX_ST_DATA_FIN_RX), "%s", evs(&v));
	cr_expect(e.c.state & MPX_CS_C_DATAFIN);
	cr_expect_not(e.c.state & MPX_CS_C_SUBFIN);
	cr_expect_eq(e.c.c_fin_seq, fin_seq);
	emit_check(&e, &p, &tx);

	/* the server acknowledges the FIN: the client's subflow never sent
	 * one, so the ACK toward it stays at the FIN's number, while the
	 * DATA_ACK covers the DATA_FIN */
	seg(&e, &p, 0, s0, fin_seq + 1, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.ack, fin_seq, "ack %u: beyond what the client's subflow sent", tx.ack);
	cr_expect_eq(d.data_ack, fin_dsn + 1, "DATA_ACK %#llx", (unsigned long long)d.data_ack);
	cr_expect(e.c.state & MPX_CS_C_FIN_ACKED);

	/* the client's next pure ACK still sits on the FIN's number: the
	 * server already counted the FIN, so it must see FIN + 1 */
	n = o_pad(o, o_ts(o, 3, 1) + o_dss(o + 12, 8, idsn_g + 1, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, fin_seq, s0, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, fin_seq + 1, "seq %u", tx.seq);
	cr_expect_not(tx.flags & MPX_TCP_FIN);

	/* the client's subflow FIN: the same FIN again for the server */
	n = o_pad(o, o_ts(o, 4, 1) + o_dss(o + 12, 8, idsn_g + 1, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, fin_seq, s0, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, fin_seq);
	cr_expect(e.c.state & MPX_CS_C_SUBFIN);
	cr_expect_eq(e.c.c_fin_seq, fin_seq, "the FIN did not move");
	cr_expect_not(has_ev(&v, MPX_ST_DATA_FIN_RX), "DATA_FIN counted twice");

	/* now the server's ACK of the FIN goes through as it is */
	seg(&e, &p, 0, s0, fin_seq + 1, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, fin_seq + 1);
	cr_expect_eq(d.data_ack, fin_dsn + 1);
}

/* DATA_FIN on the last data segment, and a subflow FIN without DATA_FIN. */
Test(xlat, client_fin_variants)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	const uint64_t idsn_c = 1000, idsn_g = 2000;
	int n;

	/* mapping of 300 data bytes + DATA_FIN over two segments */
	env_init(&e, idsn_c, idsn_g, 10, 20, 0);
	for (int k = 0; k < 2; k++) {
		n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 301, 1, 0, 0));
		seg(&e, &p, 1, 10 + 150 * (uint32_t)k, 20, MPX_TCP_ACK, o, n, 150);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		cr_expect_eq(tx.seq, 10 + 150 * (uint32_t)k);
		cr_expect_eq(!!(tx.flags & MPX_TCP_FIN), k == 1, "FIN only with the mapping's last byte");
	}
	cr_expect_eq(e.c.c_fin_seq, 10 + 300);
	cr_expect(e.c.state & MPX_CS_C_DATAFIN);
	cr_expect_eq(e.c.c2s_ref, idsn_c + 1 + 301);

	/* a subflow FIN with no DATA_FIN before it ends the connection too */
	env_init(&e, idsn_c, idsn_g, 10, 20, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 40, 0, 0, 0));
	seg(&e, &p, 1, 10, 20, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 40);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(e.c.state & (MPX_CS_C_DATAFIN | MPX_CS_C_SUBFIN), MPX_CS_C_DATAFIN | MPX_CS_C_SUBFIN);
	cr_expect_eq(e.c.c_fin_seq, 10 + 40);
	/* and the server's ACK of it is not held back */
	struct ref_dss d;

	seg(&e, &p, 0, 20, 10 + 41, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, 10 + 41);
	cr_expect_eq(d.data_ack, idsn_c + 1 + 41);
}

/* ---- client mappings that cannot be used as they are --------------------- */

Test(xlat, client_mapping_checks)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	const uint64_t idsn_c = 0xabcdef0000ull, idsn_g = 0x1234;
	uint16_t good = ref_dss_csum(idsn_c + 1, 1, 200, PAYLOAD, 200);
	int n;

	/* checksums on: wrong one dropped, right one passes */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 1);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 200, 0, 1, (uint16_t)(good ^ 0x0100)));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DATA_CSUM_ERR), "%s", evs(&v));
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 200, 0, 1, good));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_not(has_ev(&v, MPX_ST_DATA_CSUM_ERR));

	/* checksums off: not checked */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 200, 0, 1, (uint16_t)(good ^ 1)));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));

	/* a mapping that does not cover the segment: kept in place */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 7777, 901, 100, 0, 0, 0));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s", evs(&v));
	cr_expect_eq(tx.seq, 5000);

	/* an infinite mapping (length 0): plain TCP, numbers as they are */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 1);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 999, 1000, 0, 0, 1, 0));
	seg(&e, &p, 1, 5000 + 300, 6000, MPX_TCP_ACK, o, n, 100);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_INFINITE_MAP_RX), "%s", evs(&v));
	cr_expect_eq(tx.seq, 5000 + 300);

	/* a mapping placed elsewhere in the data sequence moves the segment */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 4096, 1, 200, 0, 0, 0));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, 5000 + 4096);
	cr_expect_eq(e.c.last_ns, 1000, "last_ns");
}

/* ---- SACK vs. the DSS --------------------------------------------------------- */

/* largest k <= n with ts + NOP NOP SACK(k) + dss fitting in 40 bytes */
static int sack_fit(int ts, int n, int dss)
{
	for (int k = n; k > 0; k--)
		if ((ts ? 12 : 0) + 4 + 8 * k + dss <= 40)
			return k;
	return 0;
}

Test(xlat, sack_trimmed_for_dss)
{
	for (int csum = 0; csum < 2; csum++) {
		for (int ts = 0; ts < 2; ts++) {
			for (int nb = 1; nb <= (ts ? 3 : 4); nb++) {
				for (int plen = 0; plen <= 100; plen += 100) {
					struct env e;
					struct mpx_pkt p;
					struct mpx_tx tx;
					struct mpx_verdict v;
					struct ref_dss d;
					struct mpx_opts po;
					uint8_t o[40];
					int n = 0, dss = plen ? (csum ? 28 : 26) : 12, want;

					if (ts)
						n = o_ts(o, 9, 10);
					o[n++] = 1;
					o[n++] = 1;
					o[n++] = 5;
					o[n++] = (uint8_t)(2 + 8 * nb);
					for (int b = 0; b < nb; b++, n += 8) {
						wbe32(o + n, 100000u + 1000u * b);
						wbe32(o + n + 4, 100000u + 1000u * b + 500);
					}
					env_init(&e, 0x10, 0x20, 1, 1, csum);
					seg(&e, &p, 0, 1, 1, MPX_TCP_ACK, o, n, plen);
					run_s2c(&e, &p, &tx, &v, &d);
					cr_expect_eq(v.act, MPX_ACT_FWD, "csum %d ts %d nb %d plen %d: %s", csum, ts, nb,
						     plen, evs(&v));
					cr_expect_leq(tx.opt.len, 40);
					cr_expect_eq(tx.opt.len & 3, 0);
					cr_assert(d.present, "csum %d ts %d nb %d plen %d: no DSS", csum, ts, nb, plen);
					cr_expect_eq(d.len, dss);
					cr_expect_eq(d.has_map, plen > 0);
					cr_expect_eq(d.data_ack, 0x10 + 1);
					parse_area(&po, tx.opt.b, tx.opt.len);
					cr_expect_eq(po.malformed, 0);
					cr_expect_eq(!!(po.has & MPX_HAS_TS), ts);
					want = sack_fit(ts, nb, dss);
					cr_expect_eq(po.sack_n, want, "csum %d ts %d nb %d plen %d: %d SACK blocks kept, %d fit",
						     csum, ts, nb, plen, po.sack_n, want);
					for (int b = 0; b < po.sack_n; b++)
						cr_expect_eq(po.sack[b][0], 100000u + 1000u * b, "the first blocks stay");
					emit_check(&e, &p, &tx);
				}
			}
		}
	}
}

/* Options that leave no room for the DSS: dropped and counted. */
Test(xlat, dss_no_room)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];

	/* TCP-MD5 (kind 19, 18 bytes) + TS: 32 bytes kept, a 12-byte DSS does not fit */
	memset(o, 0, sizeof(o));
	o[0] = 1;
	o[1] = 1;
	o[2] = 19;
	o[3] = 18;
	for (int i = 4; i < 20; i++)
		o[i] = (uint8_t)i;
	o_ts(o + 20, 1, 2);
	env_init(&e, 1, 2, 3, 4, 0);
	seg(&e, &p, 0, 4, 3, MPX_TCP_ACK, o, 32, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_DROP);
	cr_expect(has_ev(&v, MPX_ST_DSS_NO_ROOM), "%s", evs(&v));
}

/* ---- handshake -------------------------------------------------------------- */

static unsigned mss_rule(unsigned mss, unsigned dec)
{
	unsigned lowered = mss > dec ? mss - dec : 0, floor = mss < 536 ? mss : 536;

	return lowered > floor ? lowered : floor;
}

/* a real client SYN with an MP_CAPABLE option (from every connection and
 * every MPTCP-client fallback) */
static int real_syns(const struct vec_frame **out, int max)
{
	int n = 0;

	for (unsigned i = 0; i < vec_n_conns && n < max; i++) {
		const struct vec_frame *f = vec_frame_get(vec_conns[i].pcap, vec_conns[i].syn_frame);

		if (f)
			out[n++] = f;
	}
	for (unsigned i = 0; i < vec_n_fallbacks && n < max; i++) {
		const struct vec_frame *f = vec_frame_get(vec_fallbacks[i].pcap, vec_fallbacks[i].syn_frame);

		if (f && vec_fallbacks[i].syn_has_mpc)
			out[n++] = f;
	}
	return n;
}

Test(handshake, client_syn)
{
	const struct vec_frame *syns[32];
	int ns = real_syns(syns, 32);

	cr_assert_gt(ns, 0);
	for (int i = 0; i < ns; i++) {
		const struct vec_frame *f = syns[i];
		struct ref_hdr h;
		int moff;
		uint8_t cflags;

		cr_assert_eq(ref_parse(f->data, f->len, &h), 0);
		moff = ref_find_mptcp(h.opt, (int)h.optlen, MPX_MP_CAPABLE);
		cr_assert_geq(moff, 0, "%s#%u", f->id, f->frame);
		cflags = h.opt[moff + 3];

		/* mode 0: offer; 1: probe; 2: version 0; 3: daemon away;
		 * 4: offer, with data in the SYN (TFO) */
		for (int mode = 0; mode < 5; mode++) {
			struct mpx_config cfg;
			struct mpx_halfopen ho;
			struct mpx_pkt p;
			struct mpx_tx tx;
			struct mpx_verdict v;
			struct mpx_opts po;
			uint8_t fr[2048], opt[40], want[40];
			struct fb b;
			size_t len;
			int wl, offer = mode < 2 || mode == 4;

			memset(&cfg, 0, sizeof(cfg));
			memset(&ho, 0xaa, sizeof(ho));
			memset(&tx, 0, sizeof(tx));
			memset(&v, 0, sizeof(v));
			if (mode == 1)
				cfg.flags = MPX_CFG_PROBE;
			memcpy(opt, h.opt, h.optlen);
			if (mode == 2)
				opt[moff + 2] &= 0xf0; /* version 0 */
			fb_from(&b, &h);
			b.opt = opt;
			if (mode == 4) {
				b.payload = PAYLOAD;
				b.plen = 37;
			}
			len = fb_build(fr, sizeof(fr), &b);
			cr_assert_eq(mpx_pkt_load(&p, fr, (uint32_t)len), MPX_PKT_OK);
			mpx_client_syn(&cfg, mode != 3, &p, &ho, &tx, &v, 4242);

			cr_expect_eq(v.act, MPX_ACT_FWD, "%s#%u mode %d: a SYN is never dropped", f->id, f->frame, mode);
			cr_expect(has_ev(&v, MPX_ST_MPC_SYN_RX), "%s", evs(&v));
			cr_expect_eq(tx.seq, h.seq);
			cr_expect_eq(tx.flags, h.flags & 0x3f);
			parse_area(&po, tx.opt.b, tx.opt.len);
			cr_expect_eq(tx.opt.len & 3, 0);
			if (offer) {
				cr_expect_eq(ho.state, MPX_HO_SYN, "%s#%u mode %d", f->id, f->frame, mode);
				cr_expect_eq(ho.isn_c, h.seq);
				cr_expect_eq(ho.syn_len, (unsigned)b.plen, "%s#%u mode %d: SYN data", f->id, f->frame, mode);
				cr_expect_eq(ho.c_flags, cflags);
				cr_expect_eq(ho.ts_ns, 4242);
				cr_expect_not(has_ev(&v, MPX_ST_FB_V0) || has_ev(&v, MPX_ST_FB_NO_DAEMON), "%s", evs(&v));
			} else {
				cr_expect_eq(ho.state, 0, "%s#%u mode %d", f->id, f->frame, mode);
				cr_expect(has_ev(&v, mode == 2 ? MPX_ST_FB_V0 : MPX_ST_FB_NO_DAEMON), "mode %d: %s", mode,
					  evs(&v));
			}
			/* MSS: lowered by the DSS the gateway adds, only when it offers */
			if (h.optlen >= 4 && h.opt[0] == MPX_OPT_MSS)
				cr_expect_eq(po.mss, offer ? mss_rule(be16(h.opt + 2), MPX_DSS_ROOM) : be16(h.opt + 2),
					     "%s#%u mode %d: MSS %u", f->id, f->frame, mode, po.mss);
			/* MP_CAPABLE: kept in probe mode (version 1, the client's flags) */
			if (mode == 1) {
				int off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_CAPABLE);

				cr_assert_geq(off, 0, "%s#%u: probe mode must keep MP_CAPABLE", f->id, f->frame);
				cr_expect_eq(tx.opt.b[off + 1], 4);
				cr_expect_eq(tx.opt.b[off + 2], 0x01);
				cr_expect_eq(tx.opt.b[off + 3], cflags);
				cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 1);
			} else {
				cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 0, "%s#%u mode %d", f->id, f->frame, mode);
			}
			/* everything else unchanged, in order */
			{
				uint8_t got[40];
				int gl = ref_strip_mptcp(tx.opt.b, tx.opt.len, got);

				wl = ref_strip_mptcp(opt, (int)h.optlen, want);
				if (offer && want[0] == MPX_OPT_MSS)
					wbe16(want + 2, (uint16_t)mss_rule(be16(want + 2), MPX_DSS_ROOM));
				cr_expect_eq(gl, wl, "%s#%u mode %d", f->id, f->frame, mode);
				cr_expect_arr_eq(got, want, (size_t)wl, "%s#%u mode %d: %s vs %s", f->id, f->frame, mode,
						 hexs(got, (size_t)gl), hexs(want, (size_t)wl));
			}
			{
				uint8_t out[2048];
				size_t ol = emit_frame(out, fr, &p, &tx, 0);
				struct ref_hdr oh;

				cr_assert_eq(ref_parse(out, ol, &oh), 0);
				cr_expect(ref_tcp_ok(oh.ip, oh.ip_len));
			}
		}
	}
}

/* a SYN-ACK from a plain-TCP server (the fallback connections' server) */
static const struct vec_frame *plain_synack(const struct vec_frame **third_ack)
{
	for (unsigned i = 0; i < vec_n_fallbacks; i++) {
		const struct vec_fallback *fb = &vec_fallbacks[i];
		const struct vec_frame *f = vec_frame_get(fb->pcap, fb->synack_frame);
		struct ref_hdr h;

		if (!f || ref_parse(f->data, f->len, &h) || ref_count_mptcp(h.opt, (int)h.optlen))
			continue;
		*third_ack = NULL;
		for (uint32_t n = fb->synack_frame + 1; n <= fb->last_frame; n++) {
			const struct vec_frame *a = vec_frame_get(fb->pcap, n);
			struct ref_hdr ah;

			if (a && !ref_parse(a->data, a->len, &ah) && ah.sport == h.dport && ah.dport == h.sport &&
			    ah.ack == h.seq + 1) {
				*third_ack = a;
				break;
			}
		}
		return f;
	}
	return NULL;
}

static void synack_run(const struct mpx_config *cfg, int alive, struct mpx_halfopen *ho,
		       const uint8_t *fr, size_t len, struct mpx_pkt *p, struct mpx_flow_key *k,
		       struct mpx_tx *tx, struct mpx_verdict *v)
{
	cr_assert_eq(mpx_pkt_load(p, fr, (uint32_t)len), MPX_PKT_OK);
	mpx_flow_key_of(k, p, 0);
	memset(tx, 0, sizeof(*tx));
	memset(v, 0, sizeof(*v));
	mpx_server_synack(cfg, alive, ho, k, p, tx, v);
}

Test(handshake, server_synack)
{
	const struct vec_frame *ack3 = NULL, *f = plain_synack(&ack3);
	struct mpx_config cfg;
	struct mpx_halfopen ho;
	struct mpx_pkt p;
	struct mpx_flow_key k;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_hdr h;
	uint64_t key;

	cr_assert_not_null(f, "no plain-TCP SYN-ACK in the vectors");
	cr_assert_eq(ref_parse(f->data, f->len, &h), 0);
	memset(&cfg, 0, sizeof(cfg));
	for (int i = 0; i < 16; i++)
		cfg.secret[i] = (uint8_t)(0xc0 + i);

	for (int csum = 0; csum < 2; csum++) {
		cfg.flags = csum ? MPX_CFG_CSUM : 0;
		memset(&ho, 0, sizeof(ho));
		ho.state = MPX_HO_SYN;
		synack_run(&cfg, 1, &ho, f->data, f->len, &p, &k, &tx, &v);
		key = mpx_derive_key(cfg.secret, &k, h.seq, h.ack);
		cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		cr_expect(has_ev(&v, MPX_ST_MPC_SYNACK_TX), "%s", evs(&v));
		cr_expect_eq(ho.state, MPX_HO_SYNACK);
		cr_expect_eq(ho.synack_seq, h.seq);
		cr_expect_eq(ho.synack_ack, h.ack);
		cr_expect_leq(tx.opt.len, 40);
		cr_expect_eq(tx.opt.len & 3, 0);
		{
			int off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_CAPABLE);
			uint8_t a1[40], a2[40];
			int l1 = ref_strip_mptcp(tx.opt.b, tx.opt.len, a1), l2 = ref_strip_mptcp(h.opt, (int)h.optlen, a2);

			cr_assert_geq(off, 0, "no MP_CAPABLE added");
			cr_expect_eq(tx.opt.b[off + 1], MPX_MPC_LEN_SYNACK);
			cr_expect_eq(tx.opt.b[off + 2], MPX_MP_CAPABLE << 4 | 1, "version 1");
			cr_expect_eq(tx.opt.b[off + 3], MPX_MPC_FLAG_H | (csum ? MPX_MPC_FLAG_A : 0));
			cr_expect_eq(be64(tx.opt.b + off + 4), key, "Kg");
			cr_expect_eq(l1, l2);
			cr_expect_arr_eq(a1, a2, (size_t)l2, "the server's options are kept");
		}
		/* the daemon verifies the client's echo from the third ACK alone */
		if (ack3) {
			struct mpx_pkt pa;
			struct mpx_flow_key ka;

			cr_assert_eq(mpx_pkt_load(&pa, ack3->data, ack3->len), MPX_PKT_OK);
			mpx_flow_key_of(&ka, &pa, 1);
			cr_expect_eq(mpx_derive_key(cfg.secret, &ka, pa.ack - 1, pa.seq), key);
		}
		/* retransmitted SYN-ACK: the same key again */
		synack_run(&cfg, 1, &ho, f->data, f->len, &p, &k, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD);
		cr_expect_eq(ho.state, MPX_HO_SYNACK);
		{
			int off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_CAPABLE);

			cr_assert_geq(off, 0);
			cr_expect_eq(be64(tx.opt.b + off + 4), key);
		}
	}
	cfg.flags = 0;

	/* daemon away: plain TCP */
	memset(&ho, 0, sizeof(ho));
	ho.state = MPX_HO_SYN;
	synack_run(&cfg, 0, &ho, f->data, f->len, &p, &k, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_PASS);
	cr_expect_eq(ho.state, MPX_HO_FALLBACK);
	cr_expect(has_ev(&v, MPX_ST_FB_NO_DAEMON), "%s", evs(&v));

	/* no half-open offer, or already fallen back: untouched */
	const uint8_t states[] = { 0, MPX_HO_FALLBACK };

	for (int i = 0; i < 2; i++) {
		memset(&ho, 0, sizeof(ho));
		ho.state = states[i];
		synack_run(&cfg, 1, &ho, f->data, f->len, &p, &k, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_PASS, "state %d", states[i]);
		cr_expect_eq(ho.state, states[i]);
		cr_expect_eq(v.n, 0, "state %d: %s", states[i], evs(&v));
	}
}

Test(handshake, server_synack_no_room)
{
	const struct vec_frame *ack3, *f = plain_synack(&ack3);
	struct mpx_config cfg;
	struct ref_hdr h;

	cr_assert_not_null(f);
	cr_assert_eq(ref_parse(f->data, f->len, &h), 0);
	memset(&cfg, 0, sizeof(cfg));
	/* grow the SYN-ACK's options with an unknown option of x bytes */
	for (int extra = 4; extra + (int)h.optlen <= 40; extra += 4) {
		struct mpx_halfopen ho = { .state = MPX_HO_SYN };
		struct mpx_pkt p;
		struct mpx_flow_key k;
		struct mpx_tx tx;
		struct mpx_verdict v;
		uint8_t opt[40], fr[2048];
		struct fb b;
		size_t len;
		int total = (int)h.optlen + extra;

		memcpy(opt, h.opt, h.optlen);
		opt[h.optlen] = 253; /* RFC 6994 experimental */
		opt[h.optlen + 1] = (uint8_t)extra;
		memset(opt + h.optlen + 2, 0x42, (size_t)extra - 2);
		fb_from(&b, &h);
		b.opt = opt;
		b.optlen = total;
		len = fb_build(fr, sizeof(fr), &b);
		synack_run(&cfg, 1, &ho, fr, len, &p, &k, &tx, &v);
		if (total + MPX_MPC_LEN_SYNACK <= 40) {
			cr_expect_eq(v.act, MPX_ACT_FWD, "%d option bytes: %s", total, evs(&v));
			cr_expect_eq(ho.state, MPX_HO_SYNACK);
		} else {
			cr_expect_eq(v.act, MPX_ACT_PASS, "%d option bytes", total);
			cr_expect_eq(ho.state, MPX_HO_FALLBACK, "%d option bytes", total);
			cr_expect(has_ev(&v, MPX_ST_FB_SYNACK_ROOM), "%d: %s", total, evs(&v));
		}
	}
}

/* the server speaks MPTCP itself: every real MPTCP SYN-ACK */
Test(handshake, server_synack_step_aside)
{
	unsigned n = 0;
	struct mpx_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = MPX_CFG_PROBE;
	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_frame *f = vec_frame_get(vec_conns[i].pcap, vec_conns[i].synack_frame);
		struct mpx_halfopen ho = { .state = MPX_HO_SYN };
		struct mpx_pkt p;
		struct mpx_flow_key k;
		struct mpx_tx tx;
		struct mpx_verdict v;

		if (!f)
			continue;
		synack_run(&cfg, 1, &ho, f->data, f->len, &p, &k, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_PASS, "%s", vec_conns[i].id);
		cr_expect_eq(ho.state, MPX_HO_STEPASIDE, "%s", vec_conns[i].id);
		cr_expect(has_ev(&v, MPX_ST_FB_SERVER_MPC), "%s", evs(&v));
		n++;
	}
	cr_assert_gt(n, 0);
}

/* client segments while the handshake is pending (the third ACK first) */
Test(handshake, client_pending)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		const uint32_t frames[2] = { c->ack_frame, c->data_frame };

		for (int w = 0; w < 2; w++) {
			const struct vec_frame *f = vec_frame_get(c->pcap, frames[w]);
			struct ref_hdr h;
			int is_mpc;

			if (!f)
				continue;
			cr_assert_eq(ref_parse(f->data, f->len, &h), 0);
			is_mpc = ref_find_mptcp(h.opt, (int)h.optlen, MPX_MP_CAPABLE) >= 0;
			const struct {
				uint8_t st;
				int alive, act;
				uint8_t st_after;
			} cases[] = {
				{ MPX_HO_SYNACK, 1, MPX_ACT_PUNT, MPX_HO_SYNACK },
				{ MPX_HO_STEPASIDE, 1, MPX_ACT_PASS, MPX_HO_STEPASIDE },
				{ MPX_HO_FALLBACK, 1, MPX_ACT_FWD, MPX_HO_FALLBACK },
				{ MPX_HO_SYNACK, 0, MPX_ACT_FWD, MPX_HO_FALLBACK },
			};

			for (unsigned k = 0; k < 4; k++) {
				struct mpx_halfopen ho = { .state = cases[k].st };
				struct mpx_pkt p;
				struct mpx_tx tx;
				struct mpx_verdict v;

				cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK);
				memset(&tx, 0, sizeof(tx));
				memset(&v, 0, sizeof(v));
				mpx_client_pending(cases[k].alive, &ho, &p, &tx, &v);
				cr_expect_eq(v.act, cases[k].act, "%s#%u case %u: act %d", f->id, f->frame, k, v.act);
				cr_expect_eq(ho.state, cases[k].st_after, "%s#%u case %u", f->id, f->frame, k);
				if (k == 0)
					cr_expect_eq(has_ev(&v, MPX_ST_MPC_ACK_RX), is_mpc, "%s#%u: %s", f->id, f->frame,
						     evs(&v));
				if (k == 2)
					cr_expect_eq(v.n, 0, "already fallen back: %s", evs(&v));
				if (k == 3)
					cr_expect(has_ev(&v, MPX_ST_FB_NO_DAEMON), "%s", evs(&v));
				if (cases[k].act == MPX_ACT_FWD) {
					uint8_t want[40];
					int wl = ref_strip_mptcp_pad(h.opt, (int)h.optlen, want);

					cr_expect_eq(tx.opt.len, wl, "%s#%u case %u", f->id, f->frame, k);
					cr_expect_arr_eq(tx.opt.b, want, (size_t)wl, "%s#%u case %u: plain TCP", f->id,
							 f->frame, k);
					cr_expect_eq(tx.seq, h.seq);
					cr_expect_eq(tx.ack, h.ack);
				}
				n++;
			}
		}
	}
	cr_assert_gt(n, 0);
}

/* ---- after both FINs are acknowledged ---------------------------------------- */

/* Both ends close; returns with MPX_CS_BOTH_FINS_ACKED set. The client's
 * DATA_FIN is at DSN idsn_c + 1 (no data), the server's FIN at s_seq0. */
static void close_both(struct env *e, uint32_t c0, uint32_t s0)
{
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	uint8_t o[40];
	int n;

	n = o_pad(o, o_ts(o, 50, 700) + o_dss(o + 12, 8, e->c.idsn_g + 1, 8, e->c.idsn_c + 1, 0, 1, 1, 0, 0));
	seg(e, &p, 1, c0, s0, MPX_TCP_ACK, o, n, 0);
	run_c2s(e, &p, &tx, &v);
	cr_assert(tx.flags & MPX_TCP_FIN);
	n = o_ts(o, 777, 50);
	seg(e, &p, 0, s0, c0 + 1, MPX_TCP_ACK, o, n, 0);
	run_s2c(e, &p, &tx, &v, &d);
	n = o_ts(o, 778, 50);
	seg(e, &p, 0, s0, c0 + 1, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 0);
	run_s2c(e, &p, &tx, &v, &d);
	cr_assert(d.fin);
	n = o_pad(o, o_ts(o, 51, 778) + o_dss(o + 12, 8, e->c.idsn_g + 2, 0, 0, 0, 0, 0, 0, 0));
	seg(e, &p, 1, c0 + 1, s0 + 1, MPX_TCP_ACK, o, n, 0);
	run_c2s(e, &p, &tx, &v);
	cr_assert_eq(tx.ack, s0 + 1);
	cr_assert_eq(e->c.state & MPX_CS_BOTH_FINS_ACKED, MPX_CS_BOTH_FINS_ACKED, "state %#x", e->c.state);
}

Test(xlat, closed_connection)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss d;
	struct mpx_opts po;
	uint8_t o[40], out[2048];
	const uint32_t c0 = 100, s0 = 200;
	int n;

	env_init(&e, 1000, 5000, c0, s0, 0);
	close_both(&e, c0, s0);

	/* the client's pure ACKs have nothing left for the server */
	n = o_pad(o, o_ts(o, 52, 778) + o_dss(o + 12, 8, 5000 + 2, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, c0, s0 + 1, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_DROP, "act %d", v.act);

	/* its subflow FIN is answered by the gateway itself */
	for (int ts = 1; ts >= 0; ts--) {
		n = o_pad(o, (ts ? o_ts(o, 53, 778) : 0) + o_dss(o + (ts ? 12 : 0), 8, 5000 + 2, 0, 0, 0, 0, 0, 0, 0));
		seg(&e, &p, 1, c0, s0 + 1, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 0);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_TX, "ts %d: act %d", ts, v.act);
		cr_expect(!memcmp(tx.saddr, e.saddr, 16) && !memcmp(tx.daddr, e.caddr, 16), "addresses swapped");
		cr_expect_eq(tx.sport, e.sport);
		cr_expect_eq(tx.dport, e.cport);
		cr_expect_eq(tx.seq, s0 + 1, "ts %d: seq %u: the server's next sequence number", ts, tx.seq);
		cr_expect_eq(tx.ack, c0 + 1, "ts %d: acknowledges the FIN", ts);
		cr_expect_eq(tx.flags, MPX_TCP_ACK);
		cr_expect_eq(tx.win, 502, "the server's last window");
		cr_expect(e.c.state & MPX_CS_C_SUBFIN);
		parse_area(&po, tx.opt.b, tx.opt.len);
		ref_dss_of_area(tx.opt.b, tx.opt.len, &d);
		cr_expect_eq(!!(po.has & MPX_HAS_TS), ts);
		if (ts) {
			cr_expect_eq(po.tsval, 778, "the server's latest TSval");
			cr_expect_eq(po.tsecr, 53, "echoes the client's TSval");
		}
		cr_assert(d.present);
		cr_expect(d.has_ack && d.ack8 && !d.has_map);
		cr_expect_eq(d.data_ack, 1000 + 2, "DATA_ACK covers the client's DATA_FIN");
		cr_expect_eq(tx.opt.len & 3, 0);
		{
			size_t len = emit_frame(out, e.buf, &p, &tx, 0);
			struct ref_hdr h;

			cr_assert_eq(ref_parse(out, len, &h), 0);
			cr_expect(ref_tcp_ok(h.ip, h.ip_len));
			cr_expect_arr_eq(h.saddr, e.saddr, 4);
			cr_expect_arr_eq(h.daddr, e.caddr, 4);
		}
	}
}

/* The gateway's reply to a FIN that carries data must be a pure ACK: the
 * payload of the client's segment is not the server's to send back. */
Test(xlat, closed_fin_with_data_reply_is_pure_ack)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40], out[2048];
	struct ref_hdr h;
	const uint32_t c0 = 100, s0 = 200;
	int n;

	env_init(&e, 1000, 5000, c0, s0, 0);
	close_both(&e, c0, s0);
	n = o_pad(o, o_ts(o, 53, 778) + o_dss(o + 12, 8, 5000 + 2, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, c0 - 10, s0 + 1, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 10);
	run_c2s(&e, &p, &tx, &v);
	cr_assert_eq(v.act, MPX_ACT_TX, "act %d", v.act);
	cr_expect_eq(tx.ack, c0 + 1);
	size_t len = emit_frame(out, e.buf, &p, &tx, 0);

	cr_assert_eq(ref_parse(out, len, &h), 0);
	cr_expect_eq(h.plen, 0, "the reply to the client carries the client's own %zu payload bytes as "
				"server data at seq %u", h.plen, h.seq);
}

/* The server's next sequence number, kept for the gateway's replies, never
 * moves back on a retransmission, also when it is exactly 0. */
Test(xlat, server_next_seq_never_moves_back)
{
	const uint32_t starts[] = { 1000, 0xffffff00u };

	for (int k = 0; k < 2; k++) {
		struct env e;
		struct mpx_pkt p;
		struct mpx_tx tx;
		struct mpx_verdict v;
		struct ref_dss d;
		uint32_t s0 = starts[k], nxt = s0 + 256; /* k = 1: exactly 0 */

		env_init(&e, 1, 2, 3, s0, 0);
		seg(&e, &p, 0, s0, 3, MPX_TCP_ACK, NULL, 0, 256);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(e.c.s_nxt, nxt, "start %#x", s0);
		/* retransmission of the first 100 bytes */
		seg(&e, &p, 0, s0, 3, MPX_TCP_ACK, NULL, 0, 100);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(e.c.s_nxt, nxt, "start %#x: s_nxt went back to %#x after a retransmission", s0,
			     e.c.s_nxt);
	}
}

/* A SYN-ACK the server retransmits after the connection was installed
 * gets the gateway's MP_CAPABLE again. */
Test(xlat, synack_retransmitted_after_install)
{
	for (int csum = 0; csum < 2; csum++) {
		struct env e;
		struct mpx_pkt p;
		struct mpx_tx tx;
		struct mpx_verdict v;
		struct ref_dss d;
		uint8_t o[40];
		int n = 0, off;

		memcpy(o, "\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x08\x01\x03\x03\x07", 20);
		n = 20;
		env_init(&e, 10, 20, 1001, 2001, csum);
		seg(&e, &p, 0, 2000, 1001, MPX_TCP_SYN | MPX_TCP_ACK, o, n, 0);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_CAPABLE);
		cr_assert_geq(off, 0);
		cr_expect_eq(tx.opt.b[off + 1], 12);
		cr_expect_eq(tx.opt.b[off + 2], 0x01);
		cr_expect_eq(tx.opt.b[off + 3], MPX_MPC_FLAG_H | (csum ? MPX_MPC_FLAG_A : 0));
		cr_expect_eq(be64(tx.opt.b + off + 4), KEY_G);
		cr_expect_not(d.present, "no DSS on a SYN-ACK");
		cr_expect_eq(tx.seq, 2000);
		emit_check(&e, &p, &tx);
	}
}

Test(xlat, verdict_events)
{
	struct mpx_verdict v;
	struct mpx_opts o;

	memset(&v, 0, sizeof(v));
	for (int i = 0; i < 2 * MPX_EV_MAX; i++)
		mpx_note(&v, (__u16)i);
	cr_expect_eq(v.n, MPX_EV_MAX, "events past %d are dropped", MPX_EV_MAX);
	for (int i = 0; i < MPX_EV_MAX; i++)
		cr_expect_eq(v.ev[i], i, "the first ones are kept");

	/* option trouble maps to its counters */
	uint8_t a[25] = { 30, 5, 0x20, 1, 0, 30, 4, 0x90, 0, 30, 8, 0x20, 1, 1, 2, 3, 4, 30, 8, 0x20, 1, 5, 6, 7, 8 };

	parse_area(&o, a, 25);
	memset(&v, 0, sizeof(v));
	mpx_note_opts(&v, &o);
	cr_expect(has_ev(&v, MPX_ST_OPT_MALFORMED), "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_OPT_UNKNOWN), "%s", evs(&v));
	cr_expect(has_ev(&v, MPX_ST_OPT_DUP), "%s", evs(&v));
	cr_expect_not(has_ev(&v, MPX_ST_OPT_TCP_MALFORMED), "%s", evs(&v));
	uint8_t b[4] = { 8, 10, 0, 0 };

	parse_area(&o, b, 4);
	memset(&v, 0, sizeof(v));
	mpx_note_opts(&v, &o);
	cr_expect_eq(v.n, 1);
	cr_expect(has_ev(&v, MPX_ST_OPT_TCP_MALFORMED), "%s", evs(&v));
}
