#!/usr/bin/env bash
# test_tui_observe.sh — issue 14's observer mode, two terminals on one session: one
# operator writes it in the TUI, another watches it in observer mode (`follow --tui`):
# the mode line says so and names the holder; every event the writer records appears on
# the observer's screen (a step done, a note); keys that would change the record are
# refused with a message (nothing recorded); when the writer quits, the observer is told
# and takes the session, and its keys then record. The home screen shows the holder and
# offers observer mode (o) on a held session; a session nobody holds is offered at once. A
# `steward follow` beside them prints every event the TUI writer records. A writer whose
# process is killed lets the session go (on PostgreSQL: its connection, and so its advisory
# lock, dies with it): the observer takes it. Runs on both backends. Waits poll the
# screens; nothing is timed.
. "$(dirname "$0")/lib_tui.sh"

# The observer's terminal: a second tmux session "o" on the same server.
obs() {
	local cmd
	cmd=$(printf '%q ' env "TERM=xterm-256color" "HOME=$TMP" "$STEWARD_BIN" --db "$DB" --runbooks "$FIXTURES" "$@")
	cmd="$cmd; echo \$? >$(printf '%q' "$TMP/oexit.tmp") && mv $(printf '%q %q' "$TMP/oexit.tmp" "$TMP/oexit")"
	rm -f "$TMP/oexit"
	if tm has-session -t o 2>/dev/null; then
		tm respawn-pane -k -t o "$cmd"
	else
		tm new-session -d -s o -x 100 -y 35 "$cmd"
	fi
}
oscreen() { tm capture-pane -p -t o; }
okeys() { tm send-keys -t o "$@"; }
otype() { tm send-keys -t o -l -- "$1"; }
ofail() { echo "FAIL: $*" >&2; echo "--- observer's screen:" >&2; oscreen >&2; echo "--- writer's screen:" >&2; screen >&2; exit 1; }
owait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		oscreen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	ofail "timed out waiting for '$1' on the observer's screen"
}
owait_line() {
	local deadline=$((SECONDS + ${3:-10}))
	while [ $SECONDS -lt $deadline ]; do
		oscreen | grep -F -- "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	ofail "timed out waiting for a line with '$1' and '$2' on the observer's screen"
}
events() { sw export "$SID" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))'; }
# changed_since N — the types of the operator's events recorded after event N (the
# writer's watcher may record its read positions meanwhile: those are not the observer's).
changed_since() {
	sw export "$SID" | python3 -c 'import json,sys
e = json.load(sys.stdin)["events"][int(sys.argv[1]):]
print(" ".join(x["type"] for x in e if x["type"] not in ("positions_saved",)))' "$1"
}

start_session --label "shared change"
touch "$LOGS/sitecomp.log"
# A third operator follows on the command line, from the first event, all along.
"$STEWARD_BIN" --db "$DB" follow "$SID" >"$TMP/follow.out" 2>"$TMP/follow.err" & follower=$!
tui "HOME=$TMP" -- resume "$SID"
wait_for "Back up site ABC"

# A second writer is still refused (75) ...
sw note "$SID" "a second writer" >"$TMP/out" 2>&1
[ $? = 75 ] || fail "a second writer was not refused with 75"
# ... and an observer opens it read-only, saying so and naming the holder.
obs follow "$SID" --tui
owait_for "@$(hostname) (pid"
owait_for "keys that change the record are disabled"
owait_line "Back up site ABC" "▶"

# Every event the writer records appears on the observer's screen.
keys 1
wait_for "Item 1 ticked."
keys 2
wait_for "Item 2 ticked."
keys Space
wait_for "Step done."
owait_line "Back up site ABC" "✓"
keys n
wait_for "Note:"
type_text "from the writer's desk"
keys Enter
wait_for "Note saved."
owait_for "1 note (H)"

