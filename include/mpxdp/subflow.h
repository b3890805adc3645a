/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The receiving side of a subflow: the client's mappings on it, and the
 * subflow-level acknowledgement the gateway gives (docs/design.md
 * "Subflow ACKs").
 */
#ifndef MPXDP_SUBFLOW_H
#define MPXDP_SUBFLOW_H

#include "types.h"
#include "options.h"
#include "state.h"

/* Remember a client mapping seen on a subflow (Linux repeats a mapping on
 * every segment it covers: only a new one takes a slot). */
MPX_INLINE void mpx_sf_note_map(struct mpx_sf *sf, __u64 dsn, __u32 seq, __u32 len)
{
	__u32 h = sf->cm_head;
	struct mpx_cmap *last = &sf->cm[(h - 1) & (MPX_CMAP - 1)];
	struct mpx_cmap *slot = &sf->cm[h & (MPX_CMAP - 1)];

	if (!len || (h && last->dsn == dsn && last->seq == seq && last->len == len))
		return;
	slot->dsn = dsn;
	slot->seq = seq;
	slot->len = len;
	sf->cm_head = h + 1;
}

/*
 * What the server holds of the client's data: everything below its
 * acknowledgement, and the blocks its SACK reports beyond it. A subflow
 * byte is acknowledged once the server holds the data it carries: with
 * the acknowledgement alone, data lost on one subflow (a path that died
 * with it in flight) kept every other subflow's later bytes unacknowledged
 * too, and the client reinjects the lost data only on a subflow with
 * nothing outstanding: both waited for the other (found in testing: an
 * upload stopped when its initial path went down).
 */
struct mpx_held {
	__u64 dack;		/* the server's acknowledgement, as a DSN */
	__u32 delta;		/* server sequence number = (__u32)DSN + delta */
	__u32 n;		/* SACK blocks */
	const __u32 (*sack)[2];	/* the server's SACK blocks, in its numbers */
};

/* How many bytes from DSN d on the server holds in one piece (0: not d). */
MPX_INLINE __u64 mpx_held_from(const struct mpx_held *h, __u64 d)
{
	__u32 s = (__u32)d + h->delta;

	if ((__s64)(d - h->dack) < 0)
		return h->dack - d;
	for (__u32 b = 0; b < MPX_SACK_MAX; b++)
		if (b < h->n && s - h->sack[b][0] < h->sack[b][1] - h->sack[b][0])
			return h->sack[b][1] - s;
	return 0;
}

/*
 * The subflow's acknowledgement: from where it stands, walk the subflow's
 * bytes through the client's mappings while the server holds the data
 * they carry. Bytes whose mapping has left the ring (more than MPX_CMAP
 * mappings outstanding) are taken as acknowledged once the oldest
 * remembered mapping is.
 */
struct mpx_ack_ctx {
	struct mpx_sf *sf;
	const struct mpx_held *h;
};

MPX_CALLBACK mpx_ack_step(__u32 i, void *arg)
{
	struct mpx_ack_ctx *c = arg;
	struct mpx_sf *sf = c->sf;
	__u32 a = sf->walk, next = a, have_next = 0;
	__u64 next_dsn = 0;

	for (int k = 0; k < MPX_CMAP; k++) {
		struct mpx_cmap *m = &sf->cm[k];
		__u32 off = a - m->seq, left;
		__u64 room;

		/* a mapping 2 GiB behind the server's ack is a stale one whose
		 * subflow numbers may have come round again */
		if (!m->len || (__s64)(c->h->dack - m->dsn) > (1ll << 31))
			continue;
		if (off >= m->len) {
			/* the nearest mapping beyond a: bytes before it are forgotten */
			if (mpx_seq_after(m->seq, a) &&
			    (!have_next || mpx_seq_before(m->seq, next))) {
				next = m->seq;
				next_dsn = m->dsn;
				have_next = 1;
			}
			continue;
		}
		room = mpx_held_from(c->h, m->dsn + off);
		if (!room)
			return 1; /* the server still waits for these bytes */
		left = m->len - off;
		sf->walk = a + (room < left ? (__u32)room : left);
		return room < left;
	}
	/* jump the forgotten bytes only once the data after them is acknowledged */
	if (!have_next || (__s64)(next_dsn - c->h->dack) >= 0)
		return 1;
	sf->walk = next;
	return 0;
}

MPX_INLINE __u32 mpx_sf_acked(struct mpx_sf *sf, const struct mpx_held *h)
{
	struct mpx_ack_ctx c = { .sf = sf, .h = h };
	__u32 a;

	sf->walk = sf->ack;
	/* one step per mapping, plus one for a jump over forgotten bytes */
	MPX_LOOP(MPX_CMAP + 1, mpx_ack_step, &c);
	a = sf->walk;
	/* the subflow's FIN, once everything before it is acknowledged */
	if ((sf->flags & MPX_SF_C_FIN) && a == sf->fin_seq)
		a = sf->fin_seq + 1;
	if (mpx_seq_after(a, sf->rcv_hi))
		a = sf->rcv_hi; /* never acknowledge what the client has not sent */
	if (mpx_seq_after(a, sf->ack))
		sf->ack = a;
	return sf->ack;
}

#endif
