#!/usr/bin/env bash
# Brings up every real service the e2e tests talk to, without Docker: PostgreSQL, Kafka, ClickHouse; and installs
# Chromium for the web app's browser tests.
# Idempotent and safe on a fresh machine: installs what is missing, starts what is stopped, leaves running
# services alone. Prints one "ready" line per service; on failure, says which service and why, exits non-zero.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
exclusive "$0" "$@"

bash "$here/postgres/start.sh"
bash "$here/kafka/start.sh"
bash "$here/clickhouse/start.sh"
bash "$here/chromium/install.sh"
