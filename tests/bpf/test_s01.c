// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An established connection, replayed from a real kernel capture.
 *
 * The connection of s01_plain_v4.pcap is installed the way the daemon
 * installs one (keys from vectors.json, the server's key standing in for
 * the gateway's, c_seq0 = client ISN + 1, s_seq0 = server ISN + 1, IDSNs
 * from lib/keys.c), and every frame after the handshake is run in capture
 * order: the connection's state (DSN references, FIN bits) depends on both
 * directions, so the directions interleave as on the wire.
 *
 * Client frames go in as captured. The expected output is built from the
 * frame and the test's own account of what the gateway told the server so
 * far: MPTCP options removed (and the NOPs behind them); data placed where
 * its mapping's DSN puts it (the MP_CAPABLE of the first data is the
 * implicit mapping at IDSN + 1, SSN 1); segments without data at the next
 * server-side number (past the client's FIN once the DATA_FIN went as one);
 * the TCP ack taken from the DSS DATA_ACK, or without one the last ack sent;
 * FIN set where the DSS has DATA_FIN, and the subflow FIN behind the
 * DATA_FIN as a duplicate FIN on the FIN's number. On this single path
 * trace those numbers are the kernel's own wherever the server's FIN is
 * not involved, which is checked too.
 *
 * Server frames are first made to look like a plain TCP server's: MPTCP
 * options stripped, the TCP ack = the data-level ack the kernel sent
 * (mapped to subflow space), FIN where the kernel sent DATA_FIN. The
 * gateway must then give back the kernel's own frame: the DSS it adds must
 * be the kernel's DSS byte for byte wherever the kernel used the form the
 * gateway emits (64-bit DATA_ACK alone, 12 bytes; or with a 64-bit mapping
 * of exactly this segment, 26 bytes + 2 NOPs), and the whole frame then
 * equal to the kernel's. Where the kernel mapped several segments at once,
 * the gateway's one-segment mapping must be the matching slice of it.
 *
 * The TCP ack toward the client is the subflow's own (the client bytes
 * whose data the server acknowledged, through the client's mappings): on
 * one path without reinjection that is the kernel's TCP ack, and the
 * expected frame keeps the kernel's. It is not the plain server's ack where
 * that covers the client's DATA_FIN, which no subflow byte carries: those
 * frames are counted, and must be there.
 */
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include "bt.h"
#include "s01.h"

static struct s01 S;

static void setup(void)
{
	bt_setup();
	s01_load(&S);
}

static void teardown(void)
{
	s01_free(&S);
	bt_teardown();
}

TestSuite(s01, .init = setup, .fini = teardown);

static struct bt_out O;

/* what the test expects of the connection, kept independently */
struct model {
	int c_datafin;	   /* client DATA_FIN seen */
	uint32_t c_fin_seq; /* its server-side sequence number */
	int c_fin_acked;   /* the server acknowledged it */
	int c_subfin;	   /* the client's subflow FIN went on */
	uint32_t c_nxt;	   /* next server-side seq of client data (past the FIN) */
	uint32_t c_ack;	   /* the last ack that went to the server */
	int s_fin;	   /* server FIN sent on */
	uint64_t s_fin_dsn;
	int s_fin_acked; /* the client DATA_ACKed it */
	uint32_t sf_ack; /* the last subflow ack given to the client */
	/* the client's mappings as the subflow records them */
	int nmap;
	struct { uint64_t dsn; uint32_t seq, len; } map[8];
};

struct tally {
	int c_fwd, c_drop, s_fwd;
	int fin_added;
	int same_as_kernel; /* server frames equal to the kernel's, byte for byte */
	int dss_as_kernel;  /* server frames whose DSS is the kernel's, byte for byte */
	int ack_not_plain;  /* server frames whose subflow ack is not the plain server's */
	int c_ack_kept;	    /* client frames without DATA_ACK (ack = the last one sent) */
	uint64_t c_bytes, s_bytes;
	uint32_t last_s_seq_end, last_s_tsval;
	uint16_t last_s_win;
};

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void note_map(struct model *m, uint64_t dsn, uint32_t seq, uint32_t len)
{
	if (m->nmap && m->map[m->nmap - 1].dsn == dsn && m->map[m->nmap - 1].seq == seq &&
	    m->map[m->nmap - 1].len == len)
		return;
	cr_assert_lt(m->nmap, 8);
	m->map[m->nmap].dsn = dsn;
	m->map[m->nmap].seq = seq;
	m->map[m->nmap].len = len;
	m->nmap++;
}

static size_t frame(int idx, int v6, uint8_t *out)
{
	const struct bt_frame *f = &S.pc.f[idx];

	if (v6)
		return bt_to_v6(f->d, f->len, out);
	memcpy(out, f->d, f->len);
	return f->len;
}

/* a DSS as RFC 8684 lays it out: 64-bit DATA_ACK, optional 64-bit mapping */
static size_t dss_bytes(uint8_t *o, uint64_t ack, int map, uint64_t dsn, uint32_t ssn,
			uint16_t dlen, int fin)
{
	o[0] = 30;
	o[2] = 0x20;
	o[3] = 0x01 | 0x02;
	bt_put64(o + 4, ack);
	if (!map) {
		o[1] = 12;
		return 12;
	}
	o[3] |= 0x04 | 0x08 | (fin ? 0x10 : 0);
	bt_put64(o + 12, dsn);
	bt_put32(o + 20, ssn);
	bt_put16(o + 24, dlen);
	o[1] = 26;
	return 26;
}

static void client_frame(int idx, int v6, const struct mpx_conn *c, struct model *m,
			 struct tally *t)
{
	uint8_t in[2048], tmp[2048], exp[2048], opt[64];
	struct bt_view v, ov;
	struct bt_dss d;
	size_t n = frame(idx, v6, in), on, en;
	uint32_t seq, ack, ssn_base = c->c_seq0 - 1;
	uint8_t flags;
	int both_acked = m->c_fin_acked && m->s_fin_acked, mpc, map = 0, dfin = 0;
	uint64_t mdsn = 0;
	uint32_t mssn = 0, mlen = 0;

	cr_assert_eq(bt_parse(in, n, &v), 0);
	bt_dss_of(in + v.opt, v.optlen, &d);
	mpc = bt_opt_find_mptcp(in + v.opt, v.optlen, 0);
	bt_run_as(MPX_ROLE_CLIENT, in, n, &O);

	if (both_acked && !(v.flags & 0x01)) {
		/* both FINs acknowledged: the server's socket is gone and
		 * whatever else the client's subflow says would draw a RST */
		cr_expect_eq(O.ret, XDP_DROP, "frame %d: after both FINs, expected DROP, got %u",
			     idx + 1, O.ret);
		cr_log_info("s01 frame %2d client: dropped (both FINs acknowledged)", idx + 1);
		t->c_drop++;
		return;
	}
	cr_assert(!both_acked, "s01 has no client FIN after the close");
	cr_expect_eq(O.ret, XDP_PASS, "frame %d: action %u", idx + 1, O.ret);
	t->c_fwd++;
	t->c_bytes += v.plen;

	/* the mapping this frame carries: DSS, or the first data's MP_CAPABLE */
	if (d.has_map) {
		cr_assert(d.dsn64, "s01 uses 64-bit DSNs");
		map = 1, mdsn = d.dsn, mssn = d.ssn, mlen = d.dlen, dfin = d.fin;
	} else if (mpc >= 0 && in[v.opt + mpc + 1] >= 22) {
		map = 1, mdsn = c->idsn_c + 1, mssn = 1;
		mlen = bt_get16(in + v.opt + mpc + 20);
	}

	flags = v.flags & (uint8_t)~0x01;
	seq = m->c_nxt;
	if (map && dfin && mlen == 1 && mssn == 0) {
		/* DATA_FIN alone: a FIN where the DSN says */
		seq = c->c_seq0 + (uint32_t)(mdsn - (c->idsn_c + 1));
		if (v.plen)
			seq = m->c_nxt;
		flags |= 0x01;
		m->c_datafin = 1;
		m->c_fin_seq = seq + (uint32_t)v.plen;
	} else if (map) {
		uint32_t off = v.seq - ssn_base - mssn, span = mlen - (uint32_t)dfin;

		cr_assert(!v.plen || off + v.plen <= span, "frame %d lies in its mapping", idx + 1);
		seq = c->c_seq0 + (uint32_t)(mdsn - (c->idsn_c + 1)) + off;
		note_map(m, mdsn, ssn_base + mssn, span);
		if (dfin && off + v.plen == span) {
			flags |= 0x01;
			m->c_datafin = 1;
			m->c_fin_seq = seq + (uint32_t)v.plen;
		}
	} else {
		cr_assert_eq(v.plen, 0, "s01's client data all carries a mapping");
	}
	if (!(flags & 0x01) && (v.flags & 0x01)) {
		/* the subflow's FIN: behind the DATA_FIN, a duplicate of it */
		if (m->c_datafin) {
			seq = m->c_fin_seq;
		} else {
			m->c_datafin = 1;
			m->c_fin_seq = seq + (uint32_t)v.plen;
		}
		flags |= 0x01;
		m->c_subfin = 1;
	}
	ack = m->c_ack;
	if (d.has_ack) {
		cr_assert(d.ack64, "s01 uses 64-bit DATA_ACKs");
		ack = c->s_seq0 + (uint32_t)(d.data_ack - (c->idsn_g + 1));
		if (m->s_fin && d.data_ack >= m->s_fin_dsn + 1)
			m->s_fin_acked = 1;
	} else {
		t->c_ack_kept++;
	}
	/* single path: the kernel's own numbers, but where its FIN or the
	 * server's are counted */
	if (!m->s_fin)
		cr_expect_eq(ack, v.ack, "frame %d: single path, ack is the identity", idx + 1);
	if (!m->c_datafin || (v.flags & 0x01))
		cr_expect_eq(seq, v.seq, "frame %d: single path, seq is the identity", idx + 1);
	if (flags != v.flags)
		t->fin_added++;
	if (seq_after(seq + (uint32_t)v.plen + (flags & 0x01), m->c_nxt))
		m->c_nxt = seq + (uint32_t)v.plen + (flags & 0x01);
	m->c_ack = ack;

	on = bt_opt_strip_mptcp(in + v.opt, v.optlen, opt);
	on = bt_opt_pad(opt, on);
	memcpy(tmp, in, n);
	bt_put32(tmp + v.tcp + 4, seq);
	bt_put32(tmp + v.tcp + 8, ack);
	en = bt_reframe(tmp, n, opt, on, flags, exp);
	cr_expect(bt_same("client frame", O.d, O.len, exp, en), "s01 frame %d (%s)", idx + 1,
		  v6 ? "IPv6" : "IPv4");
	cr_expect(bt_csum_ok(O.d, O.len), "frame %d: checksums", idx + 1);
	cr_expect_eq(bt_parse(O.d, O.len, &ov), 0);
	cr_expect_eq(bt_opt_find(O.d + ov.opt, ov.optlen, 30), -1, "frame %d: no MPTCP left",
		     idx + 1);
	cr_log_info("s01 frame %2d client: %zu -> %u bytes, %s%s%s", idx + 1, n, O.len,
		    ack == v.ack ? "ack unchanged" : "ack from DATA_ACK (server FIN counted)",
		    seq == v.seq ? "" : ", seq moved", flags != v.flags ? ", FIN added" : "");
}

static void server_frame(int idx, int v6, const struct mpx_conn *c, struct model *m,
			 struct tally *t)
{
	uint8_t k[2048], tmp[2048], in[2048], exp[2048], opt[64], dss[32], kopt[64];
	struct bt_view kv, ov;
	struct bt_dss kd;
	size_t kn = frame(idx, v6, k), n, on, en, dn, kon;
	uint32_t ack, rel;
	uint8_t flags;
	int fin = 0, map, dss_same;
	uint64_t dsn = 0;
	uint32_t ssn = 0;
	uint16_t dlen = 0;

	cr_assert_eq(bt_parse(k, kn, &kv), 0);
	bt_dss_of(k + kv.opt, kv.optlen, &kd);
	cr_assert(kd.present && kd.has_ack && kd.ack64, "s01 server frames carry 64-bit DATA_ACKs");

	/* the plain-TCP server's version of the kernel's frame */
	ack = c->c_seq0 + (uint32_t)(kd.data_ack - (c->idsn_c + 1));
	rel = kv.seq - c->s_seq0 + 1; /* relative sequence number */
	flags = kv.flags;
	if (kd.has_map && kd.fin &&
	    ((kd.dlen == 1 && kd.ssn == 0) || rel + kv.plen == kd.ssn + kd.dlen - 1u))
		flags |= 0x01;
	fin = flags & 0x01;
	on = bt_opt_pad(opt, bt_opt_strip_mptcp(k + kv.opt, kv.optlen, opt));
	memcpy(tmp, k, kn);
	bt_put32(tmp + kv.tcp + 8, ack);
	n = bt_reframe(tmp, kn, opt, on, flags, in);

	bt_run_as(MPX_ROLE_SERVER, in, n, &O);
	cr_expect_eq(O.ret, XDP_PASS, "frame %d: action %u", idx + 1, O.ret);
	t->s_fwd++;
	/* the subflow ack: the kernel's, which is not always the plain
	 * server's (that one counts the DATA_FIN, no subflow byte) */
	cr_expect(!seq_after(m->sf_ack, kv.ack), "frame %d: the kernel's subflow ack went back",
		  idx + 1);
	m->sf_ack = kv.ack;
	if (kv.ack != ack)
		t->ack_not_plain++;
	t->s_bytes += kv.plen;
	t->last_s_seq_end = kv.seq + (uint32_t)kv.plen + (uint32_t)fin;
	t->last_s_win = kv.win;
	{
		int ts = bt_opt_find(k + kv.opt, kv.optlen, 8);

		t->last_s_tsval = ts >= 0 ? bt_get32(k + kv.opt + ts + 2) : 0;
	}

	/* the DSS the gateway should have added, from the kernel's */
	map = kv.plen || fin;
	if (map && kd.has_map && kd.dlen == 1 && kd.ssn == 0 && !kv.plen) {
		dsn = kd.dsn, ssn = 0, dlen = 1; /* the kernel's DATA_FIN */
	} else if (map && kd.has_map) {
		cr_assert(kd.dsn64);
		cr_assert(rel >= kd.ssn && rel + kv.plen <= kd.ssn + kd.dlen,
			  "frame %d lies in the kernel's mapping", idx + 1);
		dsn = kd.dsn + (rel - kd.ssn); /* this segment's slice of it */
		ssn = rel;
		dlen = (uint16_t)(kv.plen + fin);
	} else if (map) {
		/* a FIN the kernel sent without DATA_FIN: its DATA_FIN again */
		cr_assert(fin && !kv.plen);
		dsn = c->idsn_g + 1 + (uint32_t)(kv.seq - c->s_seq0);
		ssn = 0;
		dlen = 1;
	}
	dn = dss_bytes(dss, kd.data_ack, map, dsn, ssn, dlen, fin);
	dss_same = dn == (size_t)kd.len && !memcmp(dss, k + kv.opt + kd.off, dn);

	kon = bt_opt_strip_mptcp(k + kv.opt, kv.optlen, kopt);
	memcpy(kopt + kon, dss, dn);
	kon = bt_opt_pad(kopt, kon + dn);
	en = bt_reframe(k, kn, kopt, kon, flags, exp);
	cr_expect(bt_same("server frame", O.d, O.len, exp, en), "s01 frame %d (%s)", idx + 1,
		  v6 ? "IPv6" : "IPv4");
	cr_expect(bt_csum_ok(O.d, O.len), "frame %d: checksums", idx + 1);
	cr_assert_eq(bt_parse(O.d, O.len, &ov), 0);
	if (dss_same) {
		struct bt_dss od;

		bt_dss_of(O.d + ov.opt, ov.optlen, &od);
		cr_expect(od.present && od.len == kd.len &&
				  !memcmp(O.d + ov.opt + od.off, k + kv.opt + kd.off, kd.len),
			  "frame %d: the kernel's own DSS", idx + 1);
		t->dss_as_kernel++;
		if (flags == kv.flags) {
			cr_expect(bt_same("kernel frame", O.d, O.len, k, kn),
				  "frame %d: the kernel's own frame", idx + 1);
			t->same_as_kernel++;
		}
	}

	cr_log_info("s01 frame %2d server: plain %zu -> %u bytes, %s", idx + 1, n, O.len,
		    dss_same && flags == kv.flags ? "= kernel frame" :
		    dss_same ? "kernel DSS, FIN where the kernel had DATA_FIN only" :
		    kd.has_map ? "slice of the kernel's multi-segment mapping" :
				 "DATA_FIN again where the kernel sent a subflow FIN");
	if (fin && !m->s_fin) {
		m->s_fin = 1;
		m->s_fin_dsn = dsn;
	}
	if (m->c_datafin && ack == m->c_fin_seq + 1)
		m->c_fin_acked = 1;
}

static void replay(int v6)
{
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	struct model m = { 0 };
	struct tally t = { 0 };
	struct mpx_conn c, got;
	struct mpx_sf sf;
	uint32_t id = 1;

	s01_install(&S, v6, &c);
	m.c_nxt = c.c_seq0;
	m.c_ack = c.s_seq0;
	m.sf_ack = c.c_seq0;
	bt_stats(b);
	for (int i = S.ack3; i < S.pc.n; i++) {
		if (s01_from_client(&S, S.pc.f[i].d, S.pc.f[i].len))
			client_frame(i, v6, &c, &m, &t);
		else
			server_frame(i, v6, &c, &m, &t);
	}
	bt_stats(a);

	cr_expect_eq(t.fin_added, 1, "FIN added on exactly one frame (the DATA_FIN)");
	cr_expect_geq(t.same_as_kernel, 3, "kernel frames reproduced byte for byte: %d",
		      t.same_as_kernel);
	cr_expect_geq(t.dss_as_kernel, 4, "kernel DSS reproduced byte for byte: %d",
		      t.dss_as_kernel);
	cr_expect(m.c_fin_acked && m.s_fin_acked, "both FINs were acknowledged");
	cr_expect_geq(t.ack_not_plain, 1,
		      "server frames whose subflow ack is not the plain server's: %d",
		      t.ack_not_plain);
	cr_expect_geq(t.c_ack_kept, 1, "client frames without DATA_ACK: %d", t.c_ack_kept);
	bt_expect_deltas(b, a, MPX_ST_XLAT_C2S, t.c_fwd, MPX_ST_XLAT_S2C, t.s_fwd,
			 MPX_ST_BYTES_C2S, (int)t.c_bytes, MPX_ST_BYTES_S2C, (int)t.s_bytes,
			 MPX_ST_FIB_PASS, t.c_fwd + t.s_fwd, MPX_ST_DATA_FIN_RX, 1,
			 MPX_ST_DATA_FIN_TX, 1, MPX_ST_CLOSED_DROP, t.c_drop, -1);

	/* the connection as the daemon's GC and `mpxdp conn` will read it */
	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("conns"), &id, &got), 0);
	cr_expect_eq(got.state, MPX_CS_C_DATAFIN | MPX_CS_C_SUBFIN | MPX_CS_C_FIN_ACKED |
					MPX_CS_S_FIN | MPX_CS_S_FIN_ACKED,
		     "state %#x", got.state);
	cr_expect(MPX_CS_CLOSED(got.state));
	cr_expect_eq(got.c2s_ref, c.idsn_c + 1 + t.c_bytes + 1, "client DSN reference");
	cr_expect_eq(got.s2c_ref, c.idsn_g + 1 + t.s_bytes + 1, "server DSN reference");
	cr_expect_eq(got.c_fin_seq, m.c_fin_seq);
	cr_expect_eq(got.s_fin_seq, c.s_seq0 + (uint32_t)t.s_bytes);
	cr_expect_eq(got.s_nxt, t.last_s_seq_end);
	cr_expect_eq(got.s_win, t.last_s_win);
	cr_expect_eq(got.s_tsval, t.last_s_tsval);
	cr_expect_eq(got.c2s_pkts, (uint64_t)(t.c_fwd + t.c_drop));
	cr_expect_eq(got.s2c_pkts, (uint64_t)t.s_fwd);
	cr_expect_eq(got.c2s_bytes, t.c_bytes);
	cr_expect_eq(got.s2c_bytes, t.s_bytes);
	cr_expect_eq(got.key_c, c.key_c, "immutable fields untouched");
	cr_expect_eq(got.idsn_g, c.idsn_g);
	cr_expect(!memcmp(&got.key0, &c.key0, sizeof(c.key0)));
	cr_expect_eq(got.c_nxt, m.c_nxt, "c_nxt %u, expected %u (past the client's FIN)",
		     got.c_nxt, m.c_nxt);
	cr_expect_eq(got.c_nxt, m.c_fin_seq + 1);
	cr_expect_eq(got.c_ack, m.c_ack, "c_ack");

	/* the initial subflow as the gateway kept it */
	s01_sf_get(1, 0, &sf);
	cr_expect(!memcmp(&sf.key, &c.key0, sizeof(c.key0)), "subflow 4-tuple untouched");
	cr_expect_eq(sf.flags, MPX_SF_INITIAL | MPX_SF_ACTIVE | MPX_SF_C_FIN, "subflow flags %#x", sf.flags);
	cr_expect_eq(sf.ssn_base, c.c_seq0 - 1);
	cr_expect_eq(sf.ack, m.sf_ack, "subflow ack %u, the kernel's last %u", sf.ack, m.sf_ack);
	cr_expect_eq(sf.rcv_hi, c.c_seq0 + (uint32_t)t.c_bytes + 1, "rcv_hi: data + subflow FIN");
	cr_expect_eq(sf.fin_seq, c.c_seq0 + (uint32_t)t.c_bytes);
	cr_expect_eq(sf.cm_head, (uint32_t)m.nmap, "mappings recorded: %u, expected %d",
		     sf.cm_head, m.nmap);
	for (int i = 0; i < m.nmap && i < MPX_CMAP; i++) {
		cr_expect_eq(sf.cm[i].dsn, m.map[i].dsn, "mapping %d DSN", i);
		cr_expect_eq(sf.cm[i].seq, m.map[i].seq, "mapping %d seq", i);
		cr_expect_eq(sf.cm[i].len, m.map[i].len, "mapping %d length", i);
	}
}

Test(s01, replay_v4) { replay(0); }
Test(s01, replay_v6) { replay(1); }

/* The SYN-ACK retransmitted after the connection was installed gets the
 * gateway's key again: with the server's key as Kg, the kernel's own frame. */
Test(s01, synack_retransmit_after_install)
{
	uint8_t k[2048], in[2048], opt[64];
	struct mpx_conn c;
	struct bt_view v;
	size_t kn, n, on;

	for (int v6 = 0; v6 < 2; v6++) {
		bt_teardown();
		bt_setup();
		s01_install(&S, v6, &c);
		kn = frame(S.synack, v6, k);
		cr_assert_eq(bt_parse(k, kn, &v), 0);
		on = bt_opt_pad(opt, bt_opt_strip_mptcp(k + v.opt, v.optlen, opt));
		n = bt_reframe(k, kn, opt, on, k[v.tcp + 13], in);
		bt_run_as(MPX_ROLE_SERVER, in, n, &O);
		cr_expect_eq(O.ret, XDP_PASS);
		cr_expect(bt_same("retransmitted SYN-ACK", O.d, O.len, k, kn), "%s",
			  v6 ? "IPv6" : "IPv4");
	}
}
