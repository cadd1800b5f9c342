#!/usr/bin/env bash
# test_hostile_files.sh — the files and devices steward is given (issue 13; the
# hardening review's H1, L10, M2, M3, L1-L5, L8, L9), each as PASS/FAIL:
#  - export -o never replaces what is not a regular file: devices, FIFOs and symlinks to
#    them are written through, /dev/full fails, a regular file is replaced atomically
#    with the database's mode 0600 whatever the umask;
#  - a runbook is read only when it is a regular file under the size limit, checked
#    before reading: a FIFO, a device or a huge file (in a runbook folder, named on the
#    command line, or in place of a session's original runbook) never blocks or costs
#    memory, and the session verbs keep working from the stored text;
#  - --db that is a FIFO, a device or a dangling symlink is refused, with nothing
#    created beside it or at the link's target;
#  - an empty session id is a usage error; messages and exit codes match steward(1).
# Devices are private copies (mknod, as root) or symlinks to /dev/null and /dev/full:
# the real /dev is never named, so an old binary cannot damage it. Every call is under
# `timeout` so that a hang shows as a failure (exit 124) instead of a stuck test.
set -u
bin=${STEWARD_BIN:?STEWARD_BIN must name the steward binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
check() { # check DESCRIPTION EXPECTED_RC ACTUAL_RC
	if [ "$2" != "$3" ]; then fail "$1: exit $3, wanted $2"; head -c 600 err 2>/dev/null; fi
}
has() { # has DESCRIPTION FILE TEXT
	grep -qF -- "$3" "$2" || { fail "$1: no '$3' in:"; head -c 600 "$2"; echo; }
}
hasnt() { # hasnt DESCRIPTION FILE TEXT
	! grep -qF -- "$3" "$2" || { fail "$1: '$3' in:"; head -c 600 "$2"; echo; }
}
kind() { stat -c %F "$1" 2>/dev/null || echo missing; }
S() { timeout 30 "$bin" "$@"; }
# peak_kb CMD... — runs CMD (stdout/stderr to out/err) and prints its peak resident KB;
# the exit status is in the file rc.
peak_kb() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
with open("out", "wb") as o, open("err", "wb") as e:
    try:
        rc = subprocess.run(sys.argv[1:], stdout=o, stderr=e, timeout=60).returncode
    except subprocess.TimeoutExpired:
        rc = 124
open("rc", "w").write(str(rc))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
root=false; [ "$(id -u)" = 0 ] && root=true
export STEWARD_DB=$tmp/state/steward.db STEWARD_OPERATOR=alice
cp "$src/tests/unit/fixtures/session/basic.yaml" rb.yaml
id=$(S start ./rb.yaml --detach --var site_code=ABC 2>err) || { echo "FAIL: start"; cat err; exit 1; }
mkdir logs

# ---- H1 / L10: export -o ------------------------------------------------------------
if $root; then mknod null c 1 3 && mknod full c 1 7; else ln -s /dev/null null; ln -s /dev/full full; fi
null_kind=$(kind null) full_kind=$(kind full)
S export "$id" -o null >out 2>err; check "export -o a null device" 0 $?
[ "$(kind null)" = "$null_kind" ] || fail "export -o replaced the null device: now $(kind null)"
S export "$id" -o full >out 2>err; rc=$?
[ "$rc" = 73 ] || fail "export -o a full device: exit $rc, wanted 73 (a failed write is an error)"
has "a failed write says why" err "No space left on device"
[ "$(kind full)" = "$full_kind" ] || fail "export -o replaced the full device: now $(kind full)"
ls full.* >/dev/null 2>&1 && fail "export -o left a temporary file beside the device: $(ls full.*)"
ln -s /dev/null lnull
S export "$id" -o lnull >out 2>err; check "export -o a symlink to /dev/null" 0 $?
[ -L lnull ] || fail "export -o replaced a symlink to /dev/null: now $(kind lnull)"
ln -s /proc/self/fd/1 mystdout # what /dev/stdout is
S export "$id" -o mystdout >via-file.json 2>err; check "export -o /dev/stdout redirected to a file" 0 $?
[ -L mystdout ] || fail "export -o replaced the /dev/stdout-like symlink: now $(kind mystdout)"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' via-file.json 2>/dev/null ||
	fail "export -o /dev/stdout to a file: not the JSON export"
S export "$id" -o mystdout 2>err | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null ||
	fail "export -o /dev/stdout to a pipe: not the JSON export"
mkfifo ff
timeout 30 cat ff >fifo.json &
reader=$!
S export "$id" -o ff 2>err; check "export -o a FIFO" 0 $?
wait "$reader"
[ -p ff ] || fail "export -o replaced a FIFO: now $(kind ff)"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' fifo.json 2>/dev/null ||
	fail "export -o a FIFO: the reader did not get the JSON export"
S export "$id" -o - 2>err | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null ||
	fail "export -o - is not standard output"
[ -e ./- ] && fail "export -o - created a file named '-'"
(umask 022; S export "$id" -o new.json 2>err); check "export -o a new file" 0 $?
[ "$(stat -c %a new.json)" = 600 ] || fail "a new export has mode $(stat -c %a new.json), wanted 600 like the database"
echo old >old.json; chmod 644 old.json
(umask 000; S export "$id" --format csv -o old.json 2>err); check "export -o over a regular file" 0 $?
[ "$(stat -c %a old.json)" = 600 ] || fail "a replaced export has mode $(stat -c %a old.json), wanted 600"
has "the file was replaced" old.json "session_started"
echo target >target.txt; ln -s target.txt linked
S export "$id" -o linked >out 2>err; check "export -o a symlink to a file" 73 $?
[ -L linked ] && [ "$(cat target.txt)" = target ] || fail "export -o changed a symlink to a file or its target"
ln -s nowhere/x.json dangling
S export "$id" -o dangling >out 2>err; check "export -o a dangling symlink" 73 $?
[ -e nowhere ] && fail "export -o created the dangling symlink's target"
mkdir adir
S export "$id" -o adir >out 2>err; check "export -o a folder" 73 $?

# ---- L1, L9: a runbook named on the command line ---------------------------------------
mkfifo fifo.yaml
S lint fifo.yaml >out 2>err; check "lint a FIFO" 65 $?
has "lint says it is a FIFO" err "is a FIFO, not a regular file"
S show ./fifo.yaml >out 2>err; check "show a FIFO" 65 $?
S start ./fifo.yaml --detach >out 2>err; check "start a FIFO" 65 $?
S lint /dev/zero >out 2>err; check "lint /dev/zero" 65 $?
has "lint says it is a device" err "is a character device, not a regular file"
truncate -s 10M big.yaml
S lint big.yaml >out 2>err; check "lint a 10 MB file" 65 $?
has "lint gives the real size" err "is 10485760 bytes"
mkdir adir.yaml
S show ./adir.yaml >out 2>err; check "show a folder" 65 $?
has "show says it is a folder" err "is a folder"
ln -s loop2 loop1; ln -s loop1 loop2
S show ./loop1 >out 2>err; check "show a symlink loop" 66 $?
S lint loop1 >out 2>err; check "lint a symlink loop" 66 $?
hasnt "lint does not call a missing path valid" err "all valid"
has "lint counts the missing path" err "1 path without runbooks"
printf 'runbook: 1\nid: surrogate\ntitle: "\xed\xa0\x80"\n' >surr.yaml
S lint surr.yaml >out 2>err; check "lint an encoded surrogate" 65 $?
has "names the character, not a byte of it" err "(U+D800)"

# ---- M2: the catalog (list, show ID, start ID) ----------------------------------------
mkdir rbs
cp rb.yaml rbs/basic.yaml
mkfifo rbs/fifo.yaml
ln -s /dev/zero rbs/zero.yaml
truncate -s 1G rbs/huge.yaml
kb=$(peak_kb "$bin" --runbooks rbs list); rc=$(cat rc)
check "list with a FIFO, /dev/zero and a 1 GB file in the folder" 65 "$rc"
has "list shows the valid runbook" out "session-fixture"
has "list says the huge file is too big" err "is 1073741824 bytes"
[ "$kb" -lt 262144 ] || fail "list read the 1 GB file: peak ${kb} KB"
S --runbooks rbs show session-fixture >out 2>err; check "show ID beside them" 0 $?
id_cat=$(S --runbooks rbs start session-fixture --detach --var site_code=XYZ 2>err); check "start ID beside them" 0 $?
[ -n "$id_cat" ] && S note "$id_cat" "from the catalog" >out 2>err

# ---- M3: the session's original runbook replaced --------------------------------------
for swap in fifo zero huge; do
	rm -f rb.yaml
	case $swap in
	fifo) mkfifo rb.yaml ;;
	zero) ln -s /dev/zero rb.yaml ;;
	huge) truncate -s 1G rb.yaml ;;
	esac
	S audit "$id" >out 2>err; check "audit with the runbook file now a $swap" 0 $?
	S export "$id" >out 2>err; check "export with the runbook file now a $swap" 0 $?
	kb=$(peak_kb "$bin" note "$id" "runbook is a $swap now"); check "note with the runbook file now a $swap" 0 "$(cat rc)"
	has "note says the file changed" err "changed or is gone"
	[ "$kb" -lt 262144 ] || fail "note read the $swap: peak ${kb} KB"
	S step "$id" backup done >out 2>err; rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 75 ] || fail "step with the runbook file now a $swap: exit $rc"
