#!/usr/bin/env bash
# run-all.sh — runs every bench/bench_*.sh; each prints its figures beside a named
# baseline measured in the same run, and the ratio. Figures go to bench/out/ too.
set -u
cd "$(dirname "$0")/.."
mkdir -p bench/out
rc=0
for b in bench/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	# Flush what the previous benchmark wrote (1 GiB backlogs): its writeback would
	# otherwise land in this one's fsyncs.
	sync
	if ! STEWARD_BIN="${STEWARD_BIN:-$PWD/steward}" bash "$b" 2>&1 | tee "bench/out/$(basename "$b" .sh).txt"; then
		rc=1
	fi
done
exit $rc
