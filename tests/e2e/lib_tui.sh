# lib_tui.sh — helpers for the tmux-driven TUI tests (sourced; not a test itself).
# Each test gets its own tmux server (-L unique socket), a fixed 100x35 window,
# a throw-away database and log folder, all removed on exit. Waits poll the
# screen with a timeout: no fixed sleeps decide a test's outcome.
set -u
: "${STEWARD_BIN:?set STEWARD_BIN to the steward binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES="$HERE/fixtures"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/steward-tui.XXXXXX")
DB="$TMP/steward.db"
# In the PostgreSQL pass (STEWARD_TEST_BACKEND=postgresql) the database is a fresh one of
# the test cluster instead.
. "$HERE/lib_pg.sh"
if is_pg; then
	STEWARD_DB=$DB
	backend_db tui
	DB=$STEWARD_DB
fi
LOGS="$TMP/logs"
mkdir -p "$LOGS"
SOCK="steward-tui-$$-$RANDOM"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 STEWARD_OPERATOR=tester TZ=UTC
unset NO_COLOR STEWARD_CLOCK_OFFSET_MS VISUAL EDITOR
cat >"$TMP/tmux.conf" <<'CONF'
set -g status off
set -g remain-on-exit on
set -g set-clipboard on
set -g history-limit 100
CONF

tm() { tmux -u -L "$SOCK" -f "$TMP/tmux.conf" "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT
# Stopped by run-e2e.sh's time limit (SIGTERM): leave through the EXIT trap, so the tmux
# server and the temporary folder go too.
trap 'exit 143' TERM INT HUP

fail() { echo "FAIL: $*" >&2; echo "--- screen:" >&2; screen >&2 2>/dev/null; exit 1; }

# sw ARGS... — steward on the test database (not in tmux).
sw() { "$STEWARD_BIN" --db "$DB" --runbooks "$FIXTURES" "$@"; }

# tui [ENV=VALUE...] -- ARGS... — runs steward in the tmux window "t" (100x35). A
# shell around it records the exit status in $TMP/exit (tmux's own pane_dead_status
# is not always filled in); steward_pid finds the program itself.
tui() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ "${1:-}" = "--" ] && shift
	rm -f "$TMP/exit"
	local cmd
	cmd=$(printf '%q ' env "TERM=xterm-256color" "${envs[@]}" "$STEWARD_BIN" --db "$DB" --runbooks "$FIXTURES" "$@")
	cmd="$cmd; echo \$? >$(printf '%q' "$TMP/exit.tmp") && mv $(printf '%q %q' "$TMP/exit.tmp" "$TMP/exit")"
	if tm has-session -t t 2>/dev/null; then
		tm respawn-pane -k -t t "$cmd"
	else
		tm new-session -d -s t -x 100 -y 35 "$cmd"
	fi
}

screen() { tm capture-pane -p -t t; }
# screen_sgr — the screen with its attributes as SGR escape sequences.
screen_sgr() { tm capture-pane -e -p -t t; }
# Any foreground or background colour (30-37, 40-47, 90-97, 100-107, 38;5, 48;5).
COLOUR_SGR=$'\e\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m'

# attrs_at TEXT — the attributes in force where TEXT starts on screen (its first
# occurrence; ^TEXT: at the start of a line), as words: bold dim underline reverse fg=N
# bg=N; "absent" when TEXT is not on screen. The SGR sequences are followed from the top
# of the screen, since tmux carries attributes across lines.
attrs_at() {
	screen_sgr | python3 -c '
import re, sys
want, raw = sys.argv[1], sys.stdin.read()
plain, states, st = [], [], {}
def apply(params):
    ps = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    k = 0
    while k < len(ps):
        p = ps[k]
        if p == 0: st.clear()
        elif p in (1, 2, 4, 7): st[{1: "bold", 2: "dim", 4: "underline", 7: "reverse"}[p]] = True
        elif p == 22: st.pop("bold", None); st.pop("dim", None)
        elif p in (24, 27): st.pop({24: "underline", 27: "reverse"}[p], None)
        elif 30 <= p <= 37 or 90 <= p <= 97: st["fg"] = p
        elif 40 <= p <= 47 or 100 <= p <= 107: st["bg"] = p
        elif p == 39: st.pop("fg", None)
        elif p == 49: st.pop("bg", None)
        elif p in (38, 48) and k + 1 < len(ps):
            n = 3 if ps[k + 1] == 5 else 5
            st["fg" if p == 38 else "bg"] = ";".join(map(str, ps[k:k + n]))
            k += n - 1
        k += 1
for part in re.split(r"(\x1b\[[0-9;]*m)", raw):
    if part.startswith("\x1b["):
        apply(part[2:-1])
        continue
    for ch in part:
        plain.append(ch)
        states.append(dict(st))
text = "".join(plain)
i = ("\n" + text).find("\n" + want[1:]) if want.startswith("^") else text.find(want)
if i < 0:
    print("absent")
else:
    s = states[i]
    print(" ".join([w for w in ("bold", "dim", "underline", "reverse") if w in s] +
                   ["%s=%s" % (c, s[c]) for c in ("fg", "bg") if c in s]) or "plain")
' "$1"
}

