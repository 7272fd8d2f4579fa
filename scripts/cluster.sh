#!/usr/bin/env bash
# `npm run cluster`: Pulse in scaled mode on this machine. PostgreSQL (must be installed; started if
# it is down) + Redis (started if it is down) + PULSE_INSTANCES Pulse instances + HAProxy with
# deploy/haproxy.cfg in front of them. Ctrl-C (or SIGTERM) stops everything it started.
#
#   DATABASE_URL    postgres://postgres@127.0.0.1:5432/pulse (the database is created if missing)
#   REDIS_URL       redis://127.0.0.1:6379
#   JWT_SECRET      a development secret shared by the instances (set a real one for anything else)
#   CLUSTER_PORT    8080, where HAProxy serves the cluster (page, GraphQL, WebSocket)
#   STATS_PORT      8404, HAProxy's stats page
#   PULSE_PORTS     "4001 4002", one port per instance (two: deploy/haproxy.cfg names pulse1 and pulse2)
#   PULSE_CMD       how to run an instance: "node --import tsx src/main.ts" (after `npm run build`:
#                   "node dist/src/main.js")
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export JWT_SECRET="${JWT_SECRET:-pulse-cluster-development-secret-0123456789}"
CLUSTER_PORT="${CLUSTER_PORT:-8080}"
STATS_PORT="${STATS_PORT:-8404}"
read -r -a PORTS <<<"${PULSE_PORTS:-4001 4002}"
read -r -a PULSE_CMD <<<"${PULSE_CMD:-node --import tsx src/main.ts}"
[ "${#PORTS[@]}" -eq 2 ] || { echo "PULSE_PORTS must name two ports (deploy/haproxy.cfg has two servers)"; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy is not installed (Debian: apt-get install -y haproxy)"; exit 1; }

pg_host=$(node -e 'const u=new URL(process.argv[1]); console.log(u.hostname)' "$DATABASE_URL")
pg_port=$(node -e 'const u=new URL(process.argv[1]); console.log(u.port||5432)' "$DATABASE_URL")
redis_port=$(node -e 'const u=new URL(process.argv[1]); console.log(u.port||6379)' "$REDIS_URL")

if ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
fi
for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done

# Create the database when missing (connect to the maintenance database "postgres").
node --input-type=module -e '
  import pg from "pg";
  const url = new URL(process.argv[1]); const name = url.pathname.slice(1); url.pathname = "/postgres"; url.search = "";
  const c = new pg.Client({ connectionString: url.toString() }); await c.connect();
  const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!rowCount) { await c.query(`CREATE DATABASE "${name}"`); console.log(`created database ${name}`); }
  await c.end();' "$DATABASE_URL"
npx tsx scripts/migrate.ts

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "stopping the cluster"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup EXIT INT TERM

# One after the other: the first one seeds the demo data into an empty database.
for i in 0 1; do
  INSTANCE_ID="pulse$((i + 1))" PORT="${PORTS[$i]}" HOST=127.0.0.1 TRUST_PROXY=true "${PULSE_CMD[@]}" &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:${PORTS[$i]}/healthz" >/dev/null && break; sleep 0.5; done
done

PULSE_BIND="127.0.0.1:$CLUSTER_PORT" PULSE_1="127.0.0.1:${PORTS[0]}" PULSE_2="127.0.0.1:${PORTS[1]}" \
  HAPROXY_STATS="127.0.0.1:$STATS_PORT" haproxy -db -f deploy/haproxy.cfg &
pids+=($!)

echo "Pulse cluster up: http://localhost:$CLUSTER_PORT/ (GraphQL and WebSocket at /graphql), HAProxy stats http://localhost:$STATS_PORT/"
wait -n "${pids[@]}"
