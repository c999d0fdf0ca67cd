#!/usr/bin/env bash
# Query API against the raw DynamoDB Query it wraps, both driven by wrk, on DynamoDB Local, in one run.
# Usage: scripts/bench-query.sh [seconds per run=5] [rounds=2] [connections=1,8,64]; results in benchmarks/results/.
source "$(dirname "$0")/lib/launch.sh"
command -v wrk > /dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null; }
launch_build
jvm_flags=(-Dbench.serviceJavaOpts="${SERVICE_JAVA_OPTS:-}"
  -Dbench.profile="$([ "${PROFILE:-0}" = 1 ] && echo true || echo false)")
launch_java 2g QueryBenchmark "$@"
