#!/bin/bash
# Issue 2, 6: malformed TCP/MPTCP options, sent at the gateway while a
# real transfer runs, are handled by the documented rule (docs/design.md
# "Bad input": ignore what cannot be parsed, strip it toward the server,
# count it by reason) - and the transfer, the daemon and the next
# connection are unaffected.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 50M --down 50M --json
CLIENT=$LAST_PID
wait_for 10 sh -c "[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp conn show -j | grep -c token) -ge 1 ]" ||
	fail "transfer did not start"

inj() { on cli python3 "$ROOT/tests/netns/inject.py" --src 198.18.1.1 --dst 198.19.1.2 --dport 5001 "$@"; }
before=$(mpxdp stats -j)
# random 4-tuples, every case 20 times
inj --repeat 20 >"$LOG/inject-random.log"
# the live connection's own 4-tuple, far outside its window
sport=$(mpxdp conn show -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["client"].rsplit(":",1)[1])')
inj --sport "$sport" --seq 12345 --ack 54321 --repeat 5 \
	mpc-len13 dss-badlen addaddr-len11 rmaddr-len3 fail-len8 fastclose-len4 unknown-sub12 dup-dss \
	>"$LOG/inject-live.log"
after=$(mpxdp stats -j)
echo "$before" >"$LOG/stats-before.json"
echo "$after" >"$LOG/stats-after.json"

delta() { python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(b['$1']-a['$1'])" "$before" "$after"; }
# expected counts: cases x repeats, from inject.py's CASES
check "broken option framing counted (OptTcpMalformed = 3 cases x 20)" test "$(delta OptTcpMalformed)" -eq 60
check "bad MPTCP lengths counted (OptMPTCPMalformed = 10 x 20 + 6 x 5)" test "$(delta OptMPTCPMalformed)" -eq 230
check "unknown MPTCP subtypes counted (OptMPTCPUnknown = 20 + 5)" test "$(delta OptMPTCPUnknown)" -eq 25
check "duplicate MPTCP options counted (OptMPTCPDuplicate = 2 x 20 + 5)" test "$(delta OptMPTCPDuplicate)" -eq 45
check "inconsistent TCP headers counted (PassMalformed = 20)" test "$(delta PassMalformed)" -eq 20
check "no injected SYN created connection state" test "$(delta MPCapableEstab)" -eq 0

wait "$CLIENT" || fail "transfer failed: $(tail -2 "$LOG/client.log")"
check "the concurrent transfer stayed byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "mpxdpd is still running" kill -0 "$DAEMON_PID"
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 1M --down 1M --json >"$LOG/client2.log" ||
	fail "a new connection after the bad input failed"
check "a new connection afterwards works and is MPTCP" grep -q '"mptcp_active":true' "$LOG/client2.log"
