#!/usr/bin/env bash
# test_tui_screen.sh — the screen itself: resizing to 30x10 shows "enlarge the
# terminal" and back restores the session; ? lists every key; NO_COLOR works; y
# copies the command by OSC 52; the home screen lists runbooks and sessions, and shows
# a long refusal (a session held from another machine) whole; a non-terminal stdin is
# refused with a clear message.
. "$(dirname "$0")/lib_tui.sh"

start_session --label "screen test"
touch "$LOGS/sitecomp.log"

# Not a terminal: exit 64 and a message, before touching the session.
out=$("$STEWARD_BIN" --db "$DB" resume "$SID" </dev/null 2>&1); rc=$?
[ $rc = 64 ] || fail "resume without a terminal exited $rc"
echo "$out" | grep -qF "needs a terminal" || fail "no clear message without a terminal: $out"

# The start form (start without --detach): the missing variable is asked for and
# checked as it is typed; Start creates the session and opens it.
tui -- start tui-basic --logs "$LOGS" --label "form start"
wait_for "Three-character site code"
wait_for "a value is needed"
type_text "ab"
wait_for "does not have the expected form"
keys C-u
type_text "XYZ"
wait_gone "does not have the expected form"
for i in 1 2 3 4 5 6; do keys Enter; done # mode, log folder, label, rehearsal, Start
wait_for "Back up site XYZ"
wait_for "form start"
keys q
wait_exit
[ "$(pane_status)" = 0 ] || fail "start from the form exited $(pane_status)"
sw sessions | grep -qF "form start" || fail "the form did not create the session"

tui NO_COLOR=1 -- resume "$SID"
wait_for "Back up site ABC"
# NO_COLOR: attributes only, no colour at all.
screen_sgr | grep -qE "$COLOUR_SGR" && fail "colours drawn although NO_COLOR is set"

# Resize to 30x10 and back.
tm resize-window -t t -x 30 -y 10
wait_for "Please enlarge"
wait_for "the terminal"
tm resize-window -t t -x 100 -y 35
wait_for "Back up site ABC"
wait_gone "Please enlarge"
# Tiny sizes do not crash either.
for size in "1 1" "20 5" "59 15" "200 60" "61 16"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	sleep 0.2
	pane_dead && fail "crashed at ${1}x${2}"
done
tm resize-window -t t -x 100 -y 35
wait_for "Back up site ABC"

# ? shows every key, generated from the keymap.
keys '?'
wait_for "Keys"
for k in "Space" "skip the step" "add a note" "reopen" "quit" "PgUp" "Tab" "\$EDITOR" "OSC 52"; do
	wait_for "$k" 5
done
keys Escape
wait_gone "closes this help"
wait_for "Back up site ABC"

# G / g jump to the last / first step; Tab moves the focus to the details, where
# PgDn scrolls; . selects the active step again.
keys G
wait_for "step 6 of 6"
keys g
wait_for "step 1 of 6"
keys j j
wait_for "step 3 of 6"
keys .
wait_for "step 1 of 6"
keys Tab
keys PgDn
keys PgUp
keys Tab Tab
wait_for "Back up site ABC"

# Checklist ticking.
keys 1
wait_for "Item 1 ticked."
wait_for "[✓] Back up the database"

# y copies the command with OSC 52 (tmux keeps it as a paste buffer).
keys y
wait_for "Copied to the clipboard"
deadline=$((SECONDS + 5))
until [ "$(tm show-buffer 2>/dev/null)" = "net stop SMS_SITE_COMPONENT_MANAGER" ]; do
	[ $SECONDS -lt $deadline ] || fail "clipboard holds '$(tm show-buffer 2>/dev/null)'"
	sleep 0.1
done
quit_ok

# E writes a long note in $EDITOR (curses suspended meanwhile).
printf '#!/bin/sh\nprintf "first line\\nsecond line from the editor\\n" >"$1"\n' >"$TMP/ed.sh"
chmod +x "$TMP/ed.sh"
tui EDITOR="$TMP/ed.sh" -- resume "$SID"
wait_for "Back up site ABC"
keys E
wait_for "Note saved."
wait_for "second line from the editor"
json_check 'any("second line from the editor" in n["text"] for n in step("backup")["notes"])' \
	|| fail "the editor's note is not in the export"
quit_ok

# Logs followed by polling (network mounts; forced here) are marked in the log pane.
tui STEWARD_POLL=1 -- resume "$SID"
wait_for "polled every few seconds"
quit_ok

# The home screen: runbooks and resumable sessions; Enter resumes.
tui -- 
wait_for "Runbooks (1)"
wait_for "tui-basic"
wait_for "screen test"
keys Enter
wait_for "Back up site ABC"
keys q
wait_for "Resumable sessions"
keys q
wait_exit
[ "$(pane_status)" = 0 ] || fail "home exited $(pane_status)"

# A session held from another machine: the refusal is shown whole, way out included
# (it is longer than the line: the message wraps instead of losing its end).
sqlite3 "$DB" "INSERT OR REPLACE INTO locks (session_id, pid, host, proc_start, since_ms)
	VALUES ('$SID', 4242, 'jump-host-gone', 1, 1700000000000)"
tui --
wait_for "screen test"
keys Enter
wait_for "process 4242 on jump-host-gone"
wait_for "$SID --take-over"
wait_for "(recorded in the audit trail)"
keys q
wait_exit
sqlite3 "$DB" "DELETE FROM locks WHERE session_id = '$SID'"

# The terminal goes away while SIGHUP is ignored (nohup, some SSH setups): steward
# leaves instead of spinning on a dead terminal.
tm respawn-pane -k -t t "trap '' HUP; exec $(printf '%q ' env TERM=xterm-256color "$STEWARD_BIN" --db "$DB" resume "$SID")"
wait_for "Back up site ABC"
pid=$(pgrep -P "$(tm display -p -t t '#{pane_pid}')" || tm display -p -t t '#{pane_pid}')
tm kill-server
deadline=$((SECONDS + 5))
while kill -0 "$pid" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || { kill "$pid"; echo "FAIL: steward kept running after its terminal hung up" >&2; exit 1; }
	sleep 0.1
done
echo "ok"
