#!/usr/bin/env bash
# Pipeline throughput and latency on the local engines (kinesalite + DynamoDB Local), in one run.
# Usage: scripts/bench-pipeline.sh [records=40000] [rate=2000] [seconds=60]; results in benchmarks/results/.
# PROFILE=1 (or drain) adds a JFR profile of the drain, PROFILE=idle one of the idle phase; WARM_UP_DRAINS (25) caps the
# warm-up drains; CONSUMER_JAVA_OPTS go to the consumer's JVM instead of the deployed -XX:+UseParallelGC.
source "$(dirname "$0")/lib/launch.sh"
launch_engines kinesalite
launch_build
jvm_flags=(-Dbench.consumerJavaOpts="${CONSUMER_JAVA_OPTS--XX:+UseParallelGC}"
  -Dbench.profile="$(case "${PROFILE:-0}" in 1|drain) echo drain ;; idle) echo idle ;; *) echo none ;; esac)"
  -Dbench.warmUpDrains="${WARM_UP_DRAINS:-25}" -Daws.cborEnabled=false)
launch_java 2g PipelineBenchmark "$@"
