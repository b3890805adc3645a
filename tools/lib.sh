# Shared shell helpers for everything that drives the netns testbed: the
# integration tests (tests/netns/lib.sh), `make demo` and `make bench`.
# The caller sets P (testbed prefix, <= 8 chars) and LOG (a directory)
# and installs its own cleanup (tb_cleanup does the common part).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
export MPXDP_PIN_DIR=/sys/fs/bpf/mpxdp-$P
PIDS=()

die() {
	echo "error: $*" >&2
	exit 1
}

# stop everything started with bg (by PID), remove the testbed and pins
tb_cleanup() {
	set +e
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill "${PIDS[$i]}" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	"$ROOT/tools/testbed.sh" down "$P"
	rm -rf "$MPXDP_PIN_DIR"
}

# --- running things ------------------------------------------------------
on() { ip netns exec "$P-$1" "${@:2}"; }
# The gateway's tools run with the host's bpffs (nsenter keeps mounts;
# `ip netns exec` would remount /sys and hide the pins).
gw() { nsenter --net="/run/netns/$P-gw" "$@"; }
mpxdp() { gw "$B/mpxdp" "$@"; }

# bg NAME NODE CMD...: start in the background, output to $LOG/NAME.log.
# nsenter and `ip netns exec` exec the command, so $! is its own PID.
bg() {
	local name=$1 node=$2
	shift 2
	if [ "$node" = gw ]; then
		nsenter --net="/run/netns/$P-gw" "$@" >"$LOG/$name.log" 2>&1 &
	else
		ip netns exec "$P-$node" "$@" >"$LOG/$name.log" 2>&1 &
	fi
	PIDS+=($!)
	LAST_PID=$!
}

stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# --- testbed and gateway -------------------------------------------------
# MPX_CAPTURE=1: record the client's links and the server's (headers only)
tb_up() {
	"$ROOT/tools/testbed.sh" up "$P"
	if [ -n "${MPX_CAPTURE:-}" ]; then
		for i in c1w c2w s1w; do
			bg "capture-$i" wire tcpdump -U -i $i -s 128 -w "$LOG/$i.pcap" tcp
		done
		sleep 0.5
	fi
}

# gw_start [mpxdpd args]: daemon up, interfaces attached
gw_start() {
	bg mpxdpd gw "$B/mpxdpd" --pin-dir "$MPXDP_PIN_DIR" "$@"
	DAEMON_PID=$LAST_PID
	wait_for 10 grep -q "event=ready" "$LOG/mpxdpd.log" ||
		die "mpxdpd did not start: $(tail -3 "$LOG/mpxdpd.log")"
	gw_attach
}

# gw_attach, gw_detach: the gateway's three interfaces on and off mpxdp
gw_attach() {
	mpxdp link attach dev g1 role client
	mpxdp link attach dev g2 role client
	mpxdp link attach dev gs role server
}
gw_detach() {
	local i
	for i in g1 g2 gs; do mpxdp link detach dev $i; done
}

# server_start [xfer server args]: plain TCP server on 198.19.1.2 / 2001:db8:ff::2
server_start() {
	bg server srv "$B/peer/xfer" server --port 5001 --out "$LOG/server.jsonl" "$@"
	SERVER_PID=$LAST_PID
	wait_for 5 on srv sh -c "ss -Htln 'sport = :5001' | grep -q ." ||
		die "server did not start: $(tail -3 "$LOG/server.log")"
}

# --- judges --------------------------------------------------------------
# nstat_snap NODE FILE: absolute MPTcpExt/TcpExt counters, history untouched
nstat_snap() {
	on "$1" nstat -saz >"$2"
}
# nstat_delta BEFORE AFTER NAME
nstat_delta() {
	local a b
	a=$(awk -v n="$3" '$1 == n { print $2 }' "$1")
	b=$(awk -v n="$3" '$1 == n { print $2 }' "$2")
	echo $((${b:-0} - ${a:-0}))
}

FALLBACK_COUNTERS="MPTcpExtMPCapableFallbackACK MPTcpExtMPCapableFallbackSYNACK
MPTcpExtMPFallbackTokenInit MPTcpExtMPCapableDataFallback MPTcpExtDssFallback
MPTcpExtMD5SigFallback MPTcpExtSimultConnectFallback MPTcpExtFallbackFailed
MPTcpExtDSSNotMatching MPTcpExtInfiniteMapRx MPTcpExtDataCsumErr
MPTcpExtDSSCorruptionFallback MPTcpExtDSSCorruptionReset MPTcpExtDSSNoMatchTCP"

