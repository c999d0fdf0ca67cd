#!/usr/bin/env bash
# Start-up and hand-off of consumer-service with its production KCL defaults on the local engines (a script, not a
# test): brand-new application and restarted worker to first stored record, graceful hand-off, kill -9 takeover.
# Usage: scripts/measure-startup.sh [runs=3]. Prints a table; writes benchmarks/results/startup.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl consumer-service,benchmarks -am package -DskipTests
exec java -Xmx1g -Daws.accessKeyId=local -Daws.secretAccessKey=local \
  -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.logstream.bench.StartupBenchmark "${1:-3}"
