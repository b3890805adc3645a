#!/bin/bash
# make bench: goodput and CPU per GB, side by side in one run on one
# machine (method, results and caveats: docs/bench.md).
#
# One path, bulk transfer, no rate limit (issue 2):
#
#   kernel     plain TCP client, the gateway namespace forwards with the
#              kernel (no XDP attached): what the traffic costs without mpxdp
#   mpxdp      Linux MPTCP client through mpxdp (XDP on the gateway), one
#              subflow, translated to the plain TCP server
#   xdp-pass   plain TCP client with mpxdp attached: the cost mpxdp adds to
#              traffic that is not MPTCP (parsed, then passed to the kernel)
#
# Two paths of RATE Mbit/s each (tbf on the wire namespace's bridge ports,
# both directions), the client joins a second subflow (issue 3):
#
#   mpxdp      through mpxdp to the plain TCP server, as above
#   relay      mpxdp detached; the client's MPTCP ends at tests/peer/relay on
#              the gateway (198.19.255.1, a loopback address inside the
#              server-side prefix, so the client's routes for both paths
#              already lead there), which splices to the same server by TCP
#
# CPU is all CPUs' busy time from /proc/stat during the transfer (the
# client, the gateway and the server share this machine, so the endpoints'
# cost is in every column alike), divided by the gigabytes moved. The
# gateway's own share is shown beside it where it can be measured: the XDP
# program's run time (kernel.bpf_stats_enabled) for mpxdp, the relay
# process's CPU time for the relay. Each figure is the median of BENCH_RUNS
# runs (default 3).
set -euo pipefail
P=bn$(($$ % 100000))
. "$(dirname "$0")/lib.sh"
LOG=$B/bench
mkdir -p "$LOG"
rm -f "$LOG"/*.log
trap 'tb_cleanup >/dev/null 2>&1; sysctl -qw kernel.bpf_stats_enabled=$BPF_STATS0' EXIT
trap 'exit 130' INT TERM
BPF_STATS0=$(sysctl -n kernel.bpf_stats_enabled)

SIZE=${BENCH_SIZE:-512M}
MP_SIZE=${BENCH_MP_SIZE:-128M}
RUNS=${BENCH_RUNS:-3}
RATE=${BENCH_RATE:-200}
RELAY=198.19.255.1:5002

# "busy total" jiffies of all CPUs
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
prog_ns() {
	[ -e "$MPXDP_PIN_DIR/prog" ] || { echo 0; return; }
	gw bpftool prog show pinned "$MPXDP_PIN_DIR/prog" -j |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("run_time_ns", 0))'
}
# own_ns SCENARIO: the gateway's own CPU so far, as far as it is attributable
own_ns() {
	case $1 in
	*relay) awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1e9 / hz }' \
		"/proc/$RELAY_PID/stat" ;;
	*) prog_ns ;;
	esac
}

# run SCENARIO DIR SIZE DST [XFER ARGS]: one transfer; appends a JSON line
# to $LOG/results.jsonl. A failed transfer is recorded and the bench goes
# on (the report lists it and exits non-zero): one stall must not cost
# the whole run.
run() {
	local scen=$1 dir=$2 size=$3 dst=$4 up=0 down=0 c0 c1 p0 p1 w0 w1
	shift 4
	[ "$dir" = down ] && down=$size || up=$size
	p0=$(own_ns "$scen")
	w0=$(wire_bytes)
	c0=$(cpu_jiffies)
	on cli "$B/peer/xfer" client "$@" --connect "$dst" --up "$up" --down "$down" \
		--timeout 60 --json >"$LOG/$scen-$dir.log" 2>&1 || true
	c1=$(cpu_jiffies)
	w1=$(wire_bytes)
	p1=$(own_ns "$scen")
	python3 - "$LOG/$scen-$dir.log" "$scen" "$dir" $((p1 - p0)) "$(getconf CLK_TCK)" \
		"$c0" "$c1" "$w0" "$w1" >>"$LOG/results.jsonl" <<'PY'
import json, sys
f, scen, d, pns, hz = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
delta = lambda a, b: [y - x for x, y in zip(map(int, a.split()), map(int, b.split()))]
jif, total = delta(sys.argv[6], sys.argv[7])
w = delta(sys.argv[8], sys.argv[9])
r = [json.loads(l) for l in open(f) if l.startswith("{") and "recv_sha256" in l][0]
if not r["ok"]:
    print(json.dumps({"scenario": scen, "dir": d, "failed": r["error"]}))
    sys.exit()
nbytes = r["recv_bytes"] if d == "down" else r["sent_bytes"]
gb = nbytes / 1e9
p1, p2 = (w[1], w[3]) if d == "down" else (w[0], w[2])  # wire_bytes: up1 down1 up2 down2
print(json.dumps({"scenario": scen, "dir": d, "bytes": nbytes, "secs": r["secs"],
                  "mbps": nbytes * 8 / r["secs"] / 1e6, "cpu_s_per_gb": jif / hz / gb,
                  "own_ms_per_gb": pns / 1e6 / gb, "idle": 1 - jif / total,
                  "path2_share": p2 / (p1 + p2), "mptcp": r.get("mptcp_active", False)}))
PY
}

# two paths of RATE Mbit/s: a token bucket on each bridge port, so each
# direction of each path is limited where the frame leaves the bridge
shape_paths() {
	local i
	for i in c1w g1w c2w g2w; do
		on wire tc qdisc replace dev $i root tbf rate "${RATE}mbit" burst 64kb latency 20ms
	done
}

say() { printf '%s\n' "$*"; }
say "mpxdp bench: $RUNS runs per figure, testbed $P (logs in $LOG)"
say "load at start: $(uptime)"
rm -f "$LOG/results.jsonl"
tb_up >/dev/null
server_start
sysctl -qw kernel.bpf_stats_enabled=1

say "one path, $SIZE per transfer ..."
for i in $(seq "$RUNS"); do
	for d in down up; do run kernel $d "$SIZE" 198.19.1.2:5001; done
done
gw_start
for i in $(seq "$RUNS"); do
	for d in down up; do
		run mpxdp $d "$SIZE" 198.19.1.2:5001 --mptcp
		run xdp-pass $d "$SIZE" 198.19.1.2:5001
	done
done

say "two paths of $RATE Mbit/s, $MP_SIZE per transfer ..."
two_paths
shape_paths
on gw ip addr add "${RELAY%:*}/32" dev lo
on gw ip mptcp limits set subflows 1 add_addr_accepted 0
bg relay gw "$B/peer/relay" --listen "$RELAY" --to 198.19.1.2:5001
RELAY_PID=$LAST_PID
wait_for 5 on gw sh -c "ss -Htln 'sport = :${RELAY#*:}' | grep -q ." ||
	die "relay did not start: $(tail -3 "$LOG/relay.log")"
# The end that only receives keeps its side open until the data is through,
# as a request/response protocol does: a one-way xfer would half-close at
# once, and mpxdp takes no joins on a half-closed connection (daemon/join.c).
open_end() { [ "$1" = down ] && echo --hold-fin || echo --serial; }
# alternate, so that the other load on the machine falls on both alike
for i in $(seq "$RUNS"); do
	gw_detach
	for d in down up; do run 2p-relay $d "$MP_SIZE" "$RELAY" --mptcp "$(open_end $d)"; done
	gw_attach
	for d in down up; do run 2p-mpxdp $d "$MP_SIZE" 198.19.1.2:5001 --mptcp "$(open_end $d)"; done
done
say "load at end: $(uptime)"

python3 "$ROOT/tools/bench_report.py" "$LOG/results.jsonl" "$RATE" | tee "$LOG/summary.txt"
