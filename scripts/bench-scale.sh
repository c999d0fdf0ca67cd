#!/usr/bin/env bash
# The per-key write limit, measured: one hot service at 3x the per-key limit among 50 quiet services at 2 records/s
# each, on 4 shards, DynamoDB Local behind DynamoDbLimitProxy (docs/performance.md, "Scale").
# Usage: scripts/bench-scale.sh [limit=200] [seconds=60]; results in benchmarks/results/scale.{txt,csv}.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f local-aws/node/node_modules/kinesalite/index.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q -ntp -pl consumer-service,benchmarks -am package -DskipTests
exec java -Xmx2g -Daws.accessKeyId=local -Daws.secretAccessKey=local -Daws.cborEnabled=false \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.ScaleBenchmark "$@"
