#!/bin/bash
# Issue 2: DSS checksums (RFC 8684 3.3). When the client requires them
# (net.mptcp.checksum_enabled=1, flag A in its SYN) every mapping the
# gateway sends carries a checksum the client's kernel verifies
# (DataCsumErr stays 0); the gateway checks the client's one-segment
# mappings. With `mpxdpd --checksum` the gateway requires them itself.
. "$(dirname "$0")/lib.sh"
tb_up

run_case() { # NAME [mpxdpd args]
	local name=$1
	shift
	gw_start "$@"
	nstat_snap cli "$LOG/nstat.$name.0"
	on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 50M --down 50M --json \
		>"$LOG/$name.log" 2>&1 || fail "$name: $(tail -2 "$LOG/$name.log")"
	on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 20 --up 100 --down 1000 \
		--json >>"$LOG/$name.log" 2>&1 || fail "$name short: $(tail -2 "$LOG/$name.log")"
	nstat_snap cli "$LOG/nstat.$name.1"
	check "$name: 21 connections byte-exact" hashes_match "$LOG/$name.log" "$LOG/server.jsonl"
	check "$name: all MPTCP with checksums, none failed, no fallback" \
		sh -c "[ $(nstat_delta "$LOG/nstat.$name.0" "$LOG/nstat.$name.1" MPTcpExtMPCapableSYNACKRX) -eq 21 ]"
	no_fallback "$LOG/nstat.$name.0" "$LOG/nstat.$name.1" || fail "$name: DataCsumErr or fallback on the client"
	check "$name: the gateway flagged every connection for checksums" \
		sh -c "grep -c 'csum=1' '$LOG/mpxdpd.log' | grep -qx 21"
	check "$name: the gateway verified the client's one-segment mappings, none failed" \
		test "$(stat DataCsumVerified)" -gt 0 -a "$(stat DataCsumErr)" -eq 0
	stop_pid "$DAEMON_PID"
	rm -rf "$MPXDP_PIN_DIR"
	for i in g1 g2 gs; do on gw ip link set dev $i xdp off; done
	mv "$LOG/mpxdpd.log" "$LOG/mpxdpd-$name.log"
}

server_start
on cli sysctl -qw net.mptcp.checksum_enabled=1
run_case client-requires
on cli sysctl -qw net.mptcp.checksum_enabled=0
run_case gateway-requires --checksum

# Payload corrupted on its way out of the client, before the TCP checksum
# is computed (nft in the client's output hook; the checksum is completed
# later, offloads being off), as a middlebox that rewrites payload and
# fixes the TCP checksum would: only the DSS checksum can tell. The gateway
# drops those segments, the client resends them, and the server still gets
# every byte right.
on cli sysctl -qw net.mptcp.checksum_enabled=1
gw_start
on cli nft -f - <<NFT
table inet corrupt {
	chain o {
		type filter hook output priority 0;
		tcp dport 5001 meta length > 400 numgen random mod 25 == 0 @th,1600,8 set 0x58
	}
}
NFT
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --count 200 --up 1000 --down 100 \
	--json >"$LOG/corrupt.log" 2>&1 || fail "corrupted path: $(tail -2 "$LOG/corrupt.log")"
check "corrupted on the path: the gateway caught it (DataCsumErr $(stat DataCsumErr))" test "$(stat DataCsumErr)" -gt 0
check "... and all 200 uploads reached the server intact" hashes_match "$LOG/corrupt.log" "$LOG/server.jsonl"
