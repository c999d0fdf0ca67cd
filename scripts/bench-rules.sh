#!/usr/bin/env bash
# Rules' cost: 1,000 alerting rules over 50 services evaluated every minute by query-service on DynamoDB Local, its CPU
# against the same service with no rules over the same window, and the DynamoDB reads per evaluation round; every rule
# of one group is checked against the records first.
# Usage: scripts/bench-rules.sh [window seconds=180]; results in benchmarks/results/rules.txt.
source "$(dirname "$0")/lib/launch.sh"
launch_build
launch_java 2g RulesBenchmark "$@"
