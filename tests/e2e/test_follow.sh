#!/usr/bin/env bash
# test_follow.sh — `steward follow SESSION` (issue 14, followed live): a reader on one
# terminal prints every event another process records, as it is committed — CLI writers
# (step, note) and `watch` holding the lock and recording log markers; the JSON objects
# follow the watch stream (marker with line/file/offset, step_verified, step_active,
# session_finished; other events under their own type), every recorded seq once, in
# order; --text prints readable lines; --from-now only what comes after; `sessions` names
# the holder while watch writes (none after); the followers end
# with 0 by themselves when the session finishes, and on SIGTERM; usage 64, unknown 66.
# Waits poll the output files with a deadline; nothing measures speed.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
check() { [ "$2" = "$3" ] || fail "$1: exit $3, wanted $2"; }
# wait_has FILE TEXT [SECONDS] — until FILE holds TEXT.
wait_has() {
	local deadline=$((SECONDS + ${3:-10}))
	while [ $SECONDS -lt $deadline ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "timed out waiting for '$2' in $1:"; cat "$1"; return 1
}
# wait_exit PID [SECONDS] — until the process has ended; its status in $st.
wait_exit() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		kill -0 "$1" 2>/dev/null || { wait "$1"; st=$?; return 0; }
		sleep 0.05
	done
	st=timeout; fail "process $1 did not end"
}
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=writer
mkdir logs
: >logs/sitecomp.log
cat >rb.yaml <<'YAML'
runbook: 1
id: follow-test
title: Followed live
version: "1"
logs:
  sitecomp: sitecomp.log
phases:
  - id: p
    title: The change
    steps:
      - id: prep
        title: Prepare
      - id: shutdown
        title: Watch the site shut down
        verify:
          - log: sitecomp
            expect:
              - Processing site shutdown transaction
              - Site shutdown complete
      - id: close
        title: Close the change
YAML
S() { "$bin" --runbooks "$tmp" "$@"; }
B=("$bin" --runbooks "$tmp") # background processes run steward itself (no subshell between)
sms() { printf '%s  $$<SMS_SITE_COMPONENT_MANAGER><%s+000><thread=2644 (0xA54)>\r\n' "$1" "$(date -u +%m-%d-%Y\ %H:%M:%S.000)"; }

S follow >out 2>err; check "follow without a session" 64 $?
S follow a b >out 2>err; check "follow with two sessions" 64 $?
S follow --bogus x >out 2>err; check "follow with an unknown option" 64 $?
S follow --help >out 2>err; check "follow --help" 0 $?
grep -qF "usage: steward follow SESSION" out || fail "follow --help shows no usage"

SID=$(S start rb.yaml --detach --logs logs) || { echo "FAIL: start"; exit 1; }
S follow 99999999-nosuch >out 2>err; check "follow an unknown session" 66 $?

# Two followers from the start (JSON and text), as other operators' terminals would be.
STEWARD_OPERATOR=observer "${B[@]}" follow "$SID" >f1.out 2>f1.err & f1=$!; pids+=("$f1")
"${B[@]}" follow "$SID" --text >f2.out 2>f2.err & f2=$!; pids+=("$f2")
wait_has f1.out '"type":"step_active"'

# CLI writers: each event appears on the followers.
S step "$SID" prep done >/dev/null 2>err || fail "step prep done: $(cat err)"
wait_has f1.out '"type":"step_completed"'
S note "$SID" "bridge call: go ahead" >/dev/null 2>err || fail "note: $(cat err)"
wait_has f1.out '"bridge call: go ahead"'
wait_has f2.out 'note_added'
wait_has f2.out 'text: bridge call: go ahead'

# A writer that holds the lock all along: watch records the markers the site writes.
"${B[@]}" watch "$SID" >w.out 2>w.err & w=$!; pids+=("$w")
wait_has w.out '"type":"following"'
"${B[@]}" follow "$SID" --from-now >f3.out 2>f3.err & f3=$!; pids+=("$f3")
S note "$SID" "refused while watch holds it" >/dev/null 2>err; check "a second writer is refused" 75 $?
# sessions names the holder (the process and its host) while watch holds the session.
S sessions >out 2>err; check "sessions while held" 0 $?
grep -F "$SID" out | grep -qF "(pid $w)" || { fail "sessions does not name the holder"; cat out; }
S sessions --json >out 2>err
python3 - out "$SID" "$w" <<'PY' || fail "sessions --json: holder"
import json, sys
r = next(r for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2])
assert r["holder"].endswith(" (pid %s)" % sys.argv[3]), r["holder"]
PY
sms "Processing site shutdown transaction" >>logs/sitecomp.log
wait_has f1.out '"expect":"Processing site shutdown transaction"'
sms "Site shutdown complete" >>logs/sitecomp.log
wait_has f1.out '"type":"step_verified"'
wait_has f3.out '"type":"step_verified"'
kill -TERM "$w"; wait_exit "$w"; check "watch stopped" 0 "$st"

