#!/usr/bin/env bash
# Put -> alert at a real Alertmanager through the consumer and query-service (both jars, own JVMs) on the local engines:
# one ERROR record per service, a put every few seconds, 1-minute alerting rules; latency percentiles.
# Needs Debian's prometheus-alertmanager. Usage: scripts/bench-alert-latency.sh [services=120] [gap ms=3000] [count flush, e.g. 1s];
# results in benchmarks/results/alert-latency.txt.
source "$(dirname "$0")/lib/launch.sh"
launch_build
launch_java 2g AlertLatencyBenchmark "$@"
