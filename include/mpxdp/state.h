/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shared state: key and value layouts of the BPF maps, read and written
 * by the XDP program, the daemon and the CLI. docs/design.md "Maps" gives
 * each map's size and eviction rule.
 */
#ifndef MPXDP_STATE_H
#define MPXDP_STATE_H

#include "types.h"
#include "siphash.h"

/* Bumped whenever a layout below changes: a daemon refuses to adopt pinned
 * maps of another version (docs/operations.md "Upgrades"). */
#define MPX_ABI_VERSION 3

#define MPX_ROLE_CLIENT 1 /* faces MPTCP clients */
#define MPX_ROLE_SERVER 2 /* faces plain-TCP servers */

struct mpx_iface {
	__u32 role;
	__u32 flags;
};

/* A TCP 4-tuple, always written from the client's point of view. */
struct mpx_flow_key {
	__u8 c_addr[16];
	__u8 s_addr[16];
	__u16 c_port;
	__u16 s_port;
	__u8 v6;
	__u8 pad[3];
};

/* flows: 4-tuple -> its subflow. Written by the daemon only. */
#define MPX_FLOW_PENDING 0x01 /* the daemon still replays its first segments */

struct mpx_flow {
	__u32 conn_id;
	__u16 sf_idx; /* 0: the initial subflow */
	__u16 flags;
};

/* half-open handshake, LRU: created by a client SYN, updated by the SYN-ACK */
#define MPX_HO_SYN 1
#define MPX_HO_SYNACK 2
#define MPX_HO_FALLBACK 3  /* pass as plain TCP */
#define MPX_HO_STEPASIDE 4 /* the server speaks MPTCP itself */

struct mpx_halfopen {
	__u64 ts_ns;
	__u32 isn_c;
	__u32 synack_seq;
	__u32 synack_ack;
	__u16 syn_len; /* TFO payload in the SYN */
	__u8 c_flags;  /* client's MP_CAPABLE flags */
	__u8 state;
	__u8 c_ws;     /* window scales: the client's (SYN), the server's */
	__u8 s_ws;     /* (SYN-ACK); MPX_WS_NONE when not offered */
	__u8 pad[6];
};

#define MPX_WS_NONE 0xff

/* conn->flags (set at install, immutable) */
#define MPX_CF_CSUM 0x01 /* DSS checksums in use */

/* conn->state bits (only ever set) */
#define MPX_CS_C_DATAFIN 0x01	/* client DATA_FIN forwarded as FIN */
#define MPX_CS_C_SUBFIN 0x02	/* client closed its subflow */
#define MPX_CS_C_FIN_ACKED 0x04 /* server acknowledged the client's FIN */
#define MPX_CS_S_FIN 0x08	/* server FIN sent on as DATA_FIN */
#define MPX_CS_S_FIN_ACKED 0x10 /* client acknowledged it */
#define MPX_CS_RST 0x20		/* reset by either side */
#define MPX_CS_DEAD 0x40	/* 4-tuple reused by a new SYN */

#define MPX_CS_BOTH_FINS_ACKED (MPX_CS_C_FIN_ACKED | MPX_CS_S_FIN_ACKED)
#define MPX_CS_CLOSED(s)                                                       \
	(((s) & (MPX_CS_RST | MPX_CS_DEAD)) ||                                 \
	 ((s) & MPX_CS_BOTH_FINS_ACKED) == MPX_CS_BOTH_FINS_ACKED)

/*
 * A connection. Immutable fields are written by the daemon before the flow
 * entry that makes the connection visible. The DSN references are the
 * highest 64-bit data sequence numbers seen each way; they only serve to
 * widen 32-bit numbers, so a racing, slightly stale store is harmless (it
 * stays within 2^31 of the truth) and no lock is taken on the hot path.
 * State bits are only ever OR-ed in atomically.
 */
#define MPX_SF_MAX 8 /* subflows per connection, the initial one included */

