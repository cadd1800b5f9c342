#!/usr/bin/env bash
# bench_export_pg.sh — `steward --db URL export --format json` of a session of 100,000
# events (EVENTS) on a throwaway PostgreSQL cluster (bench/pg_cluster.sh) against psql
# dumping the same event rows as one JSON array from the same server in the same run
# (issue 14: within 1.5x). Prints SKIP when no PostgreSQL server binaries are installed.
#
# What the baseline does: `psql -At -c` of one SELECT json_agg(json_build_object(...)
# ORDER BY seq) over the session's events, every column (time formatted by to_char, data
# re-parsed as json), the array built by the server and printed to a file — no replay, no
# hashing. steward does that and more: a replay of every event, the SHA-256 of every event
# (the audit), the session, steps and notes sections. Both write to a file in /tmp; the
# runs alternate (baseline, steward, ...) and the best of each is kept.
set -eu
cd "$(dirname "$0")/.."
bin=${STEWARD_BIN:-$PWD/steward}
EVENTS=${EVENTS:-100000} RUNS=${RUNS:-5}
. bench/pg_cluster.sh
tmp=$PG_TMP
t0=$(date +%s%N)
id=$("$tmp/session_gen" events "$PG_URL" tests/unit/fixtures/session/basic.yaml "$EVENTS")
t1=$(date +%s%N)
n=$(psql -X -At "$PG_URL" -c "SELECT count(*) FROM events WHERE session_id = '$id'")
echo "session $id: $n events on PostgreSQL (generated in $(( (t1 - t0) / 1000000 )) ms); best of $RUNS runs each"

baseline_sql="SELECT json_agg(json_build_object('seq', seq,
  'at', to_char(to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
  'operator', operator, 'host', host, 'type', type, 'step', step, 'data', data::json,
  'prev_hash', prev_hash, 'hash', hash) ORDER BY seq) FROM events WHERE session_id = '$id'"

time_us() { # time_us CMD... — its wall-clock time in microseconds
	local t0 t1
	t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 ))
}
run_steward() { "$bin" --db "$PG_URL" export "$id" --format json > "$tmp/steward.json"; }
run_psql() { psql -X -At "$PG_URL" -c "$baseline_sql" > "$tmp/psql.json"; }
base=999999999999 ours=999999999999
for _ in $(seq "$RUNS"); do # alternating, best of each
	us=$(time_us run_psql); [ "$us" -lt "$base" ] && base=$us
	us=$(time_us run_steward); [ "$us" -lt "$ours" ] && ours=$us
done
python3 - "$tmp/steward.json" "$tmp/psql.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1])); base = json.load(open(sys.argv[2]))
assert len(ours["events"]) == len(base), (len(ours["events"]), len(base))
assert ours["events"][-1]["hash"] == base[-1]["hash"]
assert ours["audit"]["intact"] is True
PY
printf 'baseline  psql, json_agg of the rows   %9.1f ms  (%s bytes)\n' "$(echo "$base / 1000" | bc -l)" "$(wc -c < "$tmp/psql.json")"
printf 'steward   export --format json        %9.1f ms  (%s bytes)\n' "$(echo "$ours / 1000" | bc -l)" "$(wc -c < "$tmp/steward.json")"
printf 'ratio     steward / psql               %9.2fx   (target 1.5x)\n' "$(echo "$ours / $base" | bc -l)"
