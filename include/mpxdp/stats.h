/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The gateway's MIB. One per-CPU counter per entry, summed by `mpxdp stats`.
 * Names follow the kernel's MPTcpExt counters where the meaning matches
 * (MPCapableSYNRX, DSSNotMatching, DataCsumErr, ...); docs/stats.md lists
 * them all with the reaction each one stands for.
 */
#ifndef MPXDP_STATS_H
#define MPXDP_STATS_H

/* X(id, name, help) */
#define MPX_STATS(X)                                                                        \
	X(PKT_NOT_TCP, "PassNotTcp", "non-TCP or non-IP frames passed to the kernel")       \
	X(PKT_NOT_OURS, "PassNotOurs", "TCP segments of flows the gateway does not track, passed untouched") \
	X(PKT_UNSUP, "PassUnsupported", "IPv4 with options or fragmented, IPv6 with extension headers (may hide TCP): passed untouched") \
	X(PKT_MALFORMED, "PassMalformed", "IP/TCP headers with inconsistent lengths, passed to the kernel (which drops them)") \
	X(XLAT_C2S, "TranslatedC2S", "client segments translated toward the server")       \
	X(XLAT_S2C, "TranslatedS2C", "server segments translated toward the client")       \
	X(BYTES_C2S, "BytesC2S", "payload bytes translated toward the server")             \
	X(BYTES_S2C, "BytesS2C", "payload bytes translated toward the client")             \
	X(REDIRECT, "Redirected", "translated segments sent by XDP_REDIRECT")               \
	X(CLOSED_DROP, "ClosedDrop", "client segments after both FINs were acknowledged (the server's socket is gone): dropped") \
	X(REPLY_TX, "RepliedToClient", "segments the gateway answered itself (e.g. the ACK of a subflow FIN after the DATA_FIN)") \
	X(FIB_PASS, "FibPass", "translated segments handed to the kernel to route (no neighbour, TTL, MTU, or egress not attached)") \
	X(MPC_SYN_RX, "MPCapableSYNRX", "SYNs with MP_CAPABLE from clients")                \
	X(MPC_SYNACK_TX, "MPCapableSYNACKTX", "server SYN-ACKs given MP_CAPABLE with the gateway's key") \
	X(MPC_ACK_RX, "MPCapableACKRX", "third ACKs (or first data) with MP_CAPABLE sent to the daemon") \
	X(MPC_ESTAB, "MPCapableEstab", "connections whose echoed keys verified; state installed") \
	X(MPC_STATELESS, "MPCapableACKStateless", "... of which verified from the third ACK alone (half-open entry evicted or never made)") \
	X(FB_V0, "FallbackVersion0", "MP_CAPABLE SYNs other than version 1's 4-byte form (RFC 6824's version 0): plain TCP")  \
	X(FB_NO_DAEMON, "FallbackNoDaemon", "handshakes passed as plain TCP while mpxdpd was away") \
	X(FB_SERVER_MPC, "FallbackServerMPC", "servers that answered MP_CAPABLE themselves: gateway stepped aside") \
	X(FB_SYNACK_ROOM, "FallbackSYNACKNoRoom", "SYN-ACKs without 12 free option bytes (or with a payload that leaves no room for them in an IP packet): plain TCP") \
	X(FB_BAD_KEY, "MPCapableBadKey", "third ACKs whose echoed key does not verify: plain TCP, no state") \
	X(FB_TABLE_FULL, "FallbackTableFull", "handshakes not installed because the connection table was full: plain TCP") \
	X(TOKEN_COLLISION, "TokenCollision", "new connections whose token was already live (kept, not joinable)") \
	X(CONN_REPLACED, "ConnReplaced", "SYNs on the 4-tuple of a tracked connection: old state retired") \
	X(PUNT, "Punted", "segments sent to the daemon")                                    \
	X(PUNT_FAIL, "PuntFail", "segments that could not be sent to the daemon (ring full or too big): dropped") \
	X(PUNT_ORPHAN, "PuntOrphan", "segments of a pending handshake whose third ACK never came: dropped (the client retransmits)") \
	X(REPLAY, "Replayed", "segments re-run through the fast path by the daemon")        \
	X(REPLAY_FAIL, "ReplayFail", "daemon re-runs that failed")                          \
	X(OPT_TCP_MALFORMED, "OptTcpMalformed", "TCP option areas with broken framing (rest of area ignored)") \
	X(OPT_MALFORMED, "OptMPTCPMalformed", "MPTCP options with a length their subtype does not allow (ignored)") \
	X(OPT_DUP, "OptMPTCPDuplicate", "repeated MPTCP subtypes in one segment (later ones ignored)") \
	X(OPT_UNKNOWN, "OptMPTCPUnknown", "MPTCP options of unknown subtype (ignored, stripped)") \
	X(DSS_NOT_MATCHING, "DSSNotMatching", "client data no mapping covers (RFC 8684 3.3.1): dropped") \
	X(INFINITE_MAP_RX, "InfiniteMapRx", "infinite mappings from clients: connection continues as plain TCP") \
	X(DATA_CSUM_OK, "DataCsumVerified", "client mappings whose DSS checksum the gateway verified") \
	X(DATA_CSUM_ERR, "DataCsumErr", "client mappings whose DSS checksum failed: segment dropped") \
	X(DATA_CSUM_UNVERIFIED, "DataCsumUnverified", "checksummed client mappings spanning several segments, forwarded unverified") \
	X(DSS_NO_ROOM, "DSSNoRoom", "server segments whose own options, or the 64 KiB limit of an IP packet, leave no room for the DSS: dropped") \
	X(DATA_ACK_INVALID, "DataAckInvalid", "DATA_ACKs beyond what the server sent: segment dropped") \
	X(MPC_KEY_MISMATCH, "MPCapableKeyMismatch", "MP_CAPABLE on an established connection with wrong keys: dropped") \
	X(DATA_FIN_RX, "DataFinRx", "client DATA_FINs turned into FIN toward the server")  \
	X(DATA_FIN_TX, "DataFinTx", "server FINs turned into DATA_FIN toward the client")  \
	X(FASTCLOSE_RX, "MPFastcloseRx", "valid MP_FASTCLOSE from clients: server connection reset") \
	X(FASTCLOSE_BAD, "MPFastcloseBadKey", "MP_FASTCLOSE with a wrong key: dropped")      \
	X(FASTCLOSE_TX, "MPFastcloseTx", "server RSTs turned into RST + MP_FASTCLOSE toward the client") \
	X(RST_RX, "RstRx", "client RSTs forwarded to the server")                          \
	X(ADD_ADDR_RX, "AddAddr", "ADD_ADDR options from clients (ignored)")               \
	X(RM_ADDR_RX, "RmAddr", "REMOVE_ADDR options from clients")                        \
	X(PRIO_RX, "MPPrioRx", "MP_PRIO options from clients")                             \
	X(FAIL_RX, "MPFailRx", "MP_FAIL options from clients")                             \
	X(TCPRST_RX, "MPRstRx", "MP_TCPRST options from clients")                          \
	X(JOIN_SYN_RX, "MPJoinSynRx", "SYNs with MP_JOIN for a live connection, answered by the daemon") \
	X(JOIN_NO_TOKEN, "MPJoinNoTokenFound", "SYNs with MP_JOIN for no live connection: RST") \
	X(JOIN_ACK_RX, "MPJoinAckRx", "third ACKs of joins whose HMAC verified: subflow installed") \
	X(JOIN_HMAC_FAIL, "MPJoinAckHMacFailure", "third ACKs of joins with a wrong HMAC: RST + MP_TCPRST") \
	X(JOIN_REJECTED, "MPJoinRejected", "joins refused: subflow limit, connection closing, or no pending SYN: RST") \
	X(JOIN_PUNT, "MPJoinPunted", "SYNs and third ACKs with MP_JOIN handed to the daemon") \
	X(SCHED_SWITCH, "SchedSwitch", "scheduler decisions that moved server data to another subflow") \
	X(REINJECT, "Reinjected", "server retransmissions sent as new subflow bytes (their first subflow dead or forgotten)") \
	X(SF_STALLED, "SubflowStalled", "subflows declared dead after their data went unacknowledged too long") \
	X(SF_RESET, "SubflowReset", "subflows reset or closed by the client while others carry on") \
	X(ACK_SUPPRESSED, "AckSuppressed", "client ACKs that told the server nothing new, held back (several subflows)") \
	X(GC_CLOSED, "GcClosed", "closed connections removed by the daemon")               \
	X(GC_IDLE, "GcIdle", "idle connections removed by the daemon")

#define MPX_STAT_ENUM(id, name, help) MPX_ST_##id,
enum mpx_stat { MPX_STATS(MPX_STAT_ENUM) MPX_ST__MAX };
#undef MPX_STAT_ENUM

#endif
