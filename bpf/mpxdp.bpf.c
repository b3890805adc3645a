// SPDX-License-Identifier: GPL-2.0
/*
 * mpxdp fast path: one XDP program on every gateway interface.
 *
 *   parse     -> copy IP/TCP headers into per-CPU scratch, decode
 *   classify  -> tracked flow? half-open handshake? not ours?
 *   translate -> include/mpxdp/translate.h decides what leaves
 *   emit      -> replace the headers in front of the payload, route
 *
 * Everything protocol-specific is in include/mpxdp/; this file is packet
 * access, map lookups and the XDP verdict.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "GPL";

static __always_inline void count(__u32 id, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &id);

	if (c)
		*c += n;
}

static __always_inline const struct mpx_config *get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&config, &zero);
}

static __always_inline int daemon_alive(const struct mpx_config *cfg, __u64 now)
{
	/* signed: a heartbeat written just after `now` was read is fresh */
	return cfg->daemon_hb_ns &&
	       (__s64)(now - cfg->daemon_hb_ns) < (__s64)cfg->hb_timeout_ms * 1000000LL;
}

/* parse: headers into s->pkt. Returns MPX_PKT_*. */
static __always_inline int parse(struct xdp_md *ctx, struct mpx_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 frame = end - data, optlen;
	int rc;

	if ((void *)(eth + 1) > end)
		return MPX_PKT_NOT_TCP;
	__builtin_memset(p, 0, sizeof(*p));
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		p->l3len = MPX_IP4_HLEN;
		if (bpf_xdp_load_bytes(ctx, MPX_ETH_HLEN, p->l3, MPX_IP4_HLEN))
			return MPX_PKT_MALFORMED;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		p->l3len = MPX_IP6_HLEN;
		p->v6 = 1;
		if (bpf_xdp_load_bytes(ctx, MPX_ETH_HLEN, p->l3, MPX_IP6_HLEN))
			return MPX_PKT_MALFORMED;
	} else {
		return MPX_PKT_NOT_TCP;
	}
	rc = mpx_pkt_decode_l3(p, frame - MPX_ETH_HLEN);
	if (rc)
		return rc;
	if (bpf_xdp_load_bytes(ctx, MPX_ETH_HLEN + p->l3len, p->tcp, MPX_TCP_HLEN))
		return MPX_PKT_MALFORMED;
	rc = mpx_pkt_decode_tcp(p);
	if (rc)
		return rc;
	optlen = p->doff - MPX_TCP_HLEN;
	if (optlen > MPX_TCP_OPT_MAX)
		return MPX_PKT_MALFORMED;
	if (optlen &&
	    bpf_xdp_load_bytes(ctx, MPX_ETH_HLEN + p->l3len + MPX_TCP_HLEN, p->opt, optlen))
		return MPX_PKT_MALFORMED;
	mpx_pkt_decode_opts(p);
	return MPX_PKT_OK;
}

/* Is this frame one the daemon re-runs (metadata MPX_REPLAY_MAGIC)? */
static __always_inline int is_replay(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta;
	__u32 *magic = meta;

	return (void *)(magic + 1) <= (void *)(long)ctx->data && *magic == MPX_REPLAY_MAGIC;
}

/* Where a server segment goes, when the scheduler does not decide it:
 * asks each live subflow (mpx_s2c_place), pure ACKs starting at a
 * rotating index so that every subflow that wants one gets its turn. */
struct place_ctx {
	struct mpx_conn *c;
	const struct mpx_pkt *p;
	struct mpx_route *r;
	__u32 id, live, start;
};

static long place_one(__u32 k, void *arg)
{
	struct place_ctx *x = arg;
	struct mpx_sf_key sk = { .conn_id = x->id, .idx = (x->start + k) & (MPX_SF_MAX - 1) };
	struct mpx_sf *sf;

	if (!(x->live & (1u << sk.idx)))
		return 0;
	sf = bpf_map_lookup_elem(&subflows, &sk);
	return sf && mpx_s2c_place(sf, sk.idx, x->c, x->p, x->r);
}

static __always_inline void place(struct mpx_conn *c, __u32 id, const struct mpx_pkt *p,
				  struct mpx_route *r)
{
	struct place_ctx x = { .c = c, .p = p, .r = r, .id = id, .live = mpx_sf_live(c),
			       .start = p->plen ? 0 : (__u32)c->s2c_pkts };

	bpf_loop(MPX_SF_MAX, place_one, &x, 0);
}

