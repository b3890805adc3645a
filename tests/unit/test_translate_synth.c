// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 7 (continued). The translation core on crafted segments: sequence-space
 * wraps, invalid DATA_ACKs, MP_FASTCLOSE, MP_CAPABLE key checks, resets,
 * FINs both ways, the server's SACK blocks, and the handshake functions
 * (client SYN, server SYN-ACK, pending third ACK), the latter on real
 * handshake frames. test_subflow.c covers the subflow acknowledgements.
 * Every expectation is computed from the protocol (RFC 8684 and the rules
 * written in translate.h), not read back from the core.
 */
#include "synth.h"

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
	/* the server acknowledges half, then all: 64-bit DATA_ACK past the
	 * boundary, and the subflow's acknowledgement across its own wrap */
	seg(&e, &p, 0, s_seq0 + 1000, c_seq0 + 550, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(d.data_ack, idsn_c + 1 + 550, "%#llx", (unsigned long long)d.data_ack);
	cr_expect_eq(tx.ack, c_seq0 + 550, "subflow ack %#x", tx.ack);
	seg(&e, &p, 0, s_seq0 + 1000, c_seq0 + 1000, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(d.data_ack, idsn_c + 1 + 1000, "%#llx", (unsigned long long)d.data_ack);
	cr_expect_not(d.has_map);
	cr_expect_eq(tx.ack, c_seq0 + 1000, "subflow ack %#x", tx.ack);
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
		/* the server's ACK of it, as a 64-bit DATA_ACK (the subflow's
		 * own acknowledgement is not checked here: no subflow skips
		 * 768 MiB between two 10-byte mappings; test_subflow.c covers
		 * its wraps) */
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
	/* the gateway's key: the server hears a RST, where the gateway stands
	 * toward it (after 300 bytes of data: seq c_nxt, ack the last DATA_ACK),
	 * whatever numbers and payload the client's segment has */
	env_init(&e, 100, 200, 1000, 2000, 0);
	n = o_pad(o, o_dss(o, 8, 201, 8, 101, 1, 300, 0, 0, 0));
	seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n, 300);
	run_c2s(&e, &p, &tx, &v);
	cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	n = o_ts(o, 1, 2);
	o[n] = 30;
	o[n + 1] = 12;
	o[n + 2] = 0x70;
	o[n + 3] = 0;
	wbe64(o + n + 4, KEY_G);
	seg(&e, &p, 1, 5555, 2999, MPX_TCP_ACK, o, n + 12, 20);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.flags, MPX_TCP_RST | MPX_TCP_ACK, "flags %#x", tx.flags);
	cr_expect(has_ev(&v, MPX_ST_FASTCLOSE_RX), "%s", evs(&v));
	cr_expect(e.c.state & MPX_CS_RST);
	cr_expect(MPX_CS_CLOSED(e.c.state));
	cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 0);
	cr_expect_eq(tx.seq, 1300, "seq %u: the gateway's next sequence number", tx.seq);
	cr_expect_eq(tx.ack, 2000, "ack %u: the last acknowledgement sent", tx.ack);
	cr_expect_eq(tx.plen, 0, "a RST carries none of the client's payload");
	emit_check(&e, &p, &tx);
}

/* A client RST: on to the server at the gateway's own numbers, no payload. */
Test(xlat, client_rst)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	int n;

	/* before any data: c_seq0 and s_seq0, as install() left them */
	env_init(&e, 100, 200, 1000, 2000, 0);
	seg(&e, &p, 1, 77777, 88888, MPX_TCP_RST | MPX_TCP_ACK, NULL, 0, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, 1000);
	cr_expect_eq(tx.ack, 2000);
	cr_expect(tx.flags & MPX_TCP_RST);
	cr_expect(has_ev(&v, MPX_ST_RST_RX), "%s", evs(&v));
	cr_expect(e.c.state & MPX_CS_RST);

	/* after data both ways: where the gateway's numbers stand, also when
	 * the subflow's own numbers have drifted (a reinjection) */
	env_init(&e, 100, 200, 1000, 2000, 0);
	n = o_pad(o, o_dss(o, 8, 201, 8, 101, 1, 300, 0, 0, 0));
	seg(&e, &p, 1, 1000, 2000, MPX_TCP_ACK, o, n, 300);
	run_c2s(&e, &p, &tx, &v);
	seg(&e, &p, 0, 2000, 1300, MPX_TCP_ACK, NULL, 0, 50);
	run_s2c(&e, &p, &tx, &v, &(struct ref_dss){ 0 });
	/* the same 300 bytes again, as new subflow bytes */
	n = o_pad(o, o_dss(o, 8, 251, 8, 101, 301, 300, 0, 0, 0));
	seg(&e, &p, 1, 1300, 2050, MPX_TCP_ACK, o, n, 300);
	run_c2s(&e, &p, &tx, &v);
	cr_assert_eq(tx.seq, 1000, "the reinjection goes where its data is");
	seg(&e, &p, 1, 1600, 2050, MPX_TCP_RST | MPX_TCP_ACK, NULL, 0, 10);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, 1300, "seq %u, not the subflow's 1600", tx.seq);
	cr_expect_eq(tx.ack, 2050);
	cr_expect_eq(tx.plen, 0);
	cr_expect(e.c.state & MPX_CS_RST);
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
 * the server gets a FIN there. Its ACK of that FIN covers no subflow byte,
 * so the subflow's acknowledgement stays at the FIN's number until the
 * client's subflow sends its own FIN; the client's pure ACKs meanwhile
 * carry the gateway's next sequence number, past the FIN. Across the
 * 32-bit wrap of the sequence numbers. */
