#!/usr/bin/env bash
# What the exact counts cost: write units per record with counts off and on at 2,000 records/s over 50 services and
# 4 shards, and a 24-hour volume of one service over HTTP (docs/counts.md, docs/performance.md "Counts").
# Usage: scripts/bench-counts.sh [seconds=30]; results in benchmarks/results/counts.{txt,csv}.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f local-aws/node/node_modules/kinesalite/index.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q -ntp -pl consumer-service,benchmarks -am package -DskipTests
exec java -Xmx2g -Daws.accessKeyId=local -Daws.secretAccessKey=local -Daws.cborEnabled=false \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.CountsBenchmark "$@"
