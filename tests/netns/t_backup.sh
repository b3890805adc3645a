#!/bin/bash
# Issue 3: a backup path. The client joins its second path as a backup
# subflow (MP_JOIN with the B bit); while path 1 works path 2 carries
# (nearly) nothing either way: no data, only the join and a few ACKs. Then
# path 1 goes down in the middle of 200 MB each way, and the transfer
# completes byte-exact over path 2, without a fallback.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start
two_paths backup

SIZE=200M
CUT_AT=$((60 * 1024 * 1024))
IDLE_MAX=$((64 * 1024)) # bytes path 2 may carry each way before the cut

nstat_snap cli "$LOG/nstat.before"
wire_bytes >"$LOG/wire.before"
bg client cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 \
	--up $SIZE --down $SIZE --json --timeout 60
CLIENT=$LAST_PID
check "the backup subflow joins" wait_for 10 sh -c \
	"[ \$(ip netns exec $P-cli ss -Htn state established 'dport = :5001' | wc -l) -ge 2 ]"
mpxdp conn show >"$LOG/conn-during.txt"
check "the gateway knows it as a backup" grep -q "backup yes" "$LOG/conn-during.txt"
check "60 MB one way before the cut" wait_for 30 moved $CUT_AT "$LOG/wire.before"
t0=$(date +%s.%N)
path_fault 1 link
wire_bytes >"$LOG/wire.cut"
read -ra pre <<<"$(wire_since "$LOG/wire.before")"
echo "#   before the cut: path 1 up ${pre[0]} down ${pre[1]}, path 2 up ${pre[2]} down ${pre[3]} B"
check "path 2 carried no data while path 1 worked" \
	test "${pre[2]}" -le $IDLE_MAX -a "${pre[3]}" -le $IDLE_MAX
wait "$CLIENT" || fail "xfer client failed: $(tail -2 "$LOG/client.log")"
echo "#   done $(echo "$(date +%s.%N) - $t0" | bc) s after the cut"
read -ra d <<<"$(wire_since "$LOG/wire.cut")"
nstat_snap cli "$LOG/nstat.after"
echo "#   after the cut: path 1 up ${d[0]} down ${d[1]}, path 2 up ${d[2]} down ${d[3]} B"

check "200 MB each way, hashes match on both ends" hashes_match "$LOG/client.log" "$LOG/server.jsonl"
check "no fallback, DSS or infinite-mapping counter grew" no_fallback "$LOG/nstat.before" "$LOG/nstat.after"
check "path 2 carried the rest each way" \
	test "${d[2]}" -ge $((209715200 - pre[0] - pre[2])) -a "${d[3]}" -ge $((209715200 - pre[1] - pre[3]))
check "the gateway refused no join" test "$(stat MPJoinRejected)" -eq 0
check "connection table empty within the GC period" wait_for 5 conn_table_empty
mpxdp stats >"$LOG/stats.txt"
