#!/usr/bin/env bash
# test_session_cli.sh — the session verbs from the outside (CLI.md): start --detach
# (missing/undeclared variables 64, invalid values 65), sessions (table and --json,
# --all), step with every rule (confirm, wait with the time left across processes,
# verify needs an override note, skip/fail/reopen need --note, not-applicable 64),
# note, export in four formats (-o written atomically), audit (0 intact, 1 naming the
# first altered event), session prefixes (ambiguous 64, unknown 66), database errors 73.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; cat err 2>/dev/null; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; head -c 2000 "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=alice
. "$src/tests/e2e/lib_pg.sh"; backend_db session_cli # STEWARD_TEST_BACKEND=postgresql: a fresh database
rb=$src/tests/unit/fixtures/session/basic.yaml
S() { "$bin" "$@"; }

# start --detach
S start "$rb" --detach >out 2>err; check "start without a required variable" 64 $?
has "names the missing variable" err "site_code"
S start "$rb" --detach --var site_code=toolong >out 2>err; check "start with an invalid value" 65 $?
has "says why" err "does not have the expected form"
S start "$rb" --detach --var site_code=ABC --var nosuch=1 >out 2>err; check "start with an undeclared variable" 64 $?
S start "$rb" --detach --var site_code=ABC --log nosuch=/x >out 2>err; check "start with an unknown --log" 64 $?
S start "$rb" --detach --var site_code=ABC --logs "$tmp/nowhere" >out 2>err; check "start with a missing --logs folder" 66 $?
S start no-such-runbook --detach >out 2>err; check "start an unknown runbook" 66 $?
printf 'runbook: 1\nid: bad\ntitle: x\nversion: "1"\nphases: []\n' > bad.yaml
S start bad.yaml --detach >out 2>err; check "start an invalid runbook" 65 $?
has "says what is wrong, where" err "bad.yaml:5:"
mkdir logs
id=$(S start "$rb" --detach --var site_code=ABC --logs logs --label "CHG-42 | night" --operator bob 2>err)
check "start --detach" 0 $?
case $id in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
	*) echo "FAIL: session id '$id' is not YYYYMMDD-HHMMSS-xxxx"; fails=$((fails+1)) ;; esac
if ! is_pg; then
	[ "$(stat -c %a "$tmp/state")" = 700 ] || { echo "FAIL: database folder is not 0700"; fails=$((fails+1)); }
	[ "$(( 0$(stat -c %a "$STEWARD_DB") & 077 ))" = 0 ] || { echo "FAIL: database file is not owner-only"; fails=$((fails+1)); }
fi

# sessions
S sessions >out 2>err; check "sessions" 0 $?
has "sessions lists the id" out "$id"
has "sessions shows progress" out "0/5"
S sessions --json >out 2>err; check "sessions --json" 0 $?
python3 - out "$id" <<'PY' || { echo "FAIL: sessions --json fields"; fails=$((fails+1)); }
import json, sys
rows = json.load(open(sys.argv[1])); r = rows[0]
assert r["id"] == sys.argv[2] and r["runbook"] == "session-fixture" and r["label"] == "CHG-42 | night"
assert r["status"] == "active" and r["done"] == 0 and r["applicable"] == 5 and r["rehearsal"] is False
assert r["last_activity_at"].endswith("Z")
PY

# prefixes
id2=$(S start "$rb" --detach --var site_code=XYZ --rehearse)
S note "${id:0:8}" "ambiguous" >out 2>err; check "an ambiguous prefix" 64 $?
has "lists the candidates" err "$id2"
S note 19990101-000000-0000 "none" >out 2>err; check "an unknown session" 66 $?
S export "${id:0:18}" >/dev/null 2>err; check "a unique prefix" 0 $?

