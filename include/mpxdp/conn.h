/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A connection and its initial subflow as the daemon installs them once
 * the third ACK proved the keys (docs/design.md "Handshake"); the tests
 * build theirs the same way.
 */
#ifndef MPXDP_CONN_H
#define MPXDP_CONN_H

#include "types.h"
#include "state.h"

struct mpx_conn_params {
	struct mpx_flow_key key; /* the initial subflow = the server-side 4-tuple */
	__u64 key_c, key_g;
	__u64 idsn_c, idsn_g;
	__u32 token_c, token_g;
	__u32 synack_seq, synack_ack; /* the server's SYN-ACK */
	__u32 flags;		      /* MPX_CF_* */
	__u8 c_ws, s_ws;	      /* MPX_WS_NONE: not known */
	__u32 c_tsval;		      /* the third ACK's TSval (0: none) */
	__u64 now;
};

MPX_INLINE void mpx_conn_init(struct mpx_conn *c, struct mpx_sf *sf,
			      const struct mpx_conn_params *a)
{
	__builtin_memset(c, 0, sizeof(*c));
	__builtin_memset(sf, 0, sizeof(*sf));
	c->key_c = a->key_c;
	c->key_g = a->key_g;
	c->idsn_c = a->idsn_c;
	c->idsn_g = a->idsn_g;
	c->token_c = a->token_c;
	c->token_g = a->token_g;
	c->flags = a->flags;
	c->c_seq0 = a->synack_ack;
	c->s_seq0 = a->synack_seq + 1;
	c->s_nxt = c->s_seq0;
	c->s_ack = c->c_seq0;
	c->s_hi = c->s_seq0;
	c->c2s_ref = a->idsn_c + 1;
	c->s2c_ref = a->idsn_g + 1;
	c->c_nxt = c->c_seq0;
	c->c_ack = c->s_seq0;
	c->c_tsval = a->c_tsval;
	c->c_ws0 = a->c_ws;
	c->s_ws = a->s_ws;
	c->created_ns = c->last_ns = a->now;
	c->key0 = a->key;
	c->nsf = 1;
	c->sf_snd_nxt[0] = c->s_seq0;
	c->sf_snd_una[0] = c->s_seq0;
	c->sf_una_ns[0] = a->now;
	/* the initial subflow: its sequence numbers are the server's */
	sf->key = a->key;
	sf->flags = MPX_SF_INITIAL | MPX_SF_ACTIVE;
	sf->c_ws = a->c_ws;
	sf->ssn_base = c->c_seq0 - 1;
	sf->rcv_hi = c->c_seq0;
	sf->ack = c->c_seq0;
	sf->ack_sent = c->c_seq0;
	sf->c_tsval = a->c_tsval;
	sf->snd_isn = c->s_seq0 - 1;
	sf->last_ns = a->now;
}

#endif
