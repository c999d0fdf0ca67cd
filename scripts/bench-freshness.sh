#!/usr/bin/env bash
# Freshness in both retrieval modes (polling, enhanced fan-out) in one run, on kinesis-mock + DynamoDB Local:
# put -> stored / queryable / received by a live tail, the tail delay each mode needs, CPU per record and idle.
# Usage: scripts/bench-freshness.sh [rate=200] [seconds=60] [kinesalite-rate=2000]: both modes on kinesis-mock at rate
# (it slows as its data grows: 400/s fell to 90/s within a minute on 2 cores), then polling on kinesalite; MODES=polling,fanout; 0 skips kinesalite.
source "$(dirname "$0")/lib/launch.sh"
launch_engines kinesis-mock kinesalite
launch_build
jvm_flags=(-Daws.cborEnabled=false -Dbench.modes="${MODES:-polling,fanout}")
launch_java 3g FreshnessBenchmark "$@"
