#!/bin/bash
# Issue 4, 1: restart without loss. mpxdpd is killed with SIGKILL in the
# middle of a 200 MB transfer each way: the pinned fast path keeps
# translating, the transfer completes byte-exact, a new mpxdpd adopts the
# pinned state (connections, secret) and handles new handshakes; a clean
# SIGTERM stops offering MPTCP at once but keeps established connections.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

nstat_snap cli "$LOG/nstat.0"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 200M --down 200M --json
CLIENT=$LAST_PID
wait_for 10 sh -c "[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp conn show -j | grep -c token) -ge 1 ]" ||
	fail "transfer did not start"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
ok "mpxdpd killed with SIGKILL mid-transfer"
check "the connection is still in the pinned table" test "$(conn_count)" -eq 1
wait "$CLIENT" || fail "transfer after SIGKILL: $(tail -2 "$LOG/client.log")"
check "the transfer completed byte-exact without the daemon" hashes_match "$LOG/client.log" "$LOG/server.jsonl"

mv "$LOG/mpxdpd.log" "$LOG/mpxdpd-1.log"
bg mpxdpd gw "$B/mpxdpd" --pin-dir "$MPXDP_PIN_DIR"
DAEMON_PID=$LAST_PID
wait_for 10 grep -q "event=ready" "$LOG/mpxdpd.log" || fail "restart: $(tail -3 "$LOG/mpxdpd.log")"
check "the new daemon adopted the secret and the connection" \
	sh -c "grep -q 'event=secret_adopted' '$LOG/mpxdpd.log' && grep -q 'event=state_adopted connections=1' '$LOG/mpxdpd.log'"
check "the old connection is collected once closed" wait_for 5 conn_table_empty
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 5 --up 1M --down 1M --json \
	>"$LOG/client-after.log" 2>&1 || fail "after restart: $(tail -2 "$LOG/client-after.log")"
nstat_snap cli "$LOG/nstat.1"
check "new connections after the restart: byte-exact" hashes_match "$LOG/client-after.log" "$LOG/server.jsonl"
check "... and MPTCP (6 MP_CAPABLE SYN-ACKs in all, no fallback)" \
	sh -c "[ $(nstat_delta "$LOG/nstat.0" "$LOG/nstat.1" MPTcpExtMPCapableSYNACKRX) -eq 6 ]"
check "no fallback or DSS error across the restart" no_fallback "$LOG/nstat.0" "$LOG/nstat.1"

# SIGTERM: established connections keep going, new ones are plain TCP
bg client2 cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 100M --down 100M --json
CLIENT=$LAST_PID
wait_for 10 sh -c "[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp conn show -j | grep -c token) -ge 1 ]" ||
	fail "second transfer did not start"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "mpxdpd did not exit cleanly on SIGTERM"
check "SIGTERM: mpxdpd logged its shutdown" grep -q "event=shutdown" "$LOG/mpxdpd.log"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 1M --down 1M --json \
	>"$LOG/client-plain.log" 2>&1 || fail "with the daemon stopped: $(tail -2 "$LOG/client-plain.log")"
check "... a new connection works as plain TCP" grep -q '"mptcp_active":false' "$LOG/client-plain.log"
wait "$CLIENT" || fail "established transfer across SIGTERM: $(tail -2 "$LOG/client2.log")"
cat "$LOG/client2.log" "$LOG/client-plain.log" >"$LOG/client-term.log"
check "... and the established one completed byte-exact" hashes_match "$LOG/client-term.log" "$LOG/server.jsonl"
