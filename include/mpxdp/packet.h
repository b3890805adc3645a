/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One TCP segment as the core sees it (struct mpx_pkt), how its headers
 * are decoded, and how rewritten headers are emitted.
 *
 * The BPF program copies the IP header, the fixed TCP header and the
 * option bytes into a struct mpx_pkt (per-CPU scratch); the host code does
 * the same from a frame buffer with mpx_pkt_load(). Everything after that
 * (decode, translate, emit) is shared. Payload is never copied: only the
 * headers in front of it are replaced.
 */
#ifndef MPXDP_PACKET_H
#define MPXDP_PACKET_H

#include "types.h"
#include "proto.h"
#include "csum.h"
#include "options.h"

#define MPX_HDR_MAX (MPX_IP6_HLEN + MPX_TCP_HLEN + MPX_TCP_OPT_MAX)

/* decode results */
#define MPX_PKT_OK 0
#define MPX_PKT_NOT_TCP 1  /* not IPv4/IPv6 TCP: not ours */
#define MPX_PKT_UNSUP 2	   /* IPv4 options, fragments, IPv6 ext headers */
#define MPX_PKT_MALFORMED 3 /* lengths inconsistent */

struct mpx_pkt {
	__u8 v6;
	__u8 l3len;
	__u8 doff; /* TCP header length in bytes */
	__u8 flags;
	__u16 plen; /* TCP payload length (from the IP length) */
	__u16 win;
	__u16 csum;
	__u16 urg;
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u32 ack;
	__u8 saddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u8 l3[MPX_IP6_HLEN];	/* IP header as received */
	__u8 tcp[MPX_TCP_HLEN]; /* fixed TCP header as received */
	__u8 opt[MPX_OPT_BUF];	/* option bytes, zero padded */
	struct mpx_opts opts;
};

/* What the segment should look like on the way out. */
struct mpx_tx {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u32 ack;
	__u16 win;
	__u8 flags; /* all eight TCP flag bits, ECE and CWR included */
	__u8 pad;
	__u16 plen; /* payload bytes kept: p->plen, or 0 for the gateway's own ACKs */
	__u16 pad2;
	struct mpx_optbuf opt;
};

struct mpx_hdr {
	__u32 len; /* IP + TCP header bytes in b */
	__u8 b[MPX_HDR_MAX];
};

/* Decode the L3 header in p->l3 (l3len already known from the EtherType:
 * 20 or 40) and the total frame length behind the Ethernet header. Sets
 * doff so the caller can copy the options next. */
MPX_INLINE int mpx_pkt_decode_l3(struct mpx_pkt *p, __u32 l3_avail)
{
	const __u8 *h = p->l3;
	__u32 tot;

	if (!p->v6) {
		if ((h[0] >> 4) != 4)
			return MPX_PKT_MALFORMED;
		if (h[9] != MPX_IPPROTO_TCP)
			return MPX_PKT_NOT_TCP;
		if ((h[0] & 0x0f) < 5)
			return MPX_PKT_MALFORMED;
		if ((h[0] & 0x0f) != 5 || (mpx_get16(h + 6) & 0x3fff))
			return MPX_PKT_UNSUP;
		tot = mpx_get16(h + 2);
		if (tot < MPX_IP4_HLEN + MPX_TCP_HLEN || tot > l3_avail)
			return MPX_PKT_MALFORMED;
		for (int i = 0; i < 16; i++) {
			p->saddr[i] = i < 4 ? h[12 + i] : 0;
			p->daddr[i] = i < 4 ? h[16 + i] : 0;
		}
		p->plen = tot - MPX_IP4_HLEN; /* TCP length for now */
	} else {
		if ((h[0] >> 4) != 6)
			return MPX_PKT_MALFORMED;
		if (h[6] != MPX_IPPROTO_TCP)
			return h[6] == 0 || h[6] == 43 || h[6] == 44 || h[6] == 60 ?
				       MPX_PKT_UNSUP :
				       MPX_PKT_NOT_TCP;
		tot = mpx_get16(h + 4) + MPX_IP6_HLEN;
		if (tot < MPX_IP6_HLEN + MPX_TCP_HLEN || tot > l3_avail)
			return MPX_PKT_MALFORMED;
		for (int i = 0; i < 16; i++) {
			p->saddr[i] = h[8 + i];
			p->daddr[i] = h[24 + i];
		}
		p->plen = tot - MPX_IP6_HLEN;
	}
	return MPX_PKT_OK;
}

