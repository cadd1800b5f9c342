#!/usr/bin/env bash
# test_watch_marker_variants.sh — the shipped sms2003-sp2-upgrade runbook, step
# sitecomp-completed, through `steward watch` end to end (issue 16, M4), on a SiteComp.log
# that is written in UTF-16LE (with a byte-order mark, CRLF) under SMS's lower-case name
# sitecomp.log, part of it appended while watch runs:
#  - lines that differ from the markers in case (where the runbook keeps the case), in
#    inner spacing, or carry the SP2 checklist's typographic quotes do not count;
#  - the inbox line in the case SMS writes it (lower-case folders), with the folder typed
#    by the operator in yet another case (c:\sms), counts (`case: insensitive`);
#  - the step completes by markers, each marker at the byte offset of the line that
#    should have matched, and the export records them.
# Expected outcomes follow docs/runbook-format.md ("case:" and "verify:").
set -euo pipefail
: "${STEWARD_BIN:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d /tmp/steward-e2e-variants.XXXXXX)
wp=
trap '[ -n "$wp" ] && kill "$wp" 2>/dev/null; rm -rf "$d"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fail() { echo "FAIL: $*" >&2; for f in "$d"/*.out "$d"/*.err; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done >&2; exit 1; }
S() { "$STEWARD_BIN" --db "$d/db" --runbooks "$src/runbooks" "$@"; }
wait_for() { # FILE PATTERN
	for _ in $(seq 400); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "timed out waiting for $2 in $1"
}
export STEWARD_OPERATOR=tester
mkdir -p "$d/logs" "$d/c-root"

id=$(S start sms2003-sp2-upgrade --detach --logs "$d/logs" --folder system-root="$d/c-root" \
	--var site_code=LAB --var site_server=SERVER1 --var sql_server=SQL1 --var site_db=SMS_LAB \
	--var test_sql_server=SQL2 --var 'test_where=another computer' --var 'sms_dir=c:\sms' \
	--var from_version=SP1 --var 'site_server_os=Windows Server 2003 Standard Edition' \
	--var 'sql_version=SQL Server 2000 SP3a or later' --var win2003_sp1_installed=yes \
	--var remote_mp=no --var sql_replication=no --var remote_consoles=no --var has_secondaries=no \
	2>"$d/start.err") || fail "start"

# Walk to sitecomp-completed: every applicable step before it is skipped (a wait that
# still runs needs SKIP-WAIT).
S show sms2003-sp2-upgrade --json >"$d/show.json" || fail "show"
S export "$id" --format json >"$d/export0.json" || fail "export"
python3 - "$d/show.json" "$d/export0.json" >"$d/walk.txt" <<'PY' || fail "walk"
import json, sys
show, x = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
status = {s["id"]: s["status"] for s in x["steps"]}
for s in [s for p in show["phases"] for s in p["steps"]]:
    if s["id"] == "sitecomp-completed":
        break
    if status[s["id"]] != "not-applicable":
        print(s["id"], "wait" if s.get("wait_s") else "-")
PY
while read -r step wait; do
	confirm=(); [ "$wait" = wait ] && confirm=(--confirm SKIP-WAIT)
	S step "$id" "$step" skip --note "walking to sitecomp-completed" "${confirm[@]}" >/dev/null 2>"$d/skip.err" \
		|| fail "skip $step"
done <"$d/walk.txt"
S status "$id" --json >"$d/status.json"
python3 -c 'import json,sys; a = json.load(open(sys.argv[1]))["active_step"]; assert a and a["id"] == "sitecomp-completed", a' \
	"$d/status.json" || fail "sitecomp-completed is not active: $(cat "$d/status.json")"

