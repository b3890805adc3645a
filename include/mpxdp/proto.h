/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Wire constants: TCP options and MPTCP v1 (RFC 8684, see docs/protocol.md). */
#ifndef MPXDP_PROTO_H
#define MPXDP_PROTO_H

#define MPX_ETH_HLEN 14
#define MPX_ETH_P_IP 0x0800
#define MPX_ETH_P_IPV6 0x86DD
#define MPX_IPPROTO_TCP 6

#define MPX_IP4_HLEN 20
#define MPX_IP6_HLEN 40
#define MPX_TCP_HLEN 20
#define MPX_TCP_OPT_MAX 40

#define MPX_TCP_FIN 0x01
#define MPX_TCP_SYN 0x02
#define MPX_TCP_RST 0x04
#define MPX_TCP_PSH 0x08
#define MPX_TCP_ACK 0x10
#define MPX_TCP_URG 0x20

/* TCP option kinds */
#define MPX_OPT_EOL 0
#define MPX_OPT_NOP 1
#define MPX_OPT_MSS 2
#define MPX_OPT_WS 3
#define MPX_OPT_SACK_PERM 4
#define MPX_OPT_SACK 5
#define MPX_OPT_TS 8
#define MPX_OPT_MPTCP 30
#define MPX_OPT_TFO 34

/* MPTCP subtypes (high nibble of the option's third byte) */
#define MPX_MP_CAPABLE 0
#define MPX_MP_JOIN 1
#define MPX_MP_DSS 2
#define MPX_MP_ADD_ADDR 3
#define MPX_MP_REMOVE_ADDR 4
#define MPX_MP_PRIO 5
#define MPX_MP_FAIL 6
#define MPX_MP_FASTCLOSE 7
#define MPX_MP_TCPRST 8
#define MPX_MP_EXPERIMENTAL 15
#define MPX_MP_NSUBTYPES 16

#define MPX_MPTCP_VERSION 1

/* MP_CAPABLE flags (fourth byte) */
#define MPX_MPC_FLAG_A 0x80 /* checksum required */
#define MPX_MPC_FLAG_B 0x40 /* extensibility */
#define MPX_MPC_FLAG_C 0x20 /* do not open subflows to my source address */
#define MPX_MPC_FLAG_H 0x01 /* HMAC-SHA256 */

#define MPX_MPC_LEN_SYN 4
#define MPX_MPC_LEN_SYNACK 12
#define MPX_MPC_LEN_ACK 20
#define MPX_MPC_LEN_DATA 22
#define MPX_MPC_LEN_DATA_CSUM 24

/* MP_JOIN */
#define MPX_JOIN_FLAG_B 0x01 /* backup */
#define MPX_JOIN_LEN_SYN 12
#define MPX_JOIN_LEN_SYNACK 16
#define MPX_JOIN_LEN_ACK 24

/* DSS flags (fourth byte) */
#define MPX_DSS_A 0x01 /* DATA_ACK present */
#define MPX_DSS_a 0x02 /* DATA_ACK is 8 bytes */
#define MPX_DSS_M 0x04 /* mapping present */
#define MPX_DSS_m 0x08 /* DSN is 8 bytes */
#define MPX_DSS_F 0x10 /* DATA_FIN */

/* The DSS the gateway adds toward the client: 8-byte DATA_ACK + 8-byte
 * mapping (26 bytes) or + checksum (28); both occupy 28 bytes once padded.
 * This is also how much the gateway clamps the MSS the server sees. */
#define MPX_DSS_ROOM 28

/* ADD_ADDR */
#define MPX_ADD_ADDR_E 0x01

/* MP_TCPRST reason codes (RFC 8684 3.6) */
#define MPX_RST_UNSPEC 0
#define MPX_RST_MPTCP_ERR 1
#define MPX_RST_NO_RESOURCE 2
#define MPX_RST_ADMIN 3
#define MPX_RST_TOO_MUCH_OUTSTANDING 4
#define MPX_RST_UNACCEPTABLE_PERF 5
#define MPX_RST_MIDDLEBOX 6

#endif
