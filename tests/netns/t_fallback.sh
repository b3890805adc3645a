#!/bin/bash
# Issue 2, 4: connections that do not end up as MPTCP still work, byte-exact,
# and leave no connection state:
#  - a plain TCP client;
#  - an MPTCP client whose MP_CAPABLE is stripped on the path, in the SYN
#    (the gateway never sees it) and in the SYN-ACK (the gateway offered it,
#    the client never saw it);
#  - MPTCP clients while mpxdpd is stopped (the fast path stops offering
#    MPTCP within the heartbeat timeout, and never drops a SYN).
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

xfer_to() { # LOGNAME [xfer args]
	local log=$1
	shift
	on cli "$B/peer/xfer" client --connect 198.19.1.2:5001 --up 5M --down 5M --json "$@" \
		>"$LOG/$log" 2>&1 || fail "$log: $(tail -2 "$LOG/$log")"
	cat "$LOG/$log" >>"$LOG/client.log"
}
halfopen_count() {
	gw bpftool map dump pinned "$MPXDP_PIN_DIR/halfopen" -j |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# 1. plain TCP client
syn_before=$(stat MPCapableSYNRX)
xfer_to plain.log
check "plain TCP client: byte-exact" hashes_match "$LOG/plain.log" "$LOG/server.jsonl"
check "plain TCP client: no connection and no half-open state" \
	test "$(conn_count)" -eq 0 -a "$(halfopen_count)" -eq 0
check "plain TCP client: the gateway saw no MP_CAPABLE" test "$(stat MPCapableSYNRX)" -eq "$syn_before"

# 2. MP_CAPABLE stripped on the client's link (nft on the wire bridge)
strip() { # DIRECTION: the bridge port the segments enter on
	on wire nft -f - <<NFT
table bridge strip
delete table bridge strip
table bridge strip {
	chain f {
		type filter hook forward priority 0;
		iifname "$1" tcp option mptcp exists reset tcp option mptcp
	}
}
NFT
}
nstat_snap cli "$LOG/nstat.0"
strip c1w
xfer_to strip-syn.log --mptcp
nstat_snap cli "$LOG/nstat.1"
check "MP_CAPABLE stripped from the SYN: byte-exact" hashes_match "$LOG/strip-syn.log" "$LOG/server.jsonl"
check "... the client fell back on the SYN-ACK (MPCapableFallbackSYNACK +1)" \
	test "$(nstat_delta "$LOG/nstat.0" "$LOG/nstat.1" MPTcpExtMPCapableFallbackSYNACK)" -eq 1
check "... no connection state" test "$(conn_count)" -eq 0

strip g1w
xfer_to strip-synack.log --mptcp
nstat_snap cli "$LOG/nstat.2"
check "MP_CAPABLE stripped from the SYN-ACK: byte-exact" hashes_match "$LOG/strip-synack.log" "$LOG/server.jsonl"
check "... the client fell back on the SYN-ACK (MPCapableFallbackSYNACK +1)" \
	test "$(nstat_delta "$LOG/nstat.1" "$LOG/nstat.2" MPTcpExtMPCapableFallbackSYNACK)" -eq 1
check "... no connection state" test "$(conn_count)" -eq 0
on wire nft delete table bridge strip

# 3. mpxdpd stopped: plain TCP for new connections
stop_pid "$DAEMON_PID"
sleep 2 # the fast path notices within 3 heartbeats (1.5 s)
xfer_to nodaemon.log --mptcp --count 5
nstat_snap cli "$LOG/nstat.3"
check "5 connections without mpxdpd: byte-exact" hashes_match "$LOG/nodaemon.log" "$LOG/server.jsonl"
check "... all plain TCP (MPCapableFallbackSYNACK +5), none lost" \
	test "$(nstat_delta "$LOG/nstat.2" "$LOG/nstat.3" MPTcpExtMPCapableFallbackSYNACK)" -eq 5
check "... counted as FallbackNoDaemon" test "$(stat FallbackNoDaemon)" -eq 5
check "... no client SYN was dropped (MPCapableSYNTXDrop unchanged)" \
	test "$(nstat_delta "$LOG/nstat.0" "$LOG/nstat.3" MPTcpExtMPCapableSYNTXDrop)" -eq 0
