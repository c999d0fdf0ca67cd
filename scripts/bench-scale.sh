#!/usr/bin/env bash
# The per-key write limit, measured: one hot service at 3x the per-key limit among 50 quiet services at 2 records/s
# each, on 4 shards, DynamoDB Local behind DynamoDbLimitProxy (docs/performance.md, "Scale").
# Usage: scripts/bench-scale.sh [limit=200] [seconds=60]; results in benchmarks/results/scale.{txt,csv}.
source "$(dirname "$0")/lib/launch.sh"
launch_engines kinesalite
launch_build consumer-service,benchmarks
jvm_flags=(-Daws.cborEnabled=false)
launch_java 2g ScaleBenchmark "$@"
