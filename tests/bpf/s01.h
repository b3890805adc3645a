/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tests/data/s01_plain_v4.pcap: one real Linux MPTCP v1 connection, with
 * its keys from vectors.json (cross-checked against the frames) and the
 * numbers a gateway that had answered the handshake would have installed.
 */
#ifndef MPX_BT_S01_H
#define MPX_BT_S01_H

#include "bt.h"

#define S01_CONN "s01_plain_v4/connections/0"

struct s01 {
	struct bt_pcap pc;
	uint64_t key_c, key_s;
	uint32_t token_c, token_s;
	uint64_t idsn_c, idsn_s;
	uint32_t isn_c, isn_s;
	struct bt_tuple c2s; /* client -> server 4-tuple (IPv4) */
	int syn, synack, ack3; /* frame indexes, 0-based */
};

/* loads and cross-checks; asserts on any inconsistency */
void s01_load(struct s01 *s);
void s01_free(struct s01 *s);
/* 1 when the frame was sent by the client */
int s01_from_client(const struct s01 *s, const uint8_t *f, size_t len);
/* the connection as daemon/handshake.c install() would write it, with the
 * server's key standing in for the gateway's; v6: the bt_to_v6() tuple */
/* the connection (and its initial subflow, if sf) as the daemon installs it */
void s01_conn(const struct s01 *s, int v6, struct mpx_conn *c, struct mpx_sf *sf,
	      struct mpx_flow_key *k);
/* the initial subflow as install() writes it for connection c */
/* install conn id 1, its initial subflow {1, 0}, its token, then the flow,
 * as the daemon does */
void s01_install(const struct s01 *s, int v6, struct mpx_conn *c);
/* the same with these flow flags (MPX_FLOW_PENDING) */
void s01_install_flags(const struct s01 *s, int v6, struct mpx_conn *c, uint16_t flow_flags);
/* read subflow {conn_id, idx} back; asserts it exists */
void s01_sf_get(uint32_t conn_id, uint32_t idx, struct mpx_sf *sf);

#endif
