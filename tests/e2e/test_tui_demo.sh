#!/usr/bin/env bash
# test_tui_demo.sh — what `make demo` runs (tests/demo.sh), as a newcomer would use
# it: the rehearsal opens, Space walks the manual steps, the 30-minute wait (30 seconds
# in the demo's rehearsal) ends on its own and is completed, the verify steps complete themselves from the simulated
# SiteComp.log / Hman.log / Inboxmgr.log, q quits, and the simulator and the
# temporary files are gone afterwards.
. "$(dirname "$0")/lib_tui.sh"
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$TMP/demo-tmp"
cmd=$(printf '%q ' env TERM=xterm-256color TMPDIR="$TMP/demo-tmp" STEWARD_DEMO_NOPAUSE=1 \
	STEWARD_BIN="$STEWARD_BIN" bash "$ROOT/tests/demo.sh")
tm new-session -d -s t -x 100 -y 35 "$cmd; echo \$? >$TMP/exit"

wait_for "REHEARSAL" 20
wait_for "Upgrade an SMS 2003 site to Service Pack 2"
[ -n "$(ls "$TMP/demo-tmp")" ] || fail "the demo made no temporary folder"
DEMO_SID=$(screen | grep -oE '[0-9]{8}-[0-9]{6}-[0-9a-f]{4}' | head -1)
[ -n "$DEMO_SID" ] || fail "no session id on the screen"
pgrep -f "simulate $DEMO_SID" >/dev/null || fail "the simulator is not running"

# Space through the manual steps up to the 30-minute wait, which the demo shortens to
# 30 seconds (start --short-waits 60): it is not skipped, it ends on its own.
# The irreversible steps (/testdbupgrade on the copy, setup) ask for their confirm word.
deadline=$((SECONDS + 120))
until screen | grep -qF "left — it can be completed at"; do
	[ $SECONDS -lt $deadline ] || fail "Space never reached the wait step"
	if screen | grep -qF "Override by hand?"; then keys n; fi
	if screen | grep -qF "checklist items not ticked — reason to complete anyway:"; then
		type_text "rehearsal: checked on paper"
		keys Enter
		sleep 0.3
		continue
	fi
	word=$(screen | sed -n 's/.*Type \([A-Z]*\) to complete:.*/\1/p' | head -1)
	if [ -n "$word" ]; then
		type_text "$word"
		keys Enter
		wait_gone "Type $word to complete:"
		continue
	fi
	keys Space
	sleep 0.3
done
wait_for "Wait of 30s elapsed: the step can be completed" 45
keys Space
wait_line "Wait at least 30 minutes" "✓"
# The simulator writes the site's lines; the verify steps complete themselves.
wait_for "verified by SiteComp.log at" 60
wait_for "verified by Inboxmgr.log at" 60
keys q
wait_exit 20
[ "$(pane_status)" = 0 ] || fail "the demo exited with $(pane_status)"
wait_for "the temporary files are removed"
[ -z "$(ls "$TMP/demo-tmp")" ] || fail "the demo left files behind: $(ls "$TMP/demo-tmp")"
if pgrep -f "simulate $DEMO_SID" >/dev/null; then fail "the simulator still runs"; fi
echo "ok"
