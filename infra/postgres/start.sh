#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 with trust auth for user postgres and a database "test".
# The CI machines already run it; this starts a stopped cluster, and on a machine without
# PostgreSQL installs Debian's package as a best effort.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

log="$INFRA_HOME/postgres.log"
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
# shellcheck disable=SC2012 # the directory holds only version numbers
cluster_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

if ! command -v pg_isready >/dev/null || ! pg_ready; then
  if [ -z "$(cluster_version)" ]; then
    apt_install postgresql
    # The tests connect as postgres without a password: trust loopback TCP connections, nothing else.
    as_root sed -i -E 's/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1\/32|::1\/128)[[:space:]]+)[^[:space:]]+/\1trust/' \
      "/etc/postgresql/$(cluster_version)/main/pg_hba.conf"
    # With systemd the package has already started the cluster under the old rules; without, reload just fails.
    as_root pg_ctlcluster --skip-systemctl-redirect "$(cluster_version)" main reload >>"$log" 2>&1 || true
  fi
  # Start only a stopped cluster: a running one may just be slow to accept connections (crash recovery).
  # pg_ctlcluster, run as root, switches to the cluster's owner itself.
  if ! pg_ctlcluster "$(cluster_version)" main status >/dev/null 2>&1; then
    quietly "$log" as_root pg_ctlcluster --skip-systemctl-redirect "$(cluster_version)" main start ||
      die "could not start PostgreSQL $(cluster_version)/main (log: $log)"
  fi
  wait_until 30 pg_ready || die "PostgreSQL did not accept connections on 127.0.0.1:5432 within 30 s"
fi

psql_admin() { psql -w -X -q -h 127.0.0.1 -U postgres -d postgres -tAc "$1"; }
psql_admin 'SELECT 1' >/dev/null 2>>"$log" ||
  die "cannot connect as postgres to 127.0.0.1:5432 without a password; the tests need trust auth (see $log)"
[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'test'")" = 1 ] || psql_admin 'CREATE DATABASE test'
ready postgres "postgres://postgres@127.0.0.1:5432/test (PostgreSQL $(psql_admin 'SHOW server_version' | cut -d' ' -f1))"
