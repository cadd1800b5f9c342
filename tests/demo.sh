#!/usr/bin/env bash
# demo.sh — what `make demo` runs: a live rehearsal of sms2003-sp2-upgrade.
#
# Creates a throw-away database and log folder, starts a rehearsal session with
# every variable filled in and its waits shortened (`--short-waits 60`: the 30-minute
# settle ends on its own in 30 seconds, and the change record says so), runs
# `steward simulate` in the background (it writes SiteComp.log, Hman.log,
# Inboxmgr.log ... lines as the verify steps become active), and opens the session
# screen. Quitting (q) stops the simulator and removes everything the demo created.
# When steward does not end with q — killed, crashed, exit status not 0 — the demo
# keeps its folder and says how to resume (practise a crash: kill -9 steward):
#   tests/demo.sh --resume DIR     (the simulator goes on), or by hand
#   STEWARD_DB=DIR/steward.db ./steward resume ID
# Nothing outside the temporary folder is touched (your own database is not used), and
# the terminal is left sane whatever happened to steward.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${STEWARD_BIN:-$PWD/steward}"
[ -x "$BIN" ] || { echo "demo: build steward first (make)" >&2; exit 1; }
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo: run 'make demo' in a terminal (it opens steward's full-screen interface)" >&2
	exit 64
fi

RESUME=""
if [ "${1:-}" = "--resume" ]; then
	RESUME=${2:?usage: tests/demo.sh --resume DIR}
	[ -f "$RESUME/steward.db" ] || { echo "demo: $RESUME holds no demo database" >&2; exit 66; }
fi

if [ -n "$RESUME" ]; then DEMO=$RESUME; else DEMO=$(mktemp -d "${TMPDIR:-/tmp}/steward-demo.XXXXXX"); fi
SIM_PID=""
KEEP=""
SID=""
cleanup() {
	if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	# A killed full-screen program leaves the terminal raw (no echo, no newline
	# translation): put it back, as `reset` would, without clearing the screen.
	if [ -t 0 ]; then
		stty sane 2>/dev/null || true
		tput cnorm 2>/dev/null || true
		# a killed steward also left the alternate screen on: back to the shell's
		[ -n "$KEEP" ] && { tput rmcup 2>/dev/null || true; }
	fi
	if [ -n "$KEEP" ]; then
		cat <<MSG
steward demo: the rehearsal is kept, as a real session would be:
  database  $DEMO/steward.db
  site logs $DEMO/logs
Resume it (the simulated site goes on writing its logs):
  tests/demo.sh --resume $DEMO
or by hand:
  STEWARD_DB=$DEMO/steward.db $BIN resume ${SID:-ID}
Remove it when you are done: rm -rf $DEMO
MSG
	else
		rm -rf "$DEMO"
	fi
}
trap cleanup EXIT
trap 'KEEP=1; exit 130' INT TERM HUP

export STEWARD_DB="$DEMO/steward.db"
export STEWARD_OPERATOR="${STEWARD_OPERATOR:-${USER:-operator}}"
mkdir -p "$DEMO/logs"

if [ -n "$RESUME" ]; then
	SID=$("$BIN" sessions --json | sed -n 's/^ *"id": "\([^"]*\)",*$/\1/p' | head -n 1)
	[ -n "$SID" ] || { echo "demo: the session in $DEMO is finished: nothing to resume" >&2; KEEP=1; exit 66; }
else
	SID=$("$BIN" --runbooks runbooks start sms2003-sp2-upgrade --detach --rehearse --short-waits 60 \
		--label "make demo rehearsal" --logs "$DEMO/logs" \
		--var site_code=LAB --var site_server=SMS-LAB01 --var sql_server=SQL-LAB01 \
		--var site_db=SMS_LAB --var test_sql_server=SQL-LAB02 \
		--var 'sms_dir=C:\SMS' --var from_version=SP1 --var sql_replication=no \
		--var 'site_server_os=Windows Server 2003 Standard Edition' \
		--var 'sql_version=SQL Server 2000 SP3a or later' \
		--var win2003_sp1_installed=yes --var remote_mp=no --var remote_consoles=no \
		--var has_secondaries=no --var setup_command=Autorun.exe)
fi

"$BIN" --runbooks runbooks simulate "$SID" >>"$DEMO/simulate.out" 2>&1 &
SIM_PID=$!

cat <<MSG
steward demo: a rehearsal session of "Upgrade an SMS 2003 site to Service Pack 2"
  session   $SID
  database  $STEWARD_DB (temporary)
  site logs $DEMO/logs (written by 'steward simulate' in the background)

On the next screen: Space completes the selected step, s skips, n adds a note,
Tab moves between the steps, details and log panes, ? lists every key, q quits.
Steps that watch the logs complete themselves as the simulated site writes them.
Waits are shortened for this rehearsal (each divided by 60): the 30-minute settle
ends on its own after 30 seconds. Kill steward (kill -9) to practise a crash: the
demo then keeps the session and says how to resume it.
MSG
if [ -z "${STEWARD_DEMO_NOPAUSE:-}" ]; then
	read -r -p "Press Enter to begin... " _ || true
fi

rc=0
"$BIN" --runbooks runbooks resume "$SID" || rc=$?
if [ "$rc" -ne 0 ]; then
	KEEP=1
	echo "steward demo: steward ended with exit $rc (killed or failed), not with q."
else
	echo "steward demo: session $SID ended; the temporary files are removed."
	echo "To keep a session, use your own database: ./steward start sms2003-sp2-upgrade"
fi
exit "$rc"