# The log, in UTF-16LE. Each line's byte offset is written to offsets.txt (in order).
python3 - "$d/logs/sitecomp.log" "$d/offsets1.txt" bom <<'PY'
import sys
T = "  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 01:55:%02d.517+240><thread=2384 (0x950)>\r\n"
lines = [
    "SMS Site Component Manager started.",
    "processing site shutdown transaction...",      # case differs (the marker keeps it)
    "Processing  site shutdown transaction...",     # a second space
    "Processing site shutdown transaction...",      # marker 0
    "Site  shutdown complete.",                     # a second space
    "site shutdown complete.",                      # case differs
]
with open(sys.argv[1], "ab") as f, open(sys.argv[2], "w") as o:
    if sys.argv[3] == "bom":
        f.write(b"\xff\xfe")
    for i, t in enumerate(lines):
        o.write("%d %s\n" % (f.tell(), t))
        f.write((t + T % i).encode("utf-16-le"))
PY

# watch itself, not a subshell, in the background: it gets the signal
"$STEWARD_BIN" --db "$d/db" --runbooks "$src/runbooks" watch "$id" >"$d/watch.out" 2>"$d/watch.err" &
wp=$!
wait_for "$d/watch.out" '"type":"marker"'
python3 - "$d/logs/sitecomp.log" "$d/offsets2.txt" nobom <<'PY'
import sys
T = "  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 01:56:%02d.517+240><thread=2384 (0x950)>\r\n"
lines = [
    "Site shutdown complete.",                      # marker 1
    # the SP2 checklist's "Search for" line, with its typographic quotes
    "Waiting for changes to the \u201cC:\\SMS\\Inboxes\\Sitectrl.box\u201d or \u201cC:\\SMS\\Inboxes\\Sitecomp.box\u201d directories.",
    "Waiting for changes to the  \"C:\\SMS\\inboxes\\sitectrl.box\" or \"C:\\SMS\\inboxes\\sitecomp.box\" directories.",
    # as SMS writes it (lower-case inbox folders): marker 2
    "Waiting for changes to the \"C:\\SMS\\inboxes\\sitectrl.box\" or \"C:\\SMS\\inboxes\\sitecomp.box\" directories, updates will be polled every 600 seconds...",
]
with open(sys.argv[1], "ab") as f, open(sys.argv[2], "w") as o:
    for i, t in enumerate(lines):
        o.write("%d %s\n" % (f.tell(), t))
        f.write((t + T % i).encode("utf-16-le"))
PY
wait_for "$d/watch.out" '"type":"step_verified"'
kill -TERM "$wp"
wait "$wp" || fail "watch exit $?"
wp=

python3 - "$d/watch.out" "$d/offsets1.txt" "$d/offsets2.txt" <<'PY' || fail "markers"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
offs = []
for p in sys.argv[2:]:
    offs += [int(l.split(" ", 1)[0]) for l in open(p)]
want = [offs[3], offs[6], offs[9]]
marks = [e for e in ev if e["type"] == "marker"]
got = [(e["step"], e["index"], e["offset"]) for e in marks]
assert got == [("sitecomp-completed", i, o) for i, o in enumerate(want)], (got, want, offs)
assert all(e["file"].endswith("/sitecomp.log") for e in marks), marks
ver = [e["step"] for e in ev if e["type"] == "step_verified"]
assert ver == ["sitecomp-completed"], ver
assert not [e for e in ev if e["type"] == "failure" or (e["type"] == "problem" and e["log"] == "sitecomp")], ev
PY

S export "$id" --format json >"$d/export.json" 2>"$d/export.err" || fail "export"
python3 - "$d/export.json" <<'PY' || fail "export"
import json, sys
x = json.load(open(sys.argv[1]))
st = [s for s in x["steps"] if s["id"] == "sitecomp-completed"][0]
assert st["status"] == "done" and st["completed_by"] == "markers", st
v = st["verification"]
lines = [m["matched_line"] for m in v]
assert len(lines) == 3 and [m["any_case"] for m in v] == [False, False, True], v
assert all(m["file"].endswith("/sitecomp.log") for m in v), v
assert lines[0].startswith("Processing site shutdown transaction..."), lines
assert lines[1].startswith("Site shutdown complete."), lines
assert lines[2].startswith('Waiting for changes to the "C:\\SMS\\inboxes\\sitectrl.box"'), lines
PY
echo "marker variants: ok"
