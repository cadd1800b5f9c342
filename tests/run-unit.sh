#!/usr/bin/env bash
# run-unit.sh BIN... — runs each Criterion test binary; prints a closing "N passed, N failed" line.
set -u
pass=0; fail=0; failed=()
for t in "$@"; do
	if out=$("$t" --jobs 2 2>&1); then
		pass=$((pass+1))
		printf '%s\n' "$out" | tail -n 1
	else
		fail=$((fail+1)); failed+=("$t")
		printf '%s\n' "$out"
	fi
done
echo "unit test binaries: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
