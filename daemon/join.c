// SPDX-License-Identifier: GPL-2.0
/*
 * MP_JOIN (RFC 8684 3.2), answered by the gateway for every live
 * connection (docs/design.md "Joins").
 *
 *   SYN + MP_JOIN(token, R_A)    token -> connection; the gateway's SYN-ACK
 *                                with HMAC-B (64 bits) and R_B, sent here
 *   ACK + MP_JOIN(HMAC-A)        160 bits verified; the subflow goes into
 *                                the maps and the ACK is re-run through the
 *                                fast path, which activates the subflow and
 *                                acknowledges it (mpx_join_established)
 *
 * Between the two the daemon keeps the nonces in a small table; a join
 * whose SYN it has not seen (a daemon restart in between) is reset and the
 * client tries again. Refusals are RSTs with MP_TCPRST, counted.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "names.h"
#include "mpxdp/translate.h"

#define JOIN_TABLE 1024	       /* pending joins (a power of two) */
#define JOIN_PROBE 8	       /* slots tried per key */
#define JOIN_TIMEOUT_NS 10000000000ULL /* a SYN-ACK unanswered this long is forgotten */

struct join_pending {
	struct mpx_flow_key k;
	uint64_t ts_ns; /* 0: a free slot */
	uint32_t conn_id;
	uint32_t nonce_c, nonce_g;
	uint32_t isn_c, isn_g;
	uint8_t addr_id, backup, c_ws;
};

static struct join_pending table[JOIN_TABLE];

static uint32_t key_hash(const struct mpx_flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The entry for k, or (create) a free or expired slot for it; NULL if none. */
static struct join_pending *slot(const struct mpx_flow_key *k, uint64_t now, int create)
{
	uint32_t h = key_hash(k);
	struct join_pending *free_slot = NULL;

	for (int i = 0; i < JOIN_PROBE; i++) {
		struct join_pending *e = &table[(h + i) & (JOIN_TABLE - 1)];
		int live = e->ts_ns && now - e->ts_ns < JOIN_TIMEOUT_NS;

		if (live && !memcmp(&e->k, k, sizeof(*k)))
			return e;
		if (!live && !free_slot)
			free_slot = e;
	}
	return create ? free_slot : NULL;
}

/* Send a segment the gateway makes up itself, by raw socket. */
static void send_tx(struct daemon *d, const struct mpx_pkt *p, const struct mpx_tx *tx)
{
	struct mpx_hdr h;
	struct sockaddr_storage ss = {};
	socklen_t sl;

	mpx_emit(&h, p, tx, 0, 0);
	if (p->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, tx->daddr, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, tx->daddr, 4);
		sl = sizeof(*s4);
	}
	if (sendto(p->v6 ? d->raw6 : d->raw4, h.b, h.len, 0, (struct sockaddr *)&ss, sl) < 0)
		mpx_warn("raw_send_failed", "err=\"%s\"", strerror(errno));
}

static void refuse(struct daemon *d, const struct mpx_pkt *p, enum mpx_stat why, int reason,
		   const char *what)
{
	struct mpx_flow_key k;
	struct mpx_tx tx = {};
	char ep[64];

	mpx_reset_reply(&tx, p, reason);
	send_tx(d, p, &tx);
	counter_add(d, why, 1);
	mpx_flow_key_of(&k, p, 1);
	mpx_fmt_endpoint(ep, sizeof(ep), k.c_addr, k.v6, k.c_port);
	mpx_info("join_refused", "client=%s reason=%s", ep, what);
}

