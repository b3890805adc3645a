#!/bin/sh
# Install the Debian packages mpxdp needs, only those missing.
# Run by `make` on first use; safe to run again.
set -e
PKGS="clang llvm libbpf-dev bpftool libxdp-dev xdp-tools libelf-dev zlib1g-dev
libnl-3-dev libnl-route-3-dev libssl-dev libcriterion-dev libclang-rt-14-dev
pkg-config python3 python3-jsonschema python3-prometheus-client iproute2 iputils-ping ethtool nftables tcpdump tshark util-linux"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install packages (run: sudo make deps)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
