#!/usr/bin/env bash
# Stops the ClickHouse server started by start.sh (the e2e tests use it to exercise sink outages).
# Idempotent: reports "stopped" when no server runs. Data in /var/lib/clickhouse is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

pidfile=/run/clickhouse-server/clickhouse-server.pid
if pid=$(live_pid "$pidfile" clickhouse-server); then
  stop_pid "$pid" clickhouse
fi
as_root rm -f "$pidfile"
# A server started some other way (systemd, the init script) has no pid file here; it is not ours to stop.
! port_open 8123 ||
  die "a ClickHouse not started by infra/clickhouse/start.sh answers on 8123; stop it the way it was started"
printf '%-11s stopped\n' clickhouse
