#!/usr/bin/env bash
# bench_export.sh — `steward export --format json` of a session of 100,000 events
# (replay of the session, audit of the whole hash chain, the JSON document with
# every event) against the sqlite3 shell dumping the same event rows as a JSON array
# (json_group_array/json_object) from the same database in the same run.
# The session is generated through the session engine by bench/session_gen.c
# (compiled here against build/default/libsteward.a). Ratio = steward / sqlite3.
#
# What the baseline does: one SELECT of the session's rows in seq order, every column
# of the event (time formatted by strftime, data re-parsed by json()) into one JSON
# array built in memory, printed to a file — no replay, no hashing. steward does that
# and more: a replay of every event into the session's state, the SHA-256 of every
# event (the audit), the session, steps and notes sections (the notes a second time),
# 49 MB against 35 MB. Both write to a file in /tmp, neither fsyncs; both read a warm
# page cache (the first run warms it). The runs alternate (baseline, steward, baseline
# ...) so that both meet the same load, and the best of each is kept.
set -eu
cd "$(dirname "$0")/.."
bin=${STEWARD_BIN:-$PWD/steward}
EVENTS=${EVENTS:-100000} RUNS=${RUNS:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
lib=build/default/libsteward.a
[ -f "$lib" ] || make -s "$lib"
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Iinclude -o "$tmp/session_gen" bench/session_gen.c "$lib" \
	$(pkg-config --cflags --libs sqlite3 yaml-0.1 nettle jansson libpq) -lm
db=$tmp/steward.db
t0=$(date +%s%N)
id=$("$tmp/session_gen" events "$db" tests/unit/fixtures/session/basic.yaml "$EVENTS")
t1=$(date +%s%N)
n=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE session_id = '$id'")
echo "session $id: $n events (generated in $(( (t1 - t0) / 1000000 )) ms); best of $RUNS runs each"

baseline_sql="SELECT json_group_array(json_object('seq', seq,
  'at', strftime('%Y-%m-%dT%H:%M:%fZ', at_ms / 1000.0, 'unixepoch'), 'operator', operator,
  'host', host, 'type', type, 'step', step, 'data', json(data), 'prev_hash', prev_hash,
  'hash', hash)) FROM (SELECT * FROM events WHERE session_id = '$id' ORDER BY seq)"

time_us() { # time_us CMD... — its wall-clock time in microseconds
	local t0 t1
	t0=$(date +%s%N); "$@"; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 ))
}
run_steward() { "$bin" --db "$db" export "$id" --format json > "$tmp/steward.json"; } # like the baseline: no fsync
run_sqlite() { sqlite3 -readonly "$db" "$baseline_sql" > "$tmp/sqlite.json"; }
base=999999999999 ours=999999999999
for _ in $(seq "$RUNS"); do # alternating, best of each
	us=$(time_us run_sqlite); [ "$us" -lt "$base" ] && base=$us
	us=$(time_us run_steward); [ "$us" -lt "$ours" ] && ours=$us
done
python3 - "$tmp/steward.json" "$tmp/sqlite.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1])); base = json.load(open(sys.argv[2]))
assert len(ours["events"]) == len(base), (len(ours["events"]), len(base))
assert ours["events"][-1]["hash"] == base[-1]["hash"]
assert ours["audit"]["intact"] is True
PY
printf 'baseline  sqlite3 shell, rows as JSON  %9.1f ms  (%s bytes)\n' "$(echo "$base / 1000" | bc -l)" "$(wc -c < "$tmp/sqlite.json")"
printf 'steward   export --format json        %9.1f ms  (%s bytes)\n' "$(echo "$ours / 1000" | bc -l)" "$(wc -c < "$tmp/steward.json")"
printf 'ratio     steward / sqlite3            %9.2fx\n' "$(echo "$ours / $base" | bc -l)"
