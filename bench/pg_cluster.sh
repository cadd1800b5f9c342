# pg_cluster.sh — sourced by the bench_*_pg.sh benchmarks: a throwaway PostgreSQL
# cluster (tests/tools/pg-cluster.sh: initdb in a temporary directory, Unix socket only,
# fsync and synchronous_commit on) for one benchmark, stopped and removed on exit.
# Sets PG_URL (postgresql:///postgres?host=DIR/sock&user=postgres), usable both by
# steward --db and by psql. When the server binaries are missing, prints
# "SKIP: <reason>" and exits 0: the other benchmarks still run.
# Also builds bench/session_gen.c against build/default/libsteward.a (into $PG_TMP).
PG_TMP=$(mktemp -d /tmp/steward-bench-pg.XXXXXX)
chmod 711 "$PG_TMP" # run as root, the server (user steward-test) must reach its directory
pg_bench_cleanup() {
	bash tests/tools/pg-cluster.sh stop "$PG_TMP/pg" >/dev/null 2>&1 || true
	rm -rf "$PG_TMP"
}
trap pg_bench_cleanup EXIT
pg_rc=0
PG_URL=$(bash tests/tools/pg-cluster.sh start "$PG_TMP/pg" 2>"$PG_TMP/start.err") || pg_rc=$?
if [ $pg_rc != 0 ]; then
	if [ $pg_rc = 2 ]; then
		echo "SKIP: $(basename "$0"): $(cat "$PG_TMP/start.err")"
		exit 0
	fi
	echo "$(basename "$0"): cannot start the throwaway PostgreSQL cluster: $(cat "$PG_TMP/start.err")" >&2
	exit 1
fi
command -v psql >/dev/null || { echo "SKIP: $(basename "$0"): psql (the baseline) not found: apt-get install postgresql-client"; exit 0; }
pg_lib=build/default/libsteward.a
[ -f "$pg_lib" ] || make -s "$pg_lib"
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Iinclude -o "$PG_TMP/session_gen" bench/session_gen.c "$pg_lib" \
	$(pkg-config --cflags --libs sqlite3 yaml-0.1 nettle jansson libpq) -lm
