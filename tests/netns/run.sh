#!/bin/bash
# Run the netns integration tests (tests/netns/t_*.sh), or those named.
# Each test builds and removes its own testbed. Exit status: number of
# failed tests (0 = all passed). Logs: build/netns-logs/<test>/.
cd "$(dirname "$0")"
[ "$(id -u)" -eq 0 ] || { echo "netns tests need root" >&2; exit 1; }
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t_*.sh)
failed=()
base=$(printf 'm%05d' $(($$ % 100000)))
n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	t=${t%.sh}.sh
	echo "# --- $t"
	start=$SECONDS
	if MPX_PREFIX="$base$n" timeout 900 bash "$t"; then
		echo "# $t took $((SECONDS - start)) s"
	else
		failed+=("$t")
	fi
done
echo "# ${#tests[@]} tests, ${#failed[@]} failed${failed:+: ${failed[*]}}"
exit ${#failed[@]}
