#!/usr/bin/env bash
# test_replay.sh — `steward replay` against the shipped assets of sms2003-sp2-upgrade laid
# out as a site's Logs folder (file names in other cases, the setup log without a bias),
# and against hand-written logs (a rotated .lo_, mixed SMS/CCM/setup times, a failure
# line): text and --json reports, exit codes 0/1/64/65/66, and that it never touches a
# database.
set -euo pipefail
: "${STEWARD_BIN:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d /tmp/steward-e2e-replay.XXXXXX)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$d"/*.out "$d"/*.err; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done >&2; exit 1; }
export STEWARD_DB="$d/never/steward.db"
R() { "$STEWARD_BIN" --runbooks "$src/runbooks" replay "$@"; }
V=(--var site_code=CEN --var site_server=SMS01 --var sql_server=SQL01 --var from_version=SP1
   --var sql_replication=no --var win2003_sp1_installed=yes --var has_secondaries=no
   --var site_db=SMS_CEN --var test_sql_server=SQL02 --var remote_mp=no --var remote_consoles=no
   --var 'site_server_os=Windows Server 2003 Standard Edition' --var 'sql_version=SQL Server 2000 SP3a or later')

# the assets as a site's Logs folder: names in the case a site may have them
a="$src/assets/sms2003-sp2-upgrade"
mkdir -p "$d/site"
sub() { sed -e 's/\${site_code}/CEN/g; s/\${site_server}/SMS01/g; s/\${sql_server}/SQL01/g; s/\${site_db}/SMS_CEN/g; s/\${sms_dir}/C:\\SMS/g' "$1"; }
sub "$a/smssetup-completed/smssetup.log" >"$d/site/SMSSETUP.LOG"
sub "$a/sitecomp-completed/sitecomp.log" >"$d/site/sitecomp.log"
sub "$a/hman-completed/hman.log" >"$d/site/HMAN.LOG"
sub "$a/inboxmgr-completed/inboxmgr.log" >"$d/site/InboxMgr.Log"
R sms2003-sp2-upgrade "$d/site" "${V[@]}" >"$d/ok.out" 2>"$d/ok.err" || fail "replay on the assets: exit $?"
grep -q 'result: 4 of 4 verify steps complete, 0 failure signatures fired: OK' "$d/ok.out" || fail "summary"
grep -q 'SMSSETUP.LOG:[0-9]*  2006-06-14T05:55:14.000Z (local 2006-06-14 01:55:14, bias +240 assumed)' "$d/ok.out" \
	|| fail "the setup log's time with the borrowed bias"
grep -q 'windows: replay has no activation times' "$d/ok.out" || fail "the window rule is not said"
R sms2003-sp2-upgrade "$d/site" "${V[@]}" --json >"$d/ok.json" || fail "--json exit $?"
python3 - "$d/ok.json" <<'PY' || fail "json report"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["summary"] == {"verify_steps": 4, "verified": 4, "failures": 0, "ok": True}, doc["summary"]
steps = {s["id"]: s for s in doc["steps"]}
sc = steps["sitecomp-completed"]
assert sc["verified"] and sc["window"]["reason"] == "after" and sc["window"]["after"] == "smssetup-completed", sc["window"]
b = sc["verify"][0]
assert b["since"] == "run-setup" and b["complete"] and len(b["matched"]) == 3, b
m = b["matched"][2]
assert m["file"].endswith("/sitecomp.log") and m["line"] > 0 and m["utc"].endswith("Z") and m["bias"] == 240, m
assert m["expect"].startswith('Waiting for changes to the "C:\\SMS\\Inboxes\\Sitectrl.box"'), m
assert steps["smssetup-completed"]["window"]["reason"] == "start"
# times only grow along the steps
t = [s["completed_at"] for s in doc["steps"] if s.get("verified")]
assert t == sorted(t), t
PY
[ ! -e "$d/never" ] || fail "replay created a database folder"

# the same site without SiteComp's completion lines (the assets' noise only): exit 1
mkdir -p "$d/fail"
cp "$d/site/"* "$d/fail/"
sub "$a/sitecomp-completed/sitecomp.noise.log" >"$d/fail/sitecomp.log"
set +e
R sms2003-sp2-upgrade "$d/fail" "${V[@]}" >"$d/fail.out" 2>"$d/fail.err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "an incomplete site: exit $rc, want 1"
grep -q 'NEVER COMPLETE' "$d/fail.out" || fail "the block that never completed is not named"

# hand-written logs: a rotated .lo_, CCM + SMS + setup times, a failure line
mkdir -p "$d/rb" "$d/hand"
cat >"$d/rb/hand.yaml" <<'YAML'
runbook: 1
id: hand
title: Hand-written
version: "1"
logs:
  sitecomp: SiteComp.log
  ccm: CcmExec.log
  setup: MPSetup.log
phases:
  - id: p
    title: P
    steps:
      - id: run
        title: Run setup
      - id: stop
        title: Stop
        verify:
          - log: sitecomp
            expect: [Processing site shutdown transaction, Site shutdown complete]
        fail:
          - log: sitecomp
            match: Setup failed
            hint: Read the setup log.
      - id: client
        title: Client
        verify:
          - log: ccm
            expect: [Client agent ready]
      - id: mp
        title: MP
        verify:
          - log: setup
            expect: [Installation was successful]
            since: run
YAML
sms() { printf '%s  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 %s+240><thread=1 (0x1)>\r\n' "$1" "$2"; }
ccm() { printf '<![LOG[%s]LOG]!><time="%s+240" date="06-14-2006" component="CcmExec" context="" type="1" thread="1" file="x.cpp:1">\r\n' "$1" "$2"; }
{ sms 'Processing site shutdown transaction...' 10:00:01.000; } >"$d/hand/SITECOMP.lo_"
{ sms 'Site shutdown complete.' 10:00:05.000; } >"$d/hand/sitecomp.LOG"
{ ccm 'Client agent ready' 09:59:00.000; ccm 'Client agent ready' 10:00:07.000; } >"$d/hand/ccmexec.log"
printf '<06-14-2006 10:00:02> Installation was successful.\r\n' >"$d/hand/MPSETUP.LOG"
H() { "$STEWARD_BIN" --runbooks "$d/rb" replay "$@"; }
H hand "$d/hand" --json >"$d/hand.json" || fail "hand-written logs: exit $?"
python3 - "$d/hand.json" <<'PY' || fail "hand json"
import json, sys
doc = json.load(open(sys.argv[1]))
s = {x["id"]: x for x in doc["steps"]}
stop = s["stop"]["verify"][0]["matched"]
assert stop[0]["file"].endswith("SITECOMP.lo_") and stop[1]["file"].endswith("sitecomp.LOG"), stop
assert s["client"]["verify"][0]["matched"][0]["utc"] == "2006-06-14T14:00:07.000Z", "the early line must not count"
assert s["mp"]["completed_at_start"] is True
PY
sms 'Setup failed: 0x80004005' 10:00:03.000 >>"$d/hand/SITECOMP.lo_"
set +e
H hand "$d/hand" >"$d/hand.out" 2>"$d/hand.err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a failure line: exit $rc, want 1"
grep -q 'FAILURE "Setup failed" fired' "$d/hand.out" || fail "the failure is not reported"
grep -q 'hint: Read the setup log.' "$d/hand.out" || fail "the hint is not reported"
# --from after the first marker: the stop step never completes
set +e
H hand "$d/hand" --from '2006-06-14 10:00:02-04:00' >"$d/from.out" 2>&1; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "--from: exit $rc"
grep -q 'where stop started: it never completed' "$d/from.out" || fail "--from: the next step's window is not explained"

# usage and not-found
code() { set +e; "$@" >/dev/null 2>"$d/code.err"; echo $?; set -e; }
[ "$(code H hand)" -eq 64 ] || fail "no LOGDIR"
[ "$(code H hand "$d/hand" --from yesterday)" -eq 64 ] || fail "bad --from"
[ "$(code H hand "$d/hand" --log nosuch=/x)" -eq 64 ] || fail "unknown --log name"
[ "$(code H hand "$d/hand" --var nosuch=1)" -eq 64 ] || fail "unknown --var"
[ "$(code H hand "$d/nonexistent")" -eq 66 ] || fail "missing LOGDIR"
[ "$(code H hand "$d/hand" --log ccm="$d/nonexistent.log")" -eq 66 ] || fail "missing --log file"
[ "$(code H no-such-runbook "$d/hand")" -eq 66 ] || fail "missing runbook"
[ "$(code R sms2003-sp2-upgrade "$d/site")" -eq 64 ] || fail "missing variables"
grep -q 'missing variables' "$d/code.err" || fail "missing variables: message"
printf 'runbook: 1\nid: [\n' >"$d/bad.yaml"
[ "$(code "$STEWARD_BIN" replay "$d/bad.yaml" "$d/hand")" -eq 65 ] || fail "invalid runbook"
"$STEWARD_BIN" replay --help >"$d/help.out" || fail "--help exit"
grep -q 'usage: steward replay RUNBOOK LOGDIR' "$d/help.out" || fail "--help"
[ ! -e "$d/never" ] || fail "replay created a database folder"
# The quiet site (tests/corpus): a day of normal operation proves no step. Hman's and
# Inboxmgr's wait lines are written all day; `after: sitecomp-completed` keeps them from
# counting when SiteComp never showed the site stop and restart (was: 2 of 4 complete).
qrc=0
R sms2003-sp2-upgrade "$src/tests/corpus/quiet/sms2003/day" "${V[@]}" --var site_server=SERVER1 >"$d/quiet.out" 2>&1 || qrc=$?
[ "$qrc" = 1 ] || fail "replay on the quiet site: exit $qrc, not 1"
grep -q "result: 0 of 4 verify steps complete, 0 failure signatures fired" "$d/quiet.out" \
	|| fail "replay on the quiet site credits steps: $(grep -E '=>|result' "$d/quiet.out")"

echo "replay ok"