S sessions >out 2>err
grep -F "$SID" out | grep -qE ' none$' || { fail "sessions: holder none once watch stopped"; cat out; }
S note "$SID" --step close "closing the change" >/dev/null 2>err || fail "note after watch: $(cat err)"
S step "$SID" close done >/dev/null 2>err || fail "step close done: $(cat err)"
# The session finished: every follower ends by itself, with 0.
wait_exit "$f1"; check "follower 1 ends when the session finishes" 0 "$st"
wait_exit "$f2"; check "follower 2 (--text) ends when the session finishes" 0 "$st"
wait_exit "$f3"; check "follower 3 (--from-now) ends when the session finishes" 0 "$st"

S export "$SID" >export.json || fail "export"
python3 - export.json f1.out f3.out "$SID" <<'PY' || fail "the followers' streams do not match the record"
import json, sys
e = json.load(open(sys.argv[1]))
f1 = [json.loads(l) for l in open(sys.argv[2])]
f3 = [json.loads(l) for l in open(sys.argv[3])]
sid = sys.argv[4]
recorded = e["events"]
stream = {"marker_seen": "marker", "failure_seen": "failure", "log_rotated": "rotated",
          "step_activated": "step_active", "step_verified": "step_verified",
          "session_finished": "session_finished"}
# Every recorded event exactly once, in order, with its recorded time and operator.
assert [o["seq"] for o in f1] == [ev["seq"] for ev in recorded], ([o["seq"] for o in f1], len(recorded))
for o, ev in zip(f1, recorded):
    assert o["session"] == sid
    assert o["type"] == stream.get(ev["type"], ev["type"]), (o, ev)
    assert o["at"] == ev["at"] and o["operator"] == ev["operator"] and o["host"] == ev["host"], (o, ev)
    assert o["step"] == ev.get("step"), (o, ev)
markers = [o for o in f1 if o["type"] == "marker"]
assert [m["index"] for m in markers] == [0, 1], markers
m = markers[1]
assert m["log"] == "sitecomp" and m["expect"] == "Site shutdown complete" and m["text"] == "Site shutdown complete"
assert m["line"].startswith("Site shutdown complete  $$<SMS_SITE_COMPONENT_MANAGER>")
assert m["file"].endswith("/logs/sitecomp.log") and m["offset"] > 0, m
note = next(o for o in f1 if o["type"] == "note_added" and o["step"] == "close")
assert note["data"]["text"] == "closing the change"
assert f1[-1]["type"] == "session_finished", f1[-1]
# --from-now: only what was recorded after it started, up to the end.
assert f3 and f3[0]["seq"] > 5 and [o["seq"] for o in f3] == [o["seq"] for o in f1 if o["seq"] >= f3[0]["seq"]]
assert any(o["type"] == "marker" for o in f3)
PY
grep -qF "session_finished" f2.out || fail "--text: no session_finished line"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z  #[0-9]+  writer@' f2.out || { fail "--text lines: time, seq, operator@host"; cat f2.out; }
[ -s f1.err ] && fail "follower 1 wrote to stderr: $(cat f1.err)"

# SIGTERM ends a follower of an unfinished session with 0; it never held a lock.
SID2=$(S start rb.yaml --detach --new --logs logs)
"${B[@]}" follow "$SID2" >f4.out 2>f4.err & f4=$!; pids+=("$f4")
wait_has f4.out '"type":"step_active"'
S note "$SID2" "a writer while followed" >/dev/null 2>err || fail "a writer beside a follower: $(cat err)"
wait_has f4.out '"a writer while followed"'
kill -TERM "$f4"; wait_exit "$f4"; check "SIGTERM ends follow" 0 "$st"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "follow: ok"
