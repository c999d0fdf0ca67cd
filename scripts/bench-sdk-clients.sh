#!/usr/bin/env bash
# The SDK floor by HTTP client: the latest-page Query through the sync Apache, sync URL-connection and async Netty
# DynamoDB clients, on DynamoDB Local, in one run.
# Usage: scripts/bench-sdk-clients.sh [seconds per run=5] [rounds=3] [connections=1,8]; results in benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -DskipTests package
exec java -Xmx2g -Daws.accessKeyId=local -Daws.secretAccessKey=local -Dlogstream.root="$PWD" \
  -Dlogstream.localaws.node="$PWD/local-aws/node" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.SdkClientBenchmark "$@"
