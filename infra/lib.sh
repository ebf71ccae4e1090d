# shellcheck shell=bash
# Helpers shared by the infra scripts. Sourced, never run.

# Everything downloaded or written at run time (jars, Kafka data, logs) lives here, outside the repo.
INFRA_HOME="${FLAGSTAFF_INFRA_HOME:-$HOME/.cache/flagstaff-infra}"
mkdir -p "$INFRA_HOME"

# exclusive "$0" "$@": reruns the calling script under one machine-wide lock, so concurrent callers (a
# second terminal, parallel test files restarting a service) queue instead of racing to start the same
# service twice. flock -o keeps the lock out of the services' file descriptors; the environment variable
# lets up.sh's nested scripts run under the lock it already holds.
exclusive() {
  [ -z "${FLAGSTAFF_INFRA_LOCKED:-}" ] || return 0
  local rc=0
  FLAGSTAFF_INFRA_LOCKED=1 flock -o -E 75 -w 300 "$INFRA_HOME/lock" bash "$@" || rc=$?
  [ "$rc" -ne 75 ] || die "another infra script held $INFRA_HOME/lock for 300 s"
  exit "$rc"
}

die() {
  echo "infra: $*" >&2
  exit 1
}

# A service's "ready" line: the only output of a successful run.
ready() { printf '%-11s ready  %s\n' "$1" "$2"; }

# apt, su and the service users need root: CI machines run as root, a workstation has sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# quietly LOG CMD...: keeps a successful CMD silent; on failure shows the end of LOG, where its output went.
quietly() {
  local log=$1
  shift
  if ! "$@" >>"$log" 2>&1; then
    echo "infra: '$*' failed; last lines of $log:" >&2
    tail -n 25 "$log" >&2
    return 1
  fi
}

# wait_until SECONDS CMD...: polls CMD twice a second until it succeeds; fails when time runs out.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# port_open PORT: something accepts TCP on 127.0.0.1 or ::1. Uses bash's /dev/tcp, so no ss/nc is needed.
port_open() {
  timeout 2 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$1) || (exec 3<>/dev/tcp/::1/$1)" 2>/dev/null
}

# apt_install PKG...: refreshes the package lists only when an install fails without them (a fresh image).
apt_install() {
  local log="$INFRA_HOME/apt.log"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$log" 2>&1 && return 0
  quietly "$log" as_root apt-get update
  quietly "$log" as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" ||
    die "could not install $* with apt-get (log: $log)"
}

# live_pid PIDFILE PATTERN: the pid in PIDFILE if that process is alive and its command line contains PATTERN,
# so a stale pid file whose number was recycled by an unrelated process is never trusted.
live_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qaF -- "$2" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# A zombie counts as gone: it has exited and only waits for its parent to reap it.
gone() { [ ! -d "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# stop_pid PID NAME: SIGTERM for a clean shutdown, SIGKILL if it takes longer than 30 s.
# as_root because ClickHouse runs as its own user.
stop_pid() {
  as_root kill -TERM "$1" 2>/dev/null || return 0
  wait_until 30 gone "$1" && return 0
  echo "infra: $2 (pid $1) ignored SIGTERM for 30 s; killing it" >&2
  as_root kill -KILL "$1" 2>/dev/null || true
  wait_until 10 gone "$1" || die "$2 (pid $1) survived SIGKILL"
}
