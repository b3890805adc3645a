#!/bin/bash
# make bench: goodput and CPU per GB, side by side in one run on one
# machine, for a bulk transfer over one path:
#
#   kernel     plain TCP client, the gateway namespace forwards with the
#              kernel (no XDP attached): what the traffic costs without mpxdp
#   mpxdp      Linux MPTCP client through mpxdp (XDP on the gateway), one
#              subflow, translated to the plain TCP server
#   xdp-pass   plain TCP client with mpxdp attached: the cost mpxdp adds to
#              traffic that is not MPTCP (parsed, then passed to the kernel)
#
# CPU is all CPUs' busy time from /proc/stat during the transfer (the
# client, the gateway and the server share this machine, so the endpoints'
# cost is in every column alike), divided by the gigabytes moved. The XDP
# program's own run time (kernel.bpf_stats_enabled) is shown for mpxdp.
# Each figure is the median of BENCH_RUNS runs (default 3).
set -euo pipefail
P=bn$(($$ % 100000))
. "$(dirname "$0")/lib.sh"
LOG=$B/bench
mkdir -p "$LOG"
rm -f "$LOG"/*.log
trap 'tb_cleanup >/dev/null 2>&1; sysctl -qw kernel.bpf_stats_enabled=$BPF_STATS0' EXIT
trap 'exit 130' INT TERM
BPF_STATS0=$(sysctl -n kernel.bpf_stats_enabled)

SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-3}

busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
prog_ns() {
	[ -e "$MPXDP_PIN_DIR/prog" ] || { echo 0; return; }
	gw bpftool prog show pinned "$MPXDP_PIN_DIR/prog" -j |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("run_time_ns", 0))'
}

# run SCENARIO DIR: one transfer; appends a JSON line to $LOG/results.jsonl
run() {
	local scen=$1 dir=$2 up=0 down=0 mptcp=() j0 j1 p0 p1
	[ "$dir" = down ] && down=$SIZE || up=$SIZE
	[ "$scen" = mpxdp ] && mptcp=(--mptcp)
	p0=$(prog_ns)
	j0=$(busy_jiffies)
	on cli "$B/peer/xfer" client "${mptcp[@]}" --connect 198.19.1.2:5001 --up "$up" --down "$down" \
		--json >"$LOG/$scen-$dir.log" 2>&1 || die "$scen $dir: $(tail -2 "$LOG/$scen-$dir.log")"
	j1=$(busy_jiffies)
	p1=$(prog_ns)
	python3 - "$LOG/$scen-$dir.log" "$scen" "$dir" $((j1 - j0)) $((p1 - p0)) "$(getconf CLK_TCK)" \
		>>"$LOG/results.jsonl" <<'EOF'
import json, sys
f, scen, d, jif, pns, hz = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
r = [json.loads(l) for l in open(f) if l.startswith("{") and "recv_sha256" in l][0]
assert r["ok"], r
nbytes = r["recv_bytes"] if d == "down" else r["sent_bytes"]
gb = nbytes / 1e9
print(json.dumps({"scenario": scen, "dir": d, "bytes": nbytes, "secs": r["secs"],
                  "mbps": nbytes * 8 / r["secs"] / 1e6, "cpu_s_per_gb": jif / hz / gb,
                  "xdp_ms_per_gb": pns / 1e6 / gb, "mptcp": r.get("mptcp_active", False)}))
EOF
}

say() { printf '%s\n' "$*"; }
say "mpxdp bench: $SIZE per transfer, $RUNS runs per figure, testbed $P (logs in $LOG)"
rm -f "$LOG/results.jsonl"
tb_up >/dev/null
server_start
sysctl -qw kernel.bpf_stats_enabled=1

for i in $(seq "$RUNS"); do
	for d in down up; do run kernel $d; done
done
gw_start
for i in $(seq "$RUNS"); do
	for d in down up; do
		run mpxdp $d
		run xdp-pass $d
	done
done

python3 - "$LOG/results.jsonl" <<'EOF' | tee "$LOG/summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(scen, d, k):
    v = [r[k] for r in rows if r["scenario"] == scen and r["dir"] == d]
    return statistics.median(v) if v else float("nan")
print(f"{'':24}{'kernel':>12}{'mpxdp':>12}{'xdp-pass':>12}")
for d in ("down", "up"):
    name = "server->client" if d == "down" else "client->server"
    print(f"{name}")
    print(f"  {'goodput Mbit/s':22}" + "".join(f"{med(s, d, 'mbps'):12.0f}" for s in ("kernel", "mpxdp", "xdp-pass")))
    print(f"  {'CPU s per GB':22}" + "".join(f"{med(s, d, 'cpu_s_per_gb'):12.2f}" for s in ("kernel", "mpxdp", "xdp-pass")))
    print(f"  {'  vs kernel':22}{'1.00x':>12}" + "".join(f"{med(s, d, 'cpu_s_per_gb') / med('kernel', d, 'cpu_s_per_gb'):11.2f}x" for s in ("mpxdp", "xdp-pass")))
    print(f"  {'XDP program ms per GB':22}{'-':>12}" + "".join(f"{med(s, d, 'xdp_ms_per_gb'):12.1f}" for s in ("mpxdp", "xdp-pass")))
assert all(r["mptcp"] for r in rows if r["scenario"] == "mpxdp"), "an mpxdp run was not MPTCP"
EOF
