#!/usr/bin/env bash
# test_watch_simulate.sh — `steward simulate` beside `steward watch`: the simulator
# writes each verify step's assets (with noise, partial writes and a rollover to .lo_)
# as the step becomes active, watch completes the steps, both stop when the session
# finishes; with --fail the failure signature is played and watch exits 1.
set -euo pipefail
: "${STEWARD_BIN:?}"
d=$(mktemp -d /tmp/steward-e2e-sim.XXXXXX)
wp= sp=
trap '[ -n "$wp" ] && kill "$wp" 2>/dev/null; [ -n "$sp" ] && kill "$sp" 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$d"/*.out "$d"/*.err; do echo "== $f"; cat "$f"; done >&2; ls -la "$d/logs" >&2; exit 1; }
S() { "$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" "$@"; }
wait_for() { # FILE PATTERN
	for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "timed out waiting for $2 in $1"
}
mkdir -p "$d/rb" "$d/logs" "$d/assets/watch-sim/stop-site" "$d/assets/watch-sim/hierarchy"
cat >"$d/rb/watch-sim.yaml" <<'YAML'
runbook: 1
id: watch-sim
title: Simulated rehearsal
version: "1"
variables:
  - name: site_code
    prompt: Site code
    pattern: '^[A-Z0-9]{3}$'
logs:
  sitecomp: sitecomp.log
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
a="$d/assets/watch-sim"
{
	for i in 1 2 3 4 5 6; do printf 'SMS Site Component Manager heartbeat %s for site ${site_code}  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:0%s.123+240><thread=2648 (0xA58)>\r\n' "$i" "$i"; done
	printf 'Processing site shutdown transaction  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+240><thread=2648 (0xA58)>\r\n'
	printf 'Stopping component SMS_HIERARCHY_MANAGER  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:08.123+240><thread=2648 (0xA58)>\r\n'
	printf 'Site shutdown complete  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:09.123+240><thread=2648 (0xA58)>\r\n'
} >"$a/stop-site/sitecomp.log"
{
	printf 'SMS Site Component Manager started  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:01.123+240><thread=2648 (0xA58)>\r\n'
	printf 'Setup failed for site ${site_code}: error 0x80004005  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:02.123+240><thread=2648 (0xA58)>\r\n'
} >"$a/stop-site/sitecomp.fail.log"
{
	printf 'SMS Hierarchy Manager started.  $$<SMS_HIERARCHY_MANAGER><06-14-2006 01:58:02.114+240><thread=3012 (0xBC4)>\r\n'
	printf '~Wait for site control changes for maximum 3600 seconds...~  $$<SMS_HIERARCHY_MANAGER><06-14-2006 01:58:03.114+240><thread=3012 (0xBC4)>\r\n'
} >"$a/hierarchy/hman.log"
export STEWARD_ASSETS="$d/assets"

id=$(S start watch-sim --logs "$d/logs" --detach --var site_code=ABC --rehearse)
"$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" watch "$id" >"$d/watch.out" 2>"$d/watch.err" &
wp=$!
"$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" simulate "$id" --speed 40 >"$d/sim.out" 2>"$d/sim.err" &
sp=$!
wait_for "$d/watch.out" '"session_finished"'
wait "$wp" || fail "watch exit $? at the end of the session"
wp=
for _ in $(seq 100); do kill -0 "$sp" 2>/dev/null || break; sleep 0.05; done
kill -0 "$sp" 2>/dev/null && fail "simulate still running after the session finished"
wait "$sp" || fail "simulate exit $? when the session finished"
sp=
[ -e "$d/logs/sitecomp.lo_" ] || fail "no rollover to .lo_"
[ -e "$d/logs/hman.lo_" ] || fail "no rollover of hman.log"
# re-stamped to now: no 2006 dates left in what was written
if cat "$d/logs"/* | grep -q '06-14-2006'; then fail "times were not re-stamped"; fi
grep -q 'heartbeat 1 for site ABC' "$d/logs/sitecomp.lo_" || fail "variables not substituted / noise missing"
python3 - "$d/watch.out" <<'PY' || fail "events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert [e["step"] for e in ev if e["type"] == "step_verified"] == ["stop-site", "hierarchy"], ev
PY

# --fail: the failure signature is written, watch reports it and exits 1
id2=$(S start watch-sim --logs "$d/logs" --detach --var site_code=XYZ --rehearse)
"$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" watch "$id2" >"$d/watch2.out" 2>"$d/watch2.err" &
wp=$!
"$STEWARD_BIN" --db "$d/db" --runbooks "$d/rb" simulate "$id2" --speed 40 --fail stop-site >"$d/sim2.out" 2>"$d/sim2.err" &
sp=$!
wait_for "$d/watch2.out" '"type":"failure"'
grep -q '"hint":"Read the setup log of XYZ."' "$d/watch2.out" || fail "hint"
kill -TERM "$sp"
wait "$sp" || fail "simulate exit $? on SIGTERM"
sp=
kill -TERM "$wp"
set +e
wait "$wp"; rc=$?
set -e
wp=
[ "$rc" -eq 1 ] || fail "watch exit $rc after a failure, want 1"

set +e
S simulate "$id2" --fail no-such-step >/dev/null 2>&1; rc=$?
S simulate "$id2" --speed 0 >/dev/null 2>&1; rc2=$?
set -e
[ "$rc" -eq 66 ] || fail "--fail unknown step exit $rc"
[ "$rc2" -eq 64 ] || fail "--speed 0 exit $rc2"
echo "simulate ok"
