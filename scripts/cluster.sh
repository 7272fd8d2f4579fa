#!/usr/bin/env bash
# `npm run cluster`: Pulse in scaled mode on this machine. PostgreSQL (must be installed; started if
# it is down) + Redis (one node, or a 6-node Redis Cluster it starts) + N Pulse instances + HAProxy
# with deploy/haproxy.cfg in front of them, optionally PgBouncer between the instances and PostgreSQL.
# Ctrl-C (or SIGTERM) stops everything it started.
#
#   npm run cluster -- [--instances N] [--redis single|cluster] [--pgbouncer]
#
#   --instances N   PULSE_INSTANCES   how many instances (default 2)
#   --redis MODE    REDIS_MODE        single: REDIS_URL (classic pub/sub); cluster: a 6-node Redis Cluster
#                                     from redis-server (scripts/redis-cluster.sh, REDIS_CLUSTER_PORT, default
#                                     21000) and REDIS_CLUSTER_NODES (sharded pub/sub)
#   --pgbouncer     PGBOUNCER=1       the instances reach PostgreSQL through PgBouncer in transaction mode
#                                     (scripts/pgbouncer.sh, PGBOUNCER_PORT, default 6432); migrations go direct
#
#   DATABASE_URL    postgres://postgres@127.0.0.1:5432/pulse (the database is created if missing)
#   REDIS_URL       redis://127.0.0.1:6379 (single mode)
#   JWT_SECRET      a development secret shared by the instances (set a real one for anything else)
#   CLUSTER_PORT    8080, where HAProxy serves the cluster (page, GraphQL, WebSocket)
#   STATS_PORT      8404, HAProxy's stats page
#   PULSE_PORTS     one port per instance, e.g. "4001 4002 4003" (default 4001, 4002, …)
#   PULSE_CMD       how to run an instance: "node --import tsx src/main.ts" (after `npm run build`:
#                   "node dist/src/main.js")
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCES="${PULSE_INSTANCES:-2}"
REDIS_MODE="${REDIS_MODE:-single}"
PGBOUNCER="${PGBOUNCER:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) INSTANCES="$2"; shift 2 ;;
    --redis) REDIS_MODE="$2"; shift 2 ;;
    --pgbouncer) PGBOUNCER=1; shift ;;
    *) echo "unknown option $1 (see the head of scripts/cluster.sh)"; exit 2 ;;
  esac
done
[[ "$INSTANCES" =~ ^[1-9][0-9]*$ ]] || { echo "--instances must be a positive number"; exit 2; }
[[ "$REDIS_MODE" =~ ^(single|cluster)$ ]] || { echo "--redis must be single or cluster"; exit 2; }

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse}"
export JWT_SECRET="${JWT_SECRET:-pulse-cluster-development-secret-0123456789}"
CLUSTER_PORT="${CLUSTER_PORT:-8080}"
STATS_PORT="${STATS_PORT:-8404}"
if [ -n "${PULSE_PORTS:-}" ]; then read -r -a PORTS <<<"$PULSE_PORTS"; else PORTS=(); for i in $(seq 1 "$INSTANCES"); do PORTS+=($((4000 + i))); done; fi
[ "${#PORTS[@]}" -eq "$INSTANCES" ] || { echo "PULSE_PORTS must name $INSTANCES ports"; exit 1; }
read -r -a PULSE_CMD <<<"${PULSE_CMD:-node --import tsx src/main.ts}"
command -v haproxy >/dev/null || { echo "haproxy is not installed (Debian: apt-get install -y haproxy)"; exit 1; }

pg_host=$(node -e 'const u=new URL(process.argv[1]); console.log(u.hostname)' "$DATABASE_URL")
pg_port=$(node -e 'const u=new URL(process.argv[1]); console.log(u.port||5432)' "$DATABASE_URL")
if ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done

