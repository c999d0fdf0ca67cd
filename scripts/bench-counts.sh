#!/usr/bin/env bash
# What the exact counts cost: write units per record with counts off and on at 2,000 records/s over 50 services and
# 4 shards, and a 24-hour volume of one service over HTTP (docs/counts.md, docs/performance.md "Counts").
# Usage: scripts/bench-counts.sh [seconds=30]; results in benchmarks/results/counts.{txt,csv}.
source "$(dirname "$0")/lib/launch.sh"
launch_engines kinesalite
launch_build consumer-service,benchmarks
jvm_flags=(-Daws.cborEnabled=false)
launch_java 2g CountsBenchmark "$@"
