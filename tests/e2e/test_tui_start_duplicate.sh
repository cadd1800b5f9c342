#!/usr/bin/env bash
# test_tui_start_duplicate.sh — the start form offers the unfinished session of the same
# runbook and variables (the same site) before creating a second one: y resumes it,
# n starts a new one anyway (the engine's session_find_duplicates, as start --detach).
. "$(dirname "$0")/lib_tui.sh"
start_session --label "the first one"
first=$SID
count() { sw sessions --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
[ "$(count)" = 1 ] || fail "expected one session"

tui -- start tui-basic --var site_code=ABC --logs "$LOGS"
wait_for "Start"
keys Enter
wait_for "This site has an unfinished session $first. Resume it?"
keys y
wait_for "$first"
wait_for "the first one"
keys q
wait_exit 10
[ "$(count)" = 1 ] || fail "y created a session"

tui -- start tui-basic --var site_code=ABC --logs "$LOGS"
wait_for "Start"
keys Enter
wait_for "This site has an unfinished session $first. Resume it?"
keys n
wait_for "Back up site ABC"
keys q
wait_exit 10
[ "$(count)" = 2 ] || fail "n did not start a new session"

# another site: no question
tui -- start tui-basic --var site_code=XYZ --logs "$LOGS"
wait_for "Start"
keys Enter
wait_for "Back up site XYZ"
screen | grep -q "unfinished session" && fail "asked for another site"
keys q
wait_exit 10
echo "ok"
