#!/usr/bin/env bash
# Starts Debian's ClickHouse (18.16) as the clickhouse user, HTTP on 127.0.0.1:8123, without systemd.
# Idempotent: installs the package if missing and only reports when the server already answers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

conf=/etc/clickhouse-server
# /run, because the server runs as the clickhouse user and cannot write to the caller's cache directory.
rundir=/run/clickhouse-server
pidfile="$rundir/clickhouse-server.pid"
errlog=/var/log/clickhouse-server/clickhouse-server.err.log
stdout_log=/var/log/clickhouse-server/stdout.log

command -v curl >/dev/null || apt_install curl
pong() { [ "$(curl -s --max-time 2 http://127.0.0.1:8123/ping)" = "Ok." ]; }
ready_line() {
  ready clickhouse "http://127.0.0.1:8123 (ClickHouse $(curl -s --max-time 2 'http://127.0.0.1:8123/?query=SELECT%20version()'))"
}

if pong; then
  ready_line
  exit 0
fi

if ! live_pid "$pidfile" clickhouse-server >/dev/null; then
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client

  # The package listens on ::1 and 127.0.0.1 only; refuse to run if someone widened that.
  hosts=$(grep -hsE '^[[:space:]]*<listen_host>' "$conf/config.xml" "$conf"/config.d/*.xml || true)
  wide=$(grep -vE '<listen_host>(127\.0\.0\.1|::1|localhost)</listen_host>' <<<"$hosts" || true)
  [ -z "$wide" ] || die "$conf makes ClickHouse listen beyond loopback: ${wide//[[:space:]]/ }; keep it on 127.0.0.1/::1"
  ! port_open 8123 || die "port 8123 is taken by a process that is not ClickHouse"

  # Nothing here uses the native (9000) or interserver (9009) ports, but the server refuses to start if it
  # cannot bind them, and 9000 is a popular port (php-fpm, MinIO). Move both aside only when they are taken.
  override="$conf/config.d/flagstaff-ports.xml"
  if port_open 9000 || port_open 9009; then
    for port in 19000 19009; do
      ! port_open "$port" || die "ports 9000/9009 and the fallback $port are all taken; edit $override"
    done
    as_root mkdir -p "$conf/config.d"
    as_root tee "$override" >/dev/null <<'EOF'
<?xml version="1.0"?>
<!-- Written by infra/clickhouse/start.sh because 9000 or 9009 was taken on this machine. -->
<yandex>
    <tcp_port>19000</tcp_port>
    <interserver_http_port>19009</interserver_http_port>
</yandex>
EOF
  else
    as_root rm -f "$override"
  fi

  # /run is emptied on reboot; the data and log directories are made by the package, but only when it
  # creates the clickhouse user, so a reinstall after deleting them would leave the server without them.
  for dir in "$rundir" /var/lib/clickhouse /var/log/clickhouse-server; do
    [ -d "$dir" ] || as_root install -d -o clickhouse -g clickhouse "$dir"
  done
  # start-stop-daemon (part of dpkg, like the package's init script) rather than clickhouse-server --daemon:
  # it detaches and switches user just the same, but keeps what the server prints before its logger is set
  # up (a bad config, an unwritable path) in $stdout_log instead of /dev/null.
  # It also writes the pid file: the server's own --pid-file is honoured only together with --daemon.
  as_root start-stop-daemon --start --background --chuid clickhouse:clickhouse --output "$stdout_log" \
    --make-pidfile --pidfile "$pidfile" --exec /usr/sbin/clickhouse-server -- --config-file="$conf/config.xml" ||
    die "clickhouse-server could not be launched (is another clickhouse-server running?)"
  wait_until 5 live_pid "$pidfile" clickhouse-server >/dev/null || {
    as_root tail -n 20 "$stdout_log" "$errlog" >&2 2>/dev/null || true
    die "ClickHouse exited right after launch; see $stdout_log and $errlog"
  }
fi

deadline=$((SECONDS + 30))
until pong; do
  if ! live_pid "$pidfile" clickhouse-server >/dev/null; then
    as_root tail -n 20 "$stdout_log" "$errlog" >&2 2>/dev/null || true
    die "ClickHouse exited while starting; see $stdout_log and $errlog"
  fi
  ((SECONDS < deadline)) || die "ClickHouse did not answer http://127.0.0.1:8123/ping within 30 s; see $errlog"
  sleep 0.5
done
ready_line
