#!/bin/bash
# Issue 2: one side finishes first. The client's DATA_FIN becomes the
# server's FIN while a long download is still running (and the other way
# round); the transfer must complete byte-exact without stalls. (A gateway
# that forwards the client's later ACKs on the FIN's sequence number makes
# the server discard them as old duplicates and the download stalls.)
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

nstat_snap cli "$LOG/nstat.before"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 3 --serial \
	--up 100K --down 30M --timeout 30 --json >"$LOG/client-up-first.log" 2>&1 ||
	fail "upload finishing first: $(tail -2 "$LOG/client-up-first.log")"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 3 \
	--up 30M --down 100K --timeout 30 --json >"$LOG/client-down-first.log" 2>&1 ||
	fail "download finishing first: $(tail -2 "$LOG/client-down-first.log")"
nstat_snap cli "$LOG/nstat.after"
cat "$LOG/client-up-first.log" "$LOG/client-down-first.log" >"$LOG/client.log"
check "6 half-closed transfers byte-exact on both ends" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "all were MPTCP" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 6
check "no fallback or DSS error counter grew" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "connection table empty within the GC period" wait_for 5 conn_table_empty
