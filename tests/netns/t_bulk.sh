#!/bin/bash
# Issue 2, 3: 200 MB each way at once through the gateway on one MPTCP
# connection: byte-exact by SHA-256, the client saw MP_CAPABLE in the
# SYN-ACK and never fell back, the server's socket is plain TCP, and the
# connection leaves the table within the GC period after it closes.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

nstat_snap cli "$LOG/nstat.before"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 200M --down 200M --json
CLIENT=$LAST_PID

# while it runs: MPTCP on the client, plain TCP on the server
wait_for 20 sh -c "ip netns exec $P-cli ss -Htn state established 'dport = :5001' | grep -q ." ||
	fail "no connection"
on cli ss -Mi >"$LOG/ss-client-mptcp.txt"
on srv ss -tni state established "sport = :5001" >"$LOG/ss-server.txt"
check "client has an MPTCP socket" grep -q "subflows\|token" "$LOG/ss-client-mptcp.txt"
check "server socket is plain TCP (no tcp-ulp-mptcp)" \
	sh -c "grep -q 5001 '$LOG/ss-server.txt' && ! grep -q mptcp '$LOG/ss-server.txt'"
check "gateway tracks the connection" test "$(conn_count)" -eq 1

wait "$CLIENT" || fail "xfer client failed: $(tail -2 "$LOG/client.log")"
nstat_snap cli "$LOG/nstat.after"
check "200 MB each way, hashes match on both ends" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "client received MP_CAPABLE in the SYN-ACK" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 1
check "no fallback or DSS error counter grew" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "gateway translated the data" test "$(stat BytesS2C)" -ge 209715200
check "connection table empty within the GC period" wait_for 5 conn_table_empty
mpxdp stats >"$LOG/stats.txt"
