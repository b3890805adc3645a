#!/bin/bash
# Issue 4, 2: bounded resources under a flood of 100,000 SYN + MP_CAPABLE
# and 100,000 SYN + MP_JOIN with random tokens at once (from a forger on
# path 2 with spoofed, unowned sources in the testbed's own subnet). The
# half-open LRU stays within its size, no connection or subflow state is
# created, every join SYN is refused by the fast path itself (RST +
# MP_TCPRST, MPJoinNoTokenFound: the daemon never sees them), mpxdpd's RSS
# stays below the
# documented bound (docs/design.md "Limits"), and real connections made
# during the flood complete as MPTCP, byte-exact.
. "$(dirname "$0")/lib.sh"
RSS_MAX_KB=65536
tb_up
gw_start --halfopen-max 1024
server_start

nstat_snap cli "$LOG/nstat.before"
bg flood-mpc atk "$B/peer/synflood" --src 198.18.2.77 --dst 198.19.1.2 --dport 5001 \
	--count 100000 --rate 20000 --mpc
FLOOD1=$LAST_PID
bg flood-join atk "$B/peer/synflood" --src 198.18.2.78 --dst 198.19.1.2 --dport 5001 \
	--count 100000 --rate 20000 --join-random
FLOOD2=$LAST_PID
wait_for 10 sh -c "[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp stats -j | python3 -c 'import json,sys; d=json.load(sys.stdin); print(min(d[\"MPCapableSYNRX\"], d[\"MPJoinNoTokenFound\"]))') -ge 10000 ]" ||
	fail "the flood did not reach the gateway"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 3 --up 1M --down 1M \
	--json >"$LOG/client.log" 2>&1 || fail "real connection during the flood: $(tail -2 "$LOG/client.log")"
rss_during=$(awk '/^VmRSS/ { print $2 }' /proc/"$DAEMON_PID"/status)
wait "$FLOOD1" || fail "synflood: $(tail -2 "$LOG/flood-mpc.log")"
wait "$FLOOD2" || fail "synflood: $(tail -2 "$LOG/flood-join.log")"
nstat_snap cli "$LOG/nstat.after"
rss_after=$(awk '/^VmRSS/ { print $2 }' /proc/"$DAEMON_PID"/status)

halfopen=$(gw bpftool map dump pinned "$MPXDP_PIN_DIR/halfopen" -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "# mpxdpd RSS during the flood ${rss_during} kB, after ${rss_after} kB; half-open entries $halfopen"
check "the gateway saw the MP_CAPABLE flood (MPCapableSYNRX >= 100000)" test "$(stat MPCapableSYNRX)" -ge 100000
check "every join SYN refused in the fast path (MPJoinNoTokenFound >= 100000)" \
	test "$(stat MPJoinNoTokenFound)" -ge 100000
check "... none handed to the daemon, none accepted" \
	test "$(stat MPJoinPunted)/$(stat MPJoinAckRx)" = 0/0
check "half-open entries within the LRU bound ($halfopen <= 1024)" test "$halfopen" -le 1024
check "mpxdpd RSS within ${RSS_MAX_KB} kB" test "$rss_during" -le $RSS_MAX_KB -a "$rss_after" -le $RSS_MAX_KB
check "only the 3 real connections were installed" test "$(stat MPCapableEstab)" -eq 3
check "real connections during the flood: byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "... and MPTCP (MPCapableSYNACKRX +3)" \
	test "$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" MPTcpExtMPCapableSYNACKRX)" -eq 3
check "... with no fallback or DSS error" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "no connection state left once they closed" wait_for 5 conn_table_empty
