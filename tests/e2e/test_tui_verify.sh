#!/usr/bin/env bash
# test_tui_verify.sh — a wait that has elapsed (clock shifted) lets Space complete;
# a verify step completes itself from lines appended to its log, shown in the log
# pane with "verified by sitecomp.log at HH:MM:SS"; a log line carrying terminal
# escape sequences (OSC title, clear screen) is drawn harmlessly.
. "$(dirname "$0")/lib_tui.sh"

start_session
touch "$LOGS/sitecomp.log"
sw step "$SID" backup done --note "checklist ticked on paper" >/dev/null || fail "step backup"
sw step "$SID" optional done >/dev/null || fail "step optional"
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

# A 10 MB line: the screen stays responsive and the lines after it still arrive.
python3 -c 'import sys; sys.stdout.write("huge " + "x" * (10 * 1024 * 1024) + " end\r\n")' >>"$LOGS/sitecomp.log"
# (an SMS record runs until its trailer: the next line closes the huge one)
sms_line "closing the huge record" >>"$LOGS/sitecomp.log"
sms_line "after the huge line" >>"$LOGS/sitecomp.log"
wait_for "after the huge line" 20
wait_for "xxxxxxxxxxxxxxxx"
keys k
wait_for "step 4 of 6"
keys j
wait_for "step 5 of 6"

# A failure signature: shown with its hint, in the status line and the details.
sms_line "Site shutdown FAILED: access denied" >>"$LOGS/sitecomp.log"
wait_for "Failure signature seen in sitecomp.log"
wait_for "Hint: Check the SMS_SITE_COMPONENT_MANAGER"
wait_for "FAILURE seen in sitecomp.log"
wait_line "Watch the site shut down" "✗"
wait_json 'step("shutdown")["status"] == "failed"'
# u reopens it (with a reason): the step is active again, with a new window of lines.
keys u
wait_for "Reason for reopening:"
type_text "retry the shutdown"
keys Enter
wait_for "Step reopened."
wait_json 'step("shutdown")["status"] == "active"'
sw export "$SID" | grep -qF "retry the shutdown" || fail "the reopen reason is not in the export"

# Search and log filters in the log pane (focused: / in the step list searches the steps).
keys Tab Tab
wait_for "Enter detail"
keys /
wait_for "Search the log pane"
type_text "no such words"
keys Enter
wait_for "Not found in the log pane: no such words"
keys /
type_text "FAILED"
keys Enter
wait_gone "Search the log pane"
# Found: the message and the pane's heading count the match, the line with it is the
# selected one (reverse video: the pane has the focus) and the word itself is set apart.
wait_for "/FAILED: match 1 of 1"
wait_line " Log: the step's logs: sitecomp.log" "/FAILED: match 1 of 1"
wait_attr "Site shutdown FAILED: access denied" reverse
[ "$(attrs_at "Site shutdown FAILED: access denied")" != "$(attrs_at "FAILED: access denied")" ] \
	|| fail "the match is drawn like the rest of its line: $(attrs_at "FAILED: access denied")"
screen | grep -qF "Not found" && fail "a line on screen was not found by search"
# L goes round the log filters: each state is waited for as it replaces the one before
# (the heading of the pane says which logs it shows; the message says so too).
keys L
wait_for " Log: all logs"
wait_for "Log pane: all logs"
keys L
wait_for " Log: sitecomp.log only"
wait_for "Log pane: sitecomp.log only"
wait_gone " Log: all logs"
keys L
wait_for "Log pane: the step's logs: sitecomp.log"
wait_for " Log: the step's logs: sitecomp.log"
wait_gone "sitecomp.log only"
keys Tab # back to the step list (steps -> details -> log -> steps)

# The expected lines arrive: the step completes itself. The first one alone does not:
# the check waits until the first line is recorded as seen (in the export) — the details
# pane lists the expected lines from the start, so the screen cannot tell.
json_check 'step("shutdown")["verification"][0]["matched_line"] is None' \
	|| fail "the first expected line is counted as seen before it was written"
sms_line "Processing site shutdown transaction" >>"$LOGS/sitecomp.log"
wait_json '"Processing site shutdown transaction" in (step("shutdown")["verification"][0]["matched_line"] or "")'
json_check 'step("shutdown")["status"] == "active" and step("shutdown")["verification"][1]["matched_line"] is None' \
	|| fail "one of two expected lines completed the step"
wait_line "Processing site shutdown transaction" "✓"
wait_line "Site shutdown complete" "○"
wait_line "Watch the site shut down" "▶"
sms_line "Site shutdown complete" >>"$LOGS/sitecomp.log"
wait_for "verified by sitecomp.log at"
wait_json 'step("shutdown")["status"] == "done" and step("shutdown")["completed_by"] == "markers"'
wait_json 'len(step("shutdown")["verification"]) >= 2'
# The expected lines are highlighted (green background) in the log pane: the last
# colour set before the text (tmux carries attributes across lines) has background 42.
screen_sgr | python3 -c '
import re, sys
t = sys.stdin.read()
i = t.index("Site shutdown complete")
sgr = re.findall(r"\x1b\[([0-9;]*)m", t[:i])
bg = None
for s in sgr:
    for p in (s or "0").split(";"):
        if p in ("0", "49"): bg = None
        elif p.startswith("4") and len(p) == 2: bg = p
sys.exit(0 if bg == "42" else 1)' || fail "the expected line is not highlighted"
# The selection moved on to the next step.
wait_for "Write the change record"
wait_line "Write the change record" "▶"

# f marks a step failed (with a note); u reopens one (with a reason).
keys f
wait_for "What went wrong (note):"
type_text "change system down"
keys Enter
wait_for "Step marked failed."
wait_json 'step("finish")["status"] == "failed"'
keys k
wait_for "Verified by sitecomp.log at"
quit_ok

# Resumed, the pane shows the evidence recorded so far.
tui -- resume "$SID"
wait_for "Write the change record"
wait_for "Site shutdown complete"
quit_ok
echo "ok"
