#!/usr/bin/env bash
# test_runbooks_shipped.sh — the six shipped runbooks from the outside (issue 3, "Done when"):
# `steward lint runbooks/` exits 0, `steward list` shows all six, and `steward show` renders
# each one with every step (text and JSON), the SP2 markers and the session's values.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in $2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
ids="sms2003-sp2-upgrade win2003-sp1-dcom-reset ntop-cluster-install sccm2007-site-db-move sms2003-mp-install sccm2007-secondary-upgrade-restart"

"$bin" lint "$src/runbooks/" >out 2>err; check "lint runbooks/" 0 $?
"$bin" --runbooks "$src/runbooks" list >out 2>err; check "list" 0 $?
for id in $ids; do has "list $id" out "$id"; done

for id in $ids; do
	"$bin" --runbooks "$src/runbooks" show "$id" >show.txt 2>err; check "show $id" 0 $?
	"$bin" --runbooks "$src/runbooks" show "$id" --json >show.json 2>err; check "show $id --json" 0 $?
	# every step id of the file appears in the rendering
	python3 - "$src/runbooks/$id.yaml" show.txt show.json <<'EOF' || fails=$((fails+1))
import json, re, sys
yaml_text = open(sys.argv[1]).read()
steps = re.findall(r'^      - id: ([a-z0-9-]+)$', yaml_text, re.M)
text = open(sys.argv[2]).read()
doc = json.load(open(sys.argv[3]))
missing = [s for s in steps if '[' + s + ']' not in text]
if not steps or missing:
    sys.exit('FAIL: show %s: steps missing from the text: %s' % (sys.argv[1], missing or 'none found'))
if doc.get('steps') != len(steps):
    sys.exit('FAIL: show --json %s: %r steps, the file has %d' % (sys.argv[1], doc.get('steps'), len(steps)))
EOF
done

"$bin" --runbooks "$src/runbooks" show sms2003-sp2-upgrade --var 'sms_dir=D:\SMS' >show.txt 2>err
check "show sp2 --var" 0 $?
has "sitecomp marker with the session's folder" show.txt 'Waiting for changes to the "D:\SMS\Inboxes\Sitectrl.box" or "D:\SMS\Inboxes\Sitecomp.box" directories'
has "hman marker, any number" show.txt "regex /Wait for site control changes for maximum -?[0-9]+ seconds/"
has "since run-setup" show.txt "lines written after step run-setup became active"
has "hman and inboxmgr only once the site has stopped" show.txt "lines written after step settle became active"
has "practice set apart" show.txt "Practice (not from the sources):"
for id in $ids; do # sources named as an administrator knows them, never by the collection's files
	"$bin" --runbooks "$src/runbooks" show "$id" >show.txt 2>err
	if grep -qE '[0-9]{3}_[0-9a-f]{16}\.txt' show.txt; then
		echo "FAIL: show $id names a file of the source collection"; fails=$((fails+1))
	fi
done

[ "$fails" -eq 0 ]
