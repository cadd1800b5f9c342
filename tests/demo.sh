#!/usr/bin/env bash
# demo.sh — what `make demo` runs: a live rehearsal of sms2003-sp2-upgrade.
#
# Creates a throw-away database and log folder, starts a rehearsal session with
# every variable filled in, runs `steward simulate` in the background (it writes
# SiteComp.log, Hman.log, Inboxmgr.log ... lines as the verify steps become
# active), and opens the session screen. Quitting (q) stops the simulator and
# removes everything the demo created; nothing outside the temporary folder is
# touched (your own database is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${STEWARD_BIN:-$PWD/steward}"
[ -x "$BIN" ] || { echo "demo: build steward first (make)" >&2; exit 1; }
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo: run 'make demo' in a terminal (it opens steward's full-screen interface)" >&2
	exit 64
fi

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/steward-demo.XXXXXX")
SIM_PID=""
cleanup() {
	if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	rm -rf "$DEMO"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

export STEWARD_DB="$DEMO/steward.db"
export STEWARD_OPERATOR="${STEWARD_OPERATOR:-${USER:-operator}}"
mkdir -p "$DEMO/logs"

SID=$("$BIN" --runbooks runbooks start sms2003-sp2-upgrade --detach --rehearse \
	--label "make demo rehearsal" --logs "$DEMO/logs" \
	--var site_code=LAB --var site_server=SMS-LAB01 --var sql_server=SQL-LAB01 \
	--var site_db=SMS_LAB --var test_sql_server=SQL-LAB02 \
	--var 'sms_dir=C:\SMS' --var from_version=SP1 --var sql_replication=no \
	--var 'site_server_os=Windows Server 2003 Standard Edition' \
	--var 'sql_version=SQL Server 2000 SP3a or later' \
	--var win2003_sp1_installed=yes --var remote_mp=no --var remote_consoles=no \
	--var has_secondaries=no --var setup_command=Autorun.exe)

"$BIN" --runbooks runbooks simulate "$SID" >"$DEMO/simulate.out" 2>&1 &
SIM_PID=$!

cat <<MSG
steward demo: a rehearsal session of "Upgrade an SMS 2003 site to Service Pack 2"
  database  $STEWARD_DB (temporary)
  site logs $DEMO/logs (written by 'steward simulate' in the background)

On the next screen: Space completes the selected step, s skips, n adds a note,
Tab moves between the steps, details and log panes, ? lists every key, q quits.
Steps that watch the logs complete themselves as the simulated site writes them.
MSG
if [ -z "${STEWARD_DEMO_NOPAUSE:-}" ]; then
	read -r -p "Press Enter to begin... " _ || true
fi

rc=0
"$BIN" --runbooks runbooks resume "$SID" || rc=$?
echo "steward demo: session $SID ended (exit $rc); the temporary files are removed."
echo "To keep a session, use your own database: steward start sms2003-sp2-upgrade"
exit "$rc"
