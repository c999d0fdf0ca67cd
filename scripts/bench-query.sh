#!/usr/bin/env bash
# Query API latency against the raw DynamoDB Query it wraps, on DynamoDB Local, in one run.
# Usage: scripts/bench-query.sh [requestsPerRound=500] [rounds=6] [concurrency=8]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
exec java -Xmx2g -Daws.accessKeyId=local -Daws.secretAccessKey=local \
  -Dlogstream.localaws.node="$PWD/local-aws/node" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.QueryBenchmark "$@"
