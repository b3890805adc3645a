#!/bin/bash
# Issue 4, 1: after a SIGKILL of mpxdpd, a new daemon adopts the pinned
# state and answers a join on a connection made before the restart (the
# client adds its second address only then), which then carries 200 MB
# each way over both paths, byte-exact.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
on cli ip mptcp limits set subflows 1 add_addr_accepted 0

nstat_snap cli "$LOG/nstat.before"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 200M --down 200M --json \
	--serial --hold "$LOG/go"
CLIENT=$LAST_PID
wait_for 10 sh -c "[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp conn show -j | grep -c token) -ge 1 ]" ||
	fail "no connection"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
mv "$LOG/mpxdpd.log" "$LOG/mpxdpd-1.log"
bg mpxdpd gw "$B/mpxdpd" --pin-dir "$MPXDP_PIN_DIR"
DAEMON_PID=$LAST_PID
wait_for 10 grep -q "event=ready" "$LOG/mpxdpd.log" || fail "restart: $(tail -3 "$LOG/mpxdpd.log")"
check "the new daemon adopted the connection" grep -q 'event=state_adopted connections=1' "$LOG/mpxdpd.log"

# the in-kernel path manager opens a subflow for every existing connection
on cli ip mptcp endpoint add 198.18.2.1 dev c2 id 2 subflow
check "the old connection's join is answered by the new daemon" \
	wait_for 10 grep -q "event=subflow_established conn=1 idx=1" "$LOG/mpxdpd.log"
touch "$LOG/go"
wait "$CLIENT" || fail "xfer client failed: $(tail -2 "$LOG/client.log")"
nstat_snap cli "$LOG/nstat.after"
check "200 MB each way byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "client: MPJoinSynAckRx grew" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPJoinSynAckRx)" -ge 1
check "no fallback or DSS error across the restart" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
