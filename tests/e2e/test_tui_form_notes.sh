#!/usr/bin/env bash
# test_tui_form_notes.sh — issue 12, the start form and what the screen tells: a choice
# without a default is not pre-selected and must be chosen; a value refused by a pattern
# is explained in the runbook's words (pattern_hint); Esc in the form says it cancelled
# (from `start` and from home); the home screen's `?` has home wording only; progress
# reads "done, skipped, not applicable, of N" in the header; session notes are shown on
# screen (a count in the header, H lists them with time and operator, the last one on resume).
. "$(dirname "$0")/lib_tui.sh"

rb="$FIXTURES/hands/tui-hands.yaml"
# The form: mode (choices, no default) starts unchosen.
tui -- start "$rb" --logs "$LOGS"
wait_for "Three-character site code"
wait_line "Which mode" "choose"
wait_for "< choose one of 2 >"
wait_for "a value is needed: choose one"
screen | grep -qF "< fast >" && fail "the first choice is pre-selected"
# A value that does not match: the runbook's hint, not the regex.
type_text "cen"
wait_for "'cen' is not valid: 3 characters, capital letters and digits (e.g. CEN)"
screen | grep -qF '^[A-Z0-9]{3}$' && fail "the raw pattern is shown to the operator"
keys C-u
type_text "CEN"
wait_gone "is not valid"
# Enter through every field to Start: refused, and the mode field is the one asked for.
for i in 1 2 3 4 5 6; do keys Enter; done
wait_for "mode: a value is needed"
[ -z "$(sw sessions --json | python3 -c 'import json,sys; print(json.load(sys.stdin) or "")')" ] \
	|| fail "a session was created without a mode"
# Esc cancels, and says so where the command was typed.
keys Escape
wait_exit
[ "$(pane_status)" = 0 ] || fail "Esc in the form exited with $(pane_status)"
# (tmux's "Pane is dead" line pushes what steward printed into the pane's history)
tm capture-pane -p -S -100 -t t | grep -qF "start cancelled (Esc in the form): no session was created" \
	|| fail "Esc in the form did not say it cancelled"

# The same from the --var side: the hint is the message.
out=$(sw start "$rb" --detach --var site_code=cen --var mode=fast --logs "$LOGS" 2>&1) && fail "cen accepted"
grep -qF "3 characters, capital letters and digits" <<<"$out" || fail "start --var does not use the hint: $out"

# Home: ? is about the home screen; Esc in the form returns with a word.
tui
wait_for "Runbooks ("
keys '?'
wait_for "Keys — Esc, q or ? closes this help"
wait_for "previous runbook or session"
screen | grep -qE "previous step|next pane \(steps" && fail "home help shows session-only lines"
keys Escape
wait_gone "Keys — Esc"
keys Enter
wait_for "Fill in the values"
keys Escape
wait_for "Start cancelled: no session was created."
quit_ok

# Progress and notes, on a session where one step does not apply (mode=fast).
SID=$(sw start "$rb" --detach --var site_code=ABC --var mode=fast --logs "$LOGS") || fail "start failed"
sw step "$SID" plan done >/dev/null || fail "step plan done"
tui -- resume "$SID"
wait_for "done 1, skipped 0, not applicable 1, of 5"
wait_for "step 3 of 5"
keys N
wait_for "Session note:"
type_text "handover: backup checked by the night shift"
keys Enter
wait_for "Session note saved."
wait_for "1 note (H)"
keys H
wait_for "Notes of session $SID: 1 (1 on the session, 0 on steps)"
wait_line "tester" "session note"
wait_for "handover: backup checked by the night shift"
keys Escape
wait_gone "Notes of session"
quit_ok
# On resume, the last session note is shown without asking.
tui -- resume "$SID"
wait_for "Last session note ("
wait_for "tester): handover: backup checked by the night shift — H shows"
quit_ok
echo "ok"
