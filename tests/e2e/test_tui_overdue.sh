#!/usr/bin/env bash
# test_tui_overdue.sh — a step whose logs are overdue (its verify block's timeout passed)
# is flagged in the header ("OVERDUE step by ...", ! goes to it) and in the step list.
. "$(dirname "$0")/lib_tui.sh"
rb="$HERE/../unit/fixtures/session/hands.yaml"
SID=$(sw start "$rb" --detach --var site_code=ABC --var replication=no --logs "$LOGS") || fail "start"
sw step "$SID" backup done --note "ticked on paper" >/dev/null || fail "backup"
sw step "$SID" stop-site done --confirm STOP >/dev/null || fail "stop-site"
STEWARD_CLOCK_OFFSET_MS=$((31 * 60 * 1000)) sw step "$SID" run-setup done >/dev/null || fail "run-setup"
# check-logs is active with a 10m timeout; 31m + 12m later it is 2m overdue
tui "STEWARD_CLOCK_OFFSET_MS=$((43 * 60 * 1000))" -- resume "$SID"
wait_for "OVERDUE check-logs by"
wait_line "Check the site logs" "OVERDUE"
keys g
keys '!'
wait_for "Overdue by"
keys q
wait_exit 10
echo "ok"