struct mpx_conn {
	__u64 created_ns;
	__u64 key_c;  /* client's key */
	__u64 key_g;  /* gateway's key */
	__u64 idsn_c; /* client's IDSN: its first data byte is idsn_c + 1 */
	__u64 idsn_g;
	__u32 c_seq0; /* server-side seq of client DSN idsn_c + 1 */
	__u32 s_seq0; /* server-side seq of server DSN idsn_g + 1 */
	__u32 token_c;
	__u32 token_g;
	__u32 flags;
	__u32 state;
	__u32 c_fin_seq; /* server-side seq of the client's FIN */
	__u32 s_fin_seq; /* server-side seq of the server's FIN */
	/* what the server last said, for segments the gateway answers itself */
	__u32 s_nxt;	 /* next server sequence number (s_seq0 at install) */
	__u32 s_tsval;	 /* latest TSval (0: no timestamps) */
	__u32 s_ack;	 /* latest acknowledgement */
	__u16 s_win;	 /* latest window field */
	__u8 c_ws0;	 /* window scales of the initial subflow: client's */
	__u8 s_ws;	 /* and server's (also the gateway's on joined subflows) */
	/* what the gateway last told the server */
	__u32 c_nxt;	 /* next server-side seq of client data (past its FIN) */
	__u32 c_ack;	 /* latest acknowledgement */
	__u32 c_tsval;	 /* highest TSval (the initial subflow's clock) */
	__u32 s_hi;	 /* end of the highest server byte sent on (past its FIN) */
	__u64 c2s_ref;	 /* DSN references, see above */
	__u64 s2c_ref;
	/* subflows: indexes 0 .. nsf - 1 in the map `subflows` */
	__u32 nsf;
	__u32 sf_dead;	 /* bitmask: subflows not to send on (gone, or stalled) */
	__u32 sf_gone;	 /* bitmask: ... for good (RST, REMOVE_ADDR, FIN) */
	__u32 sf_backup; /* bitmask: subflows the client marked backup */
	__u32 last_rx_sf; /* the subflow of the latest client segment */
	__u32 sched_cur;  /* the scheduler's current subflow */
	__u32 sched_left; /* segments it still gets before the next choice */
	__u8 sf_addr[MPX_SF_MAX]; /* the client's address ID of each subflow */
	/* per subflow, what the scheduler looks at (the gateway's sending side) */
	__u32 sf_snd_nxt[MPX_SF_MAX];
	__u32 sf_snd_una[MPX_SF_MAX];
	__u64 sf_una_ns[MPX_SF_MAX]; /* when sf_snd_una last moved, or data went out on an idle subflow */
	__u64 last_ns;
	__u64 c2s_bytes;
	__u64 s2c_bytes;
	__u64 c2s_pkts;
	__u64 s2c_pkts;
	struct mpx_flow_key key0; /* the initial subflow = server-side 4-tuple */
};

/*
 * A subflow, in the map `subflows` under (connection id, index).
 *
 * The gateway gives every subflow its own acknowledgements: subflow
 * sequence numbers and the server's drift apart as soon as the client
 * re-sends data as new subflow bytes (an MPTCP reinjection), even on a
 * single subflow, so the server's ACK cannot be passed on. A subflow byte
 * is acknowledged once the server has acknowledged the data it carries
 * (its DSN), found through the client's own mappings on that subflow, kept
 * in a small ring. Losses beyond the gateway thus reach the client's
 * subflow as duplicate ACKs, quickly, as they would without a gateway.
 */
#define MPX_CMAP 32 /* a power of two */
#define MPX_SMAP 64 /* a power of two */

#define MPX_SF_INITIAL 0x01
#define MPX_SF_C_FIN 0x02 /* the client's subflow FIN arrived (at fin_seq) */
#define MPX_SF_BACKUP 0x04 /* joined with the backup bit (conn->sf_backup from then on) */
#define MPX_SF_ACTIVE 0x08 /* in conn's subflow masks: the scheduler may send on it */

struct mpx_sf_key {
	__u32 conn_id;
	__u32 idx;
};

struct mpx_cmap {
	__u64 dsn;
	__u32 seq; /* client sequence number of its first byte */
	__u32 len;
};

/* The length recorded for an infinite mapping (RFC 8684 3.7): longer than
 * any real one, short enough that offsets into it stay positive. */
