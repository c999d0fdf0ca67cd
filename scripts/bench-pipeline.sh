#!/usr/bin/env bash
# Pipeline throughput and latency on the local engines (kinesalite + DynamoDB Local), in one run.
# Usage: scripts/bench-pipeline.sh [records=40000] [rate=2000] [seconds=60]; PROFILE=1 adds a JFR profile of the drain; results in benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f local-aws/node/node_modules/kinesalite/index.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
mvn -B -q -ntp -DskipTests package
exec java -Xmx2g -Dbench.consumerJavaOpts="${CONSUMER_JAVA_OPTS:-}" -Dbench.profile="$([ "${PROFILE:-0}" = 1 ] && echo true || echo false)" -Djava.awt.headless=true -Daws.accessKeyId=local -Daws.secretAccessKey=local -Daws.cborEnabled=false \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.PipelineBenchmark "$@"
