#!/usr/bin/env bash
# test_quiet_site.sh — every shipped runbook, driven through whole sessions (start --detach,
# step, watch) against the project's own corpus (tests/corpus/, see its README):
#  - on a quiet site (a day of normal operation appearing hour by hour, one hour at every
#    step's activation, with SMS's own file names, .lo_ rollovers and the history of past
#    setups), no step may complete itself from markers and no failure signature may fire;
#  - every failure signature of every step fires on its own step with a failure-corpus line,
#    and a signature without one is a failure ("no failure-corpus line for ...").
# The driver reads the runbooks through `steward show --json`, so rewritten runbooks are
# checked as they are. CORPUS_DRIVER_ARGS adds options (e.g. --only RUNBOOK, --keep).
# e2e-timeout: 1800
set -euo pipefail
: "${STEWARD_BIN:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2086
exec python3 "$src/tests/e2e/corpus_driver.py" --steward "$STEWARD_BIN" --runbooks "$src/runbooks" \
	--corpus "$src/tests/corpus" ${CORPUS_DRIVER_ARGS:-}
