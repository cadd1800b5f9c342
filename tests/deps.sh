#!/usr/bin/env bash
# deps.sh check|install PKG... — make sure the Debian packages the build and tests need are present.
# "check" installs only when something is missing (as root), else prints the one command to run.
# "install" is the same, and says so when nothing was missing.
# apt waits up to 5 minutes for another apt/dpkg to release its lock instead of failing at once.
set -u
mode=$1; shift
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { [ "$mode" = install ] && echo "deps: everything is installed"; exit 0; }
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null \
		&& apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
		|| { echo "deps: '$cmd' failed; run it by hand and retry" >&2; exit 1; }
else
	echo "deps: missing Debian package(s): ${missing[*]}" >&2
	echo "  install them as root:  apt-get update && $cmd   (or: sudo make deps)" >&2
	exit 1
fi
