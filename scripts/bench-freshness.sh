#!/usr/bin/env bash
# Freshness in both retrieval modes (polling, enhanced fan-out) in one run, on kinesis-mock + DynamoDB Local:
# put -> stored / queryable / received by a live tail, the tail delay each mode needs, CPU per record and idle.
# Usage: scripts/bench-freshness.sh [rate=200] [seconds=60] [kinesalite-rate=2000]: both modes on kinesis-mock at rate
# (it slows as its data grows: 400/s fell to 90/s within a minute on 2 cores), then polling on kinesalite; MODES=polling,fanout; 0 skips kinesalite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f local-aws/node/node_modules/kinesis-local/main.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
mvn -B -q -ntp -DskipTests package
exec java -Xmx3g -Daws.cborEnabled=false -Dbench.modes="${MODES:-polling,fanout}" -Djava.awt.headless=true -Daws.accessKeyId=local -Daws.secretAccessKey=local \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.FreshnessBenchmark "$@"
