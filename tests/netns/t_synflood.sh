#!/bin/bash
# Issue 2, 5: statelessness. 10,000 SYNs with MP_CAPABLE that are never
# completed create no connection state; the only state they can touch is
# the bounded half-open LRU (here sized 1024, so the flood overruns it and
# evicts the real connection's entry). A real connection made during the
# burst still completes as MPTCP: its third ACK verifies without state.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start --halfopen-max 1024
server_start

nstat_snap cli "$LOG/nstat.before"
# spoofed sources in the client's subnet that nobody owns: the SYN-ACKs
# go unanswered, as in a real flood
bg flood cli "$B/peer/synflood" --src 198.18.1.77 --dst 198.19.1.2 --dport 5001 \
	--count 10000 --rate 10000 --mpc
FLOOD=$LAST_PID
sleep 0.3
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 3 --up 1M --down 1M \
	--json >"$LOG/client.log" 2>&1 || fail "real connection during the flood: $(tail -2 "$LOG/client.log")"
wait "$FLOOD" || fail "synflood: $(tail -2 "$LOG/flood.log")"
nstat_snap cli "$LOG/nstat.after"

halfopen=$(gw bpftool map dump pinned "$MPXDP_PIN_DIR/halfopen" -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "the gateway saw the flood (MPCapableSYNRX >= 10000)" test "$(stat MPCapableSYNRX)" -ge 10000
check "half-open entries stay within the LRU bound ($halfopen <= 1024)" test "$halfopen" -le 1024
check "only the 3 real connections were installed" test "$(stat MPCapableEstab)" -eq 3
check "real connections during the flood: byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "... and MPTCP (MPCapableSYNACKRX +3)" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 3
check "... with no fallback or DSS error" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "no connection state left once they closed" wait_for 5 conn_table_empty
