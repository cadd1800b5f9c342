#!/usr/bin/env bash
# bench_transition_pg.sh — one durable step transition on PostgreSQL (issue 14: within
# 1.5x of a bare INSERT of the same row on the same server), on a throwaway cluster
# (bench/pg_cluster.sh; fsync=on, synchronous_commit=on, Unix socket):
#  1. in one process: the session engine's complete/reopen (rule checks, hash-chained
#     event, the cached state: session row and step rows, COMMIT) against an INSERT of
#     an events-shaped row (same columns, primary key) into a bare table through libpq
#     (PQexecParams, one autocommit transaction) — the fair baseline (bench/session_gen.c);
#  2. from the command line: `steward --db URL step SESSION backup done|reopen` (process
#     start, runbook load, connect, lock, replay, write, unlock) against `psql URL -c
#     "INSERT ..."` of the same row (process start, connect, one INSERT).
# Medians over N operations each; ratio = steward / baseline. Prints SKIP when no
# PostgreSQL server binaries are installed.
set -eu
cd "$(dirname "$0")/.."
bin=${STEWARD_BIN:-$PWD/steward}
N=${N:-200} CLI_N=${CLI_N:-40}
. bench/pg_cluster.sh
tmp=$PG_TMP
rb=tests/unit/fixtures/session/basic.yaml

echo "1. in-process on PostgreSQL, median of $N operations each"
out=$("$tmp/session_gen" transitions "$PG_URL" "$rb" "$N" "$PG_URL")
eng=$(echo "$out" | sed -n 's/^engine_us //p'); bare=$(echo "$out" | sed -n 's/^pg_us //p')
printf '   baseline  libpq PQexecParams INSERT        %8d us\n' "$bare"
printf '   steward   session_complete/reopen          %8d us\n' "$eng"
printf '   ratio     steward / libpq INSERT           %8.2fx   (target 1.5x)\n' "$(echo "$eng / $bare" | bc -l)"

echo "2. command line on PostgreSQL, median of $CLI_N processes each"
export STEWARD_OPERATOR=bench
id=$("$bin" --db "$PG_URL" start "$rb" --var site_code=ABC --detach --new)
psql -X -q "$PG_URL" -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_shell; CREATE TABLE bench_shell (session_id text NOT NULL,
  seq bigint NOT NULL, at_ms bigint NOT NULL, operator text NOT NULL, host text NOT NULL, type text NOT NULL,
  step text, data text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, PRIMARY KEY (session_id, seq))"
h=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
median_us() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for i in $(seq "$CLI_N"); do
	if [ $((i % 2)) = 1 ]; then act=(done --note "bench $i"); else act=(reopen --note "bench $i"); fi
	t0=$(date +%s%N); "$bin" --db "$PG_URL" step "$id" backup "${act[@]}" >/dev/null; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 )) >> "$tmp/cli.us"
	t0=$(date +%s%N)
	psql -X -q "$PG_URL" -c "INSERT INTO bench_shell VALUES ('bench', $i, $t0, 'bench', 'bench-host',
	  'step_completed', 'backup', '{\"note\":\"bench $i\"}', '$h', '$h')"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 )) >> "$tmp/shell.us"
done
cli=$(median_us < "$tmp/cli.us"); shell=$(median_us < "$tmp/shell.us")
printf '   baseline  psql -c, one INSERT (whole process) %7d us\n' "$shell"
printf '   steward   steward step (whole process)        %7d us\n' "$cli"
printf '   ratio     steward / psql                      %7.2fx\n' "$(echo "$cli / $shell" | bc -l)"
"$bin" --db "$PG_URL" audit "$id" >/dev/null