Test(xlat, client_data_fin_then_subflow_fin)
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
	 * one, so the subflow ACK stays at the FIN's number (all 500 bytes),
	 * while the DATA_ACK covers the DATA_FIN */
	seg(&e, &p, 0, s0, fin_seq + 1, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.ack, fin_seq, "ack %u: beyond what the client's subflow sent", tx.ack);
	cr_expect_eq(d.data_ack, fin_dsn + 1, "DATA_ACK %#llx", (unsigned long long)d.data_ack);
	cr_expect(e.c.state & MPX_CS_C_FIN_ACKED);

	/* the client's next pure ACK still sits on the FIN's number: it goes
	 * on at c_nxt, FIN + 1 (the server already counted the FIN and would
	 * take it for an old duplicate) */
	n = o_pad(o, o_ts(o, 3, 1) + o_dss(o + 12, 8, idsn_g + 1, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, fin_seq, s0, MPX_TCP_ACK, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, fin_seq + 1, "seq %u", tx.seq);
	cr_expect_eq(e.c.c_nxt, fin_seq + 1);
	cr_expect_not(tx.flags & MPX_TCP_FIN);
	/* a retransmission of the server's ACK does not move the subflow's */
	seg(&e, &p, 0, s0, fin_seq + 1, MPX_TCP_ACK, NULL, 0, 0);
	run_s2c(&e, &p, &tx, &v, &d);
	cr_expect_eq(tx.ack, fin_seq);

	/* the client's subflow FIN: the same FIN again for the server */
	n = o_pad(o, o_ts(o, 4, 1) + o_dss(o + 12, 8, idsn_g + 1, 0, 0, 0, 0, 0, 0, 0));
	seg(&e, &p, 1, fin_seq, s0, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 0);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(tx.seq, fin_seq);
	cr_expect(e.c.state & MPX_CS_C_SUBFIN);
	cr_expect_eq(e.c.c_fin_seq, fin_seq, "the FIN did not move");
	cr_expect_eq(e.c.c_nxt, fin_seq + 1, "c_nxt counts that FIN once");
	cr_expect_not(has_ev(&v, MPX_ST_DATA_FIN_RX), "DATA_FIN counted twice");
	cr_expect(e.sf.flags & MPX_SF_C_FIN);
	cr_expect_eq(e.sf.fin_seq, fin_seq);
	cr_expect_eq(e.sf.rcv_hi, fin_seq + 1);

	/* now the server's ACK of the FIN covers the subflow's FIN too */
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
	cr_expect_eq(e.c.c_nxt, 10 + 301);
	cr_expect_eq(e.sf.rcv_hi, 10 + 300, "the DATA_FIN is no subflow byte");
	cr_expect_not(e.sf.flags & MPX_SF_C_FIN);
	{
		struct ref_dss d;

		/* the server acknowledges data and FIN: the subflow, all 300
		 * bytes and no more (it sent no FIN) */
		seg(&e, &p, 0, 20, 10 + 301, MPX_TCP_ACK, NULL, 0, 0);
		run_s2c(&e, &p, &tx, &v, &d);
		cr_expect_eq(tx.ack, 10 + 300, "ack %u", tx.ack);
		cr_expect_eq(d.data_ack, idsn_c + 1 + 301);
		cr_expect(e.c.state & MPX_CS_C_FIN_ACKED);
	}

	/* a subflow FIN with no DATA_FIN before it ends the connection too */
	env_init(&e, idsn_c, idsn_g, 10, 20, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 40, 0, 0, 0));
	seg(&e, &p, 1, 10, 20, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 40);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD);
	cr_expect(tx.flags & MPX_TCP_FIN);
	cr_expect_eq(e.c.state & (MPX_CS_C_DATAFIN | MPX_CS_C_SUBFIN), MPX_CS_C_DATAFIN | MPX_CS_C_SUBFIN);
	cr_expect_eq(e.c.c_fin_seq, 10 + 40);
	/* and the server's ACK of that FIN covers the subflow's (the same FIN) */
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
	cr_expect(has_ev(&v, MPX_ST_DATA_CSUM_OK), "verified: %s", evs(&v));
	cr_expect_not(has_ev(&v, MPX_ST_DATA_CSUM_UNVERIFIED), "%s", evs(&v));

	/* a checksummed mapping over two segments: its sum needs bytes the
	 * first segment does not have, so it goes on unverified (counted
	 * once, on its first segment), whatever the checksum says */
	for (int right = 0; right < 2; right++) {
		uint16_t cs2 = ref_dss_csum(idsn_c + 1 + 200, 201, 400, PAYLOAD, 400);

		env_init(&e, idsn_c, idsn_g, 5000, 6000, 1);
		for (int k = 0; k < 2; k++) {
			n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 200, 201, 400, 0, 1,
					   (uint16_t)(right ? cs2 : cs2 ^ 0x0f0f)));
			seg(&e, &p, 1, 5200 + 200 * (uint32_t)k, 6000, MPX_TCP_ACK, o, n, 200);
			run_c2s(&e, &p, &tx, &v);
			cr_expect_eq(v.act, MPX_ACT_FWD, "right %d segment %d: %s", right, k, evs(&v));
			cr_expect_eq(tx.seq, 5200 + 200 * (uint32_t)k);
			cr_expect_eq(has_ev(&v, MPX_ST_DATA_CSUM_UNVERIFIED), k == 0, "right %d segment %d: %s", right, k,
				     evs(&v));
			cr_expect_not(has_ev(&v, MPX_ST_DATA_CSUM_OK) || has_ev(&v, MPX_ST_DATA_CSUM_ERR), "%s", evs(&v));
		}
	}

	/* checksums off: not checked */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 200, 0, 1, (uint16_t)(good ^ 1)));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));

	/* a mapping that does not cover the segment (RFC 8684 3.3.1): dropped,
	 * and nothing of it recorded */
	const struct {
		uint32_t ssn;
		uint16_t dlen;
	} bad[] = { { 901, 100 }, { 1, 100 }, { 2, 200 }, { 0, 200 }, { 201, 200 }, { 101, 150 } };

	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		/* the segment: SSN 101..300 */
		env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
		n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 7777, bad[k].ssn, bad[k].dlen, 0, 0, 0));
		seg(&e, &p, 1, 5100, 6000, MPX_TCP_ACK, o, n, 200);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_DROP, "case %u", k);
		cr_expect(has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "case %u: %s", k, evs(&v));
		cr_expect_eq(e.sf.cm_head, 0, "case %u: mapping recorded", k);
		cr_expect_eq(e.sf.rcv_hi, 5000, "case %u", k);
		cr_expect_eq(e.c.c_nxt, 5000, "case %u", k);
		cr_expect_eq(e.c.c2s_ref, idsn_c + 1, "case %u", k);
	}
	/* ... and the same bytes under a mapping that covers them exactly */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 7777, 101, 200, 0, 0, 0));
	seg(&e, &p, 1, 5100, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
	cr_expect_eq(tx.seq, 5000 + 7777);

	/* a mapping placed elsewhere in the data sequence moves the segment */
	env_init(&e, idsn_c, idsn_g, 5000, 6000, 0);
	n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 4096, 1, 200, 0, 0, 0));
	seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 200);
	run_c2s(&e, &p, &tx, &v);
	cr_expect_eq(tx.seq, 5000 + 4096);
	cr_expect_eq(e.c.last_ns, 1000, "last_ns");
}

