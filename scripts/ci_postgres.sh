#!/usr/bin/env bash
# Start a local PostgreSQL for the SQL check (agentspec/checks/sql.py) and the
# @pytest.mark.postgres tests, then print the URLs as export lines:
#
#   eval "$(scripts/ci_postgres.sh)"
#
# - Installs PostgreSQL from Debian apt when the server is missing.
# - Works without systemd (containers, CI runners): the cluster is driven by
#   pg_ctlcluster, which drops to the postgres user itself.
# - Listens on 127.0.0.1 only, with trust auth for loopback TCP, so the URL
#   needs no password. Do not use this on a shared host.
# - Idempotent: a second run only makes sure the cluster is configured and up.
#
# Only the export lines go to stdout; progress goes to stderr.
# Settings: AGENTSPEC_PG_PORT (default 5432, used when creating the cluster),
#           AGENTSPEC_PG_CLUSTER (default main).
set -euo pipefail

PORT="${AGENTSPEC_PG_PORT:-5432}"
CLUSTER="${AGENTSPEC_PG_CLUSTER:-main}"
MARKER="# agentspec ci_postgres.sh"

log() { echo "ci_postgres: $*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "run as root or install sudo"
  SUDO="sudo"
fi

server_installed() {
  command -v pg_ctlcluster >/dev/null 2>&1 &&
    compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}

if ! server_installed; then
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is missing and apt-get is not available"
  log "installing PostgreSQL from apt"
  # postinst tries to start the server through invoke-rc.d; without systemd
  # that may be refused, which is harmless: we start it below.
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
[ -n "$VERSION" ] || die "no PostgreSQL version under /usr/lib/postgresql"

cluster_field() {  # cluster_field N -> column N of pg_lsclusters for our cluster
  pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$CLUSTER" -v f="$1" '$1 == v && $2 == c { print $f }'
}

if [ -z "$(cluster_field 2)" ]; then
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  $SUDO pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >&2
fi
PORT="$(cluster_field 3)"

CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
# Debian's postgresql.conf ends with include_dir = 'conf.d', so this wins.
$SUDO mkdir -p "$CONF_DIR/conf.d"
printf "%s\nlisten_addresses = '127.0.0.1'\n" "$MARKER" | $SUDO tee "$CONF_DIR/conf.d/agentspec.conf" >/dev/null

# pg_hba.conf is first-match: put our loopback trust rules at the top, once.
HBA="$CONF_DIR/pg_hba.conf"
if ! $SUDO grep -qF "$MARKER" "$HBA"; then
  log "allowing trust auth on 127.0.0.1 in $HBA"
  tmp="$(mktemp)"
  {
    echo "$MARKER"
    echo "host all all 127.0.0.1/32 trust"
    echo "host all all ::1/128 trust"
    $SUDO cat "$HBA"
  } >"$tmp"
  $SUDO install -m 640 -o postgres -g postgres "$tmp" "$HBA"
  rm -f "$tmp"
fi

if [ "$(cluster_field 4)" = "online" ]; then
  # Picks up pg_hba changes; listen_addresses needs a restart to change, but
  # on a cluster we configured ourselves it is already right.
  log "cluster $VERSION/$CLUSTER already running; reloading config"
  $SUDO pg_ctlcluster "$VERSION" "$CLUSTER" reload >&2
else
  log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
  $SUDO pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
    psql "$URL" -qAtc "select 1" >/dev/null || die "server is up but $URL does not accept connections"
    log "ready: $URL"
    echo "export AGENTSPEC_PG_URL=$URL"
    echo "export AGENTSPEC_TEST_PG_URL=$URL"
    exit 0
  fi
  sleep 0.5
done
die "PostgreSQL did not become ready on 127.0.0.1:$PORT within 30s (see /var/log/postgresql/)"
