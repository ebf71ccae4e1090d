#!/usr/bin/env bash
# Stops the Kafka broker started by start.sh (the e2e tests use it to exercise broker outages).
# Idempotent: reports "stopped" when no broker runs. Data is kept; start.sh brings the same topics back.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

pidfile="$INFRA_HOME/kafka/kafka.pid"
if pid=$(live_pid "$pidfile" kafka.Kafka); then
  stop_pid "$pid" kafka
fi
rm -f "$pidfile"
! port_open 9092 || die "something still listens on 127.0.0.1:9092 that start.sh did not start; stop it yourself"
printf '%-11s stopped\n' kafka
