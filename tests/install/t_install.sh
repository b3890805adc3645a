#!/bin/bash
# make install into scratch DESTDIRs: exactly the expected files, with
# their modes; the unit passes systemd-analyze verify and names the
# installed paths for each PREFIX; the binaries run; the man pages render
# without warnings; a reinstall keeps the operator's /etc/default/mpxdpd.
# Needs no root and touches nothing outside its scratch directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpxdp-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
FAILED=0

ok() { echo "ok - $*"; }
check() { # check "what" CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else echo "not ok - $what"; FAILED=1; fi
}
inst() { # inst DIR PREFIX: make install there, quietly
	make -C "$ROOT" --no-print-directory install DESTDIR="$1" PREFIX="$2" >"$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log"; echo "not ok - make install PREFIX=$2"; exit 1; }
}

d=$tmp/usr
inst "$d" /usr
check "make install DESTDIR=... PREFIX=/usr puts exactly these files" test "$(cd "$d" && find . -type f -printf '%m %p\n' | sort)" = "$(sort <<'LIST'
644 ./etc/default/mpxdpd
644 ./usr/lib/mpxdp/mpxdp.bpf.o
644 ./usr/lib/systemd/system/mpxdpd.service
644 ./usr/share/man/man8/mpxdp.8
644 ./usr/share/man/man8/mpxdpd.8
755 ./usr/sbin/mpxdp
755 ./usr/sbin/mpxdpd
LIST
)"
unit=$d/usr/lib/systemd/system/mpxdpd.service
check "mpxdpd --help runs and offers --metrics" sh -c "'$d/usr/sbin/mpxdpd' --help | grep -q -- --metrics"
check "mpxdp --help runs" sh -c "'$d/usr/sbin/mpxdp' --help >/dev/null"
check "the unit starts /usr/sbin/mpxdpd with \$MPXDPD_ARGS" grep -qx 'ExecStart=/usr/sbin/mpxdpd $MPXDPD_ARGS' "$unit"
check "... from /etc/default/mpxdpd, which sets MPXDPD_ARGS" \
	sh -c "grep -qx 'EnvironmentFile=-/etc/default/mpxdpd' '$unit' && grep -q '^MPXDPD_ARGS=' '$d/etc/default/mpxdpd'"
if command -v systemd-analyze >/dev/null; then
	# verify resolves ExecStart on this host, so point it into DESTDIR; it
	# only warns about what it cannot parse, so any output is a failure
	mkdir "$tmp/verify"
	sed "s|=/usr/sbin/|=$d/usr/sbin/|" "$unit" >"$tmp/verify/mpxdpd.service"
	check "systemd-analyze verify: not a word" \
		test -z "$(systemd-analyze verify --man=no "$tmp/verify/mpxdpd.service" 2>&1)"
else
	ok "# SKIP systemd-analyze not installed"
fi
for m in mpxdp mpxdpd; do
	check "man $m renders without warnings" \
		test -z "$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$d/usr/share/man/man8/$m.8" 2>&1 >/dev/null)"
done

echo 'MPXDPD_ARGS="--checksum"' >"$d/etc/default/mpxdpd"
inst "$d" /usr
check "a reinstall keeps the operator's /etc/default/mpxdpd" grep -qx 'MPXDPD_ARGS="--checksum"' "$d/etc/default/mpxdpd"

inst "$tmp/local" /usr/local
check "PREFIX=/usr/local: the unit starts /usr/local/sbin/mpxdpd" \
	grep -qx 'ExecStart=/usr/local/sbin/mpxdpd $MPXDPD_ARGS' "$tmp/local/usr/local/lib/systemd/system/mpxdpd.service"

[ $FAILED -eq 0 ] && echo "# t_install: passed" || { echo "# t_install: FAILED"; exit 1; }