/* A connection that can take another subflow; its free index in *idx. */
static int joinable(struct daemon *d, uint32_t id, struct mpx_conn *c, uint32_t *idx)
{
	struct mpx_sf_key sk = { .conn_id = id };
	struct mpx_sf sf;

	if (bpf_map_lookup_elem(d->maps.conns, &id, c))
		return 0;
	/* a half-closed connection may still have much to send: only one
	 * closed both ways, or reset, takes no more subflows */
	if ((c->state & (MPX_CS_C_DATAFIN | MPX_CS_S_FIN)) == (MPX_CS_C_DATAFIN | MPX_CS_S_FIN) ||
	    (c->state & (MPX_CS_RST | MPX_CS_DEAD)))
		return 0;
	for (sk.idx = 1; sk.idx < d->o.max_subflows && sk.idx < MPX_SF_MAX; sk.idx++) {
		if (bpf_map_lookup_elem(d->maps.subflows, &sk, &sf)) {
			*idx = sk.idx;
			return 1;
		}
	}
	return 0;
}

static void join_syn(struct daemon *d, const struct mpx_pkt *p, uint64_t now)
{
	const struct mpx_join *j = &p->opts.mp.join;
	struct join_pending *e;
	struct mpx_flow_key k;
	struct mpx_conn c;
	struct mpx_tx tx = {};
	uint32_t id, idx;
	uint8_t hmac[32];
	uint64_t thmac;

	if (j->len != MPX_JOIN_LEN_SYN)
		return; /* the fast path hands over only SYNs and third ACKs */
	if (bpf_map_lookup_elem(d->maps.tokens, &j->token, &id)) {
		refuse(d, p, MPX_ST_JOIN_NO_TOKEN, MPX_RST_MPTCP_ERR, "unknown_token");
		return;
	}
	if (!joinable(d, id, &c, &idx)) {
		refuse(d, p, MPX_ST_JOIN_REJECTED, MPX_RST_ADMIN, "subflow_limit_or_closing");
		return;
	}
	mpx_flow_key_of(&k, p, 1);
	e = slot(&k, now, 1);
	if (!e) {
		refuse(d, p, MPX_ST_JOIN_REJECTED, MPX_RST_NO_RESOURCE, "join_table_full");
		return;
	}
	if (!e->ts_ns || memcmp(&e->k, &k, sizeof(k)) || e->isn_c != p->seq) {
		/* a new join (a repeated SYN gets the same answer again) */
		memset(e, 0, sizeof(*e));
		e->k = k;
		e->conn_id = id;
		e->nonce_c = j->nonce;
		e->isn_c = p->seq;
		e->addr_id = j->addr_id;
		e->backup = !!(j->flags & MPX_JOIN_FLAG_B);
		e->c_ws = (p->opts.has & MPX_HAS_WS) ? p->opts.ws : MPX_WS_NONE;
		if (mpx_random(&e->nonce_g, sizeof(e->nonce_g)) ||
		    mpx_random(&e->isn_g, sizeof(e->isn_g)))
			return;
	}
	e->ts_ns = now;
	/* HMAC-B = HMAC(Key-B || Key-A, R-B || R-A), its leftmost 64 bits */
	if (mpx_join_hmac(c.key_g, c.key_c, e->nonce_g, e->nonce_c, hmac))
		return;
	thmac = mpx_get64(hmac);
	/* the server's window scale and clock, so that its windows and
	 * timestamps need no translation on this subflow */
	mpx_join_synack(&tx, p, e->isn_g, (p->opts.has & MPX_HAS_MSS) ? p->opts.mss : 536,
			c.s_ws == MPX_WS_NONE ? 0 : c.s_ws, c.s_tsval, 0, 0, thmac, e->nonce_g);
	send_tx(d, p, &tx);
	counter_add(d, MPX_ST_JOIN_SYN_RX, 1);
}

