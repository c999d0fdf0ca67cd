#!/usr/bin/env bash
# Start-up and hand-off of consumer-service with its production KCL defaults on the local engines (a script, not a
# test): brand-new application and restarted worker to first stored record, graceful hand-off, kill -9 takeover.
# Usage: scripts/measure-startup.sh [runs=3]. Prints a table; writes benchmarks/results/startup.csv.
source "$(dirname "$0")/lib/launch.sh"
launch_build consumer-service,benchmarks
launch_java 1g StartupBenchmark "${1:-3}"