/* Decode the fixed TCP header in p->tcp; p->plen holds the TCP length. */
MPX_INLINE int mpx_pkt_decode_tcp(struct mpx_pkt *p)
{
	const __u8 *t = p->tcp;
	__u8 doff = (t[12] >> 4) * 4;

	if (doff < MPX_TCP_HLEN || doff > p->plen)
		return MPX_PKT_MALFORMED;
	p->doff = doff;
	p->plen -= doff;
	p->sport = mpx_get16(t);
	p->dport = mpx_get16(t + 2);
	p->seq = mpx_get32(t + 4);
	p->ack = mpx_get32(t + 8);
	p->flags = t[13] & 0x3f;
	p->win = mpx_get16(t + 14);
	p->csum = mpx_get16(t + 16);
	p->urg = mpx_get16(t + 18);
	return MPX_PKT_OK;
}

/* After the options are in p->opt. */
MPX_INLINE void mpx_pkt_decode_opts(struct mpx_pkt *p)
{
	mpx_parse_opts(&p->opts, p->opt, p->doff - MPX_TCP_HLEN);
}

/* Sum (folded) of the payload, recovered from the received checksum. */
MPX_INLINE __u16 mpx_pkt_payload_sum(const struct mpx_pkt *p)
{
	__u64 hdr = mpx_csum_pseudo(p->saddr, p->daddr, p->v6, p->doff + p->plen);

	hdr += mpx_csum_bytes40(p->tcp, 16) + mpx_get16(p->tcp + 18);
	hdr += mpx_csum_bytes40(p->opt, p->doff - MPX_TCP_HLEN);
	return mpx_csum_sub((__u16)~p->csum, mpx_csum_fold(hdr));
}

/* Start a tx from the received segment: same addresses, numbers, flags. */
MPX_INLINE void mpx_tx_init(struct mpx_tx *tx, const struct mpx_pkt *p)
{
	for (int i = 0; i < 16; i++) {
		tx->saddr[i] = p->saddr[i];
		tx->daddr[i] = p->daddr[i];
	}
	tx->sport = p->sport;
	tx->dport = p->dport;
	tx->seq = p->seq;
	tx->ack = p->ack;
	tx->win = p->win;
	tx->flags = p->tcp[13]; /* ECE and CWR included */
	tx->plen = p->plen;
	tx->opt.len = 0;
}

/* Does the segment tx describes, its options padded, fit the IP length
 * field? Options the gateway adds can push a maximal packet past 64 KiB
 * (GRO'd frames under generic XDP, any frame in host code). */
MPX_INLINE int mpx_tx_fits(const struct mpx_pkt *p, const struct mpx_tx *tx)
{
	__u32 opt = (tx->opt.len + 3) & ~3u;

	return (p->v6 ? 0 : MPX_IP4_HLEN) + MPX_TCP_HLEN + opt + tx->plen <= 0xffff;
}

/* Write the IP and TCP headers for tx into h, checksums included. psum is
 * the payload's sum (mpx_pkt_payload_sum), used when tx keeps the payload.
 * ttl_dec is 1 when the gateway routes the segment itself. */