# step rules
S step "$id" nosuch done >out 2>err; check "an unknown step" 64 $?
S step "$id" backup finish >out 2>err; check "an unknown action" 64 $?
S step "$id" disable-replication done >out 2>err; check "a not-applicable step" 64 $?
S step "$id" disable-replication skip --note x >out 2>err; check "skip a not-applicable step" 64 $?
S step "$id" backup skip >out 2>err; check "skip without a reason" 64 $?
S step "$id" backup fail >out 2>err; check "fail without a note" 64 $?
S step "$id" backup done --note "backup in \\\\nas" >out 2>err; check "backup done" 0 $?
has "names the next step" out "active step: stop-site"
S step "$id" backup reopen >out 2>err; check "reopen without a reason" 64 $?
S step "$id" stop-site done >out 2>err; check "confirm word missing" 75 $?
has "names the word" err "STOP"
S step "$id" stop-site done --confirm stop >out 2>err; check "confirm word wrong" 75 $?
S step "$id" 3 done --confirm STOP >out 2>err; check "confirm word right (step by number)" 0 $?
S step "$id" run-setup done >out 2>err; check "wait not elapsed" 75 $?
has "says the time left" err "wait 30m more"
STEWARD_CLOCK_OFFSET_MS=$((17 * 60 * 1000 + 30 * 1000)) S step "$id" run-setup done >out 2>err
check "wait still running in a later process" 75 $?
# 12m 30s at most, less the seconds the commands between took (seconds, under load)
has "time left across processes" err "wait 12m "
STEWARD_CLOCK_OFFSET_MS=$((31 * 60 * 1000)) S step "$id" run-setup done >out 2>err; check "wait elapsed" 0 $?
S step "$id" check-logs done >out 2>err; check "verify step without a note" 75 $?
has "explains the override" err "--note"
S step "$id" check-logs done --note "read SiteComp.log on the console" >out 2>err; check "override" 0 $?
S note "$id" --step tidy "=cmd|' /C calc'!A0 <script>alert(1)</script>" >out 2>err; check "note on a step" 0 $?
S note "$id" "session note," "several words" >out 2>err; check "session note" 0 $?
S note "$id" --step disable-replication "x" >out 2>err; check "note on a not-applicable step" 64 $?
S step "$id" tidy done >out 2>err; check "last step" 0 $?
has "finished" out "the session is finished"
S step "$id" tidy reopen --note "again" >out 2>err; check "a finished session refuses transitions" 64 $?
S sessions >out 2>err; check "sessions without finished" 0 $?
if grep -qF "$id" out; then echo "FAIL: a finished session listed without --all"; fails=$((fails+1)); fi
S sessions --all >out 2>err; has "sessions --all" out "$id"

# export
S export "$id" >export.json 2>err; check "export json" 0 $?
python3 - export.json "$id" "$STEWARD_DB" "$src/tests/e2e/tools" <<'PY' || { echo "FAIL: JSON export fields"; fails=$((fails+1)); }
import json, sqlite3, sys
sys.path.insert(0, sys.argv[4])
from forge_chain import event_hash  # the documented encoding, written apart from steward
d = json.load(open(sys.argv[1])); s = d["session"]
assert s["id"] == sys.argv[2] and s["status"] == "finished" and s["rehearsal"] is False
assert s["operator"] == "bob" and s["label"] == "CHG-42 | night"
assert s["runbook"]["id"] == "session-fixture" and len(s["runbook"]["sha256"]) == 64
assert s["variables"]["site_code"] == "ABC" and s["finished_at"].endswith("Z")
steps = {x["id"]: x for x in d["steps"]}
assert steps["check-logs"]["completed_by"] == "override"
assert steps["check-logs"]["notes"][0]["text"] == "read SiteComp.log on the console"
assert steps["disable-replication"]["status"] == "not-applicable"
assert steps["stop-site"]["completed_by"] == "operator" and steps["stop-site"]["operator"] == "alice"
assert any("<script>" in n["text"] for n in steps["tidy"]["notes"])
ev = d["events"]
assert [e["seq"] for e in ev] == list(range(1, len(ev) + 1))
assert ev[-1]["type"] == "session_finished" and all(len(e["hash"]) == 64 for e in ev)
# The audit head against the chain recomputed from the stored rows, not the export's own.
prev = "0" * 64
SQL = ("SELECT seq, at_ms, operator, host, type, step, data, prev_hash, hash FROM events "
       "WHERE session_id = '%s' ORDER BY seq" % sys.argv[2])  # an id steward printed
if sys.argv[3].startswith(("postgresql://", "postgres://")):
    import csv, io, subprocess
    out = subprocess.run(["psql", sys.argv[3], "-X", "-q", "-c",
                          "COPY (%s) TO STDOUT WITH (FORMAT csv, NULL '\\N')" % SQL],
                         check=True, capture_output=True, text=True).stdout
    rows = [(int(r[0]), int(r[1]), r[2], r[3], r[4], None if r[5] == "\\N" else r[5], r[6], r[7], r[8])
            for r in csv.reader(io.StringIO(out))]
else:
    rows = sqlite3.connect(sys.argv[3]).execute(SQL).fetchall()
for seq, at_ms, op, host, typ, step, data, stored_prev, stored in rows:
    assert stored_prev == prev, f"event {seq}: prev_hash"
    prev = event_hash(sys.argv[2], seq, at_ms, op, host, typ, step, data, prev)
    assert stored == prev, f"event {seq}: stored hash"
assert len(rows) == len(ev) and d["audit"]["head_seq"] == len(rows), (len(rows), d["audit"])
assert d["audit"]["intact"] is True and d["audit"]["head"] == prev, (d["audit"]["head"], prev)
PY
for fmt in csv md html; do
	S export "$id" --format $fmt -o "record.$fmt" 2>err; check "export $fmt -o" 0 $?
