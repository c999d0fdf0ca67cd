#!/usr/bin/env bash
# Pipeline throughput and latency on the local engines (kinesalite + DynamoDB Local), in one run.
# Usage: scripts/bench-pipeline.sh [records=40000] [rate=2000] [seconds=60]; results in benchmarks/results/.
# PROFILE=1 (or drain) adds a JFR profile of the drain, PROFILE=idle one of the idle phase; WARM_UP_DRAINS (25) caps the
# warm-up drains; CONSUMER_JAVA_OPTS go to the consumer's JVM instead of the deployed -XX:+UseParallelGC.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f local-aws/node/node_modules/kinesalite/index.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
mvn -B -q -ntp -DskipTests package
exec java -Xmx2g -Dbench.consumerJavaOpts="${CONSUMER_JAVA_OPTS--XX:+UseParallelGC}" -Dbench.profile="$(case "${PROFILE:-0}" in 1|drain) echo drain ;; idle) echo idle ;; *) echo none ;; esac)" -Dbench.warmUpDrains="${WARM_UP_DRAINS:-25}" -Djava.awt.headless=true -Daws.accessKeyId=local -Daws.secretAccessKey=local -Daws.cborEnabled=false \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.PipelineBenchmark "$@"
