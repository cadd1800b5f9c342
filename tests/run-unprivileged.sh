#!/usr/bin/env bash
# run-unprivileged.sh BUILD — run as root by `make check` (and so by CI, which runs as root):
# the checks that need permissions to hold (an unwritable folder, a read-only database
# refusing writers, a log file without read permission) skip as root, visibly; this runs
# them again as the unprivileged user steward-test, created here when it does not exist.
#
# Which checks: every unit test binary whose source uses skip_as_root() (tests/unit/testskip.h)
# and every e2e script that names this file in its root skip. Run as the user, those skips
# must not happen: a "SKIP: ... root" line then is a failure.
# When the user cannot reach the build (a checkout under /root, say), it says so with a
# SKIP line; REQUIRE_UNPRIVILEGED=1 (set by .ci/run) makes that a failure.
set -u
build=${1:?usage: run-unprivileged.sh BUILD}
cd "$(dirname "$0")/.." || exit 1
src=$(pwd)
user=steward-test
[ "$(id -u)" = 0 ] || { echo "run-unprivileged.sh: run it as root (as a user, the checks run in place)" >&2; exit 64; }

units=() scripts=()
for f in tests/unit/test_*.c; do
	grep -q 'skip_as_root(' "$f" && units+=("$src/$build/tests/$(basename "$f" .c)")
done
for f in tests/e2e/test_*.sh; do
	grep -q 'run-unprivileged\.sh' "$f" && scripts+=("$src/$f")
done

if ! id -u "$user" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" \
		|| { echo "run-unprivileged.sh: useradd $user failed" >&2; exit 1; }
fi
as_user() { runuser -u "$user" -- env HOME=/tmp "$@"; }

# The user must be able to read the sources (fixtures, scripts) and run the binaries.
for p in "$src/tests/unit/fixtures/session/basic.yaml" "${units[@]}" "$src/$build/steward"; do
	if ! as_user test -r "$p"; then
		echo "SKIP: the checks that need an unprivileged user: $user cannot read $p (its folders are not open to other users)"
		[ "${REQUIRE_UNPRIVILEGED:-0}" = 1 ] && exit 1
		exit 0
	fi
done

echo "== as the unprivileged user $user: ${units[*]##*/} ${scripts[*]##*/}"
rc=0
out=$(as_user bash tests/run-unit.sh "${units[@]}" 2>&1) || rc=1
printf '%s\n' "$out"
out2=$(as_user STEWARD_BIN="$src/$build/steward" bash tests/run-e2e.sh "${scripts[@]}" 2>&1) || rc=1
printf '%s\n' "$out2"
if printf '%s\n%s\n' "$out" "$out2" | grep -q 'SKIP: .*root reads and writes\|SKIP: .*root writes'; then
	echo "run-unprivileged.sh: a check skipped for root while running as $user" >&2
	rc=1
fi
exit $rc