/*
 * An infinite mapping (data-level length 0, RFC 8684 3.7): the client has
 * fallen back, the connection carries on as plain TCP with the subflow's
 * numbers taken as the data's (translate.h; InfiniteMapRx: "connection
 * continues as plain TCP"). On the initial subflow, whose sequence numbers
 * are the server's, the segment goes on where it is, and so does the plain
 * TCP data that follows it without any DSS.
 */
Test(xlat, infinite_mapping_carries_on_as_plain_tcp)
{
	struct env e;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint8_t o[40];
	const uint64_t idsn_c = 0xabcdef0000ull, idsn_g = 0x1234;
	int n;

	for (int before = 0; before < 2; before++) {
		env_init(&e, idsn_c, idsn_g, 5000, 6000, 1);
		if (before) {
			/* 300 bytes under an ordinary mapping first */
			n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1, 1, 300, 0, 1,
					   ref_dss_csum(idsn_c + 1, 1, 300, PAYLOAD, 300)));
			seg(&e, &p, 1, 5000, 6000, MPX_TCP_ACK, o, n, 300);
			run_c2s(&e, &p, &tx, &v);
			cr_assert_eq(v.act, MPX_ACT_FWD, "%s", evs(&v));
		}
		/* the infinite mapping, on the segment at SSN 301 */
		n = o_pad(o, o_dss(o, 8, idsn_g + 1, 8, idsn_c + 1 + 300, 301, 0, 0, 1, 0));
		seg(&e, &p, 1, 5000 + 300, 6000, MPX_TCP_ACK, o, n, 100);
		run_c2s(&e, &p, &tx, &v);
		cr_expect(has_ev(&v, MPX_ST_INFINITE_MAP_RX), "before %d: %s", before, evs(&v));
		cr_expect_eq(v.act, MPX_ACT_FWD, "before %d: the segment after an infinite mapping is dropped (%s)",
			     before, evs(&v));
		cr_expect_eq(tx.seq, 5000 + 300, "before %d", before);
		/* plain TCP from here: no DSS at all */
		seg(&e, &p, 1, 5000 + 400, 6000, MPX_TCP_ACK, NULL, 0, 100);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_FWD, "before %d: plain TCP data after the fallback is dropped (%s)", before,
			     evs(&v));
		cr_expect_eq(tx.seq, 5000 + 400, "before %d", before);
	}
}

