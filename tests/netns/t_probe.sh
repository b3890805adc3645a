#!/bin/bash
# Issue 2: --probe-server. The gateway leaves MP_CAPABLE in the client's
# SYN; a server that answers MP_CAPABLE itself speaks MPTCP end to end and
# the gateway steps aside (no state, FallbackServerMPC); a plain server
# still gets the gateway's translation.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start --probe-server
bg mptcp-server srv "$B/peer/xfer" server --mptcp --port 5002 --out "$LOG/server.jsonl"
server_start

nstat_snap cli "$LOG/nstat.0"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5002 --up 20M --down 20M --json \
	>"$LOG/native.log" 2>&1 || fail "to the MPTCP server: $(tail -2 "$LOG/native.log")"
nstat_snap cli "$LOG/nstat.1"
check "MPTCP server: byte-exact" hashes_match "$LOG/native.log" "$LOG/server.jsonl"
check "... end-to-end MPTCP (client MPCapableSYNACKRX +1, no fallback)" \
	test "$(nstat_delta "$LOG/nstat.0" "$LOG/nstat.1" MPTcpExtMPCapableSYNACKRX)" -eq 1
check "... the server itself saw the MPTCP handshake (its MPCapableSYNRX grew)" \
	sh -c "ip netns exec $P-srv nstat -saz MPTcpExtMPCapableSYNRX | awk '/MPCapableSYNRX/ { exit !(\$2 >= 1) }'"
check "... the gateway stepped aside (FallbackServerMPC 1, nothing installed)" \
	test "$(stat FallbackServerMPC)" -eq 1 -a "$(stat MPCapableEstab)" -eq 0

on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 20M --down 20M --json \
	>"$LOG/translated.log" 2>&1 || fail "to the plain server: $(tail -2 "$LOG/translated.log")"
nstat_snap cli "$LOG/nstat.2"
check "plain server in probe mode: byte-exact" hashes_match "$LOG/translated.log" "$LOG/server.jsonl"
check "... translated by the gateway (MPCapableEstab 1), client stayed MPTCP" \
	test "$(stat MPCapableEstab)" -eq 1 -a "$(nstat_delta "$LOG/nstat.1" "$LOG/nstat.2" MPTcpExtMPCapableSYNACKRX)" -eq 1
check "no fallback or DSS error in either case" no_fallback "$LOG/nstat.0" "$LOG/nstat.2"
