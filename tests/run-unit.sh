#!/usr/bin/env bash
# run-unit.sh BIN... — runs each Criterion test binary and closes with the total of
# their tests as "unit: N passed, N failed, N skipped" (a failing binary's output is shown
# whole). Criterion leaves a skipped test (cr_skip_test) out of its "Tested" count and
# prints nothing about it, so each binary also writes a TAP report, whose "# SKIP reason"
# lines are counted here and listed with the test's name and the reason: a test that did
# not run is never counted as passed, nor hidden.
set -u
tests_pass=0; tests_fail=0; tests_skip=0; failed=(); skipped=()
tap=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX")
trap 'rm -f "$tap"' EXIT
for t in "$@"; do
	: >"$tap"
	out=$("$t" --jobs 2 --tap="$tap" 2>&1); rc=$?
	synth=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n 1)
	p=$(printf '%s\n' "$synth" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(printf '%s\n' "$synth" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p')
	tests_pass=$((tests_pass + ${p:-0}))
	for n in $f; do tests_fail=$((tests_fail + n)); done
	# "ok - suite::name  # SKIP reason" (TAP 13, as Criterion writes it)
	skips=$(sed -n 's/^ok - \([^ ]*\) *# SKIP \(.*\)$/\1: \2/p' "$tap")
	n_skip=0
	[ -z "$skips" ] || n_skip=$(printf '%s\n' "$skips" | wc -l)
	tests_skip=$((tests_skip + n_skip))
	if [ "$rc" -ne 0 ] || [ -z "$synth" ]; then
		failed+=("$t")
		[ -n "$synth" ] || tests_fail=$((tests_fail + 1))
		printf '%s\n' "$out"
	else
		printf '%-40s %s%s\n' "$(basename "$t")" "${synth#*Synthesis: }" \
			"$([ "$n_skip" -eq 0 ] || echo "| Skipped: $n_skip")"
	fi
	while IFS= read -r s; do
		[ -n "$s" ] || continue
		echo "  SKIPPED $(basename "$t") $s"
		skipped+=("$(basename "$t") ${s%%: *}")
	done <<<"$skips"
done
echo "unit: $tests_pass passed, $tests_fail failed, $tests_skip skipped"
[ "$tests_skip" -eq 0 ] || printf 'skipped (see the reasons above): %s\n' "${skipped[*]}"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