done

# ---- L2, L3, L4: --db that is not a database file -------------------------------------
mkfifo fifo.db
S --db fifo.db sessions >out 2>err; check "--db a FIFO, sessions" 73 $?
has "says it is a FIFO" err "is a FIFO"
S --db fifo.db audit "$id" >out 2>err; check "--db a FIFO, audit" 73 $?
S --db fifo.db note "$id" x >out 2>err; check "--db a FIFO, note" 73 $?
mkdir devdb
if $root; then mknod devdb/null.db c 1 3; else ln -s /dev/null devdb/null.db; fi
S --db devdb/null.db note "$id" x >out 2>err; check "--db a device, note" 73 $?
S --db devdb/null.db start ./rbs/basic.yaml --detach --var site_code=ABC >out 2>err
check "--db a device, start" 73 $?
S --db devdb/null.db sessions >out 2>err; check "--db a device, sessions" 73 $?
has "says it is a device" err "character device"
[ "$(ls devdb)" = null.db ] || fail "--db a device: created $(ls devdb | tr '\n' ' ')beside it"
mkdir elsewhere; ln -s elsewhere/new.db dangling.db
S --db dangling.db start ./rbs/basic.yaml --detach --var site_code=ABC >out 2>err
check "--db a dangling symlink, start" 73 $?
[ -e elsewhere/new.db ] && fail "--db a dangling symlink: the database was created at its target"
has "says it is a dangling symlink" err "symbolic link"

# ---- L5: an empty session id ------------------------------------------------------------
before=$(S export "$id" --format csv | wc -l)
S note "" "to whom?" >out 2>err; check "note with an empty session id" 64 $?
has "says the id is empty" err "empty session id"
S step "" backup skip --note why >out 2>err; check "step with an empty session id" 64 $?
S export "" >out 2>err; check "export with an empty session id" 64 $?
S audit "" >out 2>err; check "audit with an empty session id" 64 $?
[ "$(S export "$id" --format csv | wc -l)" = "$before" ] || fail "an empty session id wrote to a session"

# ---- L8: a log that is not a regular file ---------------------------------------------
mkfifo fifo.log
S log fifo.log >out 2>err; check "log a FIFO" 74 $?
has "log says it is not a regular file" err "not a regular file"
hasnt "log does not say 'Is a directory'" err "Is a directory"

[ "$fails" = 0 ] && echo "hostile files: all checks passed"
exit $((fails > 0))
