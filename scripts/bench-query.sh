#!/usr/bin/env bash
# Query API against the raw DynamoDB Query it wraps, both driven by wrk, on DynamoDB Local, in one run.
# Usage: scripts/bench-query.sh [seconds per run=5] [rounds=2] [connections=1,8,64]; results in benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk > /dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
mvn -B -q -ntp -DskipTests package
exec java -Xmx2g -Dbench.serviceJavaOpts="${SERVICE_JAVA_OPTS:-}" -Dbench.profile="$([ "${PROFILE:-0}" = 1 ] && echo true || echo false)" -Daws.accessKeyId=local -Daws.secretAccessKey=local -Dlogstream.root="$PWD" \
  -Dlogstream.localaws.node="$PWD/local-aws/node" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.QueryBenchmark "$@"
