#!/usr/bin/env bash
# test_tui_steps.sh — the operator's keys on the session screen: Space completes,
# s skips with a reason, n adds a note, a confirm word is asked for (a wrong one
# refused), a running wait refuses Space with the time left, q quits; resume shows
# the same state, and so does a resume after the TUI was killed with SIGKILL.
. "$(dirname "$0")/lib_tui.sh"

start_session --label "older session"
start_session --rehearse --label "change 42" --new
touch "$LOGS/sitecomp.log"
tui -- resume "$SID"
wait_for "REHEARSAL"
wait_for "TUI test procedure"
# The selection starts on the active step; its details are shown.
wait_for "Back up site ABC"
wait_for "On: SERVER-ABC"
wait_line "Back up site ABC" "▶"
screen_sgr | grep -qE "$COLOUR_SGR" || fail "no colours without NO_COLOR"

# Space on a step whose checklist is not all ticked asks for the reason first; Esc leaves
# the step as it was. Ticked, Space completes it; the selection follows to the next.
keys Space
wait_for "2 of 2 checklist items not ticked — reason to complete anyway:"
keys Escape
wait_for "cancelled"
json_check 'step("backup")["status"] == "active"' || fail "a cancelled completion recorded something"
keys 1
wait_for "Item 1 ticked."
keys 2
wait_for "Item 2 ticked."
keys Space
wait_for "Step done."
wait_json 'step("backup")["status"] == "done" and step("backup")["completed_by"] == "operator"'
wait_for "Nothing depends on this step."
# Practice that is not from the sources is set apart under its own label.
wait_for "Practice (not from the sources):"
wait_for "~ Tick it once ABC is quiet."

# s skips with a reason.
keys s
wait_for "Reason for skipping:"
type_text "not needed tonight"
keys Enter
wait_for "Step skipped."
wait_json 'step("optional")["status"] == "skipped"'
sw export "$SID" | grep -qF "not needed tonight" || fail "the skip reason is not in the export"

# n adds a note to the selected step (now: detach).
keys n
wait_for "Note:"
type_text "DBA on the bridge: Ünïcödé 中文"
keys Enter
wait_for "Note saved."
wait_for "DBA on the bridge: Ünïcödé 中文"
wait_json 'any(n["text"] == "DBA on the bridge: Ünïcödé 中文" and n["operator"] == "tester" for n in step("detach")["notes"])'

# Esc cancels a prompt: nothing recorded.
keys s
wait_for "Reason for skipping:"
type_text "oops"
keys Escape
wait_for "cancelled"
json_check 'step("detach")["status"] == "active"' || fail "Esc did not cancel the skip"

# Space on a confirm step asks for the word; a wrong word is refused.
keys Space
wait_for "Type DETACH to complete:"
type_text "detach please"
keys Enter
wait_gone "Type DETACH to complete:"
json_check 'step("detach")["status"] == "active"' || fail "a wrong confirm word completed the step"
keys Space
wait_for "Type DETACH to complete:"
type_text "DETACH"
keys Enter
wait_for "Step done."
wait_json 'step("detach")["status"] == "done"'

# The wait step: Space is refused with the time left.
wait_for "Let the site settle"
wait_for "Wait: "
keys Space
wait_for "step 'settle': wait "
json_check 'step("settle")["status"] == "active"' || fail "Space completed a step whose wait runs"

# q quits, exit 0.
quit_ok

# The engine refuses it too, not only the screen: done from the CLI (nothing holds the
# session now) gets the engine's wait refusal, exit 75, with the time left.
out=$(sw step "$SID" settle done 2>&1); rc=$?
[ $rc = 75 ] || fail "step done during the wait exited $rc, not 75: $out"
case "$out" in *"step 'settle': wait "*" more — it needs 10m after it became active"*) ;;
	*) fail "step done during the wait was not refused by the wait rule: $out" ;; esac
case "$out" in *"held by"*) fail "refused by a lock, not by the wait: $out" ;; esac
json_check 'step("settle")["status"] == "active"' || fail "the CLI completed a step whose wait runs"

# resume: the same state, the selection on the active step.
tui -- resume "$SID"
wait_for "Let the site settle"
wait_for "Wait: "
wait_line "Back up site ABC" "✓"
wait_line "Optional tidy-up" "↷"
wait_line "Let the site settle" "▶"

# A second writer is refused with exit 75 naming the holder (by the lock: the wait would
# refuse this step too, with the same exit code).
holder=$(steward_pid)
[[ "$holder" =~ ^[0-9]+$ ]] || fail "no pid for the steward in the window: '$holder'"
out=$(sw step "$SID" settle done 2>&1); rc=$?
[ $rc = 75 ] || fail "a second writer got exit $rc, not 75: $out"
case "$out" in *"(process $holder on "*) ;; *) fail "the refusal does not name the holder $holder: $out" ;; esac

# So is a second `resume` (it has a terminal here, through script(1)).
out=$(script -qec "$(printf '%q ' "$STEWARD_BIN" --db "$DB" resume "$SID")" /dev/null 2>&1); rc=$?
[ $rc = 75 ] || fail "a second resume got exit $rc, not 75: $out"
case "$out" in *"(process $holder on "*) ;; *) fail "the refusal does not name the holder $holder: $out" ;; esac

# SIGKILL the TUI: nothing is lost, and resume takes the dead holder's lock over.
kill -KILL "$holder"
wait_exit
# resume without an id, with two unfinished sessions: which one is not guessed — without
# a terminal both are listed and an id is asked for (exit 64; on a terminal the home screen
# is the picker: test_tui_resume_picker.sh); with the id, it opens.
out=$("$STEWARD_BIN" --db "$DB" --runbooks "$FIXTURES" resume </dev/null 2>&1); rc=$?
[ $rc = 64 ] || fail "resume without an id among two unfinished sessions exited $rc, not 64: $out"
echo "$out" | grep -qF "$SID" || fail "resume without an id does not list $SID: $out"
echo "$out" | grep -qF "steward resume ID" || fail "resume without an id does not say how: $out"
tui -- resume "$SID"
wait_for "Let the site settle"
wait_for "change 42"
wait_line "Detach the database" "✓"
keys k
wait_for "DBA on the bridge"
json_check 'step("backup")["status"] == "done" and step("optional")["status"] == "skipped" and step("detach")["status"] == "done" and step("settle")["status"] == "active"' \
	|| fail "state after SIGKILL differs"
quit_ok
sw audit "$SID" >/dev/null || fail "audit after the run failed"
echo "ok"