pids=()
started_redis_cluster=""
started_pgbouncer=""
cleanup() {
  trap - EXIT INT TERM
  echo "stopping the cluster"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  [ -z "$started_pgbouncer" ] || scripts/pgbouncer.sh stop "$started_pgbouncer" >/dev/null 2>&1 || true
  [ -z "$started_redis_cluster" ] || scripts/redis-cluster.sh stop "$started_redis_cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

if [ "$REDIS_MODE" = cluster ]; then
  redis_cluster_port="${REDIS_CLUSTER_PORT:-21000}"
  if ! scripts/redis-cluster.sh nodes "$redis_cluster_port" >/dev/null 2>&1; then started_redis_cluster="$redis_cluster_port"; fi
  export REDIS_CLUSTER_NODES
  REDIS_CLUSTER_NODES=$(scripts/redis-cluster.sh start "$redis_cluster_port" | tail -1)
  unset REDIS_URL
  echo "Redis Cluster: $REDIS_CLUSTER_NODES (sharded pub/sub)"
else
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  redis_port=$(node -e 'const u=new URL(process.argv[1]); console.log(u.port||6379)' "$REDIS_URL")
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
  fi
fi

# Create the database when missing (connect to the maintenance database "postgres"), then migrate it.
node --input-type=module -e '
  import pg from "pg";
  const url = new URL(process.argv[1]); const name = url.pathname.slice(1); url.pathname = "/postgres"; url.search = "";
  const c = new pg.Client({ connectionString: url.toString() }); await c.connect();
  const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!rowCount) { await c.query(`CREATE DATABASE "${name}"`); console.log(`created database ${name}`); }
  await c.end();' "$DATABASE_URL"
npx tsx scripts/migrate.ts

if [ -n "$PGBOUNCER" ]; then
  pgbouncer_port="${PGBOUNCER_PORT:-6432}"
  # Left running at the end if it was already running (someone else's).
  if ! psql -qAt -h 127.0.0.1 -p "$pgbouncer_port" -U postgres -d pgbouncer -c 'SHOW VERSION' >/dev/null 2>&1; then started_pgbouncer="$pgbouncer_port"; fi
  scripts/pgbouncer.sh start "$pgbouncer_port" >/dev/null
  # The instances go through PgBouncer; their start-up migrations go straight to PostgreSQL.
  export DATABASE_DIRECT_URL="$DATABASE_URL"
  DATABASE_URL=$(node -e 'const u=new URL(process.argv[1]); u.port=process.argv[2]; u.searchParams.set("pgbouncer", "true"); console.log(u.toString())' "$DATABASE_URL" "$pgbouncer_port")
  echo "PgBouncer (transaction pooling) on port $pgbouncer_port"
fi

# One after the other: the first one seeds the demo data into an empty database.
for i in $(seq 0 $((INSTANCES - 1))); do
  INSTANCE_ID="pulse$((i + 1))" PORT="${PORTS[$i]}" HOST=127.0.0.1 TRUST_PROXY="${TRUST_PROXY:-true}" "${PULSE_CMD[@]}" &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:${PORTS[$i]}/healthz" >/dev/null && break; sleep 0.5; done
done

# deploy/haproxy.cfg names two servers (PULSE_1, PULSE_2: what compose.yaml runs); for N instances
# the same file with one server line per instance.
haproxy_cfg="${TMPDIR:-/tmp}/pulse-haproxy-$CLUSTER_PORT.cfg"
{
  sed '/^  server pulse[0-9]/d' deploy/haproxy.cfg | sed '/^listen stats/,$d'
  for i in $(seq 0 $((INSTANCES - 1))); do echo "  server pulse$((i + 1)) 127.0.0.1:${PORTS[$i]} check"; done
  echo
  sed -n '/^listen stats/,$p' deploy/haproxy.cfg
} >"$haproxy_cfg"
PULSE_BIND="127.0.0.1:$CLUSTER_PORT" HAPROXY_STATS="127.0.0.1:$STATS_PORT" haproxy -db -f "$haproxy_cfg" &
pids+=($!)

echo "Pulse cluster up: $INSTANCES instances, Redis $REDIS_MODE${PGBOUNCER:+, PgBouncer}: http://localhost:$CLUSTER_PORT/ (GraphQL and WebSocket at /graphql), HAProxy stats http://localhost:$STATS_PORT/"
wait -n "${pids[@]}"
