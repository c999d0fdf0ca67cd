#!/usr/bin/env bash
# Deletes against ingest: a delete request of 20,000 of 40,000 records through query-service at a write-unit budget,
# while the consumer ingests at a steady rate; put -> stored with and without the delete in the same run, the
# delete's records/s and write units/s, after checking that it was exact (docs/retention.md).
# Usage: scripts/bench-deletes.sh [write units/s=500] [ingest records/s=300] [seconds a phase=60];
# results appended to benchmarks/results/deletes.txt.
source "$(dirname "$0")/lib/launch.sh"
launch_build
launch_java 2g DeleteBenchmark "$@"
