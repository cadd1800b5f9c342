#!/usr/bin/env bash
# test_pg_team.sh — the README's team set-up, step by step: an administrator role owns
# the database and creates the schema with `steward db-init --grant WRITER`; steward
# then writes as WRITER (start, step, note, audit all work), and the server refuses that
# role any UPDATE, DELETE or TRUNCATE of the record, and any change to the triggers.
# PostgreSQL only (STEWARD_TEST_PG_URL, set by `make check`).
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${STEWARD_TEST_PG_URL:-}" ]; then
	echo "SKIP: PostgreSQL only (run inside tests/tools/pg-cluster.sh with DIR ...)"
	exit 0
fi
STEWARD_TEST_BACKEND=postgresql
. "$src/tests/e2e/lib_pg.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; cat err 2>/dev/null; fails=$((fails+1)); fi; }
has() { if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; head -c 2000 "$2"; fails=$((fails+1)); fi; }
cd "$tmp" || exit 1
n=$$_$RANDOM
admin=team_admin_$n writer=team_writer_$n db=team_$n
as() { local u; u=$(pg_url "$db"); echo "${u/user=postgres/user=$1}"; }
# What the README's administrator runs (here as the cluster's superuser):
psql -q -X -v ON_ERROR_STOP=1 "$STEWARD_TEST_PG_URL" >/dev/null <<SQL || { echo "FAIL: set-up"; exit 1; }
CREATE ROLE $admin LOGIN;
CREATE ROLE $writer LOGIN;
CREATE DATABASE $db OWNER $admin;
SQL
"$bin" --db "$(as "$admin")" db-init --grant "$writer" >out 2>err; check "db-init --grant as the owner" 0 $?
has "says so" out "writer role granted: $writer"

export STEWARD_DB; STEWARD_DB=$(as "$writer")
export STEWARD_OPERATOR=hana
rb=$src/tests/unit/fixtures/session/basic.yaml
id=$("$bin" start "$rb" --var site_code=ABC --detach 2>err); check "start as the writer role" 0 $?
"$bin" step "$id" backup done --note "checked on paper" >out 2>err; check "step as the writer role" 0 $?
"$bin" note "$id" "recorded by the writer role" 2>err; check "note as the writer role" 0 $?
"$bin" audit "$id" >out 2>err; check "audit" 0 $?
"$bin" db-init --grant "$writer" >out 2>err; check "the writer cannot grant" 73 $?
has "says who may" err "steward db-init --grant ROLE"

for sql in "UPDATE events SET data = '{}'" "DELETE FROM events" "TRUNCATE events" \
	"UPDATE sessions SET runbook_sha256 = 'x'" "ALTER TABLE events DISABLE TRIGGER ALL" \
	"DROP TRIGGER events_no_update ON events" "SET session_replication_role = replica"; do
	if psql -q -X -v ON_ERROR_STOP=1 "$STEWARD_DB" -c "$sql" >out 2>&1; then
		echo "FAIL: the writer role may: $sql"; fails=$((fails+1))
	elif ! grep -qE "permission denied|must be owner|identity never changes" out; then
		echo "FAIL: $sql refused for another reason:"; cat out; fails=$((fails+1))
	fi
done
"$bin" audit "$id" >out 2>err; check "the record is intact" 0 $?
psql -q -X "$STEWARD_TEST_PG_URL" -c "DROP DATABASE $db" -c "DROP ROLE $writer" -c "DROP ROLE $admin" >/dev/null 2>&1

[ "$fails" = 0 ] && echo "team set-up: all checks passed"
exit $((fails > 0))
