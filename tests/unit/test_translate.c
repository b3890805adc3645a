// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 7. The translation core with real traffic as the oracle.
 *
 * For every connection whose data all travels on its initial subflow with
 * DSN - IDSN == SSN (that is what a single-path gateway produces: the
 * server-side sequence space *is* the data sequence space), the connection
 * is installed as the daemon would after the handshake and its frames are
 * replayed in capture order:
 *
 *   client -> server frames go through mpx_c2s() as captured;
 *   server -> client frames are first made "plain" (what a plain-TCP server
 *   would have sent: MPTCP options stripped, the DATA_FIN turned into a
 *   FIN, and the FIN that stood for the client's DATA_FIN acknowledged)
 *   and go through mpx_s2c(). The kernel's own DSS on that frame is the
 *   oracle for the DSS the gateway builds: the gateway stands in for the
 *   server. Where the kernel's DSS is exactly the one the gateway builds,
 *   the whole emitted segment must equal the captured one byte for byte.
 *
 * The connection and its initial subflow are set up as the daemon's
 * install() does. Capture order matters: the client's frames record its
 * mappings (the subflow's ring), the server's frames that acknowledge them
 * come later, and the subflow acknowledgement the gateway derives from
 * them must be the one the kernel gave: on one subflow without
 * reinjection, "the server acknowledged the data these subflow bytes
 * carry" and "the kernel acknowledged these subflow bytes" are the same.
 *
 * Places where the kernel is not a plain TCP peer are allowed for
 * explicitly: Linux's DATA_ACK can lag its own subflow ACK (the gateway's
 * follows the plain server's ACK, so it is then ahead of the kernel's,
 * never behind); segments without data carry the gateway's own next
 * sequence number (past the FIN the client's DATA_FIN became) and, without
 * a DATA_ACK, the last acknowledgement the gateway sent; and the server's
 * SACK blocks, in the server's space, are not passed on.
 *
 * The replay stops at the first MP_FAIL or infinite mapping (the gateway
 * does not implement that exchange from the server's side), and once both
 * FINs are acknowledged (what the real client sent after that answered a
 * real MPTCP peer; test_translate_synth.c covers the gateway's side).
 */
#include <criterion/criterion.h>
#include "tcore.h"

struct replay {
	const struct vec_conn *c;
	const struct vec_subflow *sf;
	struct mpx_conn conn;
	struct mpx_sf gsf; /* the gateway's record of the initial subflow */
	/* what the replay has seen so far */
	int c_datafin;	       /* the gateway sent the client's FIN */
	uint32_t c_fin_seq;    /* at this server-side seq */
	uint64_t c_datafin_dsn;
	uint32_t c_nxt;	       /* next server-side seq after what went to the server */
	uint32_t c_ack;	       /* the last acknowledgement that went to the server */
	uint32_t rcv_hi;       /* end of the highest client subflow byte (FIN counted) */
	int s_datafin;	       /* the gateway sent a DATA_FIN */
	uint64_t s_datafin_dsn;
	int stopped;
	unsigned n_c2s, n_s2c, n_exact, n_maps, n_csum;
	unsigned n_ack_same, n_ack_lag; /* kernel DATA_ACK == / < its TCP ack */
	unsigned n_sf_ack;		/* server frames whose subflow ACK was compared */
	unsigned n_fin_held;		/* ... where the server acknowledged a FIN the subflow never sent */
	unsigned n_nodata_moved;	/* data-less client frames given c_nxt != their seq */
	unsigned n_sack;		/* server frames whose SACK blocks were removed */
};

static int same_ep(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	return ap == bp && !memcmp(a, b, 16);
}

/* Does every data mapping of c sit on the initial subflow at DSN = IDSN + SSN?
 * (Then the initial subflow's sequence numbers are the data sequence.) */
static const struct vec_subflow *eligible(const struct vec_conn *c, const char **why)
{
	const struct vec_subflow *sf = NULL;
	int sfi = -1;

	for (unsigned i = 0; i < c->nsub; i++)
		if (!c->sub[i].join) {
			sf = &c->sub[i];
			sfi = (int)i;
		}
	if (!sf || c->version != 1) {
		*why = "no initial subflow / not v1";
		return NULL;
	}
	for (unsigned m = 0; m < c->nmap; m++) {
		const struct vec_mapping *mp = &c->map[m];
		uint64_t idsn = mp->from_client ? c->idsn_c : c->idsn_s;

		if (mp->source == VEC_MAP_DATAFIN)
			continue;
		if (mp->subflow != sfi) {
			*why = "data on another subflow";
			return NULL;
		}
		if (mp->dsn != idsn + mp->ssn) {
			*why = "DSN and SSN spaces differ";
			return NULL;
		}
	}
	return sf;
}

static void setup(struct replay *r, const struct vec_conn *c, const struct vec_subflow *sf)
{
	const struct vec_frame *sa = vec_frame_get(c->pcap, c->synack_frame);
	struct ref_hdr h;
	/* the gateway stands in for the server */
	struct mpx_conn_params a = { .key_c = c->key_c, .key_g = c->key_s,
				     .c_ws = MPX_WS_NONE, .s_ws = MPX_WS_NONE };

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->sf = sf;
	mpx_key_token_idsn(c->key_c, &a.token_c, &a.idsn_c);
	cr_expect_eq(a.idsn_c, c->idsn_c, "%s", c->id);
	mpx_key_token_idsn(c->key_s, &a.token_g, &a.idsn_g);
	cr_expect_eq(a.idsn_g, c->idsn_s, "%s", c->id);
	/* the daemon takes c_seq0 from the SYN-ACK's ack: client ISN + 1 (+ TFO data) */
	a.synack_seq = sf->isn_resp;
	a.synack_ack = sf->isn_init + 1;
	if (sa && !ref_parse(sa->data, sa->len, &h)) {
		if (!c->tfo)
			cr_expect_eq(h.ack, sf->isn_init + 1, "%s", c->id);
		a.synack_ack = h.ack;
	}
	a.flags = c->csum ? MPX_CF_CSUM : 0;
	/* the 4-tuple, from the client's point of view */
	memcpy(a.key.c_addr, sf->init_addr, 16);
	memcpy(a.key.s_addr, sf->resp_addr, 16);
	a.key.c_port = sf->init_port;
	a.key.s_port = sf->resp_port;
	a.key.v6 = sf->family == 6;
	mpx_conn_init(&r->conn, &r->gsf, &a);
	/* the replay's own account of the same */
	r->c_nxt = r->conn.c_seq0;
	r->c_ack = r->conn.s_seq0;
	r->rcv_hi = r->conn.c_seq0;
}

/* Is the DSS's DATA_FIN carried by this segment? (rel: seq relative to ISN) */
static int datafin_here(const struct ref_dss *d, uint32_t rel, size_t plen)
{
	if (!d->present || !d->has_map || !d->fin)
		return 0;
	if (d->dlen == 1 && d->ssn == 0)
		return plen == 0;
	return rel + plen == d->ssn + d->dlen - 1u;
}

static const struct vec_dss_csum *corrupted_at(const struct vec_conn *c, uint32_t frame)
{
	for (unsigned i = 0; i < vec_n_dss_csums; i++) {
		const struct vec_dss_csum *v = &vec_dss_csums[i];

		if (!v->corrupted || strcmp(v->pcap, c->pcap))
			continue;
		for (unsigned k = 0; k < v->nframes; k++)
			if (v->frames[k] == frame)
				return v;
	}
	return NULL;
}

static void emit_ok(const struct vec_frame *f, const struct mpx_pkt *p, const struct mpx_tx *tx,
		    const uint8_t *in)
{
	uint8_t out[2048];
	size_t len = emit_frame(out, in, p, tx, 0);
	struct ref_hdr h;

	cr_assert_eq(ref_parse(out, len, &h), 0, "%s#%u", f->id, f->frame);
	cr_expect(ref_tcp_ok(h.ip, h.ip_len), "%s#%u: emitted checksums", f->id, f->frame);
}

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void do_c2s(struct replay *r, const struct vec_frame *f, const struct ref_hdr *h)
{
	struct mpx_conn *cn = &r->conn;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	struct ref_dss rd;
	uint8_t want[40];
	int wl, fin_here, fin_out, sub_fin = !!(h->flags & MPX_TCP_FIN);
	/* subflow-relative: SSN 1 is c_seq0 (after any TFO data in the SYN) */
	uint32_t rel = h->seq - (r->conn.c_seq0 - 1), exp_seq, exp_ack, end;

	memset(&v, 0, sizeof(v));
	memset(&tx, 0, sizeof(tx));
	ref_dss_of_area(h->opt, (int)h->optlen, &rd);
	cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK);
	mpx_c2s(cn, &r->gsf, &p, &tx, &v, 0);
	r->n_c2s++;

	cr_expect_eq(v.act, MPX_ACT_FWD, "%s#%u: act %d (%s)", f->id, f->frame, v.act, evs(&v));
	cr_expect(!has_ev(&v, MPX_ST_DATA_CSUM_ERR), "%s#%u: the kernel's DSS checksum rejected", f->id, f->frame);
	cr_expect(!has_ev(&v, MPX_ST_DSS_NOT_MATCHING), "%s#%u", f->id, f->frame);
	cr_expect(!has_ev(&v, MPX_ST_DATA_ACK_INVALID), "%s#%u", f->id, f->frame);
	cr_expect(!has_ev(&v, MPX_ST_MPC_KEY_MISMATCH), "%s#%u", f->id, f->frame);
	/* options: no MPTCP, the others byte for byte and in order */
	wl = ref_strip_mptcp_pad(h->opt, (int)h->optlen, want);
	cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 0, "%s#%u", f->id, f->frame);
	cr_expect_eq(tx.opt.len, wl, "%s#%u", f->id, f->frame);
	cr_expect_arr_eq(tx.opt.b, want, (size_t)wl, "%s#%u options", f->id, f->frame);

	if ((h->flags & MPX_TCP_RST) || ref_find_mptcp(h->opt, (int)h->optlen, MPX_MP_FASTCLOSE) >= 0) {
		/* the server hears a RST where the gateway stands, nothing more */
		cr_expect(tx.flags & MPX_TCP_RST, "%s#%u", f->id, f->frame);
		cr_expect_eq(tx.seq, r->c_nxt, "%s#%u", f->id, f->frame);
		cr_expect_eq(tx.ack, r->c_ack, "%s#%u", f->id, f->frame);
		cr_expect_eq(tx.plen, 0, "%s#%u", f->id, f->frame);
		cr_expect(cn->state & MPX_CS_RST);
		emit_ok(f, &p, &tx, f->data);
		r->stopped = 1;
		return;
	}
	cr_expect_eq(tx.plen, h->plen, "%s#%u: payload kept", f->id, f->frame);

	/* sequence number: data at its own number (the subflow's numbers are
	 * the data's here); a DATA_FIN alone at its DSN's place; a subflow FIN
	 * after the DATA_FIN on the FIN the server has; anything else without
	 * data at the gateway's next sequence number, which is past the FIN
	 * the DATA_FIN became (the client's subflow has not sent one) */
	fin_here = datafin_here(&rd, rel, h->plen);
	if (h->plen)
		exp_seq = h->seq;
	else if (fin_here && rd.dlen == 1 && rd.ssn == 0)
		exp_seq = cn->c_seq0 + (uint32_t)((rd.dsn8 ? rd.dsn : mpx_widen(cn->c2s_ref, (uint32_t)rd.dsn)) -
						  (cn->idsn_c + 1));
	else if (sub_fin && r->c_datafin)
		exp_seq = r->c_fin_seq;
	else
		exp_seq = r->c_nxt;
	if (!h->plen && exp_seq != h->seq)
		r->n_nodata_moved++;
	cr_expect_eq(tx.seq, exp_seq, "%s#%u: seq %u, want %u", f->id, f->frame, tx.seq, exp_seq);

	/* acknowledgement: the DATA_ACK mapped to the server's space, else the
	 * last one the gateway sent. On a single subflow it is the TCP ack, or
	 * behind it when the kernel's DATA_ACK lags its subflow ACK; it also
	 * counts the server's FIN once the client acknowledged the DATA_FIN
	 * that stood for it. */
	exp_ack = r->c_ack;
	if (rd.present && rd.has_ack) {
		uint32_t da = (uint32_t)rd.data_ack, tcp_ack = h->ack;

		exp_ack = cn->s_seq0 + (da - (uint32_t)(cn->idsn_g + 1));
		if (r->s_datafin && da == (uint32_t)(r->s_datafin_dsn + 1) && tcp_ack + 1 == exp_ack)
			tcp_ack++; /* the DATA_FIN's FIN */
		cr_expect((int32_t)(tcp_ack - exp_ack) >= 0,
			  "%s#%u: DATA_ACK %#llx is ahead of the TCP ack %u", f->id, f->frame,
			  (unsigned long long)rd.data_ack, h->ack);
		if (exp_ack == tcp_ack)
			r->n_ack_same++;
		else
			r->n_ack_lag++;
	}
	cr_expect_eq(tx.ack, exp_ack, "%s#%u: ack %u, want %u", f->id, f->frame, tx.ack, exp_ack);
	r->c_ack = exp_ack;

	/* FIN exactly where the DATA_FIN is, plus the subflow's own; every
	 * other flag bit (ECE and CWR too) as the client sent it */
	fin_out = fin_here || sub_fin;
	cr_expect_eq(!!(tx.flags & MPX_TCP_FIN), fin_out, "%s#%u: FIN %d", f->id, f->frame,
		     !!(tx.flags & MPX_TCP_FIN));
	cr_expect_eq(tx.flags & ~MPX_TCP_FIN, h->flags & ~MPX_TCP_FIN, "%s#%u: flags %#x, sent %#x", f->id,
		     f->frame, tx.flags, h->flags);
	cr_expect_eq(tx.win, h->win);
	cr_expect(!memcmp(tx.saddr, h->saddr, 16) && !memcmp(tx.daddr, h->daddr, 16) &&
			  tx.sport == h->sport && tx.dport == h->dport,
		  "%s#%u: 4-tuple changed", f->id, f->frame);
	emit_ok(f, &p, &tx, f->data);

	if (fin_here && !r->c_datafin) {
		r->c_datafin = 1;
		r->c_fin_seq = exp_seq + (uint32_t)h->plen;
		r->c_datafin_dsn = (rd.dsn8 ? rd.dsn : mpx_widen(cn->c2s_ref, (uint32_t)rd.dsn)) + rd.dlen - 1;
		cr_expect(has_ev(&v, MPX_ST_DATA_FIN_RX), "%s#%u", f->id, f->frame);
		cr_expect(cn->state & MPX_CS_C_DATAFIN);
		cr_expect_eq(cn->c_fin_seq, r->c_fin_seq, "%s#%u", f->id, f->frame);
	}
	if (seq_after(exp_seq + h->plen + (uint32_t)fin_out, r->c_nxt))
		r->c_nxt = exp_seq + h->plen + (uint32_t)fin_out;
	cr_expect_eq(cn->c_nxt, r->c_nxt, "%s#%u: c_nxt %u, want %u", f->id, f->frame, cn->c_nxt, r->c_nxt);
	cr_expect_eq(cn->c_ack, r->c_ack, "%s#%u", f->id, f->frame);

	/* the subflow's record: the highest byte seen, its FIN */
	end = h->seq + h->plen + (uint32_t)sub_fin;
	if (seq_after(end, r->rcv_hi))
		r->rcv_hi = end;
	cr_expect_eq(r->gsf.rcv_hi, r->rcv_hi, "%s#%u: rcv_hi %u, want %u", f->id, f->frame, r->gsf.rcv_hi,
		     r->rcv_hi);
	if (sub_fin) {
		cr_expect(cn->state & MPX_CS_C_SUBFIN, "%s#%u", f->id, f->frame);
		cr_expect(r->gsf.flags & MPX_SF_C_FIN, "%s#%u", f->id, f->frame);
		cr_expect_eq(r->gsf.fin_seq, h->seq + h->plen, "%s#%u", f->id, f->frame);
	}
}

static void do_s2c(struct replay *r, const struct vec_frame *f, const struct ref_hdr *h)
{
	struct mpx_conn *cn = &r->conn;
	struct ref_dss rd, gd;
	struct fb b;
	uint8_t plain_opt[40], plain[2048], a1[40], a2[40];
	size_t plen;
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct mpx_verdict v;
	uint32_t rel = h->seq - r->sf->isn_resp;
	int fin, exact = 0;

	ref_dss_of_area(h->opt, (int)h->optlen, &rd);
	fin = datafin_here(&rd, rel, h->plen) || (h->flags & MPX_TCP_FIN);

	/* the plain server's segment */
	fb_from(&b, h);
	b.optlen = ref_strip_mptcp_pad(h->opt, (int)h->optlen, plain_opt);
	b.opt = plain_opt;
	if (fin)
		b.flags |= MPX_TCP_FIN;
	/* a plain server acknowledges the FIN that stood for the client's
	 * DATA_FIN; the kernel acknowledged it at the data level only */
	if (r->c_datafin && rd.present && rd.has_ack && h->ack == r->c_fin_seq &&
	    (uint32_t)rd.data_ack == (uint32_t)(r->c_datafin_dsn + 1))
		b.ack = r->c_fin_seq + 1;
	plen = fb_build(plain, sizeof(plain), &b);
	cr_assert_gt(plen, 0);
	cr_assert_eq(mpx_pkt_load(&p, plain, (uint32_t)plen), MPX_PKT_OK);

	memset(&v, 0, sizeof(v));
	memset(&tx, 0, sizeof(tx));
	s2c_multi(cn, (struct mpx_sf *[]){ &r->gsf }, 1, &p, &tx, &v, 0, 0);
	r->n_s2c++;

	if (h->flags & MPX_TCP_RST) {
		int off = ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_FASTCLOSE);
		int koff = ref_find_mptcp(h->opt, (int)h->optlen, MPX_MP_FASTCLOSE);

		cr_expect(tx.flags & MPX_TCP_RST, "%s#%u", f->id, f->frame);
		cr_assert_geq(off, 0, "%s#%u: no MP_FASTCLOSE", f->id, f->frame);
		cr_expect_eq(be64(tx.opt.b + off + 4), cn->key_c);
		if (koff >= 0)
			cr_expect_eq(be64(h->opt + koff + 4), be64(tx.opt.b + off + 4),
				     "%s#%u: the kernel's MP_FASTCLOSE key", f->id, f->frame);
		cr_expect_geq(ref_find_mptcp(tx.opt.b, tx.opt.len, MPX_MP_TCPRST), 0);
		r->stopped = 1;
		return;
	}

	cr_expect_eq(v.act, MPX_ACT_FWD, "%s#%u: act %d (%s)", f->id, f->frame, v.act, evs(&v));
	cr_expect(!has_ev(&v, MPX_ST_DSS_NO_ROOM), "%s#%u", f->id, f->frame);
	cr_expect_eq(tx.seq, h->seq, "%s#%u", f->id, f->frame);
	cr_expect_eq(tx.plen, h->plen, "%s#%u", f->id, f->frame);
	/* the subflow acknowledgement: the client's subflow bytes whose data
	 * the (plain) server acknowledged. With the subflow's numbers being
	 * the data's and no reinjection, exactly what the kernel acknowledged
	 * on its subflow: also right after the client's DATA_FIN, where the
	 * plain server acknowledges the FIN and the kernel only the data (the
	 * client's subflow has sent no FIN yet), and after the subflow FIN. */
	cr_expect_eq(tx.ack, h->ack, "%s#%u: ack %u, the kernel's %u (server's %u)", f->id, f->frame, tx.ack,
		     h->ack, b.ack);
	cr_expect(!seq_after(tx.ack, r->rcv_hi), "%s#%u: ack %u beyond what the client sent (%u)", f->id, f->frame,
		  tx.ack, r->rcv_hi);
	cr_expect_eq(r->gsf.ack, tx.ack, "%s#%u", f->id, f->frame);
	r->n_sf_ack++;
	if (b.ack != h->ack)
		r->n_fin_held++;
	cr_expect_eq(tx.flags, b.flags | (h->flags & 0xc0), "%s#%u: flags %#x want %#x", f->id, f->frame, tx.flags,
		     b.flags);
	cr_expect_eq(tx.win, h->win);

	/* one MPTCP option, the DSS; everything else as the server sent it,
	 * but its SACK blocks (in the server's space, not the subflow's) */
	cr_expect_eq(ref_count_mptcp(tx.opt.b, tx.opt.len), 1, "%s#%u", f->id, f->frame);
	cr_expect_eq(ref_count_kind(tx.opt.b, tx.opt.len, MPX_OPT_SACK), 0, "%s#%u", f->id, f->frame);
	cr_expect_eq(tx.opt.len & 3, 0);
	cr_expect_leq(tx.opt.len, 40);
	if (ref_count_kind(h->opt, (int)h->optlen, MPX_OPT_SACK))
		r->n_sack++;
	{
		int l1 = ref_strip_mptcp(tx.opt.b, tx.opt.len, a1);
		int l2 = ref_strip_mptcp_sack(h->opt, (int)h->optlen, a2);

		cr_expect_eq(l1, l2, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(a1, a2, (size_t)l2, "%s#%u: kept options", f->id, f->frame);
	}
	ref_dss_of_area(tx.opt.b, tx.opt.len, &gd);
	cr_assert(gd.present, "%s#%u: no DSS", f->id, f->frame);
	cr_expect(gd.has_ack && gd.ack8, "%s#%u", f->id, f->frame);
	/* DATA_ACK: the plain server's ack in the client's data space. The
	 * kernel's DATA_ACK is the same whenever it kept up with its own TCP
	 * ack, and never ahead of it. */
	{
		uint32_t low = (uint32_t)(cn->idsn_c + 1) + (b.ack - cn->c_seq0);

		cr_expect_eq((uint32_t)gd.data_ack, low, "%s#%u: DATA_ACK", f->id, f->frame);
		if (rd.present && rd.has_ack) {
			uint64_t k64 = rd.ack8 ? rd.data_ack : mpx_widen(gd.data_ack, (uint32_t)rd.data_ack);

			cr_expect_geq((int64_t)(gd.data_ack - k64), 0, "%s#%u: DATA_ACK %#llx behind the kernel's %#llx",
				      f->id, f->frame, (unsigned long long)gd.data_ack, (unsigned long long)k64);
			if ((uint32_t)k64 == low) {
				cr_expect_eq(gd.data_ack, k64, "%s#%u: DATA_ACK %#llx, kernel %#llx", f->id, f->frame,
					     (unsigned long long)gd.data_ack, (unsigned long long)k64);
				r->n_ack_same++;
			} else {
				r->n_ack_lag++;
			}
		}
	}
	cr_expect_eq(gd.has_csum, gd.has_map && r->c->csum, "%s#%u", f->id, f->frame);

	if (rd.present && rd.has_map && rd.dlen) {
		uint64_t kdsn = rd.dsn8 ? rd.dsn : mpx_widen(gd.dsn, (uint32_t)rd.dsn);
		const struct vec_dss_csum *bad = corrupted_at(r->c, f->frame);

		cr_assert(gd.has_map, "%s#%u: the kernel mapped this segment, the gateway did not", f->id, f->frame);
		r->n_maps++;
		if (rd.fin && rd.dlen == 1 && rd.ssn == 0) {
			cr_expect(gd.fin && gd.dlen == 1 && gd.ssn == 0, "%s#%u: DATA_FIN form", f->id, f->frame);
			cr_expect_eq(gd.dsn, kdsn, "%s#%u: DATA_FIN DSN", f->id, f->frame);
			exact = 1;
		} else {
			uint32_t span = rd.dlen - rd.fin, off = rel - rd.ssn;

			cr_expect(off < span && off + h->plen <= span, "%s#%u: segment outside the kernel's mapping",
				  f->id, f->frame);
			cr_expect_eq(gd.dsn, kdsn + off, "%s#%u: DSN %#llx, kernel %#llx + %u", f->id, f->frame,
				     (unsigned long long)gd.dsn, (unsigned long long)kdsn, off);
			cr_expect_eq(gd.ssn, rd.ssn + off, "%s#%u: SSN", f->id, f->frame);
			cr_expect_eq(gd.fin, rd.fin && off + h->plen == span, "%s#%u: DATA_FIN", f->id, f->frame);
			cr_expect_eq(gd.dlen, h->plen + gd.fin, "%s#%u: length", f->id, f->frame);
			exact = off == 0 && h->plen == span;
			if (exact)
				cr_expect_eq(gd.dlen, rd.dlen, "%s#%u", f->id, f->frame);
		}
		if (r->c->csum) {
			uint16_t want = ref_dss_csum(gd.dsn, gd.ssn, gd.dlen, h->payload, h->plen);

			cr_expect_eq(gd.csum, want, "%s#%u: DSS checksum %#06x, want %#06x", f->id, f->frame,
				     gd.csum, want);
			if (exact && !bad) {
				cr_expect_eq(gd.csum, rd.csum, "%s#%u: DSS checksum %#06x, kernel %#06x", f->id,
					     f->frame, gd.csum, rd.csum);
				r->n_csum++;
			}
			if (bad)
				cr_expect_neq(gd.csum, rd.csum, "%s#%u: corrupted payload, kernel checksum", f->id,
					      f->frame);
		}
	} else if (fin) {
		/* a subflow FIN after the DATA_FIN: the DATA_FIN again */
		cr_expect(gd.has_map && gd.fin && gd.dlen == 1 && gd.ssn == 0, "%s#%u", f->id, f->frame);
		if (r->s_datafin)
			cr_expect_eq(gd.dsn, r->s_datafin_dsn, "%s#%u", f->id, f->frame);
	} else {
		cr_expect_not(gd.has_map, "%s#%u: mapping on a segment without data", f->id, f->frame);
		cr_expect_eq(h->plen, 0, "%s#%u: payload without a kernel mapping", f->id, f->frame);
		exact = 1;
	}
	if (gd.has_map && gd.fin) {
		r->s_datafin = 1;
		r->s_datafin_dsn = gd.dsn + gd.dlen - 1;
		cr_expect(cn->state & MPX_CS_S_FIN);
	}

	/* where the kernel's DSS is the very DSS the gateway builds, the
	 * whole segment is the kernel's, byte for byte */
	if (exact && rd.present && rd.has_ack && rd.ack8 && (!rd.has_map || rd.dsn8) &&
	    gd.data_ack == rd.data_ack && b.flags == (h->flags & 0x3f) && b.ack == h->ack &&
	    ref_count_mptcp(h->opt, (int)h->optlen) == 1 &&
	    !ref_count_kind(h->opt, (int)h->optlen, MPX_OPT_SACK) &&
	    !corrupted_at(r->c, f->frame)) {
		uint8_t out[2048];
		size_t len = emit_frame(out, plain, &p, &tx, 0);

		cr_expect_eq(tx.opt.len, h->optlen, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(tx.opt.b, h->opt, h->optlen, "%s#%u: options\n got %s\nkern %s", f->id,
				 f->frame, hexs(tx.opt.b, tx.opt.len), hexs(h->opt, h->optlen));
		cr_expect_eq(len, f->len, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(out + 14, f->data + 14, len - 14, "%s#%u: segment differs from the kernel's",
				 f->id, f->frame);
		r->n_exact++;
	}
	emit_ok(f, &p, &tx, plain);
}

static void replay(struct replay *r)
{
	const struct vec_conn *c = r->c;
	const struct vec_subflow *sf = r->sf;
	uint32_t first = (c->ack_frame ? c->ack_frame : c->synack_frame) + 1;

	for (uint32_t n = first; n <= sf->last_frame && !r->stopped; n++) {
		const struct vec_frame *f = vec_frame_get(c->pcap, n);
		struct ref_hdr h;
		struct ref_dss rd;

		if (!f || ref_parse(f->data, f->len, &h))
			continue;
		ref_dss_of_area(h.opt, (int)h.optlen, &rd);
		if (ref_find_mptcp(h.opt, (int)h.optlen, MPX_MP_FAIL) >= 0 ||
		    (rd.present && rd.has_map && rd.dlen == 0)) {
			cr_log_info("%s: replay stops at frame %u (MP_FAIL / infinite mapping)", c->id, n);
			r->stopped = 2;
			break;
		}
		if (MPX_CS_CLOSED(r->conn.state)) {
			/* both FINs acknowledged: the server side is gone; what
			 * the client still sends answered a real MPTCP peer */
			cr_log_info("%s: closed before frame %u", c->id, n);
			break;
		}
		if (same_ep(h.saddr, h.sport, sf->init_addr, sf->init_port) &&
		    same_ep(h.daddr, h.dport, sf->resp_addr, sf->resp_port))
			do_c2s(r, f, &h);
		else if (same_ep(h.saddr, h.sport, sf->resp_addr, sf->resp_port) &&
			 same_ep(h.daddr, h.dport, sf->init_addr, sf->init_port))
			do_s2c(r, f, &h);
	}
}

Test(translate, real_traffic_single_subflow)
{
	unsigned used = 0, exact = 0, maps = 0, csums = 0, csum_conns = 0;

	cr_assert_gt(vec_n_conns, 0);
	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		const char *why = "";
		const struct vec_subflow *sf = eligible(c, &why);
		struct replay r;

		if (!sf) {
			cr_log_info("%s: not replayed (%s)", c->id, why);
			continue;
		}
		setup(&r, c, sf);
		replay(&r);
		cr_log_info("%s: %u c2s + %u s2c frames, %u kernel mappings compared, %u byte-exact, "
			    "%u checksums equal, DATA_ACK in step with the TCP ack %u times, behind %u; "
			    "%u subflow ACKs equal the kernel's (%u of them short of the server's by the "
			    "FIN the DATA_FIN became), %u data-less client segments moved to c_nxt, "
			    "%u server SACKs removed",
			    c->id, r.n_c2s, r.n_s2c, r.n_maps, r.n_exact, r.n_csum, r.n_ack_same, r.n_ack_lag,
			    r.n_sf_ack, r.n_fin_held, r.n_nodata_moved, r.n_sack);
		cr_expect_gt(r.n_c2s, 0, "%s", c->id);
		cr_expect_gt(r.n_s2c, 0, "%s", c->id);
		cr_expect_gt(r.n_sf_ack, 0, "%s", c->id);
		/* a complete clean close leaves the connection closed */
		if (!r.stopped && r.c_datafin && r.s_datafin)
			cr_expect(MPX_CS_CLOSED(r.conn.state), "%s: state %#x after a clean close", c->id,
				  r.conn.state);
		used++;
		csum_conns += c->csum;
		exact += r.n_exact;
		maps += r.n_maps;
		csums += r.n_csum;
	}
	cr_assert_gt(used, 0, "no connection could be replayed");
	cr_expect_gt(maps, 0);
	cr_expect_gt(exact, 0);
	if (csum_conns)
		cr_expect_gt(csums, 0, "checksummed connections replayed, but no DSS checksum compared");
}

/* The connections the public set is known to hold must be among those
 * replayed: guards eligible() against silently skipping everything. */
Test(translate, known_connections_eligible)
{
	const char *want[] = { "s01_plain_v4/conn/0", "s05_dss_checksum/conn/0" };
	unsigned seen = 0;

	for (unsigned k = 0; k < 2; k++) {
		const struct vec_conn *c = vec_conn_get(want[k]);
		const char *why = "";

		if (!c)
			continue; /* a different vector set */
		seen++;
		cr_expect_not_null(eligible(c, &why), "%s: %s", want[k], why);
	}
	if (!seen) {
		unsigned any = 0;

		for (unsigned i = 0; i < vec_n_conns; i++) {
			const char *why;

			any += eligible(&vec_conns[i], &why) != NULL;
		}
		cr_expect_gt(any, 0);
	}
}
