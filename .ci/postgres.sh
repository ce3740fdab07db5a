#!/usr/bin/env bash
# Start a throwaway PostgreSQL on a loopback port for the tests; prints the URL. Stop it with: .ci/postgres.sh stop
# PostgreSQL refuses to run as root, so the cluster belongs to the unprivileged "postgres" user.
set -euo pipefail
dir=${PGCI_DIR:-/tmp/roster-pgci}
port=${PGCI_PORT:-54329}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "${1:-}" = stop ]; then
  [ -n "$bin" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi
if [ -z "$bin" ]; then
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir"
as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres roster_test
echo "postgresql+psycopg://postgres@127.0.0.1:$port/roster_test"
