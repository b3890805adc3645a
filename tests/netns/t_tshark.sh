#!/bin/bash
# Issue 2, 3: an independent judge of the wire format. tshark's MPTCP
# dissector, with its analysis on, reads the client link: it must see DSS
# mappings and DATA_ACKs from the gateway's side, derive from the gateway's
# key the same token the gateway reports, and report no MPTCP problem.
# Also: the daemon's log never contains a key.
. "$(dirname "$0")/lib.sh"
tb_up
gw_start
server_start

bg capture wire tcpdump -U -i c1w -s 0 -w "$LOG/client-link.pcap" tcp
CAP=$LAST_PID
sleep 1
on cli "$B/peer/xfer" client --mptcp --connect 198.19.1.2:5001 --up 3M --down 3M --json \
	>"$LOG/client.log" 2>&1 || fail "xfer: $(tail -2 "$LOG/client.log")"
token=$(mpxdp conn show -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["token"])')
sleep 1
stop_pid "$CAP"

TS="tshark -r $LOG/client-link.pcap -o mptcp.analyze_mptcp:TRUE -o mptcp.analyze_mappings:TRUE -o mptcp.relative_sequence_numbers:FALSE"
fields() { $TS -T fields "$@" 2>/dev/null; }
n_maps=$(fields -Y 'ip.src==198.19.1.2 && tcp.len > 0 && tcp.options.mptcp.rawdataseqno' -e frame.number | wc -l)
n_data=$(fields -Y 'ip.src==198.19.1.2 && tcp.len > 0' -e frame.number | wc -l)
n_acks=$(fields -Y 'ip.src==198.19.1.2 && tcp.options.mptcp.rawdataack' -e frame.number | wc -l)
n_srv=$(fields -Y 'ip.src==198.19.1.2 && tcp.flags.syn == 0' -e frame.number | wc -l)
check "every server data segment carries a DSS mapping ($n_maps of $n_data)" test "$n_maps" -eq "$n_data" -a "$n_data" -gt 1000
check "every server segment carries a DATA_ACK ($n_acks of $n_srv)" test "$n_acks" -eq "$n_srv"
check "tshark derives the gateway's token from its key ($token)" \
	sh -c "$TS -T fields -e mptcp.expected_token 2>/dev/null | grep -qx $((16#$token))"
# Protocol-level findings (expert group "Protocol": the MPTCP analysis and
# option checks) on what the gateway sent. Two of tshark 4.0's messages
# also fire on the Linux kernel's own MPTCP segments (tests/data/*.pcap):
# "No mapping available" on every pure ACK carrying a DSS, and "4 NOP in a
# row" on the kernel's option layout, which the gateway reproduces. Those
# two are not findings; anything else is.
$TS -q -z expert 2>/dev/null >"$LOG/expert.txt"
fields -Y 'ip.src==198.19.1.2 && _ws.expert' -e frame.number -e _ws.expert.group -e _ws.expert.message |
	python3 -c '
import sys
PROTOCOL = "150994944"
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    for g, m in zip(f[1].split(","), f[2].split(",")):
        if g == PROTOCOL and m not in ("No mapping available",
                                       "4 NOP in a row - a router may have removed some options"):
            print(f[0], m)
' >"$LOG/mptcp-findings.txt"
check "tshark's MPTCP analysis finds nothing wrong in the gateway's segments" test ! -s "$LOG/mptcp-findings.txt"
idsn=$(fields -Y 'ip.src==198.19.1.2 && tcp.flags.syn==1' -e mptcp.expected_idsn | sed -n 1p)
first=$(fields -Y 'ip.src==198.19.1.2 && tcp.len > 0' -e tcp.options.mptcp.rawdataseqno | sed -n 1p)
check "the gateway's first mapping starts at tshark's IDSN + 1" \
	python3 -c "import sys; sys.exit(0 if int('$first') == (int('$idsn') + 1) % 2**64 else 1)"
check "tshark decodes the DATA_FIN both ways" \
	test "$(fields -Y 'tcp.options.mptcp.datafin.flag == 1' -e ip.src | sort -u | wc -l)" -eq 2

# tshark prints keys in decimal; the log would show hex or decimal
keys=$(fields -e tcp.options.mptcp.sendkey -e tcp.options.mptcp.recvkey | tr '\t,' '\n\n' | grep -v '^$' | sort -u)
keys="$keys $(for k in $keys; do printf '%016x\n' "$k"; done)"
check "tshark saw both keys" test "$(echo $keys | wc -w)" -ge 4
leaked=""
for k in $keys; do
	grep -qi "$k" "$LOG/mpxdpd.log" && leaked="$leaked $k"
	grep -qi "$k" <(mpxdp conn show -j) && leaked="$leaked $k"
done
check "no key appears in the daemon's log or in conn show" test -z "$leaked"
