#!/bin/bash
# make demo: a Linux MPTCP client talks through mpxdp to a plain TCP server
# in a netns testbed (tools/testbed.sh), both ways, and the report says what
# happened: the connection and its subflows as the client's kernel sees
# them, bytes and rates, the client's MPTCP counters, the gateway's own
# counters, and whether every byte arrived intact (SHA-256 on both ends).
set -euo pipefail
P=demo$(($$ % 10000))
. "$(dirname "$0")/lib.sh"
LOG=$B/demo
mkdir -p "$LOG"
rm -f "$LOG"/*
trap 'tb_cleanup >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM

SIZE=${DEMO_SIZE:-200M}
SHORT=${DEMO_SHORT:-100}
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

say "mpxdp demo: testbed $P (logs in $LOG)"
tb_up >/dev/null
gw_start
server_start
say "client (Linux MPTCP) 198.18.1.1 --c1--> gateway [XDP: g1 g2 | gs] --> server 198.19.1.2 (plain TCP)"

nstat_snap cli "$LOG/nstat.before"

section "1 MPTCP connection: $SIZE up and $SIZE down at the same time"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up "$SIZE" --down "$SIZE" --json
CLIENT=$LAST_PID
wait_for 20 sh -c "ip netns exec $P-cli ss -Htn state established 'dport = :5001' | grep -q ." ||
	die "no connection"
sleep 0.5
say "client kernel's view (ss -Mi):"
on cli ss -Mi | sed 's/^/  /'
say "client subflows (ss -ti, tcp-ulp-mptcp):"
{ on cli ss -tiH state established "dport = :5001" | grep -o "tcp-ulp-mptcp.*" | sed "s/^/  /" | head -2; } || true
say "server's socket (ss -ti): $(on srv ss -tiH state established 'sport = :5001' | grep -c mptcp || true) MPTCP sockets, plain TCP only"
say "gateway (mpxdp conn show):"
mpxdp conn show | sed 's/^/  /'
wait "$CLIENT" || die "transfer failed: $(tail -2 "$LOG/client.log")"
python3 - "$LOG/client.log" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    if l.startswith("{") and "recv_sha256" in l:
        j = json.loads(l)
        print(f"  {j['sent_bytes']:,} bytes up, {j['recv_bytes']:,} bytes down in {j['secs']:.2f} s"
              f" ({j['up_mbps']:.0f} Mbit/s up, {j['down_mbps']:.0f} Mbit/s down)")
EOF

section "$SHORT short MPTCP connections, one after the other (request 200 B, response 2000 B)"
start=$(date +%s.%N)
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count "$SHORT" --up 200 --down 2000 \
	--json >"$LOG/short.log" 2>&1 || die "short connections failed: $(tail -2 "$LOG/short.log")"
say "  $SHORT connections in $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s"
cat "$LOG/client.log" "$LOG/short.log" >"$LOG/all.log"
nstat_snap cli "$LOG/nstat.after"

section "client's MPTCP counters (nstat, change during the demo)"
for c in $(awk '/^MPTcpExt/ { print $1 }' "$LOG/nstat.after"); do
	d=$(nstat_delta "$LOG/nstat.before" "$LOG/nstat.after" "$c")
	[ "$d" -eq 0 ] || printf '  %-36s %s\n' "$c" "$d"
done
fallbacks=0
no_fallback "$LOG/nstat.before" "$LOG/nstat.after" >/dev/null || fallbacks=1

section "gateway counters (mpxdp stats, non-zero)"
mpxdp stats | awk '$2 != 0 { printf "  %s\n", $0 }'

section "after close"
wait_for 5 conn_table_empty && say "  connection table empty (closed connections collected)" ||
	say "  connections still in the table: $(conn_count)"

section "verdict"
verdict=0
if hashes_match "$LOG/all.log" "$LOG/server.jsonl" >/dev/null; then
	say "  integrity: every byte arrived intact both ways ($((SHORT + 1)) connections, SHA-256 on both ends)"
else
	say "  integrity: MISMATCH (see $LOG)"
	verdict=1
fi
if [ $fallbacks -eq 0 ]; then
	say "  MPTCP: the client never fell back to TCP"
else
	say "  MPTCP: fallback or DSS error counters grew (see above)"
	verdict=1
fi
exit $verdict