#define MPX_MAP_INFINITE (1u << 30)

/* where server bytes went on a subflow: [seq, seq + len) -> ssn */
struct mpx_smap {
	__u32 seq; /* server sequence number */
	__u32 ssn; /* the gateway's sequence number on the subflow */
	__u32 len;
};

struct mpx_sf {
	struct mpx_flow_key key; /* the subflow's 4-tuple, client's view */
	__u32 flags;
	__u8 idx;
	__u8 addr_id;	/* the client's address ID */
	__u8 c_ws;	/* the client's window scale here (MPX_WS_NONE: none) */
	__u8 pad;
	/* client -> gateway */
	__u32 ssn_base; /* client seq of relative subflow seq 0 (SSN 1 = first data byte) */
	__u32 rcv_hi;	/* end of the highest client byte seen: acks never pass it */
	__u32 ack;	/* the acknowledgement the subflow has earned */
	__u32 ack_sent;	/* ... and the latest one it was sent */
	__u32 fin_seq;
	__u32 c_tsval;	/* the client's latest TSval here (the gateway echoes it) */
	__u32 ts_delta; /* added to it: the initial subflow's clock */
	__u32 dupacks;	/* client ACKs in a row that did not move snd_una */
	__u16 c_win;	/* the client's latest window field here */
	__u16 pad1;
	__u32 cm_head;	/* mappings written; cm[cm_head % MPX_CMAP] is the next slot */
	struct mpx_cmap cm[MPX_CMAP];
	/* gateway -> client */
	__u32 snd_isn;	/* relative subflow seq 0 of the gateway's side */
	__u32 sm_head;
	struct mpx_smap sm[MPX_SMAP];
	__u64 last_ns;
	__u64 c2s_bytes;
	__u64 s2c_bytes;
	__u32 walk;	/* scratch for the loops (see MPX_LOOP) */
	__u32 pad2;
};

/* global configuration: one entry */
#define MPX_CFG_CSUM 0x01  /* require DSS checksums from every client */
#define MPX_CFG_PROBE 0x02 /* leave MP_CAPABLE in SYNs; step aside if the server answers it */

struct mpx_config {
	__u8 secret[16]; /* SipHash key for Kg */
	__u64 daemon_hb_ns;
	__u32 hb_timeout_ms;
	__u32 flags;
	__u32 abi;
	__u32 stall_ms; /* a subflow whose data goes unacknowledged this long is dead */
};

/* XDP metadata the daemon puts in front of the segments it re-runs
 * through the fast path (BPF_PROG_RUN live frames): they are not handed
 * over again. Frames from a wire never carry it. */
#define MPX_REPLAY_MAGIC 0x4d505852 /* "MPXR" */

/* A segment handed to the daemon. */
#define MPX_PUNT_DATA 1600
#define MPX_PUNT_MPC_ACK 1
#define MPX_PUNT_JOIN 2 /* SYN or third ACK with MP_JOIN */

struct mpx_punt {
	__u32 ifindex;
	__u16 len;
	__u8 reason;
	__u8 pad;
	__u8 data[MPX_PUNT_DATA];
};

/* Kg = SipHash-2-4(secret, 4-tuple, SYN-ACK seq, SYN-ACK ack): the pure
 * third ACK repeats (ack - 1, seq), so the key verifies without state. */
MPX_INLINE __u64 mpx_derive_key(const __u8 *secret, const struct mpx_flow_key *k,
				__u32 synack_seq, __u32 synack_ack)
{
	__u8 msg[sizeof(*k) + 8];
	const __u8 *kb = (const __u8 *)k;

	for (__u32 i = 0; i < sizeof(*k); i++)
		msg[i] = kb[i];
	mpx_put32(msg + sizeof(*k), synack_seq);
	mpx_put32(msg + sizeof(*k) + 4, synack_ack);
	return mpx_siphash24(secret, msg, sizeof(msg));
}

/* The 64-bit number nearest ref whose low 32 bits are low. */
MPX_INLINE __u64 mpx_widen(__u64 ref, __u32 low)
{
	return ref + (__s64)(__s32)(low - (__u32)ref);
}

#endif
