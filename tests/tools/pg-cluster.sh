#!/usr/bin/env bash
# pg-cluster.sh start|stop|url|restart DIR — a throwaway PostgreSQL cluster for the tests:
# initdb + pg_ctl in DIR, listening on a Unix socket in DIR/sock only (no TCP), trust
# authentication, superuser "postgres". Run as root, the server runs as the unprivileged
# user steward-test (created if missing): PostgreSQL refuses to run as root.
#   start   creates (once) and starts the cluster; prints the URL
#   url     prints the URL: postgresql:///postgres?host=DIR/sock&user=postgres
#   stop    stops it (-m fast) and leaves the files;   restart: stop and start
#   with DIR CMD...   starts a cluster in DIR, runs CMD with STEWARD_TEST_PG_URL (and
#           STEWARD_TEST_PG_DIR, for a test that stops and restarts the server) set,
#           stops the cluster and removes DIR; exits with CMD's status. When the server
#           binaries are missing, CMD runs with STEWARD_TEST_PG_SKIP set to the reason.
# Exit 2 when the server binaries are missing (the reason on stderr).
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url|restart|with DIR [CMD...]" >&2; exit 64; }

find_bin() {
	local b
	b=$(command -v initdb 2>/dev/null) && [ -x "$(dirname "$b")/pg_ctl" ] && { dirname "$b"; return 0; }
	for b in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ] && { echo "$b"; return 0; }
	done
	return 1
}

as_server() { # runs a command as the user that owns the cluster
	if [ "$(id -u)" = 0 ]; then
		runuser -u steward-test -- "$@"
	else
		"$@"
	fi
}

url() { echo "postgresql:///postgres?host=$dir/sock&user=postgres"; }

start() {
	bin=$(find_bin) || { echo "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql" >&2; exit 2; }
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ]; then
		id steward-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin steward-test \
			|| { echo "cannot create the user steward-test" >&2; exit 1; }
		chown steward-test "$dir"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_server mkdir -p "$dir/sock"
		as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
			|| { cat "$dir/initdb.log" >&2; exit 1; }
		cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
max_connections = 200
fsync = on
synchronous_commit = on
CONF
	fi
	as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
		|| { tail -n 20 "$dir/server.log" >&2; exit 1; }
	url
}

stop() {
	bin=$(find_bin) || exit 2
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_server "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
}

case $cmd in
start) start ;;
stop) stop ;;
restart) stop; start ;;
url) url ;;
with)
	shift 2
	reason=$( { start >/dev/null; } 2>&1 ); started=$?
	if [ $started = 0 ]; then
		export STEWARD_TEST_PG_URL STEWARD_TEST_PG_DIR; STEWARD_TEST_PG_URL=$(url); STEWARD_TEST_PG_DIR=$dir
		"$@"; rc=$?
		stop; rm -rf "$dir"
		exit $rc
	elif [ $started = 2 ]; then # no server binaries: the tests say SKIP with the reason
		export STEWARD_TEST_PG_SKIP="$reason"
		"$@"
	else # binaries there but no server: a failure, not a skip
		echo "pg-cluster.sh: cannot start the test server in $dir: $reason" >&2
		[ -f "$dir/data/postmaster.pid" ] && stop
		exit 1
	fi ;;
*) echo "usage: $0 start|stop|url|restart|with DIR [CMD...]" >&2; exit 64 ;;
esac