done
has "csv neutralises formulas" record.csv "\"'=cmd|' /C calc'!A0"
has "md is a change record" record.md "# Change record: Session engine fixture"
has "html escapes notes" record.html "&lt;script&gt;alert(1)&lt;/script&gt;"
has "html has the timeline" record.html "<svg"
if grep -qiE "<script|<link|src=|href=" record.html; then echo "FAIL: html is not self-contained/escaped"; fails=$((fails+1)); fi
S export "$id2" --format md >r2.md 2>err; has "rehearsal marked in md" r2.md "REHEARSAL"
S export "$id2" --format csv >r2.csv 2>err; has "rehearsal marked in csv" r2.csv "REHEARSAL"
S export "$id2" --format html >r2.html 2>err; has "rehearsal marked in html" r2.html "REHEARSAL"
S export "$id" --format pdf >out 2>err; check "unknown format" 64 $?
S export "$id" -o "$tmp/no/such/dir/x.json" >out 2>err; check "export to an unwritable place" 73 $?

# -o replaces a file atomically: the new one is written aside and renamed over the old one,
# so the target is never seen partial — a reader holding the old file (here a second hard
# link) still has it whole. An export that cannot finish writing (1 KiB file size limit,
# SIGXFSZ ignored: the write fails with EFBIG) leaves the old file exactly as it was, and no
# temporary file behind.
mkdir -p atomic/keep
S export "$id" -o atomic/record.out 2>err; check "export json -o" 0 $?
cp atomic/record.out atomic/keep/json
ln atomic/record.out atomic/keep/held
ino=$(stat -c %i atomic/record.out)
S export "$id" --format md -o atomic/record.out 2>err; check "export md -o over the json" 0 $?
has "-o replaced the content" atomic/record.out "# Change record: Session engine fixture"
if [ "$(stat -c %i atomic/record.out)" = "$ino" ]; then echo "FAIL: -o wrote into the old file in place"; fails=$((fails+1)); fi
cmp -s atomic/keep/held atomic/keep/json || { echo "FAIL: the old file was changed in place (a reader saw it change)"; fails=$((fails+1)); }
cp atomic/record.out atomic/keep/md
[ "$(stat -c %s atomic/keep/json)" -gt 1024 ] || { echo "FAIL: the JSON export is too small for the 1 KiB limit below"; fails=$((fails+1)); }
( trap '' XFSZ; ulimit -f 1; exec "$bin" export "$id" --format json -o atomic/record.out ) >out 2>err
check "export -o that cannot finish writing" 73 $?
has "says it could not write" err "cannot write atomic/record.out"
cmp -s atomic/record.out atomic/keep/md || { echo "FAIL: a failed export changed the old file"; fails=$((fails+1)); }
if [ "$(ls atomic)" != "$(printf 'keep\nrecord.out')" ]; then echo "FAIL: after a failed export the folder holds: $(ls atomic | tr '\n' ' ')(want keep record.out)"; fails=$((fails+1)); fi

# audit, then tampering
S audit "$id" >out 2>err; check "audit intact" 0 $?
has "audit says intact" out "intact"
# The wait above was passed by setting the clock 31 minutes ahead; the steps after it
# were recorded at the real time again: not tampering, but audit tells the auditor.
has "audit notes the clock going back" out "Recorded times go back 1 time (first at event"
has "by how much" out "by up to 31.0 min"
db_sql_unlocked "UPDATE events SET operator = 'mallory' WHERE session_id = '$id' AND seq = 5"
S audit "$id" >out 2>err; check "audit after tampering" 1 $?
has "names the first bad event" err "event 5"
S export "$id" >tampered.json 2>err; check "export of a tampered session" 0 $?
python3 -c 'import json,sys; d=json.load(open("tampered.json")); assert d["audit"]["intact"] is False and d["audit"]["first_bad_event"] == 5' \
	|| { echo "FAIL: tampered export"; fails=$((fails+1)); }

# the cached state (what `sessions` lists) must equal the events
S audit "$id2" >out 2>err; check "audit of an untouched session" 0 $?
db_sql "UPDATE sessions SET n_done = 5 WHERE id = '$id2';"
S audit "$id2" >out 2>err; check "audit after the cache was edited" 1 $?
has "says what differs" err "cached state was altered"

# database errors
S --db /proc/steward/x.db start "$rb" --detach --var site_code=ABC >out 2>err; check "uncreatable database" 73 $?
has "names the path" err "/proc/steward"
S --db "$tmp/none/x.db" sessions >out 2>err; check "sessions without a database" 0 $?
S --db "$tmp/none/x.db" export "$id" >out 2>err; check "export without a database" 66 $?
head -c 4096 /dev/urandom > garbage.db
S --db garbage.db sessions >out 2>err; check "sessions on a file that is no database" 73 $?
S --db garbage.db note "$id" x >out 2>err; check "a writer on a file that is no database" 73 $?
has "says it is not a steward database" err "not a steward database"

[ "$fails" = 0 ] && echo "session cli: all checks passed"
exit $((fails > 0))
