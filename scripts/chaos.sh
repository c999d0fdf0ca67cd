#!/usr/bin/env bash
# Chaos run of the consumer (a script, not a test): two workers (the jar), kill -9 and restart, reshard 4 -> 8 -> 4,
# DynamoDB throttling through a proxy, a hot service past the per-key limit that the consumer write-shards, while
# records (5 % ERROR, 0.5 % poison) flow. Exits non-zero unless nothing
# was lost or duplicated, every poison record was dead-lettered, every ERROR alerted and children followed parents.
# Usage: scripts/chaos.sh [short|long] [records]   (short: 6,000 records, 2 kills, CI runs it; long: 100,000 records
# by default, 5 kills, 30 s of throttling). RETRIEVAL=fanout reads with enhanced fan-out (no reshard then: kinesis-mock's
# fan-out never ends a closed shard; RESHARD=1 reshards anyway).
source "$(dirname "$0")/lib/launch.sh"
launch_engines kinesis-mock kinesalite
launch_build consumer-service,benchmarks
jvm_flags=(-Dchaos.retrieval="${RETRIEVAL:-polling}" -Dchaos.reshard="$([ "${RESHARD:-0}" = 1 ] && echo true || echo false)")
launch_java 2g ChaosRun "${1:-short}" ${2:-}
