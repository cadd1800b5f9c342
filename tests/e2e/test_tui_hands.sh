#!/usr/bin/env bash
# test_tui_hands.sh — no step done by accident, in a production session: Space on a
# step that is not the active one asks first (n leaves it; y completes it, recorded
# out of order); a checklist not all ticked asks for a reason; a running wait is
# skipped only with the word SKIP-WAIT, recorded as an override; the CLI refuses to
# skip a wait that has not started; the change records show each checklist item's state
# and how each step was completed.
. "$(dirname "$0")/lib_tui.sh"

start_session --label "production run"
touch "$LOGS/sitecomp.log"
# The CLI: a wait that has not started cannot be skipped in production.
out=$(sw step "$SID" settle skip --note impatient 2>&1) && fail "skip of a pending wait succeeded: $out"
grep -q "has not started" <<<"$out" || fail "the refusal does not say why: $out"

tui -- resume "$SID"
wait_for "Back up site ABC"
# j to "Optional tidy-up" (pending), Space: asked first; n leaves it pending.
keys j
wait_for "Nothing depends on this step."
keys Space
wait_for "Complete this step out of order? (y/n)"
keys n
wait_for "cancelled"
json_check 'step("optional")["status"] == "pending"' || fail "n completed the step anyway"
# y completes it, out of order; the active step stays.
keys Space
wait_for "Complete this step out of order? (y/n)"
keys y
wait_for "Step done."
wait_json 'step("optional")["status"] == "done" and step("backup")["status"] == "active"'
# The backup step: its checklist is not ticked, a reason is asked for and recorded.
keys .
wait_for "On: SERVER-ABC"
keys Space
wait_for "2 of 2 checklist items not ticked — reason to complete anyway:"
type_text "backup verified in the NAS console"
keys Enter
wait_for "Step done."
# detach: its confirm word.
wait_for "To complete, type the word: DETACH"
keys Space
wait_for "Type DETACH to complete:"
type_text "DETACH"
keys Enter
wait_for "Step done."
# settle: a 10-minute wait, production: s asks for the reason, then the word.
wait_for "Let the site settle"
keys s
wait_for "Reason for skipping:"
type_text "the site settled during the backup"
keys Enter
wait_for "Type SKIP-WAIT to skip the wait (an override;"
type_text "skip"
keys Enter
wait_for "type SKIP-WAIT to skip it"
json_check 'step("settle")["status"] == "active"' || fail "a wrong word skipped the wait"
keys s
wait_for "Reason for skipping:"
type_text "the site settled during the backup"
keys Enter
wait_for "Type SKIP-WAIT to skip the wait (an override;"
type_text "SKIP-WAIT"
keys Enter
wait_for "Step skipped (the wait was overridden)."
quit_ok

sw export "$SID" --format md >"$TMP/record.md" || fail "export md"
grep -q "## Checklists" "$TMP/record.md" || fail "no Checklists section in the Markdown record"
grep -qF "1. [ ] Back up the database — **not ticked**" "$TMP/record.md" || fail "unticked item not shown: $(grep -A4 Checklists "$TMP/record.md")"
grep -qF "operator, out of order" "$TMP/record.md" || fail "the out-of-order completion is not shown"
grep -qF "operator, 2 of 2 checklist items not ticked" "$TMP/record.md" || fail "unticked completion not shown"
grep -qF "wait overridden" "$TMP/record.md" || fail "the wait override is not shown"
sw export "$SID" --format html >"$TMP/record.html" || fail "export html"
grep -qF "not ticked</span>" "$TMP/record.html" || fail "the HTML record does not show unticked items"
grep -qF "wait overridden" "$TMP/record.html" || fail "the HTML record does not show the wait override"
echo "ok"
