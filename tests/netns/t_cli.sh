#!/bin/bash
# Issue 2: the operator's tools. Every error is one clear line on stderr
# and a non-zero exit; every show command has a JSON form; a fast path the
# verifier refuses is reported with the verifier's own reason.
. "$(dirname "$0")/lib.sh"
tb_up

# expect_err "what" "message part" CMD...: non-zero exit, one line naming the problem
expect_err() {
	local what=$1 msg=$2 rc=0
	shift 2
	"$@" >"$LOG/out" 2>"$LOG/err" || rc=$?
	if [ $rc -ne 0 ] && grep -q -- "$msg" "$LOG/err" && [ "$(wc -l <"$LOG/err")" -eq 1 ]; then
		ok "$what: $(cat "$LOG/err")"
	else
		fail "$what: rc=$rc stderr=$(cat "$LOG/err")"
	fi
}

expect_err "no daemon yet" "start mpxdpd first" mpxdp link attach dev g1 role client
expect_err "not root" "must be run as root" \
	gw setpriv --reuid=65534 --regid=65534 --clear-groups "$B/mpxdp" stats

# the verifier's reason reaches the operator
rc=0
gw "$B/mpxdpd" --pin-dir "$MPXDP_PIN_DIR" --bpf-object "$B/tests/reject.bpf.o" >"$LOG/reject.log" 2>&1 || rc=$?
check "a program the verifier refuses: mpxdpd exits non-zero" test $rc -ne 0
check "... and shows the verifier's reason" grep -q "invalid access to packet" "$LOG/reject.log"
rm -rf "$MPXDP_PIN_DIR"

gw_start
expect_err "no such interface" "no such interface: nosuch0" mpxdp link attach dev nosuch0 role client
expect_err "bad role" "role must be client or server" mpxdp link attach dev g1 role router
expect_err "bad mode" "mode must be native or generic" mpxdp link attach dev g1 role client mode turbo
expect_err "missing role" "missing: role" mpxdp link attach dev g1
expect_err "unknown object" "unknown object" mpxdp frobnicate
on gw ip link add dummyx type veth peer name dummyy
on gw ip link set dummyx xdpgeneric obj "$B/xdp_pass.bpf.o" sec xdp
expect_err "someone else's XDP program" "already has an XDP program" mpxdp link attach dev dummyx role client
expect_err "detach what is not attached" "dummyx is not attached" mpxdp link detach dev dummyx

check "link show -j lists the 3 links with roles" python3 -c "
import json, subprocess, sys
links = json.loads(subprocess.check_output(sys.argv[1:]))
roles = sorted((l['dev'], l['role'], l['attached']) for l in links)
sys.exit(0 if roles == [('g1','client',True),('g2','client',True),('gs','server',True)] else 1)
" nsenter --net=/run/netns/$P-gw "$B/mpxdp" link show -j
check "stats -j has every counter as a number" python3 -c "
import json, subprocess, sys
st = json.loads(subprocess.check_output(sys.argv[1:]))
sys.exit(0 if len(st) > 40 and all(isinstance(v, int) for v in st.values()) else 1)
" nsenter --net=/run/netns/$P-gw "$B/mpxdp" stats -j
check "conn show -j is a JSON list" python3 -c "
import json, subprocess, sys
sys.exit(0 if json.loads(subprocess.check_output(sys.argv[1:])) == [] else 1)
" nsenter --net=/run/netns/$P-gw "$B/mpxdp" conn show -j

mpxdp link detach dev g2
check "link detach removes the program and the link" \
	sh -c "! ip -n $P-gw link show g2 | grep -q xdp && [ \$(nsenter --net=/run/netns/$P-gw $B/mpxdp link show -j | grep -o '\"dev\"' | wc -l) -eq 2 ]"
check "every counter is documented in docs/stats.md" python3 -c "
import json, subprocess, sys
st = json.loads(subprocess.check_output(sys.argv[1:]))
doc = open('$ROOT/docs/stats.md').read()
missing = [k for k in st if '\`' + k + '\`' not in doc]
print('#   undocumented:', missing) if missing else None
sys.exit(1 if missing else 0)
" nsenter --net=/run/netns/$P-gw "$B/mpxdp" stats -j
