#!/usr/bin/env bash
# Fuzzes the query API from its own OpenAPI document with schemathesis (every check) against a local run of the whole
# system (producer traffic included, so answers carry real items), authenticated with the local run's token, and
# also with no token and a forged one. Exits non-zero on any failure. Needs the jars (mvn package); schemathesis
# comes into a virtual environment (scripts/python-venv.sh).
# Environment: MAX_EXAMPLES (per operation and phase, default 300), QUERY_PORT (8080), CONSUMER_PORT (8081).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-venv.sh infra-check/requirements-fuzz.txt
QUERY_PORT=${QUERY_PORT:-8080}
WORK=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# the fuzzer sends hundreds of requests a second with one token: the rate limits (tested on their own) are lifted
. scripts/lib/local-run.sh
start_local_run "$WORK/run-local.log" RATE=40 LOG_STREAM_LIMITS_TOKEN_RATE=1000000 LOG_STREAM_LIMITS_TOKEN_BURST=1000000 \
  LOG_STREAM_LIMITS_INSTANCE_RATE=1000000
sleep 5 # a few seconds of producer traffic, so pages have items

SPEC=query-service/target/classes/META-INF/swagger/log-stream-query-api-1.yml
SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=scripts st --config-file scripts/schemathesis.toml run "$SPEC" --url "http://127.0.0.1:$QUERY_PORT" --checks all \
  --header "Authorization: Bearer $(cat .local-run/token)" \
  --max-examples "${MAX_EXAMPLES:-300}" --seed 20261122 --workers 2
