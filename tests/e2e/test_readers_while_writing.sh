#!/usr/bin/env bash
# test_readers_while_writing.sh — readers see one consistent moment: while a writer
# appends event after event, `audit` never reports tampering and `export` never shows
# a state that disagrees with its own event list (each reads one database snapshot). The
# readers must really have run while the writer wrote: at least one round, and at least one
# export caught the notes part-way (some written, not all).
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
: >seen_counts
while kill -0 "$writer" 2>/dev/null && [ $rounds -lt 60 ]; do
	rounds=$((rounds+1))
	"$bin" audit "$id" >audit.out 2>&1 || { echo "FAIL: audit during writes:"; cat audit.out; fails=$((fails+1)); }
	"$bin" export "$id" >export.json 2>export.err || { echo "FAIL: export during writes"; cat export.err; fails=$((fails+1)); continue; }
	python3 - export.json <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["events"]
notes = sum(1 for e in ev if e["type"] == "note_added")
print(notes, file=open("seen_counts", "a"))
if notes != len(d["session"]["notes"]) or d["audit"]["head"] != ev[-1]["hash"] or not d["audit"]["intact"]:
    print(f"FAIL: inconsistent export: {notes} note events, {len(d['session']['notes'])} notes, audit {d['audit']}")
    sys.exit(1)
PY
done
wait "$writer" || { echo "FAIL: the writer failed"; fails=$((fails+1)); }
writer=
echo "rounds while writing: $rounds"
[ "$rounds" -gt 0 ] || { echo "FAIL: no reader ran while the writer wrote"; fails=$((fails+1)); }
# an export that saw some of the 400 notes but not all was read in the middle of the writes
if ! awk '$1 > 0 && $1 < 400 { found = 1 } END { exit !found }' seen_counts; then
	echo "FAIL: no export saw the notes part-way (counts seen: $(sort -n seen_counts | uniq | tr '\n' ' '))"
	fails=$((fails+1))
fi
[ "$fails" = 0 ] && echo "readers while writing: all checks passed"
exit $((fails > 0))
