#!/usr/bin/env bash
# run-pg.sh UNIT_BIN... -- E2E_SCRIPT... — the tests that run on both backends, run on
# PostgreSQL (STEWARD_TEST_BACKEND=postgresql), inside `tests/tools/pg-cluster.sh with`
# (which sets STEWARD_TEST_PG_URL, or STEWARD_TEST_PG_SKIP when no server can run here).
set -u
if [ -n "${STEWARD_TEST_PG_SKIP:-}" ]; then
	echo "SKIP: the tests on PostgreSQL did not run: $STEWARD_TEST_PG_SKIP"
	exit 0
fi
units=(); e2e=(); seen=no
for a in "$@"; do
	if [ "$a" = -- ]; then seen=yes; elif [ $seen = no ]; then units+=("$a"); else e2e+=("$a"); fi
done
export STEWARD_TEST_BACKEND=postgresql
echo "== on PostgreSQL ($STEWARD_TEST_PG_URL)"
rc=0
[ ${#units[@]} -eq 0 ] || bash "$(dirname "$0")/run-unit.sh" "${units[@]}" || rc=1
[ ${#e2e[@]} -eq 0 ] || bash "$(dirname "$0")/run-e2e.sh" "${e2e[@]}" || rc=1
exit $rc
