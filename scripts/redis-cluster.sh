#!/usr/bin/env bash
# A local Redis Cluster from the `redis-server` binary: 3 primaries + 3 replicas on six consecutive
# ports (each node also opens port + 10000 for the cluster bus: keep base + 10005 below 32768).
#
#   scripts/redis-cluster.sh start [BASE_PORT]   # default 21000; prints the seed list on its last line:
#                                                #   127.0.0.1:21000,127.0.0.1:21001,...
#   scripts/redis-cluster.sh stop  [BASE_PORT]
#   scripts/redis-cluster.sh nodes [BASE_PORT]   # prints the seed list if the cluster is up
#
# `start` is idempotent: a cluster already up on those ports (state ok) is reused. Nodes keep nothing
# on disk that outlives `stop` (their files live in $TMPDIR/pulse-redis-cluster-BASE_PORT).
set -euo pipefail
command="${1:-start}"
base="${2:-${REDIS_CLUSTER_BASE_PORT:-21000}}"
dir="${TMPDIR:-/tmp}/pulse-redis-cluster-$base"
ports=()
for i in 0 1 2 3 4 5; do ports+=($((base + i))); done
seeds() { local IFS=,; local list=(); for p in "${ports[@]}"; do list+=("127.0.0.1:$p"); done; echo "${list[*]}"; }
up() { [ "$(redis-cli -p "$base" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p')" = ok ]; }

case "$command" in
  start)
    [ $((base + 10005)) -lt 32768 ] || { echo "BASE_PORT + 10005 must stay below 32768 (the cluster bus port)" >&2; exit 1; }
    if up && [ "$(redis-cli -p "$base" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = 6 ]; then seeds; exit 0; fi
    "$0" stop "$base" >/dev/null 2>&1 || true
    rm -rf "$dir" && mkdir -p "$dir"
    for p in "${ports[@]}"; do
      mkdir -p "$dir/$p"
      redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
        --cluster-node-timeout 2000 --repl-diskless-sync-delay 0 --save "" --appendonly no --dir "$dir/$p" --daemonize yes \
        --logfile "$dir/$p/redis.log" --pidfile "$dir/$p/redis.pid" >/dev/null
    done
    for p in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create $(for p in "${ports[@]}"; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
      { cat "$dir/create.log" >&2; exit 1; }
    for _ in $(seq 1 100); do
      ok=1
      for p in "${ports[@]}"; do
        [ "$(redis-cli -p "$p" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p')" = ok ] || ok=0
      done
      # and every replica attached to its primary and in sync (a failover needs one)
      [ "$(redis-cli -p "$base" cluster nodes 2>/dev/null | grep -c slave)" = 3 ] || ok=0
      for p in "${ports[@]}"; do
        role=$(redis-cli -p "$p" info replication 2>/dev/null | tr -d '\r')
        if grep -q '^role:slave' <<<"$role" && ! grep -q '^master_link_status:up' <<<"$role"; then ok=0; fi
      done
      [ "$ok" = 1 ] && break
      sleep 0.2
    done
    up || { echo "the cluster did not reach state ok" >&2; exit 1; }
    seeds
    ;;
  stop)
    for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  nodes)
    up || { echo "no cluster on port $base" >&2; exit 1; }
    seeds
    ;;
  *)
    echo "usage: $0 start|stop|nodes [BASE_PORT]" >&2
    exit 2
    ;;
esac
