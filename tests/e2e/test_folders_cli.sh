#!/usr/bin/env bash
# test_folders_cli.sh — logs placed where they really are (FORMAT-ADDITIONS §2), from the
# command line: `show` prints each log's folder and machine and each folder's prompt and
# hint; `start --folder ID=PATH` places a folder (unknown id: 64 naming the valid ones;
# missing folder: 66; --folder logs=DIR is --logs DIR); a folder not given is named on
# stderr as defaulting to the main log folder; `watch` reads SMSSetup.log from the
# system-root folder, not from the main log folder; the export says which log lived where.
set -euo pipefail
: "${STEWARD_BIN:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
rb=$src/tests/unit/fixtures/session/placed-logs.yaml
d=$(mktemp -d /tmp/steward-e2e-folders.XXXXXX)
wp=
trap '[ -n "$wp" ] && kill "$wp" 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$d"/*.out "$d"/*.err; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done >&2; exit 1; }
S() { "$STEWARD_BIN" --db "$d/db" "$@"; }
wait_for() { # FILE PATTERN
	for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "timed out waiting for $2 in $1"
}
setup_line() { printf '<12-06-2004 15:35:41> %s\r\n' "$1"; }
mkdir -p "$d/logs" "$d/c-root" "$d/mp"

# --- show ---------------------------------------------------------------------------
S show "$rb" --var site_server=CEN01 >"$d/show.out"
grep -qE '^  smssetup +SMSSetup\.log +system-root +CEN01$' "$d/show.out" || fail "show: smssetup row"
grep -qE '^  sitecomp +SiteComp\.log +logs +\(not said\)$' "$d/show.out" || fail "show: sitecomp row"
grep -qE '^  mpsetup +MPSetup\.log +mp-logs +MGTPOINT1$' "$d/show.out" || fail "show: mpsetup row"
grep -qF "Log folders (give each with --folder ID=PATH; one not given defaults to the main log folder):" "$d/show.out" \
	|| fail "show: Log folders heading"
grep -qF "  system-root on CEN01: Root of the site server's system drive (C:\\), mounted on this machine" "$d/show.out" \
	|| fail "show: system-root prompt with its machine"
grep -qF '      hint: Mount \\CEN01\C$ and give its path; SMSSetup.log is written there.' "$d/show.out" \
	|| fail "show: system-root hint"
grep -qF "verify in log smssetup (SMSSetup.log in folder system-root on CEN01)" "$d/show.out" || fail "show: verify names the folder"
S show "$rb" --json --var site_server=CEN01 >"$d/show.json"
python3 - "$d/show.json" <<'PY' || fail "show --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["logs"]["smssetup"] == "SMSSetup.log", j["logs"]
assert j["log_places"]["smssetup"] == {"file": "SMSSetup.log", "folder": "system-root", "machine": "CEN01"}, j["log_places"]
assert j["log_places"]["sitecomp"]["folder"] == "logs"
f = {x["id"]: x for x in j["log_folders"]}
assert list(f) == ["logs", "system-root", "mp-logs"], list(f)
assert f["system-root"]["hint"] == "Mount \\\\CEN01\\C$ and give its path; SMSSetup.log is written there.", f["system-root"]
assert f["mp-logs"]["hint"] is None and f["mp-logs"]["machine"] == "MGTPOINT1"
PY

# --- start: refusals ---------------------------------------------------------------
set +e
S start "$rb" --detach --var site_code=ABC --logs "$d/logs" --folder system-rot="$d/c-root" >"$d/bad.out" 2>"$d/bad.err"; rc=$?
set -e
[ "$rc" -eq 64 ] || fail "unknown folder: exit $rc, expected 64"
grep -qF -- "--folder system-rot: runbook placed-logs has no log folder named system-rot (its folders: logs, system-root, mp-logs)" \
	"$d/bad.err" || fail "unknown folder message"
[ ! -s "$d/bad.out" ] || fail "nothing on stdout when refused"
set +e
S start "$rb" --detach --var site_code=ABC --logs "$d/logs" --folder system-root="$d/nowhere" 2>"$d/bad.err"; rc=$?
S start "$rb" --detach --var site_code=ABC --folder "no-equals-sign" 2>"$d/bad2.err"; rc2=$?
set -e
[ "$rc" -eq 66 ] || fail "missing folder: exit $rc, expected 66"
grep -qF "log folder system-root (Root of the site server's system drive" "$d/bad.err" || fail "missing folder message"
[ "$rc2" -eq 64 ] || fail "--folder without ID=PATH: exit $rc2"
[ -z "$(S sessions --all)" ] || fail "a refused start created a session"

