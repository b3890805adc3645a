#!/bin/bash
# Issue 3: a path fails in the middle of a transfer. One MPTCP connection on
# two paths moves 200 MB each way; once 60 MB have gone one way (the faster
# direction: both are under way), one path stops: its client link goes
# down, or its bridge drops everything (nft on the wire). The transfer
# completes byte-exact over the other path, the client never falls back,
# the surviving path carries the rest and the gateway declares the dead
# subflow dead. Path 1 (the initial subflow) and path 2, each both ways.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
two_paths

SIZE=200M
CUT_AT=$((60 * 1024 * 1024))

# failover PATH HOW: one connection, PATH fails by HOW (path_fault) once
# CUT_AT bytes have gone one way
failover() {
	local path=$1 how=$2 name=path$1-$2 other=$((3 - $1)) pid t0 pre d
	nstat_snap cli "$LOG/nstat.$name.before"
	wire_bytes >"$LOG/wire.$name.before"
	bg "client-$name" cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 \
		--up $SIZE --down $SIZE --json --timeout 60
	pid=$LAST_PID
	check "$name: the second subflow joins" wait_for 10 sh -c \
		"[ \$(ip netns exec $P-cli ss -Htn state established 'dport = :5001' | wc -l) -ge 2 ]"
	check "$name: 60 MB one way before the cut" \
		wait_for 30 moved $CUT_AT "$LOG/wire.$name.before"
	t0=$(date +%s.%N)
	path_fault "$path" "$how"
	wire_bytes >"$LOG/wire.$name.cut"
	read -ra pre <<<"$(wire_since "$LOG/wire.$name.before")"
	echo "#   before the cut: up $((pre[0] + pre[2])) down $((pre[1] + pre[3])) B"
	on cli ss -Mi >"$LOG/ss-mptcp.$name.txt"
	wait "$pid" || fail "$name: xfer client failed: $(tail -2 "$LOG/client-$name.log")"
	echo "#   $name: done $(echo "$(date +%s.%N) - $t0" | bc) s after the cut"
	read -ra d <<<"$(wire_since "$LOG/wire.$name.cut")"
	path_heal "$path"
	nstat_snap cli "$LOG/nstat.$name.after"
	echo "#   after the cut: path 1 up ${d[0]} down ${d[1]}, path 2 up ${d[2]} down ${d[3]} B"
	check "$name: 200 MB each way, hashes match on both ends" \
		hashes_match "$LOG/client-$name.log" "$LOG/server.jsonl"
	check "$name: no fallback, DSS or infinite-mapping counter grew" \
		no_fallback "$LOG/nstat.$name.before" "$LOG/nstat.$name.after"
	# (what the wire counted before the cut includes headers: the rest is
	# at least 200 MB less that)
	check "$name: path $other carried the rest each way" \
		test "${d[2 * other - 2]}" -ge $((209715200 - pre[0] - pre[2])) \
		-a "${d[2 * other - 1]}" -ge $((209715200 - pre[1] - pre[3]))
	check "$name: the gateway declared the subflow dead" \
		test "$(stat SubflowStalled)" -gt "${STALLED:-0}"
	STALLED=$(stat SubflowStalled)
}

failover 1 link
failover 1 drop
failover 2 link
failover 2 drop
check "connection table empty within the GC period" wait_for 5 conn_table_empty
mpxdp stats >"$LOG/stats.txt"
