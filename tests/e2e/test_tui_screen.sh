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

# wait_drawn W H — until steward has drawn a frame for a W x H window: below 60x16 the
# "enlarge" screen names the size; from there the header reaches the right edge, ending
# with the session id (only a frame drawn at that width puts it there). Fails at once
# if steward has exited.
wait_drawn() {
	local deadline=$((SECONDS + 10)) first
	while [ $SECONDS -lt $deadline ]; do
		pane_dead && fail "crashed at ${1}x${2} (exit $(pane_status))"
		if [ "$1" -lt 60 ] || [ "$2" -lt 16 ]; then
			screen | grep -qF "now ${1}x${2}" && return 0
		else
			first=$(screen | head -n 1)
			[[ "$first" == *"$SID" && ${#first} -eq $(($1 - 1)) ]] && return 0
		fi
		sleep 0.1
	done
	fail "nothing drawn at ${1}x${2}"
}

# Resize to 30x10 and back.
tm resize-window -t t -x 30 -y 10
wait_for "Please enlarge"
wait_for "the terminal"
tm resize-window -t t -x 100 -y 35
wait_for "Back up site ABC"
wait_gone "Please enlarge"
# Tiny sizes do not crash either. Each size is waited for until steward has drawn it; at
# 1x1 nothing fits, and the next size drawn shows steward went through it. A crash at any
# moment of the phase is caught: the shell around steward records its exit (pane_dead),
# which every wait checks, and the same process answers a key at the end.
pid=$(steward_pid)
[ -n "$pid" ] || fail "no steward process in the window"
for size in "1 1" "20 5" "59 15" "200 60" "61 16"; do
	set -- $size
	tm resize-window -t t -x "$1" -y "$2"
	if [ "$1x$2" = 1x1 ]; then
		deadline=$((SECONDS + 10))
		until [ "$(tm display -p -t t '#{pane_width}x#{pane_height}')" = 1x1 ]; do
			[ $SECONDS -lt $deadline ] || fail "the window never became 1x1"
			sleep 0.1
		done
		pane_dead && fail "crashed at 1x1 (exit $(pane_status))"
	else
		wait_drawn "$1" "$2"
	fi
done
tm resize-window -t t -x 100 -y 35
wait_drawn 100 35
[ "$(steward_pid)" = "$pid" ] || fail "steward ($pid) is no longer the program in the window"
keys j
wait_for "step 2 of 6"
keys k
wait_for "step 1 of 6"
pane_dead && fail "crashed after the tiny sizes (exit $(pane_status))"
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

# G / g jump to the last / first step; . selects the active step again.
keys G
wait_for "step 6 of 6"
keys g
wait_for "step 1 of 6"
keys j j
wait_for "step 3 of 6"
keys .
wait_for "step 1 of 6"
# Tab moves the focus to the details, where PgDn scrolls (in a window too small for the
# first step's details): the selected step is underlined instead of reversed, the details
# say "(more…)", and PgDn shows their end in place of their start; PgUp brings it back.
tm resize-window -t t -x 80 -y 18
wait_drawn 80 18
wait_attr "^ ▶ Back up site ABC" reverse
screen | grep -qF "(more…)" && fail "the details say (more…) without the focus"
screen | grep -qF "Copy the backup off the server" && fail "the end of the details fits: nothing to scroll"
keys Tab
wait_for "(more…)"
wait_attr "^ ▶ Back up site ABC" underline
wait_attr "^ ▶ Back up site ABC" '!reverse'
keys PgDn
wait_for "Copy the backup off the server"
wait_gone "step 1 of 6"
wait_attr "^ ▶ Back up site ABC" underline # the selection did not move
keys PgUp
wait_for "step 1 of 6"
wait_gone "Copy the backup off the server"
keys Tab Tab # details -> log pane -> steps
wait_attr "^ ▶ Back up site ABC" reverse
wait_gone "(more…)"
tm resize-window -t t -x 100 -y 35
wait_drawn 100 35
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
