#!/usr/bin/env bash
# LogQL's pipeline and an exact quantile on DynamoDB Local: records filtered per CPU-second of query-service for
# `| json | status >= 500` against a line filter alone on the same records, the same in process without DynamoDB,
# and a 1-hour quantile_over_time over every record (latency p50/p99, read units).
# Usage: scripts/bench-logql.sh [records=100000] [rounds=7]; results in benchmarks/results/logql.txt and logql.csv.
source "$(dirname "$0")/lib/launch.sh"
launch_build
launch_java 3g LogQlBenchmark "$@"