static __always_inline void server_segment(struct scratch *s, const struct mpx_config *cfg,
					   struct mpx_conn *conn, __u32 id, __u64 now)
{
	struct mpx_pkt *p = &s->pkt;
	struct mpx_sf_key sk = { .conn_id = id };
	struct mpx_route r;
	struct mpx_sf *sf;

	/* (field by field: an initializer would become a .rodata map, which
	 * every --bpf-object build would then have to carry) */
	r.idx = 0;
	r.ssn = 0;
	r.alloc = 1;
	if (mpx_s2c_prepare(conn, p, now, (__u64)cfg->stall_ms * 1000000ULL, &s->v))
		place(conn, id, p, &r);
	mpx_s2c_route(conn, p, &r, &s->v);
	sk.idx = r.idx;
	sf = bpf_map_lookup_elem(&subflows, &sk);
	if (!sf) {
		s->v.act = MPX_ACT_PASS;
		return;
	}
	mpx_s2c(conn, sf, p, &r, &s->tx, &s->v, now);
	__sync_fetch_and_add(&conn->s2c_pkts, 1);
	__sync_fetch_and_add(&conn->s2c_bytes, p->plen);
}

/* classify + translate: fills s->v (and s->tx when forwarding). */
static __always_inline void classify(struct scratch *s, const struct mpx_iface *ifc,
				     const struct mpx_config *cfg, __u64 now, int replay)
{
	struct mpx_pkt *p = &s->pkt;
	int from_client = ifc->role == MPX_ROLE_CLIENT;
	int alive = daemon_alive(cfg, now);
	struct mpx_halfopen *ho;
	struct mpx_flow *flow;
	struct mpx_conn *conn;
	struct mpx_sf *sf;
	struct mpx_sf_key sk;
	__u32 id;

	mpx_flow_key_of(&s->key, p, from_client);
	flow = bpf_map_lookup_elem(&flows, &s->key);
	if (flow) {
		id = flow->conn_id;
		sk.conn_id = id;
		/* the server talks to the initial subflow's 4-tuple */
		sk.idx = from_client ? flow->sf_idx : 0;
		conn = bpf_map_lookup_elem(&conns, &id);
		sf = bpf_map_lookup_elem(&subflows, &sk);
		if (!conn || !sf) {
			s->v.act = MPX_ACT_PASS;
			return;
		}
		if (!from_client) {
			server_segment(s, cfg, conn, id, now);
			return;
		}
		if ((flow->flags & MPX_FLOW_PENDING) && !replay) {
			if (alive) {
				/* behind segments the daemon still holds: keep
				 * the order (a SYN-cookie server resets a first
				 * ACK that overtook) */
				s->v.act = MPX_ACT_PUNT;
				return;
			}
			/* the daemon died holding them: they are lost (the
			 * client retransmits), the flow must not wait for it */
			flow->flags &= ~MPX_FLOW_PENDING;
		}
		if (flow->sf_idx && MPX_MP_HAS(&p->opts, MPX_MP_JOIN) &&
		    !(p->flags & MPX_TCP_SYN) && p->opts.mp.join.len == MPX_JOIN_LEN_ACK) {
			/* a join's third ACK: the daemon's re-run, or the
			 * client repeating it because the gateway's ACK was lost */
			mpx_join_established(conn, sf, p, &s->tx, &s->v, now);
			return;
		}
		if (!(sf->flags & MPX_SF_ACTIVE)) {
			/* a joined subflow the daemon has not finished yet */
			s->v.act = MPX_ACT_DROP;
			return;
		}
		if (!(p->flags & MPX_TCP_SYN)) {
			mpx_c2s(conn, sf, p, &s->tx, &s->v, now);
			__sync_fetch_and_add(&conn->c2s_pkts, 1);
			__sync_fetch_and_add(&conn->c2s_bytes, p->plen);
			return;
		}
		/* a new SYN on this 4-tuple: the old connection is over */
		mpx_conn_set(conn, MPX_CS_DEAD);
		bpf_map_delete_elem(&flows, &s->key);
		mpx_note(&s->v, MPX_ST_CONN_REPLACED);
	}

	s->v.act = MPX_ACT_PASS;
	if (from_client) {
		if (!p->opts.mptcp_bytes)
			return; /* plain TCP */
		if (MPX_MP_HAS(&p->opts, MPX_MP_JOIN)) {
			/* a join (SYN, or third ACK): the daemon knows the
			 * keys for the HMACs; a SYN for no live token is
			 * refused here, so that a flood of them never reaches
			 * it (RFC 8684 3.2: RST) */
			if (!alive)
				return;
			if ((p->flags & (MPX_TCP_SYN | MPX_TCP_ACK)) == MPX_TCP_SYN &&
			    !bpf_map_lookup_elem(&tokens, &p->opts.mp.join.token)) {
				mpx_reset_reply(&s->tx, p, MPX_RST_MPTCP_ERR);
				mpx_note(&s->v, MPX_ST_JOIN_NO_TOKEN);
				s->v.act = MPX_ACT_TX;
				return;
			}
			mpx_note(&s->v, MPX_ST_JOIN_PUNT);
			s->v.act = MPX_ACT_PUNT;
			return;
		}
		if ((p->flags & (MPX_TCP_SYN | MPX_TCP_ACK)) == MPX_TCP_SYN) {
			if (!MPX_MP_HAS(&p->opts, MPX_MP_CAPABLE))
				return;
			mpx_client_syn(cfg, alive, p, &s->ho, &s->tx, &s->v, now);
			if (s->ho.state)
				bpf_map_update_elem(&halfopen, &s->key, &s->ho, BPF_ANY);
			return;
		}
		ho = bpf_map_lookup_elem(&halfopen, &s->key);
		if (ho)
			mpx_client_pending(alive, ho, p, &s->tx, &s->v);
		else if (alive && p->opts.mp.mpc.len >= MPX_MPC_LEN_ACK) {
			/* a third ACK whose half-open entry a flood evicted: its
			 * echoed key still proves it (the daemon checks) */
			mpx_note(&s->v, MPX_ST_MPC_ACK_RX);
			s->v.act = MPX_ACT_PUNT;
		}
		return;
	}
	if ((p->flags & (MPX_TCP_SYN | MPX_TCP_ACK)) == (MPX_TCP_SYN | MPX_TCP_ACK)) {
		ho = bpf_map_lookup_elem(&halfopen, &s->key);
		if (ho)
			mpx_server_synack(cfg, alive, ho, &s->key, p, &s->tx, &s->v);
	}
}

