# Shared helpers for the netns integration tests. Source it from a test.
#
# Each test gets its own testbed (tools/testbed.sh) under a per-run prefix,
# its own pin directory and log directory, and a trap that stops every
# process it started (by PID) and deletes the namespaces, pass or fail.
set -euo pipefail

TEST=$(basename "$0" .sh)
P=${MPX_PREFIX:-m$$}
P=${P:0:8}
. "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib.sh"
LOG=${MPX_LOGDIR:-$B/netns-logs}/$TEST
mkdir -p "$LOG"
rm -f "$LOG"/*
FAILED=0

cleanup() {
	local rc=$?
	set +e
	# what the gateway saw, for the post-mortem
	[ -e "$MPXDP_PIN_DIR/stats" ] && mpxdp stats >"$LOG/stats.final" 2>&1
	[ -e "$MPXDP_PIN_DIR/conns" ] && mpxdp conn show >"$LOG/conns.final" 2>&1
	tb_cleanup
	if [ $rc -ne 0 ] || [ $FAILED -ne 0 ]; then
		echo "# $TEST: FAILED (logs in $LOG)"
		exit 1
	fi
	echo "# $TEST: passed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- verdicts ------------------------------------------------------------
ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	FAILED=1
	exit 1
}
check() { # check "what" CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

