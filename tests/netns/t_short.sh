#!/bin/bash
# Issue 2, 3: 500 sequential short request/response connections through
# the gateway all succeed byte-exact, every one of them as MPTCP (the
# client's MPCapableSYNACKRX grows by 500, no fallback counter grows), and
# they all leave the connection table once closed.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

nstat_snap cli "$LOG/nstat.before"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 500 \
	--up 200 --down 2000 --json >"$LOG/client.log" 2>&1 ||
	fail "xfer client: $(tail -2 "$LOG/client.log")"
nstat_snap cli "$LOG/nstat.after"

check "500 connections byte-exact on both ends" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "all 500 were MPTCP (MPCapableSYNACKRX +500)" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 500
check "no fallback or DSS error counter grew" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "the gateway installed 500 connections" test "$(stat MPCapableEstab)" -eq 500
check "connection table empty within the GC period" wait_for 5 conn_table_empty
check "no half-open state left behind (none were abandoned)" \
	test "$(gw bpftool map dump pinned "$MPXDP_PIN_DIR/halfopen" -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0
