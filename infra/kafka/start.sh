#!/usr/bin/env bash
# Starts a single-node Kafka broker in KRaft mode on 127.0.0.1:9092 (its controller on 127.0.0.1:9093).
# Idempotent: fetches the jars once per pom.xml, formats the storage once, and only reports when the
# broker already answers. Jars, data, logs and the pid file live in $FLAGSTAFF_INFRA_HOME/kafka.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR/.. source=lib.sh
. "$here/../lib.sh"
exclusive "$0" "$@"

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
home="$INFRA_HOME/kafka"
libs="$home/libs"
logs="$home/logs"
pidfile="$home/kafka.pid"
mkdir -p "$logs"
line="127.0.0.1:9092 (Kafka $version, KRaft)"

# Sends an ApiVersions v0 request (size 10, api key 18, version 0, correlation id 1, null client id) and
# expects int32 size, int32 correlation id 1, int16 error code 0 back. An open port is not enough: it proves
# a listener, not a Kafka broker that serves requests (it may be another program, or a broker still starting).
kafka_answers() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/9092
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff" >&3
    reply=$(head -c 10 <&3 | od -An -tx1 | tr -d " \n")
    [ "${reply:8:12}" = 000000010000 ]' 2>/dev/null
}

if kafka_answers; then
  ready kafka "$line"
  exit 0
fi

java_cmd() { java -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$logs" -cp "$libs/*" "$@"; }

if ! live_pid "$pidfile" kafka.Kafka >/dev/null; then
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  for port in 9092 9093; do
    ! port_open "$port" || die "port $port is taken by a process that is not this Kafka broker"
  done

  # The stamp ties the jars to the pom that fetched them, so editing the pom (a new version) refetches.
  stamp=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
  if [ "$(cat "$libs/.pom-sha256" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$libs.tmp"
    quietly "$logs/mvn.log" mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs.tmp" || die "could not fetch the Kafka jars from Maven Central"
    echo "$stamp" >"$libs.tmp/.pom-sha256"
    rm -rf "$libs"
    mv "$libs.tmp" "$libs"
  fi

  # Regenerated on every start so this script stays the one place the configuration is decided.
  # Topics are not auto-created: the code creates its topics explicitly, and a misspelt topic name then
  # fails loudly instead of silently producing into a new, unread topic.
  cat >"$home/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://127.0.0.1:9092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$home/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF

  # KRaft storage is formatted once, with a cluster id that is kept: emptying data/ reformats it with the same id.
  if [ ! -f "$home/data/meta.properties" ]; then
    if [ ! -s "$home/cluster.id" ]; then
      id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$logs/format.log") || die "could not make a cluster id"
      echo "$id" >"$home/cluster.id"
    fi
    quietly "$logs/format.log" java_cmd kafka.tools.StorageTool format \
      -t "$(cat "$home/cluster.id")" -c "$home/server.properties" || die "could not format the Kafka storage"
  fi

  rm -f "$pidfile"
  # setsid: the broker must outlive this script and not receive signals aimed at the caller's process group
  # (npm, vitest, a CI step). The pid is written from inside so it is the java process itself.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
    java -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$home/server.properties" \
    </dev/null >>"$logs/kafka.out" 2>&1 &
  wait_until 5 test -s "$pidfile" || die "the Kafka broker could not be launched; see $logs/kafka.out"
fi

deadline=$((SECONDS + 60))
until kafka_answers; do
  if ! live_pid "$pidfile" kafka.Kafka >/dev/null; then
    tail -n 20 "$logs/server.log" "$logs/kafka.out" >&2 2>/dev/null || true
    die "the Kafka broker exited while starting; logs in $logs"
  fi
  ((SECONDS < deadline)) || die "the Kafka broker did not answer on 127.0.0.1:9092 within 60 s; logs in $logs"
  sleep 0.5
done
ready kafka "$line"
