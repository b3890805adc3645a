#!/bin/bash
# mpxdp netns testbed, shared by `make demo`, the integration tests and the
# benchmarks.
#
#   testbed.sh up PREFIX      build it      testbed.sh down PREFIX   remove it
#
#   PREFIX-cli  Linux MPTCP client: c1 198.18.1.1 2001:db8:1::1 (path 1)
#                                   c2 198.18.2.1 2001:db8:2::1 (path 2)
#   PREFIX-gw   the gateway:        g1 198.18.1.254 2001:db8:1::fe
#                                   g2 198.18.2.254 2001:db8:2::fe
#                                   gs 198.19.1.254 2001:db8:ff::fe
#   PREFIX-srv  plain TCP server:   s1 198.19.1.2 2001:db8:ff::2
#   PREFIX-atk  a forger on path 2: a1 198.18.2.9 2001:db8:2::9 (its raw
#               sockets see only its own traffic, not the client's)
#   PREFIX-wire the links: bridges br1 (c1-g1), br2 (c2-g2), br3 (gs-s1)
#
# Why a "wire" namespace: an XDP gateway bypasses its own namespace's
# nftables, qdiscs and packet taps, so loss, rate limits, link cuts and
# captures happen on the bridges between the hosts, never on the gateway.
#
# Offloads are off on every veth (TSO, GSO, GRO, checksum): XDP then sees
# real MTU-sized segments with complete checksums, as a NIC delivers them,
# instead of 64 KB GSO super-packets and CHECKSUM_PARTIAL headers. The
# wire-side ends facing the gateway run an XDP_PASS program, without which
# a veth drops frames XDP_REDIRECTed into it.
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used. The client routes path 2's
# source address out of c2 (policy routing), as an MPTCP host must.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
XDP_PASS_OBJ=${XDP_PASS_OBJ:-$here/../build/xdp_pass.bpf.o}

cmd=${1:-}
P=${2:-}
[ -n "$cmd" ] && [ -n "$P" ] || { echo "usage: $0 up|down PREFIX" >&2; exit 2; }
[ ${#P} -le 8 ] || { echo "testbed: prefix too long (max 8): $P" >&2; exit 2; }

ns() { ip netns exec "$P-$1" "${@:2}"; }

veth() { # veth NODE IF PEERNODE PEERIF
	ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3"
}

quiet_offloads() { # NODE IF
	ns "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
	ns "$1" ip link set "$2" up
}

addr() { # NODE IF V4 V6
	ns "$1" ip addr add "$3" dev "$2"
	ns "$1" ip -6 addr add "$4" dev "$2" nodad
}

down() {
	for n in cli gw srv atk wire; do
		ip netns del "$P-$n" 2>/dev/null || true
	done
}

up() {
	# the gateway pins its state in bpffs; a fresh machine may not have it
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	for n in cli gw srv atk wire; do
		ip netns add "$P-$n"
		ns "$n" ip link set lo up
		ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done

	veth cli c1 wire c1w
	veth cli c2 wire c2w
	veth gw g1 wire g1w
	veth gw g2 wire g2w
	veth gw gs wire gsw
	veth srv s1 wire s1w
	veth atk a1 wire a1w
	for i in c1 c2; do quiet_offloads cli $i; done
	for i in g1 g2 gs; do quiet_offloads gw $i; done
	quiet_offloads srv s1
	quiet_offloads atk a1
	for i in c1w c2w g1w g2w gsw s1w a1w; do quiet_offloads wire $i; done

	for b in 1 2 3; do
		ns wire ip link add br$b type bridge stp_state 0 forward_delay 0
		ns wire ip link set br$b up
	done
	ns wire ip link set c1w master br1
	ns wire ip link set g1w master br1
	ns wire ip link set c2w master br2
	ns wire ip link set g2w master br2
	ns wire ip link set gsw master br3
	ns wire ip link set s1w master br3
	ns wire ip link set a1w master br2
	for i in g1w g2w gsw; do
		ns wire ip link set dev $i xdpdrv obj "$XDP_PASS_OBJ" sec xdp
	done

	addr cli c1 198.18.1.1/24 2001:db8:1::1/64
	addr cli c2 198.18.2.1/24 2001:db8:2::1/64
	addr gw g1 198.18.1.254/24 2001:db8:1::fe/64
	addr gw g2 198.18.2.254/24 2001:db8:2::fe/64
	addr gw gs 198.19.1.254/24 2001:db8:ff::fe/64
	addr srv s1 198.19.1.2/24 2001:db8:ff::2/64
	addr atk a1 198.18.2.9/24 2001:db8:2::9/64

	ns cli ip route add 198.19.0.0/16 via 198.18.1.254 dev c1 metric 1
	ns cli ip -6 route add 2001:db8:ff::/64 via 2001:db8:1::fe dev c1 metric 1
	ns cli ip rule add from 198.18.2.1 table 102
	ns cli ip route add 198.19.0.0/16 via 198.18.2.254 dev c2 table 102
	ns cli ip -6 rule add from 2001:db8:2::1 table 102
	ns cli ip -6 route add 2001:db8:ff::/64 via 2001:db8:2::fe dev c2 table 102
	ns srv ip route add 198.18.0.0/16 via 198.19.1.254 dev s1
	ns atk ip route add 198.19.0.0/16 via 198.18.2.254 dev a1
	ns atk ip -6 route add 2001:db8:ff::/64 via 2001:db8:2::fe dev a1
	ns srv ip -6 route add 2001:db8::/32 via 2001:db8:ff::fe dev s1

	ns gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	# one path unless a test asks for more
	ns cli ip mptcp limits set subflows 0 add_addr_accepted 0
	ns cli sysctl -qw net.mptcp.enabled=1
}

case "$cmd" in
up)
	trap 'down' ERR
	up
	;;
down)
	down
	;;
*)
	echo "usage: $0 up|down PREFIX" >&2
	exit 2
	;;
esac
