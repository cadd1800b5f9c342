#!/usr/bin/env bash
# test_tui_resume_picker.sh — `steward resume` without an id, with several unfinished
# sessions: on a terminal the home screen is the picker (it lists them, a session with a
# failed step marked FAILED, with its site), Enter opens the chosen one; without a
# terminal the CLI lists them and exits 64.
. "$(dirname "$0")/lib_tui.sh"
start_session --label "site one"
first=$SID
SID=$(sw start tui-basic --detach --new --var site_code=XYZ --logs "$LOGS" --label "site two") || fail "start"
second=$SID
sw step "$second" backup fail --note "the backup job hung" >/dev/null || fail "fail step"

out=$(sw resume </dev/null 2>&1); rc=$?
[ $rc = 64 ] || fail "resume without a terminal and several sessions: exit $rc"
grep -q "$first" <<<"$out" && grep -q "$second" <<<"$out" || fail "the CLI does not list both: $out"

tui -- resume
wait_for "site one"
wait_for "site two"
wait_line "site two" "FAILED"
wait_line "site two" "site_code=XYZ"
screen | grep -F "site one" | grep -qF "FAILED" && fail "a healthy session is marked FAILED"
# the list is most recent first: "site two" is selected; Enter resumes it
keys Enter
wait_for "$second"
wait_for "Back up site XYZ"
keys q
wait_for "Resumable sessions (2)" # back to the picker
keys q
wait_exit 10
echo "ok"
