#!/usr/bin/env bash
# test_watch_resume.sh — `steward watch` on a folder while the test appends, rotates,
# truncates, deletes and recreates the logs; quit in the middle, append more (with a
# rotation to .lo_) while it is closed, resume: nothing missed, nothing counted twice.
# A marker written before the step began never counts; markers out of order do not
# complete a step. A failure signature is reported with its hint and recorded, watch goes on
# following the logs (cmd_watch.c: it runs until the session finishes or it is stopped) and,
# stopped, exits 1 (CLI.md); a watch on a session whose step was left failed exits 1 too.
set -euo pipefail
: "${STEWARD_BIN:?}"
d=$(mktemp -d /tmp/steward-e2e-watch.XXXXXX)
wp=
trap '[ -n "$wp" ] && kill "$wp" 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$d"/w*.out "$d"/w*.err; do echo "== $f"; cat "$f"; done >&2; ls -la "$d/logs" >&2; exit 1; }
S() { "$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" "$@"; }
# background watch: the program itself, not a subshell, gets the signals
bg_watch() { "$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" watch "$1" >"$d/$2.out" 2>"$d/$2.err" & wp=$!; }
sms() { printf '%s  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+300><thread=1 (0x1)>\r\n' "$1"; }
wait_for() { # FILE PATTERN
	local deadline=$((SECONDS + 20))
	while [ $SECONDS -lt $deadline ]; do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "timed out waiting for $2 in $1"
}
wait_count() { # FILE PATTERN N — until PATTERN is on at least N lines of FILE
	local deadline=$((SECONDS + 20))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $3 lines with $2 in $1"
}
mkdir -p "$d/rb" "$d/logs"
cat >"$d/rb/watch-e2e.yaml" <<'YAML'
runbook: 1
id: watch-e2e
title: Watch end-to-end
version: "1"
variables:
  - name: site_code
    prompt: Site code
    pattern: '^[A-Z0-9]{3}$'
logs:
  sitecomp: SiteComp.log
  hman: hman.log
phases:
  - id: p
    title: Phase
    steps:
      - id: stop-site
        title: Stop the site
        verify:
          - log: sitecomp
            expect:
              - Processing site shutdown transaction
              - Site shutdown complete
              - regex: 'Waiting for changes to the ".*\\Sitectrl\.box"'
        fail:
          - log: sitecomp
            match: Setup failed for site ${site_code}
            hint: Read the setup log of ${site_code}.
      - id: hierarchy
        title: Hierarchy Manager settles
        verify:
          - log: hman
            expect:
              - regex: 'Wait for site control changes for maximum [0-9]+ seconds'
YAML

# Lines from before the session: they must never count.
sms "Processing site shutdown transaction" >"$d/logs/SiteComp.log"
sms "Site shutdown complete" >>"$d/logs/SiteComp.log"
id=$(S start watch-e2e --logs "$d/logs" --detach --var site_code=ABC)

bg_watch "$id" w1
wait_for "$d/w1.out" '"step_active"'
grep -q '"log":"sitecomp","file":[^,]*,"mode":"inotify"' "$d/w1.out" || fail "local logs are not followed with inotify"
# out of order first: complete before processing does not count
sms "Site shutdown complete" >>"$d/logs/SiteComp.log"
sms "noise line" >>"$d/logs/SiteComp.log"
sms "Processing site shutdown transaction" >>"$d/logs/SiteComp.log"
wait_for "$d/w1.out" '"index":0'
# truncation (same file, restarts at 0)
: >"$d/logs/SiteComp.log"
sms "after truncation" >>"$d/logs/SiteComp.log"
wait_for "$d/w1.out" '"type":"rotated"'
# a rollover while watch runs: SMS renames the log to .lo_ and starts a new one
sms "last line before the rollover" >>"$d/logs/SiteComp.log"
mv "$d/logs/SiteComp.log" "$d/logs/sitecomp.lo_"
sms "first line after the rollover" >"$d/logs/SiteComp.log"
wait_count "$d/w1.out" '"type":"rotated"' 2
grep -q '"message":"rotated"' "$d/w1.out" || fail "live rollover not followed"
# delete and recreate
rm "$d/logs/SiteComp.log"
sleep 0.2
sms "recreated" >"$d/logs/SiteComp.log"
sms "Site shutdown complete" >>"$d/logs/SiteComp.log"
wait_for "$d/w1.out" '"index":1'
# quit in the middle
kill -TERM "$wp"
set +e; wait "$wp"; rc=$?; set -e; [ "$rc" -eq 0 ] || { cat "$d/w1.err" >&2; fail "watch exit $rc on SIGTERM, want 0"; }
wp=

