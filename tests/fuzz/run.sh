#!/bin/sh
# Run each libFuzzer harness for SECONDS: tests/fuzz/run.sh SECONDS DIR NAME...
#
# DIR/fuzz_NAME is the harness, DIR/seeds/NAME its seeds (seeds.py), and
# DIR/corpus/NAME the corpus it grows, kept between runs. Findings are
# written as DIR/findings/NAME-crash-* (or -leak-, -timeout-, -oom-) and the
# log as DIR/NAME.log. Every harness runs even when an earlier one finds
# something; the exit status is non-zero when any did.
# FUZZ_FLAGS adds libFuzzer flags (e.g. FUZZ_FLAGS=-jobs=2). Value profiles
# are on: they let the fuzzer solve equalities between input fields (an
# EtherType, a mapping's length against a segment's) that add no edge
# until they hold.
set -u
secs=$1
dir=$2
shift 2
fail=0
mkdir -p "$dir/findings"
for name in "$@"; do
	mkdir -p "$dir/corpus/$name"
	log="$dir/$name.log"
	echo "fuzz: $name for ${secs}s (log: $log)"
	# shellcheck disable=SC2086
	if "$dir/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 \
		-print_final_stats=1 -artifact_prefix="$dir/findings/$name-" ${FUZZ_FLAGS:-} \
		"$dir/corpus/$name" "$dir/seeds/$name" >"$log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
			"$log" | sed "s/^/fuzz: $name /"
		echo "fuzz: $name corpus: $(ls "$dir/corpus/$name" | wc -l) inputs"
	else
		fail=1
		echo "fuzz: $name FAILED; the end of $log:" >&2
		tail -n 40 "$log" >&2
	fi
done
if [ "$fail" -ne 0 ]; then
	echo "fuzz: findings in $dir/findings:" >&2
	ls "$dir/findings" >&2
fi
exit "$fail"