# wait_attr TEXT WORD [SECONDS] — until TEXT is drawn with attribute WORD (see attrs_at);
# !WORD: without it.
wait_attr() {
	local deadline=$((SECONDS + ${3:-10})) a=
	while [ $SECONDS -lt $deadline ]; do
		a=" $(attrs_at "$1") "
		case "$2" in
		!*) [[ "$a" != " absent " && "$a" != *" ${2#!} "* ]] && return 0 ;;
		*) [[ "$a" == *" $2 "* ]] && return 0 ;;
		esac
		sleep 0.1
	done
	fail "timed out waiting for '$1' drawn with '$2' (it has:$a)"
}

keys() { tm send-keys -t t "$@"; }
# type TEXT — literal text, no key names.
type_text() { tm send-keys -t t -l -- "$1"; }
pane_dead() { [ -e "$TMP/exit" ]; }
# pane_status — the exit status of the program that ran in the window (after wait_exit).
pane_status() { cat "$TMP/exit"; }
steward_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" -x steward || pgrep -P "$(tm display -p -t t '#{pane_pid}')"; }

# wait_for TEXT [SECONDS] — until the screen shows TEXT.
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$1' on screen"
}

# wait_line TEXT ALSO [SECONDS] — until one screen line shows both TEXT and ALSO.
wait_line() {
	local deadline=$((SECONDS + ${3:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -F -- "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	fail "timed out waiting for a line with '$1' and '$2'"
}

# wait_gone TEXT [SECONDS] — until the screen no longer shows TEXT.
wait_gone() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	fail "timed out waiting for '$1' to go"
}

# wait_exit [SECONDS] — until the program in the window has exited.
wait_exit() {
	local deadline=$((SECONDS + ${1:-10}))
	while [ $SECONDS -lt $deadline ]; do
		pane_dead && return 0
		sleep 0.1
	done
	fail "the program did not exit"
}

# quit_ok — q, and the program exits with status 0 (a sanitizer report would not).
quit_ok() {
	keys q
	wait_exit
	[ "$(pane_status)" = 0 ] || fail "q exited with status $(pane_status)"
}

# wait_json PYEXPR [SECONDS] — until the export satisfies a Python expression over `e`.
wait_json() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		json_check "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	json_check "$1" || fail "export never satisfied: $1"
}

# json_check PYEXPR — the export of $SID satisfies the expression (e = parsed JSON,
# step(id) = that step's object).
json_check() {
	sw export "$SID" >"$TMP/export.json" || return 1
	python3 - "$TMP/export.json" "$1" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
def step(i):
    return next(s for s in e["steps"] if s["id"] == i)
ok = eval(sys.argv[2])
if not ok:
    print("not satisfied:", sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}

# sms_line TEXT [COMPONENT] — one SMS 2003 log line, as the site server writes them.
sms_line() {
	printf '%s  $$<%s><%s+000><thread=2644 (0xA54)>\r\n' "$1" "${2:-SMS_SITE_COMPONENT_MANAGER}" \
		"$(date -u +%m-%d-%Y\ %H:%M:%S.000)"
}

# start_session [ARGS...] — a detached session of the fixture; sets SID.
start_session() {
	SID=$(sw start tui-basic --detach --var site_code=ABC --logs "$LOGS" "$@") || fail "start failed"
	[ -n "$SID" ] || fail "start printed no id"
}
