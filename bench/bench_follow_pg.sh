#!/usr/bin/env bash
# bench_follow_pg.sh — bench_follow.sh (live follow latency: write() of a marker line to
# the event printed by `steward follow`, beside the writer's own `steward watch`) on a
# throwaway PostgreSQL cluster (bench/pg_cluster.sh): the follower is woken by the
# server's LISTEN/NOTIFY. Target (issue 14): p99(follow) <= p99(watch) + 2 ms on a local
# server. Prints SKIP when no PostgreSQL server binaries are installed.
set -eu
cd "$(dirname "$0")/.."
. bench/pg_cluster.sh
echo "on PostgreSQL (throwaway cluster, Unix socket)"
BENCH_FOLLOW_DB=$PG_URL bash bench/bench_follow.sh
