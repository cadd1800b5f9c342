#!/usr/bin/env bash
# test_tui_demo_crash.sh — the demo as the README promises it (issue 12, rows 8 and 34):
# steward killed with SIGKILL inside `make demo` keeps the demo's database and logs,
# says where they are and how to resume (STEWARD_DB=... steward resume ID, or
# tests/demo.sh --resume DIR), leaves the terminal sane (echo, canonical mode), and
# `tests/demo.sh --resume DIR` opens the same session again with the simulator. The
# demo's rehearsal shortens its waits (--short-waits 60), recorded in the session.
. "$(dirname "$0")/lib_tui.sh"
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$TMP/demo-tmp"
cmd=$(printf '%q ' env TERM=xterm-256color TMPDIR="$TMP/demo-tmp" STEWARD_DEMO_NOPAUSE=1 \
	STEWARD_BIN="$STEWARD_BIN" bash "$ROOT/tests/demo.sh")
tm new-session -d -s t -x 100 -y 35 "$cmd; echo \$? >$TMP/exit; stty -a >$TMP/stty 2>&1; sleep 60"

wait_for "REHEARSAL" 20
wait_for "Upgrade an SMS 2003 site to Service Pack 2"
DEMO_DIR=$(ls -d "$TMP"/demo-tmp/steward-demo.* | head -1)
[ -d "$DEMO_DIR" ] || fail "the demo made no temporary folder"
DEMO_SID=$(screen | grep -oE '[0-9]{8}-[0-9]{6}-[0-9a-f]{4}' | head -1)
[ -n "$DEMO_SID" ] || fail "no session id on the screen"
keys Space
wait_line "Read \"What's New" "✓"

pid=$(pgrep -f "resume $DEMO_SID" | head -1)
[ -n "$pid" ] || fail "no steward resume process"
kill -KILL "$pid"
wait_exit 20
[ "$(pane_status)" = 137 ] || fail "the demo exited with $(pane_status), not steward's 137"
wait_for "the rehearsal is kept" 10
wait_for "STEWARD_DB=$DEMO_DIR/steward.db"
screen | tr -d '\n' | grep -qF "resume $DEMO_SID" || fail "the demo does not say how to resume $DEMO_SID"
wait_for "tests/demo.sh --resume $DEMO_DIR"
[ -f "$DEMO_DIR/steward.db" ] || fail "the demo removed its database after a crash"
[ -d "$DEMO_DIR/logs" ] || fail "the demo removed its logs after a crash"
for _ in $(seq 1 100); do [ -s "$TMP/stty" ] && break; sleep 0.1; done
grep -qE '(^| )echo( |$)' "$TMP/stty" && grep -qE '(^| )icanon( |$)' "$TMP/stty" \
	|| fail "the terminal is left raw after the crash: $(cat "$TMP/stty")"
if pgrep -f "simulate $DEMO_SID" >/dev/null; then fail "the simulator still runs after the crash"; fi

# The session is whole, and its waits are the demo's short ones.
"$STEWARD_BIN" --db "$DEMO_DIR/steward.db" export "$DEMO_SID" >"$TMP/demo.json" || fail "export of the kept session"
python3 - "$TMP/demo.json" <<'PY' || fail "the kept session is not as left"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["session"]["wait_divisor"] == 60, d["session"]
assert d["steps"][0]["status"] == "done", d["steps"][0]
PY

# Resume it the way the demo said.
tm kill-session -t t
rm -f "$TMP/exit"
cmd=$(printf '%q ' env TERM=xterm-256color STEWARD_DEMO_NOPAUSE=1 STEWARD_BIN="$STEWARD_BIN" \
	bash "$ROOT/tests/demo.sh" --resume "$DEMO_DIR")
tm new-session -d -s t -x 100 -y 35 "$cmd; echo \$? >$TMP/exit"
wait_for "$DEMO_SID" 20
wait_line "Read \"What's New" "✓"
pgrep -f "simulate $DEMO_SID" >/dev/null || fail "the simulator is not running on resume"
keys q
wait_exit 20
[ "$(pane_status)" = 0 ] || fail "the resumed demo exited with $(pane_status)"
[ ! -e "$DEMO_DIR" ] || fail "q after resuming left the demo's files behind"
echo "ok"
