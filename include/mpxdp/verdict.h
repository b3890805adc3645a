/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the translation core decides for a segment, and the counters it
 * bumps on the way (the glue adds them to the per-CPU stats map). */
#ifndef MPXDP_VERDICT_H
#define MPXDP_VERDICT_H

#include "types.h"
#include "options.h"
#include "packet.h"
#include "state.h"
#include "stats.h"

#define MPX_ACT_PASS 0 /* hand the segment to the kernel untouched */
#define MPX_ACT_FWD 1  /* emit tx and route it */
#define MPX_ACT_DROP 2
#define MPX_ACT_PUNT 3 /* to the daemon */
#define MPX_ACT_TX 4   /* emit tx back where the segment came from */

#define MPX_EV_MAX 8 /* a power of two: indices are masked for the verifier */

struct mpx_verdict {
	__u8 act;
	__u8 n;
	__u16 ev[MPX_EV_MAX]; /* counters to bump (enum mpx_stat) */
};

MPX_INLINE void mpx_note(struct mpx_verdict *v, __u16 stat)
{
	__u8 n = v->n;

	if (n < MPX_EV_MAX) {
		MPX_OPAQUE(n);
		v->ev[n & (MPX_EV_MAX - 1)] = stat;
		v->n = n + 1;
	}
}

MPX_INLINE void mpx_note_opts(struct mpx_verdict *v, const struct mpx_opts *o)
{
	if (o->malformed)
		mpx_note(v, MPX_ST_OPT_TCP_MALFORMED);
	if (o->mp.malformed)
		mpx_note(v, MPX_ST_OPT_MALFORMED);
	if (o->mp.dups)
		mpx_note(v, MPX_ST_OPT_DUP);
	if (o->mp.unknown)
		mpx_note(v, MPX_ST_OPT_UNKNOWN);
}

/* The flow key of a segment; from_client tells which end sent it. */
MPX_INLINE void mpx_flow_key_of(struct mpx_flow_key *k, const struct mpx_pkt *p,
				int from_client)
{
	for (int i = 0; i < 16; i++) {
		k->c_addr[i] = from_client ? p->saddr[i] : p->daddr[i];
		k->s_addr[i] = from_client ? p->daddr[i] : p->saddr[i];
	}
	k->c_port = from_client ? p->sport : p->dport;
	k->s_port = from_client ? p->dport : p->sport;
	k->v6 = p->v6;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* tx = p without its MPTCP options (SACK trimmed to max_sack blocks). */
MPX_INLINE void mpx_tx_stripped(struct mpx_tx *tx, const struct mpx_pkt *p,
				int max_sack)
{
	mpx_tx_init(tx, p);
	mpx_opts_copy_kept(&tx->opt, p->opt, p->opts.len, max_sack);
}

MPX_INLINE void mpx_conn_set(struct mpx_conn *c, __u32 bits)
{
	if ((c->state & bits) != bits)
		__sync_fetch_and_or(&c->state, bits);
}

#endif