static __always_inline int punt(struct xdp_md *ctx, const struct mpx_pkt *p)
{
	__u32 len = ctx->data_end - ctx->data;
	struct mpx_punt *r;

	if (len > MPX_PUNT_DATA || len < MPX_ETH_HLEN) {
		count(MPX_ST_PUNT_FAIL, 1);
		return XDP_DROP;
	}
	r = bpf_ringbuf_reserve(&punts, sizeof(*r), 0);
	if (!r) {
		count(MPX_ST_PUNT_FAIL, 1);
		return XDP_DROP;
	}
	r->ifindex = ctx->ingress_ifindex;
	r->len = len;
	r->reason = MPX_MP_HAS(&p->opts, MPX_MP_JOIN) ? MPX_PUNT_JOIN : MPX_PUNT_MPC_ACK;
	if (bpf_xdp_load_bytes(ctx, 0, r->data, len)) {
		bpf_ringbuf_discard(r, 0);
		count(MPX_ST_PUNT_FAIL, 1);
		return XDP_DROP;
	}
	bpf_ringbuf_submit(r, 0);
	count(MPX_ST_PUNT, 1);
	return XDP_DROP;
}

/* Route the rewritten segment: XDP_REDIRECT when the FIB knows the next
 * hop and the egress is one of ours, else let the kernel route it (it
 * resolves neighbours, sends ICMP for TTL and MTU). Returns 1 to redirect. */
