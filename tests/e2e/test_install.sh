#!/usr/bin/env bash
# test_install.sh — `make install PREFIX=...` gives a binary that finds the installed
# runbooks and assets from anywhere, finds ./runbooks instead of them when run from the
# source tree (no duplicate ids: regression), installs the man pages, and `make
# uninstall` removes everything it installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/usr"
make -C "$repo" -s install PREFIX="$prefix" BUILD="$tmp/build" >/dev/null
bin="$prefix/bin/steward"
test -x "$bin"
test -f "$prefix/share/man/man1/steward.1"
test -f "$prefix/share/man/man5/steward-runbook.5"
test -f "$prefix/share/steward/runbooks/sms2003-sp2-upgrade.yaml"
test -d "$prefix/share/steward/assets/sms2003-sp2-upgrade"

# From elsewhere: the installed runbooks.
out=$(cd "$tmp" && HOME="$tmp" XDG_CONFIG_HOME="$tmp/cfg" "$bin" list)
[ "$(printf '%s\n' "$out" | grep -c 'sms2003-sp2-upgrade')" = 1 ] || { echo "installed list: $out"; exit 1; }
# From the source tree: ./runbooks replaces the installed folder (was: every id twice, exit 65).
(cd "$repo" && HOME="$tmp" XDG_CONFIG_HOME="$tmp/cfg" "$bin" list >/dev/null) \
	|| { echo "list from the source tree failed (duplicate ids?)"; exit 1; }
(cd "$repo" && HOME="$tmp" XDG_CONFIG_HOME="$tmp/cfg" "$bin" show sms2003-sp2-upgrade >/dev/null)

make -C "$repo" -s uninstall PREFIX="$prefix" BUILD="$tmp/build" >/dev/null
left=$(find "$prefix" -type f)
[ -z "$left" ] || { echo "left after uninstall: $left"; exit 1; }
echo "install/uninstall ok"