# --- start: --folder logs=DIR is --logs DIR; a folder not given is said on stderr ----
# Lines already in SMSSetup.log when the step begins (C:\SMSSetup.log keeps every setup
# ever run on the server) never count.
setup_line "SMS Setup completed successfully." >"$d/c-root/SMSSetup.log"
id=$(S start "$rb" --detach --var site_code=ABC --var site_server=CEN01 --folder logs="$d/logs" \
	--folder system-root="$d/c-root" 2>"$d/start.err")
[ "$(printf '%s\n' "$id" | wc -l)" -eq 1 ] || fail "stdout is the id alone: $id"
grep -qF "steward: log folder mp-logs (on MGTPOINT1: The SMS\\Logs folder on the management point) not given: MPSetup.log looked for in the main log folder $d/logs" \
	"$d/start.err" || fail "start does not say mp-logs defaulted"
grep -qF "system-root" "$d/start.err" && fail "start talks about a folder that was given"

# --- watch reads SMSSetup.log from the system-root folder ---------------------------
"$STEWARD_BIN" --db "$d/db" watch "$id" >"$d/w.out" 2>"$d/w.err" & wp=$! # the program itself gets the signal
wait_for "$d/w.out" '"step_active"'
# The same success line in the main log folder is not the system drive's.
setup_line "SMS Setup completed successfully." >>"$d/logs/SMSSetup.log"
setup_line "Setup is still running." >>"$d/c-root/SMSSetup.log"
before=$(stat -c %s "$d/c-root/SMSSetup.log")
setup_line "SMS Setup completed successfully." >>"$d/c-root/SMSSetup.log"
wait_for "$d/w.out" '"step_verified"'
# One marker: the line written last in the system-root folder (not the old line at
# offset 0, not the decoy in the main log folder).
python3 - "$d/w.out" "$d/c-root/SMSSetup.log" "$before" <<'PY' || fail "the marker did not come from the system-root folder"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
m = [e for e in ev if e["type"] == "marker"]
assert len(m) == 1 and m[0]["step"] == "run-setup", m
assert m[0]["file"] == sys.argv[2], m[0]
assert m[0]["offset"] == int(sys.argv[3]), m[0]
PY
# MPSetup.log: mp-logs was not given, so it is read from the main log folder.
setup_line "Installation was successful." >>"$d/logs/MPSetup.log"
for _ in $(seq 200); do [ "$(grep -c '"step_verified"' "$d/w.out")" -ge 2 ] && break; sleep 0.05; done
[ "$(grep -c '"step_verified"' "$d/w.out")" -ge 2 ] || fail "MPSetup.log in the main folder did not verify mp-installed"
kill -TERM "$wp"
set +e; wait "$wp"; rc=$?; set -e
[ "$rc" -eq 0 ] || fail "watch exit $rc on SIGTERM, want 0"
wp=

# --- the export says which log lived where ----------------------------------------
S export "$id" >"$d/export.json"
python3 - "$d/export.json" "$d" <<'PY' || fail "export: log places"
import json, sys
e = json.load(open(sys.argv[1]))["session"]
d = sys.argv[2]
assert e["log_dir"] == d + "/logs", e["log_dir"]
p = e["log_places"]
assert p["smssetup"]["path"] == d + "/c-root/SMSSetup.log" and p["smssetup"]["folder"] == "system-root", p["smssetup"]
assert p["smssetup"]["machine"] == "CEN01"
assert p["mpsetup"]["path"] == d + "/logs/MPSetup.log" and p["mpsetup"]["defaulted"] is True, p["mpsetup"]
assert e["logs"]["smssetup"] == d + "/c-root/SMSSetup.log"
f = {x["id"]: x for x in e["log_folders"]}
assert f["system-root"]["given"] is True and f["mp-logs"]["given"] is False
PY
S export "$id" --format md >"$d/export.md"
grep -qF "| smssetup | SMSSetup.log | system-root | CEN01 | \`$d/c-root/SMSSetup.log\` |" "$d/export.md" \
	|| fail "md export: smssetup row"
S audit "$id" >/dev/null || fail "audit of the session"
echo "folders cli ok"