# while closed: the last marker, then the rollover to .lo_ and a new file
printf 'Waiting for changes to the "C:\\SMS\\Inboxes\\Sitectrl.box" or "C:\\SMS\\Inboxes\\Sitecomp.box" directories  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+300><thread=1 (0x1)>\r\n' >>"$d/logs/SiteComp.log"
mv "$d/logs/SiteComp.log" "$d/logs/sitecomp.lo_"
sms "first line of the new file" >"$d/logs/SiteComp.log"

bg_watch "$id" w2
wait_for "$d/w2.out" '"step_verified"'
wait_for "$d/w2.out" '"step":"hierarchy"'
printf '~Wait for site control changes for maximum 3600 seconds~  $$<SMS_HIERARCHY_MANAGER><06-14-2006 02:14:07.123+300><thread=1 (0x1)>\r\n' >>"$d/logs/hman.log"
wait_for "$d/w2.out" '"session_finished"'
wait "$wp" || fail "watch did not exit 0 when the session finished"
wp=

python3 - "$d/w1.out" "$d/w2.out" <<'PY' || fail "markers"
import json, sys
ev = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
m = [(e["step"], e["verify"], e["index"]) for e in ev if e["type"] == "marker"]
assert m == [("stop-site", 0, 0), ("stop-site", 0, 1), ("stop-site", 0, 2), ("hierarchy", 0, 0)], m
third = [e for e in ev if e["type"] == "marker" and e["index"] == 2][0]
assert third["file"].endswith("sitecomp.lo_"), third
assert [e["step"] for e in ev if e["type"] == "step_verified"] == ["stop-site", "hierarchy"]
assert any(e["type"] == "rotated" and e["old_file"] and e["old_file"].endswith(".lo_") for e in ev), "rotation"
PY

# The audit trail holds each marker once, with its evidence.
S export "$id" --format json >"$d/export.json"
python3 - "$d/export.json" <<'PY' || fail "export"
import json, sys
x = json.load(open(sys.argv[1]))
types = [e["type"] for e in x["events"]]
assert types.count("marker_seen") == 4, types
assert x["session"]["status"] == "finished"
steps = {s["id"]: s for s in x["steps"]}
assert steps["stop-site"]["completed_by"] == "markers"
PY

# A failure signature — this time with the logs polled, as on a network mount
# (STEWARD_POLL=1 forces it): watch reports it with the hint and records the step failed.
id2=$(S start watch-e2e --logs "$d/logs" --detach --var site_code=ABC)
STEWARD_POLL=1 bg_watch "$id2" w3
wait_for "$d/w3.out" '"mode":"polling"'
wait_for "$d/w3.out" '"step_active"'
sms "Setup failed for site ABC (0x80004005)" >>"$d/logs/SiteComp.log"
wait_for "$d/w3.out" '"type":"failure"'
grep -q '"hint":"Read the setup log of ABC."' "$d/w3.out" || fail "hint"
S export "$id2" --format json >"$d/export2.json" # a reader, while watch holds the session
python3 - "$d/export2.json" <<'PY' || fail "the failure is not recorded"
import json, sys
x = json.load(open(sys.argv[1]))
s = {s["id"]: s for s in x["steps"]}["stop-site"]
assert s["status"] == "failed", s["status"]
assert len(s["failures"]) == 1 and "Setup failed for site ABC" in s["failures"][0]["line"], s["failures"]
assert s["failures"][0]["hint"] == "Read the setup log of ABC.", s["failures"][0]
PY
# The failure does not end watch: it goes on following the logs (a truncation after the
# failure is still reported) until it is stopped; then it exits 1.
n=$(grep -c '"type":"rotated"' "$d/w3.out" || true)
: >"$d/logs/SiteComp.log"
sms "after the failure" >>"$d/logs/SiteComp.log"
wait_count "$d/w3.out" '"type":"rotated"' $((n + 1))
kill -0 "$wp" 2>/dev/null || fail "watch ended after the failure signature"
grep -q '"session_finished"' "$d/w3.out" && fail "a failure signature finished the session"
kill -TERM "$wp"
set +e
wait "$wp"; rc=$?
set -e
wp=
[ "$rc" -eq 1 ] || fail "watch exit $rc after a failure, want 1"

# A second writer is refused while watch holds the session. That watch started on a step
# left failed by the one before: stopped, it exits 1 as well (cmd_watch.c).
bg_watch "$id2" w4
wait_for "$d/w4.out" '"step_active"'
set +e
S watch "$id2" >/dev/null 2>"$d/w5.err"; rc=$?
set -e
[ "$rc" -eq 75 ] || fail "second watch exit $rc, want 75"
grep -q "(process $wp on" "$d/w5.err" || fail "the refusal does not name watch $wp: $(cat "$d/w5.err")"
kill -TERM "$wp"
set +e
wait "$wp"; rc=$?
set -e
wp=
[ "$rc" -eq 1 ] || fail "watch on a session whose step was left failed exit $rc, want 1"
echo "watch resume ok"
