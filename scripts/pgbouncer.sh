#!/usr/bin/env bash
# PgBouncer in transaction pooling mode in front of a local PostgreSQL, for tests, benches and
# `npm run cluster` (README, "PgBouncer").
#
#   scripts/pgbouncer.sh start [PORT]   # default 6432; prints the URL prefix on its last line:
#                                       #   postgres://postgres@127.0.0.1:6432
#   scripts/pgbouncer.sh stop  [PORT]
#
# Every database of the server is reachable under its own name (the `*` entry), so
# postgres://postgres@127.0.0.1:6432/DB?pgbouncer=true is DATABASE_URL for Pulse and
# postgres://postgres@127.0.0.1:5432/DB is its DATABASE_DIRECT_URL (migrations).
# Authentication is `trust` (a local recipe, like the trust-auth PostgreSQL it fronts).
# Settings (environment): PGBOUNCER_SERVER (host:port of PostgreSQL, default 127.0.0.1:5432),
# PGBOUNCER_USER (default postgres), PGBOUNCER_POOL_SIZE (server connections per database and
# user, default 20), PGBOUNCER_MAX_CLIENT_CONN (default 5000). Config, log and pid file live in
# $TMPDIR/pulse-pgbouncer-PORT. `start` is idempotent: a PgBouncer already answering there is reused.
set -euo pipefail
command="${1:-start}"
port="${2:-${PGBOUNCER_PORT:-6432}}"
server="${PGBOUNCER_SERVER:-127.0.0.1:5432}"
user="${PGBOUNCER_USER:-postgres}"
dir="${TMPDIR:-/tmp}/pulse-pgbouncer-$port"
url="postgres://$user@127.0.0.1:$port"
up() { psql -qAt -h 127.0.0.1 -p "$port" -U "$user" -d pgbouncer -c 'SHOW VERSION' >/dev/null 2>&1; }

case "$command" in
  start)
    command -v pgbouncer >/dev/null || PATH="$PATH:/usr/sbin"
    command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (apt-get install -y pgbouncer)" >&2; exit 1; }
    if up; then echo "$url"; exit 0; fi
    "$0" stop "$port" >/dev/null 2>&1 || true
    rm -rf "$dir" && mkdir -p "$dir"
    printf '"%s" ""\n' "$user" >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
; Any database name: a pool per database (and user), dropped when idle (autodb_idle_timeout).
* = host=${server%:*} port=${server##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $user
stats_users = $user
; A server connection goes back to the pool after every transaction: Pulse keeps no session state
; (DATABASE_URL ?pgbouncer=true: no startup parameters; migrations go to DATABASE_DIRECT_URL).
pool_mode = transaction
; Clients are cheap (each instance opens up to 10); server connections are what PostgreSQL pays for:
; pools x default_pool_size must stay below its max_connections (100 by default).
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-5000}
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
reserve_pool_size = 5
reserve_pool_timeout = 3
autodb_idle_timeout = 60
server_idle_timeout = 60
; No ignore_startup_parameters: a client sending session settings must fail loudly, not lose them.
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    # PgBouncer refuses to run as root: drop to the PostgreSQL system user.
    if [ "$(id -u)" = 0 ]; then
      echo "user = postgres" >>"$dir/pgbouncer.ini"
      chown -R postgres "$dir"
    fi
    pgbouncer -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2 2>/dev/null; exit 1; }
    for _ in $(seq 1 50); do up && break; sleep 0.1; done
    up || { echo "PgBouncer did not come up on port $port:" >&2; cat "$dir/pgbouncer.log" >&2; exit 1; }
    echo "$url"
    ;;
  stop)
    if [ -f "$dir/pgbouncer.pid" ]; then
      pid="$(cat "$dir/pgbouncer.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [PORT]" >&2
    exit 2
    ;;
esac
