// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: the translation core (translate.h) on a sequence of
 * client and server segments of one 4-tuple, through the gateway's logic
 * around it: bpf/mpxdp.bpf.c classify() and daemon/handshake.c (verify the
 * echoed key, install, replay), with the maps held in memory (struct gw).
 *
 * Input: a header, then records until the input ends.
 *
 *   header   mode (MODE_*), key_c, key_g (u64), c_isn, s_isn (u32);
 *            MODE_EST starts from an established connection with these
 *            keys and ISNs (gw_install, as the daemon installs one), else
 *            from nothing (the handshake functions do the work)
 *   record   ctl (REC_*), TCP flags byte, seq, ack (u32), payload length
 *            (u16), option length (u8, mod 41), the option bytes
 *
 * REC_SEQ_REL/REC_ACK_REL make seq/ack offsets from what the receiver
 * expects, REC_FIX writes the keys and DSS checksums the gateway would
 * accept into the options (a fuzzer cannot guess a SipHash), so that
 * mutations reach past the checks they would otherwise fail.
 *
 * After every segment: the verdict is one the function may give, its
 * counters exist, the emitted frame is well formed with valid checksums
 * (the input's always are), options at most 40 bytes and re-parsable,
 * nothing MPTCP toward the server, exactly the DSS (or the handshake's
 * and reset's options) toward the client, whose numbers follow the
 * mapping rules of translate.h; the connection's immutable fields stay,
 * its references and sequence numbers never go back, the subflow's ack
 * never passes what the client sent. MPX_FUZZ_TRACE=1 prints each step.
 */
#include "fuzz.h"

#define MODE_CSUM 0x01 /* checksums: the connection's (MODE_EST) or the config's */
#define MODE_V6 0x02
#define MODE_EST 0x04
#define MODE_ALIVE 0x08 /* the daemon's heartbeat is fresh */
#define MODE_PROBE 0x10

#define REC_CLIENT 0x01
#define REC_SEQ_REL 0x02
#define REC_ACK_REL 0x04
#define REC_FIX 0x08
#define REC_FLIP_ALIVE 0x10
#define REC_TWICE 0x20 /* a client segment, then its retransmission */

/* the largest TCP segment an IP packet holds (IPv6: beside its header) */
#define TCP_MAX 0xffff

static uint8_t payload[TCP_MAX], frame[MPX_ETH_HLEN + MPX_IP6_HLEN + TCP_MAX],
	out_buf[sizeof(frame) + MPX_TCP_OPT_MAX];
static int trace;

/* The gateway's state for the one 4-tuple. */
struct gw {
	struct mpx_config cfg;
	int alive;
	struct mpx_flow_key key;
	uint8_t caddr[16], saddr[16];
	int have_ho, have_conn;
	struct mpx_halfopen ho;
	struct mpx_conn c;
	struct mpx_sf sf;
	uint64_t now;
};

/* One segment as built and loaded. */
struct seg {
	int from_client, twice;
	struct mpx_pkt p;
	size_t len;
};

/*
 * The connection as daemon/handshake.c install() sets it up: the one
 * place that knows the layout of a fresh connection and its initial
 * subflow (extend here when the core grows subflows).
 */
static void gw_install(struct gw *g, uint64_t key_c, uint64_t key_g, uint32_t synack_seq,
		       uint32_t synack_ack, int csum)
{
	struct mpx_conn_params a = {
		.key = g->key, .key_c = key_c, .key_g = key_g,
		.synack_seq = synack_seq, .synack_ack = synack_ack,
		.flags = csum ? MPX_CF_CSUM : 0,
		.c_ws = MPX_WS_NONE, .s_ws = MPX_WS_NONE, .now = g->now,
	};

	mpx_key_token_idsn(key_c, &a.token_c, &a.idsn_c);
	mpx_key_token_idsn(key_g, &a.token_g, &a.idsn_g);
	mpx_conn_init(&g->c, &g->sf, &a);
	g->have_conn = 1;
}

static void gw_init(struct gw *g, struct in *in)
{
	uint8_t mode = in_u8(in);
	uint64_t key_c = in_u64(in), key_g = in_u64(in);
	uint32_t c_isn = in_u32(in), s_isn = in_u32(in);
	int v6 = !!(mode & MODE_V6);

	memset(g, 0, sizeof(*g));
	memcpy(g->cfg.secret, "fuzz-secret-0123", 16);
	g->cfg.flags = (mode & MODE_CSUM ? MPX_CFG_CSUM : 0) | (mode & MODE_PROBE ? MPX_CFG_PROBE : 0);
	g->alive = !!(mode & MODE_ALIVE);
	memcpy(g->caddr, v6 ? "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x01" : "\xc6\x12\x01\x01", v6 ? 16 : 4);
	memcpy(g->saddr, v6 ? "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x02" : "\xc6\x12\x01\x02", v6 ? 16 : 4);
	memcpy(g->key.c_addr, g->caddr, 16);
	memcpy(g->key.s_addr, g->saddr, 16);
	g->key.c_port = 40001;
	g->key.s_port = 5001;
	g->key.v6 = (uint8_t)v6;
	if (mode & MODE_EST)
		gw_install(g, key_c, key_g, s_isn, c_isn + 1, mode & MODE_CSUM);
}

/* ---- invariants ------------------------------------------------------------- */

static void check_verdict(const struct mpx_verdict *v, unsigned allowed)
{
	CHECK(v->act <= MPX_ACT_TX && (allowed & (1u << v->act)));
	CHECK(v->n <= MPX_EV_MAX);
	for (int i = 0; i < v->n; i++)
		CHECK(v->ev[i] < MPX_ST__MAX);
}

#define ACTS(...) acts_mask((int[]){ __VA_ARGS__, -1 })
static unsigned acts_mask(const int *a)
{
	unsigned m = 0;

	while (*a >= 0)
		m |= 1u << *a++;
	return m;
}

/* A 32-bit sequence number moved forward, or stayed. The peers control
 * these numbers: a jump of 2^31 is as far "after" as RFC 1982 reaches,
 * and several jumps may come round, so that is all there is to check. */
static int fwd(uint32_t old, uint32_t now)
{
	return now - old <= 0x80000000u;
}

/* The connection between two segments: what must never change or go back. */
static void check_conn(const struct gw *b, const struct gw *g)
{
	const struct mpx_conn *c0 = &b->c, *c = &g->c;
	const struct mpx_sf *s0 = &b->sf, *s = &g->sf;

	CHECK(c->key_c == c0->key_c && c->key_g == c0->key_g);
	CHECK(c->idsn_c == c0->idsn_c && c->idsn_g == c0->idsn_g);
	CHECK(c->c_seq0 == c0->c_seq0 && c->s_seq0 == c0->s_seq0 && c->flags == c0->flags);
	CHECK(!memcmp(&c->key0, &c0->key0, sizeof(c->key0)) &&
	      !memcmp(&s->key, &s0->key, sizeof(s->key)));
	CHECK((c->state & c0->state) == c0->state);
	CHECK((int64_t)(c->c2s_ref - c0->c2s_ref) >= 0 && (int64_t)(c->s2c_ref - c0->s2c_ref) >= 0);
	CHECK(fwd(c0->c_nxt, c->c_nxt) && fwd(c0->s_nxt, c->s_nxt));
	CHECK(s->ssn_base == s0->ssn_base && (s->flags & s0->flags) == s0->flags);
	CHECK(fwd(s0->rcv_hi, s->rcv_hi) && fwd(s0->ack, s->ack));
	/* a new subflow ack never passes what the client sent */
	CHECK(s->ack == s0->ack || !mpx_seq_after(s->ack, s->rcv_hi));
	CHECK(s->cm_head - s0->cm_head <= 1);
}

/* Emit tx; its options are well framed and parse into o. */
static void check_tx(const struct seg *s, const struct mpx_tx *tx, struct mpx_opts *o)
{
	struct ref_hdr out;

	check_emitted(&out, out_buf, frame, 1, &s->p, tx);
	parse_area(o, tx->opt.b, tx->opt.len);
	CHECK(!o->malformed);
}

/* A segment on as it came, or turned around (the gateway's own reply). */
static void check_dir(const struct mpx_pkt *p, const struct mpx_tx *tx, int reply)
{
	CHECK(!memcmp(tx->saddr, reply ? p->daddr : p->saddr, 16) &&
	      !memcmp(tx->daddr, reply ? p->saddr : p->daddr, 16));
	CHECK(tx->sport == (reply ? p->dport : p->sport) &&
	      tx->dport == (reply ? p->sport : p->dport));
}

/* The DSS toward the client carries the server's numbers, mapped. */
static void check_dss(const struct gw *g, const struct seg *s, const struct mpx_tx *tx)
{
	const struct mpx_conn *c = &g->c;
	const struct mpx_pkt *p = &s->p;
	int fin = !!(p->flags & MPX_TCP_FIN);
	struct ref_dss d;

	ref_dss_of_area(tx->opt.b, tx->opt.len, &d);
	CHECK(d.present && d.has_ack && d.ack8);
	CHECK((uint32_t)d.data_ack == (uint32_t)(c->idsn_c + 1) + (p->ack - c->c_seq0));
	CHECK(tx->ack == g->sf.ack && tx->seq == p->seq);
	CHECK(d.has_map == (p->plen || fin));
	if (!d.has_map)
		return;
	CHECK(d.dsn8 && d.fin == fin && d.dlen == p->plen + fin);
	CHECK((uint32_t)d.dsn == (uint32_t)(c->idsn_g + 1) + (p->seq - c->s_seq0));
	CHECK(d.ssn == (p->plen ? p->seq - c->s_seq0 + 1 : 0));
	CHECK(d.has_csum == !!(c->flags & MPX_CF_CSUM));
	if (d.has_csum)
		CHECK(d.csum == ref_dss_csum(d.dsn, d.ssn, d.dlen, payload, p->plen));
}

static void check_s2c(const struct gw *g, const struct seg *s, const struct mpx_tx *tx,
		      const struct mpx_verdict *v)
{
	const struct mpx_pkt *p = &s->p;
	struct mpx_opts o;

	check_verdict(v, ACTS(MPX_ACT_FWD, MPX_ACT_DROP, MPX_ACT_PASS));
	if (v->act == MPX_ACT_DROP)
		CHECK(has_ev(v, MPX_ST_DSS_NO_ROOM));
	if (v->act != MPX_ACT_FWD)
		return;
	check_dir(p, tx, 0);
	check_tx(s, tx, &o);
	if (p->flags & MPX_TCP_RST) {
		/* MP_TCPRST only when it fits: it is informational */
		CHECK(MPX_MP_HAS(&o, MPX_MP_FASTCLOSE) && o.mp.fastclose_key == g->c.key_c);
		CHECK(o.mptcp_bytes == 12 + (MPX_MP_HAS(&o, MPX_MP_TCPRST) ? 4 : 0));
		CHECK(tx->flags & MPX_TCP_RST);
	} else if (p->flags & MPX_TCP_SYN) {
		CHECK(o.mptcp_bytes == MPX_MPC_LEN_SYNACK && MPX_MP_HAS(&o, MPX_MP_CAPABLE) &&
		      o.mp.mpc.key_a == g->c.key_g);
	} else {
		CHECK(o.mp.present == 1u << MPX_MP_DSS && o.mptcp_bytes == o.mp.dss.len);
		CHECK(!(o.has & MPX_HAS_SACK) && tx->plen == p->plen);
		check_dss(g, s, tx);
	}
}

/* Client data goes on where the mapping the subflow recorded (the latest:
 * the subflow's acknowledgements are walked through these) puts it. */
static void check_placed(const struct gw *g, const struct mpx_pkt *p, const struct mpx_tx *tx)
{
	const struct mpx_cmap *m = &g->sf.cm[(g->sf.cm_head - 1) & (MPX_CMAP - 1)];
	uint32_t off = p->seq - m->seq;

	CHECK(g->sf.cm_head && off < m->len && m->len - off >= p->plen);
	CHECK(tx->seq == g->c.c_seq0 + (uint32_t)(m->dsn - (g->c.idsn_c + 1)) + off);
}

static void check_c2s(const struct gw *g, const struct seg *s, const struct mpx_tx *tx,
		      const struct mpx_verdict *v)
{
	const struct mpx_pkt *p = &s->p;
	struct mpx_opts o;
	struct ref_dss d;

	check_verdict(v, ACTS(MPX_ACT_FWD, MPX_ACT_DROP, MPX_ACT_TX));
	if (v->act == MPX_ACT_TX) {
		/* the gateway acknowledges a subflow FIN itself */
		check_dir(p, tx, 1);
		check_tx(s, tx, &o);
		CHECK(o.mptcp_bytes == 12 && MPX_MP_HAS(&o, MPX_MP_DSS));
		ref_dss_of_area(tx->opt.b, tx->opt.len, &d);
		CHECK(d.present && d.has_ack && !d.has_map);
		CHECK(tx->flags == MPX_TCP_ACK && !tx->plen && tx->seq == g->c.s_nxt);
		CHECK(tx->ack == p->seq + p->plen + 1);
	} else if (v->act == MPX_ACT_FWD) {
		check_dir(p, tx, 0);
		check_tx(s, tx, &o);
		CHECK(!o.mptcp_bytes && o.sack_n <= MPX_SACK_MAX);
		if (tx->flags & MPX_TCP_RST)
			CHECK(!tx->plen);
		else
			CHECK(tx->plen == p->plen && tx->ack == g->c.c_ack);
		if (tx->plen)
			check_placed(g, p, tx);
	}
}

/* mpx_c2s() and its checks; a dropped segment leaves no trace. */
static void c2s(struct gw *g, const struct seg *s, struct mpx_tx *tx, struct mpx_verdict *v)
{
	struct gw before = *g;

	mpx_c2s(&g->c, &g->sf, &s->p, tx, v, g->now);
	check_conn(&before, g);
	check_c2s(g, s, tx, v);
	if (v->act == MPX_ACT_DROP) {
		/* what the client says about the gateway's sending side (its
		 * subflow ACK, timestamp, the subflow it spoke on) counts even
		 * on a segment whose data is dropped; the data side may not move */
		before.c.last_ns = g->c.last_ns;
		before.sf.last_ns = g->sf.last_ns;
		before.c.last_rx_sf = g->c.last_rx_sf;
		before.c.sf_snd_una[0] = g->c.sf_snd_una[0];
		before.c.sf_una_ns[0] = g->c.sf_una_ns[0];
		before.c.sf_dead = g->c.sf_dead;
		before.c.sf_gone = g->c.sf_gone; /* a REMOVE_ADDR naming it */
		before.sf.dupacks = g->sf.dupacks;
		before.sf.c_tsval = g->sf.c_tsval;
		CHECK(!memcmp(&before.c, &g->c, sizeof(g->c)) &&
		      !memcmp(&before.sf, &g->sf, sizeof(g->sf)));
	}
}

/* A retransmission (no FIN of either level, nothing closed in between)
 * goes to the server as the original did. */
static void c2s_again(struct gw *g, const struct seg *s, const struct mpx_tx *tx,
		      const struct mpx_verdict *v)
{
	struct mpx_tx tx2 = {};
	struct mpx_verdict v2 = {};

	mpx_note_opts(&v2, &s->p.opts);
	c2s(g, s, &tx2, &v2);
	CHECK(v2.act == v->act);
	if (v->act == MPX_ACT_DROP)
		return;
	CHECK(tx2.seq == tx->seq && tx2.ack == tx->ack && tx2.flags == tx->flags &&
	      tx2.plen == tx->plen && tx2.opt.len == tx->opt.len &&
	      !memcmp(tx2.opt.b, tx->opt.b, tx->opt.len));
}

/* ---- the gateway -------------------------------------------------------------- */

static void client(struct gw *g, const struct seg *s, int replay);

/* daemon/handshake.c handshake_punt(): verify, install, replay. */
static void daemon_punt(struct gw *g, const struct seg *s)
{
	const struct mpx_pkt *p = &s->p;
	const struct mpx_mpc *m = &p->opts.mp.mpc;
	uint32_t synack_seq, synack_ack;
	uint64_t key_g;
	uint8_t c_flags;

	if (g->have_conn || (g->have_ho && g->ho.state == MPX_HO_FALLBACK))
		goto replay;
	if (!MPX_MP_HAS(&p->opts, MPX_MP_CAPABLE) || m->len < MPX_MPC_LEN_ACK)
		return; /* orphan */
	mpx_mpc_ack_numbers(g->have_ho ? &g->ho : NULL, p, &synack_seq, &synack_ack, &c_flags);
	key_g = mpx_derive_key(g->cfg.secret, &g->key, synack_seq, synack_ack);
	if (m->key_b != key_g || m->version != MPX_MPTCP_VERSION) {
		if (!g->have_ho)
			memset(&g->ho, 0, sizeof(g->ho));
		g->ho.state = MPX_HO_FALLBACK;
		g->have_ho = 1;
		goto replay;
	}
	gw_install(g, m->key_a, key_g, synack_seq, synack_ack,
		   ((c_flags | m->flags) & MPX_MPC_FLAG_A) || (g->cfg.flags & MPX_CFG_CSUM));
	g->have_ho = 0;
replay:
	client(g, s, 1);
}

/* classify() for a client segment */
static void client(struct gw *g, const struct seg *s, int replay)
{
	const struct mpx_pkt *p = &s->p;
	struct mpx_halfopen ho;
	struct mpx_tx tx = {};
	struct mpx_verdict v = {};
	struct mpx_opts o;
	struct gw before;

	mpx_note_opts(&v, &p->opts);
	if (g->have_conn && !(p->flags & MPX_TCP_SYN)) {
		before = *g;
		c2s(g, s, &tx, &v);
		if (s->twice && !(p->flags & (MPX_TCP_FIN | MPX_TCP_RST)) &&
		    !(MPX_MP_HAS(&p->opts, MPX_MP_DSS) && (p->opts.mp.dss.flags & MPX_DSS_F)) &&
		    !(g->c.state & ~before.c.state & MPX_CS_S_FIN_ACKED))
			c2s_again(g, s, &tx, &v);
		goto out;
	}
	if (g->have_conn) {
		/* a new SYN on the 4-tuple retires the connection */
		g->have_conn = 0;
		mpx_note(&v, MPX_ST_CONN_REPLACED);
	}
	v.act = MPX_ACT_PASS;
	if (!p->opts.mptcp_bytes)
		goto out;
	if ((p->flags & (MPX_TCP_SYN | MPX_TCP_ACK)) == MPX_TCP_SYN) {
		if (!MPX_MP_HAS(&p->opts, MPX_MP_CAPABLE))
			goto out;
		mpx_client_syn(&g->cfg, g->alive, p, &ho, &tx, &v, g->now);
		check_verdict(&v, ACTS(MPX_ACT_FWD));
		check_dir(p, &tx, 0);
		check_tx(s, &tx, &o);
		CHECK(o.mptcp_bytes ==
		      ((ho.state && (g->cfg.flags & MPX_CFG_PROBE)) ? MPX_MPC_LEN_SYN : 0));
		if (ho.state) {
			CHECK(!(o.has & MPX_HAS_MSS) || !(p->opts.has & MPX_HAS_MSS) ||
			      o.mss <= p->opts.mss);
			g->ho = ho;
			g->have_ho = 1;
		}
		goto out;
	}
	if (g->have_ho) {
		mpx_client_pending(g->alive, &g->ho, p, &tx, &v);
		check_verdict(&v, ACTS(MPX_ACT_PASS, MPX_ACT_PUNT, MPX_ACT_FWD));
		if (v.act == MPX_ACT_FWD) {
			check_dir(p, &tx, 0);
			check_tx(s, &tx, &o);
			CHECK(!o.mptcp_bytes);
		}
	} else if (g->alive && p->opts.mp.mpc.len >= MPX_MPC_LEN_ACK) {
		mpx_note(&v, MPX_ST_MPC_ACK_RX);
		v.act = MPX_ACT_PUNT;
	}
out:
	check_verdict(&v, ~0u);
	if (trace)
		fprintf(stderr, "  client%s: act %d %s\n", replay ? " (replay)" : "", v.act, evs(&v));
	if (v.act == MPX_ACT_PUNT && !replay)
		daemon_punt(g, s);
}

/* classify() for a server segment */
static void server(struct gw *g, const struct seg *s)
{
	const struct mpx_pkt *p = &s->p;
	struct mpx_tx tx = {};
	struct mpx_verdict v = {};
	struct mpx_opts o;
	struct gw before;

	mpx_note_opts(&v, &p->opts);
	if (g->have_conn) {
		before = *g;
		struct mpx_route r = { .alloc = 1 };

		mpx_s2c_route(&g->c, p, &r, &v);
		mpx_s2c(&g->c, &g->sf, p, &r, &tx, &v, g->now);
		check_conn(&before, g);
		check_s2c(g, s, &tx, &v);
	} else if ((p->flags & (MPX_TCP_SYN | MPX_TCP_ACK)) == (MPX_TCP_SYN | MPX_TCP_ACK) &&
		   g->have_ho) {
		mpx_server_synack(&g->cfg, g->alive, &g->ho, &g->key, p, &tx, &v);
		check_verdict(&v, ACTS(MPX_ACT_PASS, MPX_ACT_FWD));
		if (v.act == MPX_ACT_FWD) {
			check_dir(p, &tx, 0);
			check_tx(s, &tx, &o);
			CHECK(o.mptcp_bytes == MPX_MPC_LEN_SYNACK && o.mp.mpc.key_a ==
			      mpx_derive_key(g->cfg.secret, &g->key, p->seq, p->ack));
		}
	}
	check_verdict(&v, ~0u);
	if (trace)
		fprintf(stderr, "  server: act %d %s\n", v.act, evs(&v));
}

/* ---- input ------------------------------------------------------------------- */

/* REC_FIX: the keys and checksums the gateway accepts, in place. */
static void fix_opts(const struct gw *g, uint8_t *a, int len, uint32_t seq, uint32_t ack,
		     int plen)
{
	const struct mpx_conn *c = &g->c;
	struct ref_opt it[MPX_TCP_OPT_MAX];
	int n = ref_opt_walk(a, len, it, MPX_TCP_OPT_MAX, NULL);

	for (int i = 0; i < n; i++) {
		uint8_t *o = a + it[i].off, l = it[i].len;
		struct mpx_pkt p = { .seq = seq, .ack = ack };
		uint32_t ss, sa;
		uint8_t cf;
		struct mpx_opts one;
		const struct mpx_dss *d = &one.mp.dss;

		if (it[i].kind != MPX_OPT_MPTCP || l < 4)
			continue;
		switch (o[2] >> 4) {
		case MPX_MP_CAPABLE:
			if (l < MPX_MPC_LEN_ACK)
				break;
			if (!g->have_conn) {
				mpx_mpc_ack_numbers(g->have_ho ? &g->ho : NULL, &p, &ss, &sa, &cf);
				wbe64(o + 12, mpx_derive_key(g->cfg.secret, &g->key, ss, sa));
				break;
			}
			wbe64(o + 4, c->key_c);
			wbe64(o + 12, c->key_g);
			if (l == MPX_MPC_LEN_DATA_CSUM)
				wbe16(o + 22, ref_dss_csum(c->idsn_c + 1, 1, be16(o + 20), payload,
							   (size_t)plen));
			break;
		case MPX_MP_FASTCLOSE:
			if (g->have_conn && l == 12)
				wbe64(o + 4, c->key_g);
			break;
		case MPX_MP_DSS:
			parse_area(&one, o, l);
			if (g->have_conn && MPX_MP_HAS(&one, MPX_MP_DSS) && d->has_csum)
				wbe16(o + l - 2,
				      ref_dss_csum((d->flags & MPX_DSS_m) ? d->dsn :
							mpx_widen(c->c2s_ref, (uint32_t)d->dsn),
						   d->ssn, d->dlen, payload, (size_t)plen));
			break;
		}
	}
}

/* Where the receiver of a segment expects it to start and acknowledge. */
static void expected(const struct gw *g, int from_client, uint32_t *seq, uint32_t *ack)
{
	if (g->have_conn) {
		*seq = from_client ? g->sf.rcv_hi : g->c.s_nxt;
		*ack = from_client ? g->c.s_nxt : g->c.c_nxt;
	} else if (g->have_ho) {
		*seq = from_client ? g->ho.isn_c + 1 : 0;
		*ack = from_client ? g->ho.synack_seq + 1 : g->ho.isn_c + 1;
	} else {
		*seq = *ack = 0;
	}
}

static void record(struct gw *g, struct in *in)
{
	uint8_t ctl = in_u8(in), flags = in_u8(in), a[MPX_TCP_OPT_MAX] = {};
	uint32_t seq = in_u32(in), ack = in_u32(in), seq0, ack0;
	uint16_t plen_in = in_u16(in);
	int optlen = in_u8(in) % (MPX_TCP_OPT_MAX + 1), plen, plen_max;
	struct seg s = { .from_client = ctl & REC_CLIENT, .twice = !!(ctl & REC_TWICE) };
	struct fb f = {};
	struct mpx_flow_key k;

	in_bytes(in, a, (size_t)optlen);
	/* up to a full IP packet, but mostly small ones: checksumming 64 KiB
	 * frames costs most of the run time */
	plen_max = TCP_MAX - MPX_TCP_HLEN - ((optlen + 3) & ~3) - (g->key.v6 ? 0 : MPX_IP4_HLEN);
	plen = plen_in >= 0xe000 ? plen_max - (plen_in & 0x1fff) : plen_in & 0x7ff;
	if (ctl & REC_FLIP_ALIVE)
		g->alive = !g->alive;
	expected(g, s.from_client, &seq0, &ack0);
	seq += ctl & REC_SEQ_REL ? seq0 : 0;
	ack += ctl & REC_ACK_REL ? ack0 : 0;
	if (ctl & REC_FIX)
		fix_opts(g, a, optlen, seq, ack, plen);

	f.v6 = g->key.v6;
	memcpy(f.saddr, s.from_client ? g->caddr : g->saddr, 16);
	memcpy(f.daddr, s.from_client ? g->saddr : g->caddr, 16);
	f.sport = s.from_client ? g->key.c_port : g->key.s_port;
	f.dport = s.from_client ? g->key.s_port : g->key.c_port;
	f.seq = seq;
	f.ack = ack;
	f.flags = flags;
	f.tcp13_high = flags;
	f.win = 502;
	f.opt = a;
	f.optlen = (optlen + 3) & ~3; /* padded with EOL */
	f.payload = payload;
	f.plen = plen;
	s.len = fb_build(frame, sizeof(frame), &f);
	CHECK(s.len && mpx_pkt_load(&s.p, frame, (uint32_t)s.len) == MPX_PKT_OK);
	/* classify() finds the state under the client's view of the 4-tuple */
	mpx_flow_key_of(&k, &s.p, s.from_client);
	CHECK(!memcmp(&k, &g->key, sizeof(k)));
	g->now += 1000;
	if (trace)
		fprintf(stderr, "%s seq %u ack %u flags %#x plen %d opt %s\n",
			s.from_client ? "C>S" : "S>C", seq, ack, flags, plen, hexs(a, (size_t)optlen));
	if (s.from_client)
		client(g, &s, 0);
	else
		server(g, &s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)("MPTCP-vector-payload-0123456789abcdefghijklmnopqrstuvwxyz|"[i % 58]);
	trace = getenv("MPX_FUZZ_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gw g;
	struct in in = { data, size };

	gw_init(&g, &in);
	while (in.n)
		record(&g, &in);
	return 0;
}
