#!/usr/bin/env bash
# Stops Kafka and ClickHouse. PostgreSQL is left running: the machine provides it, not these scripts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
exclusive "$0" "$@"

bash "$here/kafka/stop.sh"
bash "$here/clickhouse/stop.sh"