static __always_inline int route(struct xdp_md *ctx, struct scratch *s,
				 struct bpf_fib_lookup *fib)
{
	struct mpx_pkt *p = &s->pkt;
	__u32 tot = MPX_TCP_HLEN + s->tx.opt.len + s->tx.plen;

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = ctx->ingress_ifindex;
	fib->l4_protocol = MPX_IPPROTO_TCP;
	fib->sport = bpf_htons(s->tx.sport);
	fib->dport = bpf_htons(s->tx.dport);
	if (!p->v6) {
		if (p->l3[8] <= 1)
			return 0;
		fib->family = AF_INET;
		fib->tos = p->l3[1];
		fib->tot_len = MPX_IP4_HLEN + tot;
		__builtin_memcpy(&fib->ipv4_src, s->tx.saddr, 4);
		__builtin_memcpy(&fib->ipv4_dst, s->tx.daddr, 4);
	} else {
		if (p->l3[7] <= 1)
			return 0;
		fib->family = AF_INET6;
		fib->tot_len = MPX_IP6_HLEN + tot;
		__builtin_memcpy(fib->ipv6_src, s->tx.saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, s->tx.daddr, 16);
	}
	if (bpf_fib_lookup(ctx, fib, sizeof(*fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return 0;
	return bpf_map_lookup_elem(&ifaces, &fib->ifindex) != NULL;
}

/* emit: swap the old headers for s->hdr and send: routed, or back out of
 * the interface it came in on (reply). */
static __always_inline int emit(struct xdp_md *ctx, struct scratch *s, int reply)
{
	struct mpx_pkt *p = &s->pkt;
	struct bpf_fib_lookup fib;
	void *data, *end;
	struct ethhdr *eth;
	int redirect, delta;
	__u32 len;

	redirect = reply ? 0 : route(ctx, s, &fib);
	mpx_emit(&s->hdr, p, &s->tx, mpx_pkt_payload_sum(p), redirect);
	len = s->hdr.len;
	if (len > MPX_HDR_MAX || len < MPX_IP4_HLEN + MPX_TCP_HLEN)
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + MPX_ETH_HLEN > end)
		return XDP_DROP;
	__builtin_memcpy(s->eth, data, MPX_ETH_HLEN);

	delta = (int)(p->l3len + p->doff) - (int)len;
	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(eth, s->eth, MPX_ETH_HLEN);
	if (bpf_xdp_store_bytes(ctx, MPX_ETH_HLEN, s->hdr.b, len))
		return XDP_DROP;

	if (reply) {
		__builtin_memcpy(eth->h_dest, s->eth + ETH_ALEN, ETH_ALEN);
		__builtin_memcpy(eth->h_source, s->eth, ETH_ALEN);
		/* the gateway's own ACK carries none of what it answers */
		delta = (int)(MPX_ETH_HLEN + len) - (int)(ctx->data_end - ctx->data);
		if (delta && bpf_xdp_adjust_tail(ctx, delta))
			return XDP_DROP;
		count(MPX_ST_REPLY_TX, 1);
		return XDP_TX;
	}
	if (!redirect) {
		count(MPX_ST_FIB_PASS, 1);
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	count(MPX_ST_REDIRECT, 1);
	return bpf_redirect_map(&tx_ports, fib.ifindex, XDP_PASS);
}

SEC("xdp")
int mpxdp_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0, ifindex = ctx->ingress_ifindex;
	const struct mpx_config *cfg;
	const struct mpx_iface *ifc;
	struct scratch *s;
	__u64 now;
	int rc, replay;

	ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	s = bpf_map_lookup_elem(&scratch_map, &zero);
	cfg = get_config();
	if (!ifc || !s || !cfg)
		return XDP_PASS;

	/* parse */
	rc = parse(ctx, &s->pkt);
	if (rc) {
		count(rc == MPX_PKT_NOT_TCP ? MPX_ST_PKT_NOT_TCP :
		      rc == MPX_PKT_UNSUP   ? MPX_ST_PKT_UNSUP :
					      MPX_ST_PKT_MALFORMED, 1);
		return XDP_PASS;
	}

	/* classify + translate */
	now = bpf_ktime_get_ns();
	s->v.act = MPX_ACT_PASS;
	s->v.n = 0;
	mpx_note_opts(&s->v, &s->pkt.opts); /* bad options count wherever they come */
	replay = is_replay(ctx);
	classify(s, ifc, cfg, now, replay);
	for (int i = 0; i < MPX_EV_MAX; i++) {
		if (i < s->v.n)
			count(s->v.ev[i], 1);
	}

	/* emit */
	switch (s->v.act) {
	case MPX_ACT_FWD:
		if (ifc->role == MPX_ROLE_CLIENT) {
			count(MPX_ST_XLAT_C2S, 1);
			count(MPX_ST_BYTES_C2S, s->pkt.plen);
		} else {
			count(MPX_ST_XLAT_S2C, 1);
			count(MPX_ST_BYTES_S2C, s->pkt.plen);
		}
		return emit(ctx, s, 0);
	case MPX_ACT_TX:
		return emit(ctx, s, 1);
	case MPX_ACT_DROP:
		return XDP_DROP;
	case MPX_ACT_PUNT:
		if (replay) {
			/* the daemon never re-runs what it must see again */
			count(MPX_ST_PUNT_FAIL, 1);
			return XDP_DROP;
		}
		return punt(ctx, &s->pkt);
	default:
		count(MPX_ST_PKT_NOT_OURS, 1);
		return XDP_PASS;
	}
}
