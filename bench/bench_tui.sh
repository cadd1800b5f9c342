#!/usr/bin/env bash
# bench_tui.sh — time to the first complete frame of the TUI home screen, and its
# peak memory, with 50 runbooks and a team's database: 50 operators x 20 sessions
# (1,000 sessions) of 1,000 events each (1M events); baseline: the sqlite3 shell
# running the home screen's session query on the same database (the glance columns
# included: the home screen reads counts, site and overdue steps from them, no replay).
# Both run under script(1) so both have a terminal; ratio = steward / sqlite3.
# steward's first frame also loads and validates the 50 runbooks, which the
# baseline does not: the ratio is what the whole screen costs over the raw query.
set -eu
cd "$(dirname "$0")/.."
BIN="${STEWARD_BIN:-$PWD/steward}"
RUNS="${BENCH_RUNS:-20}"
T=$(mktemp -d "${TMPDIR:-/tmp}/steward-bench-tui.XXXXXX")
trap 'rm -rf "$T"' EXIT
export STEWARD_DB="$T/steward.db" STEWARD_OPERATOR=bench LANG=C.UTF-8 TERM=xterm-256color
mkdir -p "$T/runbooks" "$T/logs"

# 50 runbooks: the real SP2 upgrade runbook under 50 ids (the test fixture if it does not lint).
src=runbooks/sms2003-sp2-upgrade.yaml
"$BIN" lint "$src" >/dev/null 2>&1 || src=tests/e2e/fixtures/tui-basic.yaml
base=$(sed -n 's/^id: *//p' "$src" | head -1)
for i in $(seq -w 1 50); do
	sed "s/^id: .*/id: ${base}-${i}/" "$src" >"$T/runbooks/rb-$i.yaml"
done
cp tests/e2e/fixtures/tui-basic.yaml "$T/runbooks/rb-00.yaml" # the sessions' runbook
"$BIN" --runbooks "$T/runbooks" list >/dev/null

N_OPS="${BENCH_OPERATORS:-50}" PER_OP="${BENCH_PER_OPERATOR:-20}" N_EVENTS="${BENCH_EVENTS:-1000}"
N_SESSIONS=$((N_OPS * PER_OP))
lib=build/default/libsteward.a
[ -f "$lib" ] || make -s "$lib"
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Iinclude -o "$T/session_gen" bench/session_gen.c "$lib" \
	$(pkg-config --cflags --libs sqlite3 yaml-0.1 nettle jansson libpq) -lm
echo "generating $N_OPS operators x $PER_OP sessions x $N_EVENTS events..."
gen_start=$(date +%s)
"$T/session_gen" team "$STEWARD_DB" "$T/runbooks/rb-00.yaml" "$N_OPS" "$PER_OP" "$N_EVENTS"
echo "  done in $(( $(date +%s) - gen_start ))s: $(sqlite3 "$STEWARD_DB" 'SELECT count(*) FROM events') events"

QUERY="SELECT id, label, runbook_id, runbook_title, status, rehearsal, n_done, n_applicable,
  started_ms, last_activity_ms, active_step, glance_known, n_skipped, n_failed, n_na, n_total,
  site, overdue_step, overdue_at_ms FROM sessions WHERE 0 OR status <> 'finished'
  ORDER BY last_activity_ms DESC, id DESC;"
# Check the query really lists every session (the baseline must do the same work).
printf '%s\n' "$QUERY" >"$T/home.sql"
got=$(sqlite3 "$STEWARD_DB" ".read $T/home.sql" | wc -l)
[ "$got" -eq "$N_SESSIONS" ] || { echo "baseline query lists $got rows, not $N_SESSIONS" >&2; exit 1; }

tui_cmd="STEWARD_TUI_EXIT_AFTER_FIRST_FRAME=1 $BIN --runbooks $T/runbooks"
sql_cmd="sqlite3 $STEWARD_DB '.read $T/home.sql'"

hyperfine --style none --warmup 3 --runs "$RUNS" --export-json "$T/h.json" \
	-n steward "script -qec '$tui_cmd' /dev/null >/dev/null" \
	-n sqlite3 "script -qec \"$sql_cmd\" /dev/null >/dev/null" \
	-n list "script -qec '$BIN --runbooks $T/runbooks list' /dev/null >/dev/null" >/dev/null

peak() { script -qec "/usr/bin/time -f %M -o $T/rss $1" /dev/null >/dev/null; cat "$T/rss"; }
rss_tui=$(peak "env $tui_cmd")
rss_sql=$(peak "sqlite3 $STEWARD_DB .read\\ $T/home.sql")

python3 - "$T/h.json" "$rss_tui" "$rss_sql" "$N_SESSIONS" "$N_EVENTS" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"]
m = {r["command"]: r for r in h}
s, q = m["steward"], m["sqlite3"]
print(f"TUI home, first complete frame, 50 runbooks + {sys.argv[4]} sessions of {sys.argv[5]} events ({len(s['times'])} runs each, under script(1))")
print(f"  steward : mean {s['mean']*1000:7.1f} ms  (median {s['median']*1000:.1f}, sd {s['stddev']*1000:.1f})  peak RSS {int(sys.argv[2])/1024:.1f} MiB")
print(f"  sqlite3 : mean {q['mean']*1000:7.1f} ms  (median {q['median']*1000:.1f}, sd {q['stddev']*1000:.1f})  peak RSS {int(sys.argv[3])/1024:.1f} MiB")
print(f"  ratio steward/sqlite3: time {s['mean']/q['mean']:.2f}x, peak memory {int(sys.argv[2])/int(sys.argv[3]):.2f}x")
l = m["list"]
print(f"  (for scale: 'steward list', loading and validating the same 50 runbooks without the TUI: mean {l['mean']*1000:.1f} ms)")
PY
