#!/bin/bash
# Issue 4: the operator's view. After real MPTCP transfers through the
# gateway, mpxdpd --metrics serves exactly what mpxdp -j shows (every
# counter, map occupancy, links) in a format Prometheus' own parser reads;
# bad or stalled clients get an error or are dropped while the daemon keeps
# serving; the -j outputs follow docs/stats.schema.json; conn show's
# filters pick the right connections; systemd hears READY=1 once the maps
# are pinned; a daemon restarted with only the systemd unit's capabilities
# adopts the state, takes new connections and serves on IPv4.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, with the packages tools/deps.sh installs
JUDGE=$ROOT/tests/netns/metrics.py
M6='[::1]:9100'
M4=127.0.0.1:9100
$PY -c 'import jsonschema, prometheus_client' 2>/dev/null ||
	die "python3-jsonschema or python3-prometheus-client missing (make deps)"

judge() { gw $PY "$JUDGE" "$@"; }
serves() { judge get "$1" >/dev/null; }
# has_sample ENDPOINT REGEX: a line of /metrics matches (grep reads it all)
has_sample() { judge get "$1" | grep -E "^$2\$" >/dev/null; }
nconns() { mpxdp -j conn show "$@" | $PY -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
expect_status() { # expect_status "what" STATUS REQUEST
	local got
	got=$(judge status "$M6" "$3")
	if [ "$got" = "$2" ]; then ok "$1: $got"; else fail "$1: status $got, want $2"; fi
}

tb_up

# systemd's side of Type=notify: note whether the pins exist at READY=1
bg notify gw $PY -u -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg = s.recv(4096).decode()
    print(msg, "pinned" if os.path.exists(sys.argv[2]) else "NOT-PINNED", flush=True)
' "$LOG/notify.sock" "$MPXDP_PIN_DIR/prog"
wait_for 5 grep -q listening "$LOG/notify.log" || die "notify listener did not start"

# closed connections stay listed, so the table holds still for the checks
NOTIFY_SOCKET=$LOG/notify.sock gw_start --metrics "$M6" --max-conns 1000 --close-linger 600000
check "systemd is told READY=1 after the maps are pinned" \
	wait_for 5 grep -qx "READY=1 pinned" "$LOG/notify.log"
server_start -6

on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 2M --down 4M \
	--json >"$LOG/v4.log" 2>&1 || fail "IPv4 transfer: $(tail -2 "$LOG/v4.log")"
on cli "$B/peer/xfer" client --mptcp --connect '[2001:db8:ff::2]:5001' --bind 2001:db8:2::1 \
	--up 1M --down 3M --json >"$LOG/v6.log" 2>&1 || fail "IPv6 transfer: $(tail -2 "$LOG/v6.log")"
cat "$LOG/v4.log" "$LOG/v6.log" >"$LOG/client.log"
check "2 connections (IPv4 path 1, IPv6 path 2) byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "both went through the gateway as MPTCP" test "$(stat MPCapableEstab)" -eq 2

# --- the endpoint serves what mpxdp shows --------------------------------
check "metrics = mpxdp -j: every counter, map and link (IPv6 endpoint)" \
	judge compare "$M6" "$B/mpxdp" "$ROOT/docs/stats.md"
check "conns occupancy: 2 entries" has_sample "$M6" 'mpxdp_map_entries\{map="conns"\} 2'
check "conns capacity: --max-conns 1000" has_sample "$M6" 'mpxdp_map_max_entries\{map="conns"\} 1000'
check "gs is an attached server link" \
	has_sample "$M6" 'mpxdp_link_attached\{dev="gs",ifindex="[0-9]+",role="server",mode="native"\} 1'

# --- JSON schema -----------------------------------------------------------
check "stats, conn, link and map show -j follow docs/stats.schema.json" \
	judge validate "$B/mpxdp" "$ROOT/docs/stats.schema.json"

# --- conn show filters -----------------------------------------------------
check "conn show: both connections" test "$(nconns)" -eq 2
check "src 198.18.1.1: one of two" test "$(nconns src 198.18.1.1)" -eq 1
check "src 2001:db8:2::1: one of two" test "$(nconns src 2001:db8:2::1)" -eq 1
check "dst 198.19.1.2: one of two" test "$(nconns dst 198.19.1.2)" -eq 1
check "src 198.18.0.0/15 (a prefix): one of two" test "$(nconns src 198.18.0.0/15)" -eq 1
check "src 198.18.1.0/25: one; 198.18.1.128/25: none (bits, not bytes)" \
	test "$(nconns src 198.18.1.0/25)$(nconns src 198.18.1.128/25)" = 10
check "src 0.0.0.0/0: the IPv4 one only" test "$(nconns src 0.0.0.0/0)" -eq 1
check "src 2001:db8::/32 dst 2001:db8:ff::2: one of two" \
	test "$(nconns src 2001:db8::/32 dst 2001:db8:ff::2)" -eq 1
check "src 198.18.9.9: none" test "$(nconns src 198.18.9.9)" -eq 0
check "src 198.18.1.1 dst 2001:db8:ff::2: none" test "$(nconns src 198.18.1.1 dst 2001:db8:ff::2)" -eq 0
# the client's token is not shown; read it from the map itself
read -r id tok_g tok_c < <(gw bpftool map dump pinned "$MPXDP_PIN_DIR/conns" -j | $PY -c '
import json, sys
e = next(e["formatted"] for e in json.load(sys.stdin) if e["formatted"]["value"]["key0"]["v6"] == 0)
print(e["key"], "%08x" % e["value"]["token_g"], "%x" % e["value"]["token_c"])')
conn_ids() { mpxdp -j conn show "$@" | $PY -c 'import json, sys; print(*[c["id"] for c in json.load(sys.stdin)])'; }
check "token $tok_g (the gateway's): the IPv4 connection" test "$(conn_ids token "$tok_g")" = "$id"
check "token $tok_c (the client's): the IPv4 connection" test "$(conn_ids token "0x$tok_c")" = "$id"
check "token ffffffff: none" test "$(nconns token ffffffff)" -eq 0
check "text output filters too" test "$(mpxdp conn show src 2001:db8:2::1 | grep -c '^conn ')" -eq 1
for bad in "src nonsense" "dst 198.18.1.1/33" "token xyz" "token 123456789" "port 80" "src"; do
	# shellcheck disable=SC2086 # word splitting wanted
	if mpxdp conn show $bad >"$LOG/out" 2>"$LOG/err"; then
		fail "conn show $bad: accepted"
	else
		ok "conn show $bad: $(cat "$LOG/err")"
	fi
done

# --- bad and stalled clients -----------------------------------------------
expect_status "HEAD /metrics" 200 'HEAD /metrics HTTP/1.0\r\n\r\n'
expect_status "garbage" 400 'GARBAGE\r\n\r\n'
expect_status "unknown path" 404 'GET /nope HTTP/1.1\r\n\r\n'
expect_status "POST" 405 'POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi'
expect_status "HTTP/2.0" 400 'GET /metrics HTTP/2.0\r\n\r\n'
expect_status "a NUL in the request" 400 'GET /\x00 HTTP/1.1\r\n\r\n'
expect_status "8 KB of headers" 431 "GET /metrics HTTP/1.1\r\nX: $(printf '%08192d' 0)\r\n\r\n"
bg hold gw $PY -u "$JUDGE" hold "$M6"
HOLD_PID=$LAST_PID
wait_for 5 grep -q connected "$LOG/hold.log" || fail "stalling client did not connect"
check "served while a client stalls mid-request" serves "$M6"
check "the stalled client is dropped by the daemon" wait_for 10 grep -q "closed by the daemon" "$LOG/hold.log"
wait "$HOLD_PID"
check "the daemon is still running" kill -0 "$DAEMON_PID"
check "... and still serves the same numbers" judge compare "$M6" "$B/mpxdp" "$ROOT/docs/stats.md"

# --- restart with only the unit's capabilities -----------------------------
# the next daemon adopts the state (re-attaching its program, replaying new
# handshakes) and serves it on IPv4
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$ROOT/tools/systemd/mpxdpd.service" |
	tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g')
bytes=$(stat BytesC2S)
stop_pid "$DAEMON_PID"
bg mpxdpd2 gw setpriv --no-new-privs --bounding-set "-all,$caps" "$B/mpxdpd" \
	--pin-dir "$MPXDP_PIN_DIR" --metrics "$M4" --max-conns 1000 --close-linger 600000
wait_for 10 grep -q "event=ready" "$LOG/mpxdpd2.log" ||
	fail "mpxdpd did not restart with $caps: $(grep -v libbpf "$LOG/mpxdpd2.log" | tail -3)"
check "restarted with only $caps: the counters carried over" \
	test "$(stat MPCapableEstab)" -eq 2 -a "$(stat BytesC2S)" -eq "$bytes"
check "... its program replaced the old one on the 3 links" \
	test "$(grep -c "event=upgraded" "$LOG/mpxdpd2.log")" -eq 3
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 1M --down 1M \
	--json >"$LOG/after.log" 2>&1 || fail "transfer after the restart: $(tail -2 "$LOG/after.log")"
cat "$LOG/after.log" >>"$LOG/client.log"
check "... and it installs new MPTCP connections" grep -q "event=conn_established conn=3" "$LOG/mpxdpd2.log"
check "3 connections listed" test "$(nconns)" -eq 3
check "3 connections byte-exact" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "metrics = mpxdp -j on an IPv4 endpoint" judge compare "$M4" "$B/mpxdp" "$ROOT/docs/stats.md"
rc=0
gw timeout 10 "$B/mpxdpd" --pin-dir "$MPXDP_PIN_DIR" --metrics "$M4" >"$LOG/busy.log" 2>&1 || rc=$?
check "a busy metrics port: mpxdpd refuses to start" test $rc -eq 1
check "... saying why, before touching the fast path" \
	sh -c "grep -q 'event=metrics_failed.*Address already in use' '$LOG/busy.log' && ! grep -q event=loaded '$LOG/busy.log'"
check "... and the running daemon serves on" serves "$M4"