/* ---- the server's SACK blocks ------------------------------------------------ */

/*
 * The server's SACK blocks are in the server's space (the client's data at
 * the server), not the subflow's: they never go to the client, whatever
 * room there is. Everything else the server sent stays, in order, with the
 * DSS after it.
 */
Test(xlat, server_sack_removed)
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
					uint8_t o[40], want[40];
					uint32_t l[4];
					int n = 0, dss = plen ? (csum ? 28 : 26) : 12, wl = 0;

					for (int b = 0; b < 4; b++)
						l[b] = 100000u + 1000u * (uint32_t)b;
					if (ts) {
						n = o_ts(o, 9, 10);
						wl = o_ts(want, 9, 10);
					}
					n += o_sack(o + n, nb, l);
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
					cr_expect_eq(po.sack_n, 0, "csum %d ts %d nb %d plen %d: %d SACK blocks went to the client",
						     csum, ts, nb, plen, po.sack_n);
					cr_expect_eq(ref_count_kind(tx.opt.b, tx.opt.len, MPX_OPT_SACK), 0);
					/* the timestamp first, then the DSS (padded), nothing else */
					cr_expect_arr_eq(tx.opt.b, want, (size_t)wl, "csum %d ts %d nb %d plen %d: %s", csum,
							 ts, nb, plen, hexs(tx.opt.b, tx.opt.len));
					cr_expect_eq(tx.opt.len, wl + ((dss + 3) & ~3), "csum %d ts %d nb %d plen %d", csum, ts,
						     nb, plen);
					cr_expect_eq(tx.opt.b[wl], MPX_OPT_MPTCP);
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
			if (mode & 1)
				b.tcp13_high = 0xc0; /* an ECN-setup SYN (RFC 3168) */
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
			cr_expect_eq(tx.flags, (h.flags & 0x3f) | b.tcp13_high, "%s#%u mode %d: flags %#x", f->id, f->frame,
				     mode, tx.flags);
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

	/* the client's pure ACKs, data and window updates have nothing left
	 * for the server */
	for (int k = 0; k < 3; k++) {
		n = o_pad(o, o_ts(o, 52, 778) + o_dss(o + 12, 8, 5000 + 2, 0, 0, 0, 0, 0, 0, 0));
		seg(&e, &p, 1, c0 + 1, s0 + 1, (uint8_t)(MPX_TCP_ACK | (k == 1 ? MPX_TCP_PSH : 0)), o, n, k == 1 ? 10 : 0);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_DROP, "k %d: act %d", k, v.act);
		cr_expect(has_ev(&v, MPX_ST_CLOSED_DROP), "k %d: %s", k, evs(&v));
	}

	/* its subflow FIN is answered by the gateway itself: a pure ACK
	 * (ECE and CWR of the client's segment are not echoed) */
	e.tcp13_high = 0xc0;
	for (int ts = 1; ts >= 0; ts--) {
		n = o_pad(o, (ts ? o_ts(o, 53, 778) : 0) + o_dss(o + (ts ? 12 : 0), 8, 5000 + 2, 0, 0, 0, 0, 0, 0, 0));
		seg(&e, &p, 1, c0, s0 + 1, MPX_TCP_ACK | MPX_TCP_FIN, o, n, 0);
		run_c2s(&e, &p, &tx, &v);
		cr_expect_eq(v.act, MPX_ACT_TX, "ts %d: act %d", ts, v.act);
		cr_expect_not(has_ev(&v, MPX_ST_CLOSED_DROP), "%s", evs(&v));
		cr_expect_eq(tx.plen, 0);
		cr_expect(!memcmp(tx.saddr, e.saddr, 16) && !memcmp(tx.daddr, e.caddr, 16), "addresses swapped");
		cr_expect_eq(tx.sport, e.sport);
		cr_expect_eq(tx.dport, e.cport);
		cr_expect_eq(tx.seq, s0 + 1, "ts %d: seq %u: the server's next sequence number", ts, tx.seq);
		cr_expect_eq(tx.ack, c0 + 1, "ts %d: acknowledges the FIN", ts);
		cr_expect_eq(tx.flags, MPX_TCP_ACK, "flags %#x", tx.flags);
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
			cr_expect_eq(h.flags, MPX_TCP_ACK, "on the wire: flags %#x", h.flags);
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

/*
 * The SYN-cookie path (design.md 3): with no half-open entry, the numbers
 * the gateway's key was derived from are read off the third ACK itself.
 * For every real connection: a key derived from the real SYN-ACK's numbers
 * verifies from the real pure third ACK and from the first data segment
 * (the server has sent nothing yet), and would not from a later segment.
 */
Test(handshake, mpc_ack_numbers_without_state)
{
	const uint8_t secret[16] = "mpxdp-unit-test";
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		const struct vec_frame *sa = vec_frame_get(c->pcap, c->synack_frame);
		const struct vec_frame *ack = vec_frame_get(c->pcap, c->ack_frame);
		const struct vec_frame *data = vec_frame_get(c->pcap, c->data_frame);
		struct mpx_pkt ps, pa;
		struct mpx_flow_key k;
		__u32 seq, ackn;
		__u8 fl;
		__u64 kg;

		if (!sa || !ack)
			continue;
		cr_assert_eq(mpx_pkt_load(&ps, sa->data, sa->len), MPX_PKT_OK);
		mpx_flow_key_of(&k, &ps, 0);
		kg = mpx_derive_key(secret, &k, ps.seq, ps.ack);

		cr_assert_eq(mpx_pkt_load(&pa, ack->data, ack->len), MPX_PKT_OK);
		cr_expect_eq(mpx_mpc_ack_numbers(NULL, &pa, &seq, &ackn, &fl), 0);
		cr_expect_eq(mpx_derive_key(secret, &k, seq, ackn), kg, "%s: pure third ACK", c->id);
		if (data) {
			struct mpx_pkt pd = {0}, later;

			cr_assert_eq(mpx_pkt_load(&pd, data->data, data->len), MPX_PKT_OK);
			cr_expect_eq(pd.seq, pa.seq, "%s: first data starts where the ACK does", c->id);
			mpx_mpc_ack_numbers(NULL, &pd, &seq, &ackn, &fl);
			cr_expect_eq(mpx_derive_key(secret, &k, seq, ackn), kg, "%s: first data", c->id);
			later = pd;
			later.seq += pd.plen;
			mpx_mpc_ack_numbers(NULL, &later, &seq, &ackn, &fl);
			cr_expect_neq(mpx_derive_key(secret, &k, seq, ackn), kg, "%s: a later segment", c->id);
		}
		/* with the entry, its numbers win */
		{
			struct mpx_halfopen ho = { .state = MPX_HO_SYNACK, .synack_seq = ps.seq,
						   .synack_ack = ps.ack, .c_flags = 0x81 };

			cr_expect_eq(mpx_mpc_ack_numbers(&ho, &pa, &seq, &ackn, &fl), 1);
			cr_expect(seq == ps.seq && ackn == ps.ack && fl == 0x81);
		}
		n++;
	}
	cr_assert_geq(n, 4, "connections checked: %u", n);
}
