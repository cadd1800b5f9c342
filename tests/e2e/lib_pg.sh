# lib_pg.sh — sourced by the end-to-end scripts that run on both backends
# (STEWARD_TEST_BACKEND=sqlite, the default, or postgresql; the Makefile runs them once
# per backend). After `export STEWARD_DB=...sqlite path...`, call `backend_db NAME`: on
# PostgreSQL it replaces STEWARD_DB with a fresh database of the test cluster
# ($STEWARD_TEST_PG_URL, see tests/tools/pg-cluster.sh). `db_sql SQL` runs SQL on the
# test's database, either backend; `db_sql_unlocked SQL` with the append-only triggers
# out of the way (a test that tampers on purpose).

is_pg() { [ "${STEWARD_TEST_BACKEND:-sqlite}" = postgresql ]; }

# pg_url DB — the cluster's URL for database DB.
pg_url() {
	local base=${STEWARD_TEST_PG_URL:?STEWARD_TEST_PG_URL: start a server with tests/tools/pg-cluster.sh}
	local rest=${base#postgresql://}; rest=${rest#*/}
	echo "postgresql:///$1?${rest#*\?}"
}

backend_db() {
	is_pg || return 0
	local db="e2e_${1}_$$_${RANDOM}"
	psql -q -v ON_ERROR_STOP=1 "$STEWARD_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null \
		|| { echo "FAIL: cannot create the test database $db"; exit 1; }
	STEWARD_DB=$(pg_url "$db")
	export STEWARD_DB
}

db_sql() {
	if is_pg; then
		psql -q -X -v ON_ERROR_STOP=1 "$STEWARD_DB" -c "SET client_min_messages = warning; $1" >/dev/null
	else
		sqlite3 "$STEWARD_DB" "$1"
	fi
}

db_sql_unlocked() {
	if is_pg; then
		db_sql "SET session_replication_role = replica; $1"
	else
		sqlite3 "$STEWARD_DB" "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; $1;
			CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;
			CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;"
	fi
}
