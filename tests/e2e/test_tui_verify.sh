#!/usr/bin/env bash
# test_tui_verify.sh — a wait that has elapsed (clock shifted) lets Space complete;
# a verify step completes itself from lines appended to its log, shown in the log
# pane with "verified by sitecomp.log at HH:MM:SS"; a log line carrying terminal
# escape sequences (OSC title, clear screen) is drawn harmlessly.
. "$(dirname "$0")/lib_tui.sh"

start_session
touch "$LOGS/sitecomp.log"
for st in backup optional; do sw step "$SID" "$st" done >/dev/null || fail "step $st"; done
sw step "$SID" detach done --confirm DETACH >/dev/null || fail "step detach"

# 11 minutes later the 10-minute wait has elapsed.
tui STEWARD_CLOCK_OFFSET_MS=660000 -- resume "$SID"
wait_for "Let the site settle"
wait_for "Wait of 10m"
keys Space
wait_for "Step done."
wait_json 'step("settle")["status"] == "done"'
wait_for "Watch the site shut down"
wait_for "Completes itself when the logs show"

# A plain Space on a verify step asks about an override; n keeps it as is.
keys Space
wait_for "Override by hand?"
keys n
wait_gone "Override by hand?"
json_check 'step("shutdown")["status"] == "active"' || fail "declining the override changed the step"

# A hostile line: window title (OSC 0) and clear screen (CSI 2 J).
printf 'before\033]0;pwned\007middle\033[2Jafter  $$<SMS_SITE_COMPONENT_MANAGER><%s+000><thread=1 (0x1)>\r\n' \
	"$(date -u +%m-%d-%Y\ %H:%M:%S.000)" >>"$LOGS/sitecomp.log"
wait_for "beforemiddleafter"
screen | grep -qF "TUI test procedure" || fail "the header was cleared by an escape sequence"
[ "$(tm display -p -t t '#{pane_title}')" != pwned ] || fail "a log line set the window title"

# The expected lines arrive: the step completes itself.
sms_line "Processing site shutdown transaction" >>"$LOGS/sitecomp.log"
wait_for "Processing site shutdown transaction"
json_check 'step("shutdown")["status"] == "active"' || fail "one of two expected lines completed the step"
sms_line "Site shutdown complete" >>"$LOGS/sitecomp.log"
wait_for "verified by sitecomp.log at"
wait_json 'step("shutdown")["status"] == "done" and step("shutdown")["completed_by"] == "markers"'
wait_json 'len(step("shutdown")["verification"]) >= 2'
# The selection moved on to the next step.
wait_for "Write the change record"
wait_line "Write the change record" "▶"
quit_ok
echo "ok"
