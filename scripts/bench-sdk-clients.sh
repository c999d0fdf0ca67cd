#!/usr/bin/env bash
# The SDK floor by HTTP client: the latest-page Query through the sync Apache, sync URL-connection and async Netty
# DynamoDB clients, on DynamoDB Local, in one run.
# Usage: scripts/bench-sdk-clients.sh [seconds per run=5] [rounds=3] [connections=1,8]; results in benchmarks/results/.
source "$(dirname "$0")/lib/launch.sh"
launch_build
launch_java 2g SdkClientBenchmark "$@"
