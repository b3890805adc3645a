#!/bin/bash
# Issue 3: random loss on one path. One MPTCP connection on two paths
# moves 200 MB each way while path 1's bridge drops 1%, then (a new
# connection) 3% of the frames at random, both ways (nft numgen on the
# wire). Byte-exact, no fallback, both paths stay in use each way.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
two_paths

SIZE=200M
# a path in use carries more than this each way (the lossy one carries
# little: both the client's scheduler and the gateway's prefer the path
# that delivers; measured 0.5 to 6%)
IN_USE=$((256 * 1024))

# lossy PERMILLE: one connection with path 1 losing PERMILLE of 1000 frames
lossy() {
	local name=loss$1 pid t0
	path_fault 1 loss "$1"
	nstat_snap cli "$LOG/nstat.$name.before"
	wire_bytes >"$LOG/wire.$name.before"
	t0=$SECONDS
	bg "client-$name" cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 \
		--up $SIZE --down $SIZE --json --timeout 90
	pid=$LAST_PID
	wait "$pid" || fail "$name: xfer client failed: $(tail -2 "$LOG/client-$name.log")"
	echo "#   $name: $((SECONDS - t0)) s"
	wire_bytes >"$LOG/wire.$name.after"
	nstat_snap cli "$LOG/nstat.$name.after"
	on wire nft list table bridge mpx_path1 >"$LOG/nft.$name.txt"
	path_heal 1
	check "$name: 200 MB each way, hashes match on both ends" \
		hashes_match "$LOG/client-$name.log" "$LOG/server.jsonl"
	check "$name: no fallback, DSS or infinite-mapping counter grew" \
		no_fallback "$LOG/nstat.$name.before" "$LOG/nstat.$name.after"
	path_shares 0 "$LOG/wire.$name.before" "$LOG/wire.$name.after"
	read -ra d <<<"$(wire_since "$LOG/wire.$name.before")"
	check "$name: both paths carried data each way" \
		test "${d[0]}" -ge $IN_USE -a "${d[1]}" -ge $IN_USE -a \
		"${d[2]}" -ge $IN_USE -a "${d[3]}" -ge $IN_USE
}

lossy 10
lossy 30
check "connection table empty within the GC period" wait_for 5 conn_table_empty
mpxdp stats >"$LOG/stats.txt"
