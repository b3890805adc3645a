#!/bin/bash
# Issue 2: the same over IPv6 (2001:db8::/32): a bulk transfer each way and
# short connections, byte-exact, MPTCP end to end, no fallback.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start -6

nstat_snap cli "$LOG/nstat.before"
on cli "$B/peer/xfer" client --mptcp --connect '[2001:db8:ff::2]:5001' --up 50M --down 50M \
	--json >"$LOG/bulk.log" 2>&1 || fail "IPv6 bulk: $(tail -2 "$LOG/bulk.log")"
on cli "$B/peer/xfer" client --mptcp --connect '[2001:db8:ff::2]:5001' --count 50 --up 300 --down 3000 \
	--json >"$LOG/short.log" 2>&1 || fail "IPv6 short: $(tail -2 "$LOG/short.log")"
nstat_snap cli "$LOG/nstat.after"
cat "$LOG/bulk.log" "$LOG/short.log" >"$LOG/client.log"
check "IPv6: 1 bulk + 50 short connections byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "IPv6: all MPTCP (MPCapableSYNACKRX +51)" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 51
check "IPv6: no fallback or DSS error" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "IPv6: the gateway installed 51 connections" test "$(stat MPCapableEstab)" -eq 51
check "IPv6: connection table empty within the GC period" wait_for 5 conn_table_empty