MPX_INLINE void mpx_emit(struct mpx_hdr *h, const struct mpx_pkt *p,
			 const struct mpx_tx *tx, __u16 psum, int ttl_dec)
{
	__u16 plen = tx->plen;
	__u8 *ip = h->b;
	__u8 l3 = p->l3len, doff = MPX_TCP_HLEN + tx->opt.len;
	__u8 *t;
	__u64 sum;

	for (int i = 0; i < MPX_IP6_HLEN; i++)
		ip[i] = p->l3[i];
	if (!p->v6) {
		mpx_put16(ip + 2, MPX_IP4_HLEN + doff + plen);
		if (ttl_dec)
			ip[8]--;
		for (int i = 0; i < 4; i++) {
			ip[12 + i] = tx->saddr[i];
			ip[16 + i] = tx->daddr[i];
		}
		mpx_put16(ip + 10, 0);
		mpx_put16(ip + 10, mpx_csum_ip4(ip));
		l3 = MPX_IP4_HLEN;
	} else {
		mpx_put16(ip + 4, doff + plen);
		if (ttl_dec)
			ip[7]--;
		for (int i = 0; i < 16; i++) {
			ip[8 + i] = tx->saddr[i];
			ip[24 + i] = tx->daddr[i];
		}
		l3 = MPX_IP6_HLEN;
	}
	t = ip + (l3 & 0x3f);
	mpx_put16(t, tx->sport);
	mpx_put16(t + 2, tx->dport);
	mpx_put32(t + 4, tx->seq);
	mpx_put32(t + 8, tx->ack);
	t[12] = (doff / 4) << 4 | (p->tcp[12] & 0x0f);
	t[13] = tx->flags;
	mpx_put16(t + 14, tx->win);
	mpx_put16(t + 16, 0);
	mpx_put16(t + 18, p->urg);
	for (int i = 0; i < MPX_TCP_OPT_MAX; i++) {
		if (i < tx->opt.len)
			t[MPX_TCP_HLEN + i] = tx->opt.b[i];
	}
	sum = mpx_csum_pseudo(tx->saddr, tx->daddr, p->v6, doff + plen);
	sum += mpx_csum_bytes40(t, MPX_TCP_HLEN);
	sum += mpx_csum_bytes40(tx->opt.b, tx->opt.len);
	mpx_put16(t + 16, (__u16)~mpx_csum_fold(sum + (plen ? psum : 0)));
	h->len = l3 + doff;
}

#if !MPX_BPF
/* Host side: fill and decode p from an Ethernet frame. Returns MPX_PKT_*. */
static inline int mpx_pkt_load(struct mpx_pkt *p, const __u8 *frame, __u32 len)
{
	__u16 proto;
	int rc;

	__builtin_memset(p, 0, sizeof(*p));
	if (len < MPX_ETH_HLEN)
		return MPX_PKT_MALFORMED;
	proto = mpx_get16(frame + 12);
	if (proto == MPX_ETH_P_IP)
		p->l3len = MPX_IP4_HLEN;
	else if (proto == MPX_ETH_P_IPV6)
		p->l3len = MPX_IP6_HLEN, p->v6 = 1;
	else
		return MPX_PKT_NOT_TCP;
	if (len < (__u32)(MPX_ETH_HLEN + p->l3len + MPX_TCP_HLEN))
		return MPX_PKT_MALFORMED;
	__builtin_memcpy(p->l3, frame + MPX_ETH_HLEN, p->l3len);
	rc = mpx_pkt_decode_l3(p, len - MPX_ETH_HLEN);
	if (rc)
		return rc;
	__builtin_memcpy(p->tcp, frame + MPX_ETH_HLEN + p->l3len, MPX_TCP_HLEN);
	rc = mpx_pkt_decode_tcp(p);
	if (rc)
		return rc;
	__builtin_memcpy(p->opt, frame + MPX_ETH_HLEN + p->l3len + MPX_TCP_HLEN,
			 p->doff - MPX_TCP_HLEN);
	mpx_pkt_decode_opts(p);
	return MPX_PKT_OK;
}
#endif

#endif
