#!/usr/bin/env bash
# run-e2e.sh SCRIPT... — runs each end-to-end script with $STEWARD_BIN set; each script exits 0 on success.
set -u
pass=0; fail=0; failed=()
for t in "$@"; do
	start=$(date +%s)
	if out=$(bash "$t" 2>&1); then
		pass=$((pass+1)); echo "PASS $t ($(( $(date +%s) - start ))s)"
		printf '%s\n' "$out" | grep '^SKIP: ' | sed 's/^/  /' || true # could not run here
	else
		fail=$((fail+1)); failed+=("$t"); echo "FAIL $t"; printf '%s\n' "$out" | tail -n 40
	fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
