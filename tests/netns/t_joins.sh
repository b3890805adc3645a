#!/bin/bash
# Issue 3, 6 (issue 4, hostile input): forged joins against a live
# two-path connection (held open, idle, until the forgeries are done; then
# it carries 200 MB each way, upload first: --serial). A SYN + MP_JOIN with an unknown token gets a RST (counted
# MPJoinNoTokenFound); one with the live connection's token gets the
# gateway's SYN-ACK, but its third ACK with a wrong HMAC gets a RST with
# MP_TCPRST "MPTCP-specific error" (counted MPJoinAckHMacFailure) and no
# subflow. The real connection is untouched: byte-exact, no fallback.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
two_paths

nstat_snap cli "$LOG/nstat.before"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 200M --down 200M --json \
	--serial --hold "$LOG/go"
CLIENT=$LAST_PID
wait_for 10 sh -c "[ \$(ip netns exec $P-cli ss -Htn state established 'dport = :5001' | wc -l) -ge 2 ]" ||
	fail "the second subflow did not join"
token=$(mpxdp conn show -j | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['token'])")
other=$(printf '%08x' $((0x$token ^ 0xffffffff)))

# a forger on path 2's wire; its own kernel would reset the gateway's
# SYN-ACK before the forged third ACK: keep those RSTs off the wire
on atk nft -f - <<'NFT'
table inet forge {
	chain out {
		type filter hook output priority 0;
		tcp sport { 40001, 40002 } tcp flags rst drop
	}
}
NFT
forge() { on atk python3 "$ROOT/tests/netns/joinforge.py" --src 198.18.2.9 --dst 198.19.1.2 --dport 5001 "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }

r=$(forge --sport 40001 --token "$other")
echo "# unknown token: $r"
check "unknown token: RST, no SYN-ACK" \
	test "$(field "$r" rst)/$(field "$r" synack)" = "True/False"
r=$(forge --sport 40002 --token "$token" --hmac-ack)
echo "# wrong HMAC: $r"
check "known token: the gateway's SYN-ACK with MP_JOIN" test "$(field "$r" synack_join)" = True
check "wrong HMAC in the third ACK: RST with MP_TCPRST reason 1" \
	test "$(field "$r" rst)/$(field "$r" tcprst_reason)" = "True/1"
check "counted: MPJoinNoTokenFound" test "$(stat MPJoinNoTokenFound)" -eq 1
check "counted: MPJoinAckHMacFailure" test "$(stat MPJoinAckHMacFailure)" -eq 1
check "no subflow for the forger" sh -c \
	"[ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp conn show -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0][\"subflows\"]))') -eq 2 ]"

touch "$LOG/go"
wait "$CLIENT" || fail "xfer client failed: $(tail -2 "$LOG/client.log")"
nstat_snap cli "$LOG/nstat.after"
check "the real connection: 200 MB each way byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "... no fallback or DSS error" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "... its own join the only one installed" test "$(stat MPJoinAckRx)" -eq 1