# no_fallback BEFORE AFTER: every fallback/error counter unchanged
no_fallback() {
	local bad=""
	for c in $FALLBACK_COUNTERS; do
		[ "$(nstat_delta "$1" "$2" "$c")" -eq 0 ] || bad="$bad $c+$(nstat_delta "$1" "$2" "$c")"
	done
	[ -z "$bad" ] || { echo "#   counters that grew:$bad"; return 1; }
}

# stat NAME: one counter from `mpxdp stats -j`
stat() {
	mpxdp stats -j | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

conn_count() {
	mpxdp conn show -j | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"
}
conn_table_empty() { [ "$(conn_count)" -eq 0 ]; }

# hashes_match CLIENT_JSONL SERVER_JSONL: what each side sent is what the
# other received, connection by connection (matched by the client port)
hashes_match() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
cli = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and "recv_sha256" in l]
srv = {}
for l in open(sys.argv[2]):
    if l.startswith("{"):
        j = json.loads(l)
        srv[j["peer"].rsplit(":", 1)[1]] = j
bad = 0
for c in cli:
    port = c["local"].rsplit(":", 1)[1]
    s = srv.get(port)
    if not s or s["recv_sha256"] != c["sent_sha256"] or s["sent_sha256"] != c["recv_sha256"] \
       or s["recv_bytes"] != c["sent_bytes"] or c["recv_bytes"] != s["sent_bytes"]:
        bad += 1
print(f"# {len(cli)} connections, {bad} with mismatching data")
sys.exit(1 if bad or not cli else 0)
EOF
}

# --- two paths -----------------------------------------------------------
# two_paths [backup]: the client opens a second subflow from 198.18.2.1
two_paths() {
	on cli ip mptcp limits set subflows 1 add_addr_accepted 0
	on cli ip mptcp endpoint add 198.18.2.1 dev c2 id 2 subflow ${1:-}
}

# wire_bytes: "up1 down1 up2 down2", bytes on the client's two links as the
# wire namespace counts them (up = client to gateway)
wire_bytes() {
	on wire sh -c 'cd /sys/class/net && echo $(cat c1w/statistics/rx_bytes \
		c1w/statistics/tx_bytes c2w/statistics/rx_bytes c2w/statistics/tx_bytes)'
}

# path_shares PCT BEFORE AFTER: each path carried >= PCT% of each direction
path_shares() {
	python3 - "$@" <<'PY'
import sys
pct = float(sys.argv[1])
b = [int(x) for x in open(sys.argv[2]).read().split()]
a = [int(x) for x in open(sys.argv[3]).read().split()]
d = [y - x for x, y in zip(b, a)]
ok = True
for name, p1, p2 in (("up", d[0], d[2]), ("down", d[1], d[3])):
    tot = p1 + p2
    s1, s2 = 100.0 * p1 / tot, 100.0 * p2 / tot
    print(f"#   {name}: path 1 {p1} B ({s1:.0f}%), path 2 {p2} B ({s2:.0f}%)")
    ok = ok and s1 >= pct and s2 >= pct
sys.exit(0 if ok else 1)
PY
}

# wire_since FILE: what each wire_bytes counter moved since FILE was written
wire_since() {
	local a b
	read -ra a <"$1"
	read -ra b <<<"$(wire_bytes)"
	echo $((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) $((b[3] - a[3]))
}

# moved BYTES FILE: both paths together carried BYTES one way or the
# other since FILE (the faster direction: both are still under way)
moved() {
	local d
	read -ra d <<<"$(wire_since "$2")"
	[ $((d[0] + d[2])) -ge "$1" ] || [ $((d[1] + d[3])) -ge "$1" ]
}

# --- path faults ---------------------------------------------------------
# On the wire, never on the gateway (its XDP program bypasses its own
# nftables). path_fault PATH HOW [PERMILLE]: HOW = link (the client's link
# goes down), drop (the path's bridge forwards nothing), loss (it drops
# PERMILLE of 1000 frames at random, both ways). path_heal PATH undoes it.
path_fault() {
	case $2 in
	link) on wire ip link set "c$1w" down ;;
	drop) path_nft "$1" drop ;;
	loss) path_nft "$1" "numgen random mod 1000 < $3 drop" ;;
	*) die "path_fault: unknown fault $2" ;;
	esac
}

path_nft() {
	on wire nft -f - <<NFT
table bridge mpx_path$1 {
	chain faults {
		type filter hook forward priority 0; policy accept;
		iifname { "c$1w", "g$1w" } $2
	}
}
NFT
}

path_heal() {
	on wire ip link set "c$1w" up
	on wire nft delete table bridge "mpx_path$1" 2>/dev/null || true
}
