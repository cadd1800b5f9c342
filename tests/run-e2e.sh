#!/usr/bin/env bash
# run-e2e.sh SCRIPT... — runs each end-to-end script with $STEWARD_BIN set; each script exits 0
# on success. Every script runs under a time limit (E2E_TIMEOUT seconds, 600 unless set, or
# more when a script that is long by design says so in a line "# e2e-timeout: SECONDS"; then
# SIGTERM, and SIGKILL 10 s later): a script that hangs is reported as failed, by name, and
# the run goes on. A script that prints "SKIP: reason" could not run (all or part of) its
# checks here: it is counted and listed as skipped with its reason, never as a plain pass.
set -u
default_limit=${E2E_TIMEOUT:-600}
pass=0; fail=0; skip=0; failed=(); skipped=()
# The output goes to a file, not through $(...): a process a killed script left behind
# with its stdout open would keep a pipe from ending.
log=$(mktemp "${TMPDIR:-/tmp}/run-e2e.XXXXXX")
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	start=$(date +%s)
	limit=$(sed -n 's/^# e2e-timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	[ -n "$limit" ] && [ "$limit" -gt "$default_limit" ] || limit=$default_limit
	timeout -k 10 "$limit" bash "$t" >"$log" 2>&1; rc=$?
	out=$(cat "$log")
	secs=$(( $(date +%s) - start ))
	skips=$(printf '%s\n' "$out" | sed -n 's/^SKIP: //p')
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail=$((fail+1)); failed+=("$t (timed out after ${limit}s)")
		echo "FAIL $t (timed out after ${limit}s, exit $rc)"; printf '%s\n' "$out" | tail -n 40
	elif [ "$rc" -ne 0 ]; then
		fail=$((fail+1)); failed+=("$t"); echo "FAIL $t (exit $rc)"; printf '%s\n' "$out" | tail -n 40
	elif [ -n "$skips" ]; then
		skip=$((skip+1)); skipped+=("$t")
		echo "SKIP $t (${secs}s)"
		printf '%s\n' "$skips" | sed 's/^/  skipped: /'
	else
		pass=$((pass+1)); echo "PASS $t (${secs}s)"
	fi
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$skip" -eq 0 ] || printf 'skipped (see the reasons above): %s\n' "${skipped[*]}"
[ "$fail" -eq 0 ] || { printf 'failed: %s\n' "${failed[@]}"; exit 1; }
