#!/usr/bin/env bash
# test_readers_while_writing.sh — readers see one consistent moment: while a writer
# appends event after event, `audit` never reports tampering and `export` never shows
# a state that disagrees with its own event list (each reads one database snapshot).
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=writer
rb=$src/tests/unit/fixtures/session/basic.yaml
fails=0
id=$("$bin" start "$rb" --detach --var site_code=ABC) || exit 1
( for i in $(seq 1 400); do "$bin" note "$id" "note $i" || exit 1; done ) &
writer=$!
rounds=0
while kill -0 "$writer" 2>/dev/null && [ $rounds -lt 60 ]; do
	rounds=$((rounds+1))
	"$bin" audit "$id" >audit.out 2>&1 || { echo "FAIL: audit during writes:"; cat audit.out; fails=$((fails+1)); }
	"$bin" export "$id" >export.json 2>export.err || { echo "FAIL: export during writes"; cat export.err; fails=$((fails+1)); continue; }
	python3 - export.json <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["events"]
notes = sum(1 for e in ev if e["type"] == "note_added")
if notes != len(d["session"]["notes"]) or d["audit"]["head"] != ev[-1]["hash"] or not d["audit"]["intact"]:
    print(f"FAIL: inconsistent export: {notes} note events, {len(d['session']['notes'])} notes, audit {d['audit']}")
    sys.exit(1)
PY
done
wait "$writer" || { echo "FAIL: the writer failed"; fails=$((fails+1)); }
writer=
echo "rounds while writing: $rounds"
[ "$fails" = 0 ] && echo "readers while writing: all checks passed"
exit $((fails > 0))
