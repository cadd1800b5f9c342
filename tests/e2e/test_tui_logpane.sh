#!/usr/bin/env bash
# test_tui_logpane.sh — the log pane reads like a log viewer (issue 12): steward's own
# lines carry a time and name their log; with the pane focused j/k select a line, Enter
# shows it in full (time, component, thread, severity, text, file and offset), Left/Right
# scroll and w wraps long lines; / searches with n/N, a match count and every match
# highlighted; "all logs" interleaves the logs by the records' own timestamps; every state
# of the L cycle has its own name; / in the step list searches the steps.
. "$(dirname "$0")/lib_tui.sh"

rb="$FIXTURES/hands/tui-hands.yaml"
SID=$(sw start "$rb" --detach --var site_code=ABC --var mode=fast --logs "$LOGS") || fail "start failed"
# rec TEXT COMPONENT MM:SS — an SMS 2003 record with its own time (2006-06-14 02:MM:SS UTC).
rec() { printf '%s  $$<%s><06-14-2006 02:%s.000+000><thread=%s (0x1)>\r\n' "$1" "$2" "$3" "${4:-2644}"; }
: >"$LOGS/sitecomp.log"
tui -- resume "$SID"
wait_for "Plan the upgrade of ABC"
# Steward's own line about the missing hman.log: a time in the first column, the log named,
# the text right after the time (not in the text column of records).
wait_for "hman.log: not found"
screen | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} steward: hman\.log: not found' \
	|| fail "steward's line has no time or does not start after it: $(screen | grep -F 'not found')"

# Two logs, written out of time order: sitecomp at :02 and :04, then hman at :01 and :03.
rec "SITECOMP two" SMS_SITE_COMPONENT_MANAGER 14:02 >>"$LOGS/sitecomp.log"
rec "SITECOMP four: shutdown requested" SMS_SITE_COMPONENT_MANAGER 14:04 >>"$LOGS/sitecomp.log"
wait_for "SITECOMP four"
rec "HMAN one: shutdown noticed" SMS_HIERARCHY_MANAGER 14:01 1111 >>"$LOGS/hman.log"
rec "HMAN three" SMS_HIERARCHY_MANAGER 14:03 1111 >>"$LOGS/hman.log"
# The L cycle: every state named differently (the plan step follows no log).
keys L
wait_for "Log pane: all logs, merged by time"
wait_for "HMAN three"
order=$(screen | grep -oE '(SITECOMP|HMAN) (one|two|three|four)' | tr '\n' ' ')
[ "$order" = "HMAN one SITECOMP two HMAN three SITECOMP four " ] || fail "not merged by time: $order"
keys L
wait_for "Log pane: sitecomp.log only"
keys L
wait_for "Log pane: hman.log only"
keys L
wait_for "Log pane: the step's logs: none, so all are shown (merged by time)"
keys j j
wait_for "step 3 of 5"
wait_for "Log: the step's logs: sitecomp.log"
keys k k
wait_for "step 1 of 5"
keys L
wait_for "Log pane: all logs, merged by time"

# A long line: cut at first; Right scrolls to its end; w wraps it.
long="LONGLINE start $(printf 'word%.0s ' $(seq 1 40))TAILMARK"
rec "$long" SMS_SITE_COMPONENT_MANAGER 14:05 >>"$LOGS/sitecomp.log"
wait_for "LONGLINE start"
screen | grep -qF TAILMARK && fail "the long line fits: the test needs a longer one"
keys Tab Tab
wait_for "Enter detail"
keys Right Right Right Right # half the width each: column 201, the tail of a 222-column line
wait_for "TAILMARK"
wait_for "text from column"
keys w
wait_for "wrapped (w cuts)"
wait_for "LONGLINE start"
wait_for "TAILMARK"
keys w
wait_gone "wrapped (w cuts)"

# The selected line in full: Enter on the newest (G), then k up past steward's line about
# hman.log and SITECOMP four to HMAN three: the detail follows the selection.
keys G
keys Enter
wait_for "Log line (Enter closes, j/k move)"
wait_for "Component:  SMS_SITE_COMPONENT_MANAGER"
wait_for "Thread:     2644"
wait_for "Severity:   information"
wait_for "Time:       2006-06-14 02:14:05.000"
wait_for "File:       $LOGS/sitecomp.log at byte"
wait_for "TAILMARK"
keys k k k
wait_for "Component:  SMS_HIERARCHY_MANAGER"
wait_for "Thread:     1111"
wait_for "HMAN three"
keys Enter
wait_gone "Log line (Enter closes"

# Search: / then n/N, a count, every match highlighted.
keys /
wait_for "Search the log pane"
type_text "shutdown"
keys Enter # forward from the selected line (HMAN three), as in less
wait_for "/shutdown: match 2 of 2 — n next"
keys n
wait_for "/shutdown: match 1 of 2 (went round to the oldest)"
keys N
wait_for "/shutdown: match 2 of 2 (went round to the newest)"
# Both matches are highlighted (cyan background, 46), not only the current one.
screen_sgr | python3 -c '
import re, sys
t = sys.stdin.read()
hits = 0
for line in t.split("\n"):
    if re.search(r"\x1b\[[0-9;]*46[;m][^\x1b]*shutdown", line, re.I):
        hits += 1
sys.exit(0 if hits >= 2 else 1)' || fail "not every match is highlighted"
# n and N are still notes in the step list.
keys Tab
wait_for "Space done"
keys n
wait_for "Note:"
keys Escape
wait_for "cancelled"

# / in the step list searches the step titles and ids.
keys /
wait_for "Search the steps"
type_text "site"
keys Enter
wait_for 'Steps with "site": 1 of 2'
wait_for "step 3 of 5"
keys /
keys Enter
wait_for 'Steps with "site": 2 of 2'
wait_for "step 4 of 5"

# Rotation names its log.
cp "$LOGS/sitecomp.log" "$LOGS/sitecomp.lo_"
: >"$LOGS/sitecomp.log"
rec "after the rotation" SMS_SITE_COMPONENT_MANAGER 14:09 >>"$LOGS/sitecomp.log"
wait_for "after the rotation" 20
wait_for "steward: sitecomp.log: rotated"
quit_ok
echo "ok"