static void join_ack(struct daemon *d, const struct mpx_punt *r, const struct mpx_pkt *p,
		     uint64_t now)
{
	const struct mpx_join *j = &p->opts.mp.join;
	struct mpx_sf_key sk;
	struct mpx_flow f = {};
	struct mpx_sf sf = {};
	struct join_pending *e;
	struct mpx_flow_key k;
	struct mpx_conn c;
	uint8_t hmac[32];
	char ep[64];

	if (j->len != MPX_JOIN_LEN_ACK)
		return;
	mpx_flow_key_of(&k, p, 1);
	e = slot(&k, now, 0);
	if (!e || p->ack != e->isn_g + 1) {
		if (bpf_map_lookup_elem(d->maps.flows, &k, &f) == 0 && f.sf_idx) {
			/* the client repeated its third ACK before this
			 * subflow was in the maps (Linux does until the
			 * gateway's ACK comes): the fast path answers it now */
			replay_frame(d, r->data, r->len, r->ifindex);
			return;
		}
		refuse(d, p, MPX_ST_JOIN_REJECTED, MPX_RST_MPTCP_ERR, "no_pending_syn");
		return;
	}
	/* HMAC-A = HMAC(Key-A || Key-B, R-A || R-B), 160 bits on the wire */
	if (bpf_map_lookup_elem(d->maps.conns, &e->conn_id, &c) ||
	    mpx_join_hmac(c.key_c, c.key_g, e->nonce_c, e->nonce_g, hmac) ||
	    memcmp(hmac, j->hmac, sizeof(j->hmac))) {
		e->ts_ns = 0;
		refuse(d, p, MPX_ST_JOIN_HMAC_FAIL, MPX_RST_MPTCP_ERR, "bad_hmac");
		return;
	}
	sk.conn_id = e->conn_id;
	if (!joinable(d, e->conn_id, &c, &sk.idx)) {
		e->ts_ns = 0;
		refuse(d, p, MPX_ST_JOIN_REJECTED, MPX_RST_ADMIN, "subflow_limit_or_closing");
		return;
	}
	sf.key = k;
	sf.flags = e->backup ? MPX_SF_BACKUP : 0;
	sf.idx = sk.idx;
	sf.addr_id = e->addr_id;
	sf.c_ws = e->c_ws;
	sf.ssn_base = e->isn_c;
	sf.rcv_hi = sf.ack = sf.ack_sent = e->isn_c + 1;
	if (p->opts.has & MPX_HAS_TS) {
		/* its clock onto the initial subflow's, which the server knows */
		sf.c_tsval = p->opts.tsval;
		sf.ts_delta = c.c_tsval - p->opts.tsval;
	}
	sf.snd_isn = e->isn_g;
	sf.last_ns = now;
	f.conn_id = e->conn_id;
	f.sf_idx = sk.idx;
	if (bpf_map_update_elem(d->maps.subflows, &sk, &sf, BPF_NOEXIST) ||
	    bpf_map_update_elem(d->maps.flows, &k, &f, BPF_NOEXIST)) {
		bpf_map_delete_elem(d->maps.subflows, &sk);
		e->ts_ns = 0;
		refuse(d, p, MPX_ST_JOIN_REJECTED, MPX_RST_NO_RESOURCE, "table_full");
		return;
	}
	e->ts_ns = 0;
	counter_add(d, MPX_ST_JOIN_ACK_RX, 1);
	mpx_fmt_endpoint(ep, sizeof(ep), k.c_addr, k.v6, k.c_port);
	mpx_info("subflow_established", "conn=%u idx=%u client=%s addr_id=%u backup=%u",
		 sk.conn_id, sk.idx, ep, e->addr_id, e->backup);
	/* the fast path activates it and acknowledges the third ACK */
	replay_frame(d, r->data, r->len, r->ifindex);
}

void join_punt(struct daemon *d, const struct mpx_punt *r, const struct mpx_pkt *p)
{
	if (p->flags & MPX_TCP_SYN)
		join_syn(d, p, now_ns());
	else
		join_ack(d, r, p, now_ns());
}

int join_open(struct daemon *d)
{
	d->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	d->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (d->raw4 < 0 || d->raw6 < 0) {
		mpx_err("raw_socket_failed", "err=\"%s\"", strerror(errno));
		return -1;
	}
	return 0;
}

void join_close(struct daemon *d)
{
	close(d->raw4);
	close(d->raw6);
}
