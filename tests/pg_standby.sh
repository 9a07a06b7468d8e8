#!/usr/bin/env bash
# A hot standby of the local PostgreSQL primary, for the read-replica tests and benchmarks (issue 19).
#
# Idempotent: from nothing it lets the primary (127.0.0.1:5432) accept replication connections from 127.0.0.1,
# takes a base backup into $PDR_STANDBY_DIR (outside the repository) and starts it on 127.0.0.1:$PDR_STANDBY_PORT
# with hot_standby=on; when the standby already streams it does nothing, when it is stopped it starts it, and a
# copy that cannot follow the primary any more (WAL recycled while it was down) is taken again.
# Runs as root (CI, this machine) or as the postgres user.
set -euo pipefail

DIR=${PDR_STANDBY_DIR:-/var/lib/postgresql/pdr-standby}
PORT=${PDR_STANDBY_PORT:-5433}
PRIMARY_PORT=${PDR_PRIMARY_PORT:-5432}
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { as_postgres "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -c "$1"; }
standby_sql() { as_postgres "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "$1"; }

streaming() {
  [ "$(standby_sql 'select pg_is_in_recovery()' 2>/dev/null)" = t ] &&
    [ "$(standby_sql 'select status from pg_stat_wal_receiver' 2>/dev/null)" = streaming ]
}

wait_streaming() {
  for _ in $(seq 1 "${1:-30}"); do streaming && return 0; sleep 1; done
  return 1
}

allow_replication() {
  local hba
  hba=$(primary_sql 'show hba_file')
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$hba"; then
    echo "standby: allowing replication connections from 127.0.0.1 in $hba"
    printf '%s\n' '# PDR test standby (tests/pg_standby.sh)' 'host replication postgres 127.0.0.1/32 trust' >> "$hba"
    primary_sql 'select pg_reload_conf()' >/dev/null
  fi
}

# Hot standby needs these at least as large as on the primary.
write_config() {
  local setting lines=""
  for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
                 max_locks_per_transaction; do
    lines+="$setting = $(primary_sql "show $setting")"$'\n'
  done
  as_postgres tee "$DIR/postgresql.conf" >/dev/null <<EOF
# Written by tests/pg_standby.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT.
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 64MB
fsync = off
synchronous_commit = off
log_min_messages = warning
$lines
EOF
  as_postgres tee "$DIR/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
EOF
}

base_backup() {
  echo "standby: base backup of 127.0.0.1:$PRIMARY_PORT into $DIR"
  if [ -f "$DIR/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$DIR" -m immediate stop || true; fi
  rm -rf "$DIR"
  mkdir -p "$(dirname "$DIR")"
  as_postgres "$BIN/pg_basebackup" -R -X stream -c fast -D "$DIR" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres
  write_config
}

start() {
  echo "standby: starting on 127.0.0.1:$PORT"
  as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR.log" -w -t 60 start >/dev/null
}

if streaming; then exit 0; fi
allow_replication
if [ ! -f "$DIR/standby.signal" ]; then
  base_backup
fi
if ! standby_sql 'select 1' >/dev/null 2>&1; then
  start || { base_backup; start; }
fi
if ! wait_streaming 20; then
  echo "standby: not streaming from the primary; taking the base backup again"
  as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast stop || true
  base_backup
  start
  wait_streaming 60 || { echo "standby: still not streaming, see $DIR.log" >&2; exit 1; }
fi
echo "standby: streaming on 127.0.0.1:$PORT"
