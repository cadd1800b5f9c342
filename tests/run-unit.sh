#!/usr/bin/env bash
# run-unit.sh BIN... — runs each Criterion test binary and closes with the total of
# their tests as "unit: N passed, N failed" (a failing binary's output is shown whole;
# a test skipped where it cannot run prints its "SKIP: reason" line).
set -u
tests_pass=0; tests_fail=0; failed=()
for t in "$@"; do
	out=$("$t" --jobs 2 2>&1); rc=$?
	synth=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n 1)
	p=$(printf '%s\n' "$synth" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(printf '%s\n' "$synth" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p')
	tests_pass=$((tests_pass + ${p:-0}))
	for n in $f; do tests_fail=$((tests_fail + n)); done
	if [ "$rc" -ne 0 ] || [ -z "$synth" ]; then
		failed+=("$t")
		[ -n "$synth" ] || tests_fail=$((tests_fail + 1))
		printf '%s\n' "$out"
	else
		printf '%-40s %s\n' "$(basename "$t")" "${synth#*Synthesis: }"
	fi
	# tests that cannot run here (no /dev/fuse, ...) say so
	printf '%s\n' "$out" | grep '^SKIP: ' | sed "s|^|  $(basename "$t"): |" || true
done
echo "unit: $tests_pass passed, $tests_fail failed"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
