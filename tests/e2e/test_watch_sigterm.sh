#!/usr/bin/env bash
# test_watch_sigterm.sh — issue 10 finding 7: whatever a runbook's regex, `steward watch`
# ends on SIGTERM within about a second and leaves the session free for the next writer.
# The step's verify regex is the costliest one lint still accepts (12 wildcard positions,
# no literal for the pre-filter, so every line is matched); the log then receives long
# lines of random 'a'/'b', the text that makes such a regex slow (before the fix, glibc
# tried it at every start position: minutes per line, and SIGTERM only set a flag that was
# read between rounds). Also: lint refuses the same regex with one more repetition, and a
# back-reference, with FILE:LINE:COL, at once.
# The wait for exit is bounded by polling (2 s, room for a loaded machine); nothing here
# measures how fast steward is otherwise.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
tmp=$(mktemp -d)
watcher=
cleanup() { [ -n "$watcher" ] && kill -9 "$watcher" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fails=$((fails+1)); fi
}
has() { # has DESCRIPTION FILE TEXT
	if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; cat "$2"; fails=$((fails+1)); fi
}
cd "$tmp" || exit 1
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=tester
mkdir -p logs
worst='(a|b)*a(a|b){11}c'
write_runbook() { # write_runbook FILE REGEX
	cat >"$1" <<YAML
runbook: 1
id: sigterm
title: SIGTERM while matching
version: "1"
logs:
  app: app.log
phases:
  - id: p
    title: P
    steps:
      - id: wait-marker
        title: Wait for the marker
        verify:
          - log: app
            expect:
              - { regex: '$2' }
      - id: after
        title: After
YAML
}
write_runbook rb.yaml "$worst"
"$bin" lint rb.yaml >out 2>&1; check "lint accepts the costliest allowed regex" 0 $?
write_runbook over.yaml '(a|b)*a(a|b){12}c'
"$bin" lint over.yaml >out 2>&1; check "lint refuses one more wildcard" 65 $?
has "says where and why" out "over.yaml:16:26: regex '(a|b)*a(a|b){12}c' is refused: it has 13 wildcard positions"
write_runbook backref.yaml '(a*)*\1x'
"$bin" lint backref.yaml >out 2>&1; check "lint refuses a back-reference" 65 $?
has "back-reference named" out "backref.yaml:16:26: regex '(a*)*\\1x' is refused: back-references"

: >logs/app.log
id=$("$bin" start rb.yaml --logs "$tmp/logs" --detach 2>err); check "start --detach" 0 $?
[ -n "$id" ] || { echo "FAIL: no session id"; cat err; exit 1; }
# 48 MiB of 60 KiB lines of random a/b: no line holds a 'c', so nothing matches.
python3 - logs/app.log <<'PY'
import os, sys
table = bytes.maketrans(bytes(range(256)), bytes(b"ab"[i & 1] for i in range(256)))
with open(sys.argv[1], "ab") as f:
    for _ in range(800):
        f.write(os.urandom(60 * 1024).translate(table) + b"\n")
PY

"$bin" watch "$id" >watch.out 2>watch.err &
watcher=$!
# Wait until watch holds the session (a second writer is refused), then stop it.
held=no
for _ in $(seq 1 200); do
	"$bin" note "$id" probe >/dev/null 2>probe.err
	if [ $? = 75 ]; then held=yes; break; fi
	sleep 0.05
done
[ "$held" = yes ] || { echo "FAIL: watch never held the lock"; cat probe.err watch.err; fails=$((fails+1)); }
kill -TERM "$watcher"
gone=no
for _ in $(seq 1 40); do # up to 2 s
	if ! kill -0 "$watcher" 2>/dev/null; then gone=yes; break; fi
	sleep 0.05
done
if [ "$gone" = yes ]; then
	wait "$watcher"; check "watch exit status after SIGTERM" 0 $?
	watcher=
else
	echo "FAIL: watch still running 2 s after SIGTERM"; fails=$((fails+1))
fi
"$bin" step "$id" wait-marker done --note "lock is free" >out 2>err
check "the next writer gets the session after SIGTERM" 0 $?
"$bin" audit "$id" >/dev/null 2>err; check "the chain verifies after the stop" 0 $?

[ "$fails" = 0 ] && echo "watch sigterm: all checks passed"
exit $((fails > 0))
