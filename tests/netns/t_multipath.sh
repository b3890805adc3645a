#!/bin/bash
# Issue 3: one MPTCP connection on two paths (the client's second address
# joins as a subflow): 200 MB each way byte-exact; both paths carry at
# least 30% of the bytes in each direction (counted on the wire, between
# client and gateway); the client's MP_JOIN SYN-ACK counter grows and no
# HMAC failure, DSS mismatch, infinite mapping or fallback shows.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
two_paths

nstat_snap cli "$LOG/nstat.before"
wire_bytes >"$LOG/wire.before"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 200M --down 200M --json
CLIENT=$LAST_PID
check "the second subflow joins" wait_for 10 sh -c "[ \$(ip netns exec $P-cli ss -Htn state established 'dport = :5001' | wc -l) -ge 2 ]"
mpxdp conn show >"$LOG/conn-during.txt"
check "conn show lists both subflows" sh -c "grep -c 'subflow' '$LOG/conn-during.txt' | grep -qx 2"
wait "$CLIENT" || fail "xfer client failed: $(tail -2 "$LOG/client.log")"
nstat_snap cli "$LOG/nstat.after"
wire_bytes >"$LOG/wire.after"

check "200 MB each way, hashes match on both ends" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "client received the gateway's MP_JOIN SYN-ACK" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPJoinSynAckRx)" -ge 1
check "no join HMAC failure at the client" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPJoinAckHMacFailure)" -eq 0
check "no fallback, DSS or infinite-mapping counter grew" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "each path carried at least 30% each way" path_shares 30 "$LOG/wire.before" "$LOG/wire.after"
check "gateway counted the join" test "$(stat MPJoinAckRx)" -ge 1
check "connection table empty within the GC period" wait_for 5 conn_table_empty
mpxdp stats >"$LOG/stats.txt"