# Keys that would change the record are refused with a message; nothing is recorded.
before=$(events)
okeys Space
owait_for "Observing: completing a step would change the record"
okeys n
owait_for "Observing: adding a note would change the record"
okeys s
owait_for "Observing: skipping a step would change the record"
okeys 1
owait_for "Observing: ticking a checklist item would change the record"
okeys u
owait_for "Observing: reopening a step would change the record"
okeys T
owait_for ") still holds the session — wait for it to let go"
[ -z "$(changed_since "$before")" ] || ofail "an observer's key recorded something: $(changed_since "$before")"
oscreen | grep -qF "Reason for skipping" && ofail "the observer was asked for a skip reason"

# The writer quits: the observer is told, and takes the session.
quit_ok
owait_for "Its writer let it go — take the session? (y/n)"
owait_for "Observing — its writer let the session go: T takes it"
okeys y
owait_for "You hold the session now"
oscreen | grep -qF "Observing —" && ofail "the mode line stayed after taking the session"
okeys n
owait_for "Note:"
otype "taken over from the first desk"
okeys Enter
owait_for "Note saved."
wait_json 'any(n["text"] == "taken over from the first desk" for s in e["steps"] for n in s["notes"])' ||
	ofail "the taken session did not record the note"
okeys q
deadline=$((SECONDS + 10))
while [ ! -e "$TMP/oexit" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
[ "$(cat "$TMP/oexit" 2>/dev/null)" = 0 ] || ofail "the observer did not quit with 0"

# Every event both writers recorded reached the command-line follower, once, in order.
n=$(events)
deadline=$((SECONDS + 10))
while [ "$(wc -l <"$TMP/follow.out")" -lt "$n" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
kill -TERM "$follower"; wait "$follower" || fail "follow did not end with 0 on SIGTERM"
sw export "$SID" >"$TMP/export.json"
python3 - "$TMP/export.json" "$TMP/follow.out" <<'PY' || fail "the follower missed events"
import json, sys
rec = [e["seq"] for e in json.load(open(sys.argv[1]))["events"]]
got = [json.loads(l)["seq"] for l in open(sys.argv[2])]
assert got[:len(rec)] == rec, (got, rec)
notes = [json.loads(l) for l in open(sys.argv[2]) if '"note_added"' in l]
assert [n["data"]["text"] for n in notes] == ["from the writer's desk", "taken over from the first desk"], notes
PY

# The home screen: the holder of each session, and observer mode offered on a held one.
tui "HOME=$TMP" -- resume "$SID"
wait_for "Back up site ABC"
obs
owait_for "shared change"
owait_line "shared change" "(pid"
okeys Enter
owait_for "meanwhile, o observes it read-only, live"
okeys o
owait_for "@$(hostname) (pid"
okeys Escape
quit_ok
owait_for "Its writer let it go — take the session? (y/n)"
okeys n
okeys q
owait_for "Resumable sessions"
owait_line "shared change" "none"
okeys q

# A session nobody holds: observing it offers to take it at once.
obs follow "$SID" --tui
owait_for "Nobody holds it — take the session? (y/n)"
okeys n
okeys T
owait_for "You hold the session now"
okeys q
deadline=$((SECONDS + 10))
while [ ! -e "$TMP/oexit" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done

# The writer's process is killed (SIGKILL: its connection to the store dies with it, on
# PostgreSQL its advisory lock with the connection): the observer is told, without any
# --take-over, and takes the session.
tui "HOME=$TMP" -- resume "$SID"
wait_for "Back up site ABC"
wpid=$(steward_pid)
[ -n "$wpid" ] || fail "no writer process"
obs follow "$SID" --tui
owait_for "keys that change the record are disabled"
kill -KILL "$wpid"
owait_for "Its writer let it go — take the session? (y/n)" 15
okeys y
owait_for "You hold the session now"
okeys n
owait_for "Note:"
otype "taken after the first desk died"
okeys Enter
owait_for "Note saved."
wait_json 'any(n["text"] == "taken after the first desk died" for s in e["steps"] for n in s["notes"])' ||
	ofail "the session taken from a killed writer did not record the note"
okeys q
echo "observer mode: ok"
