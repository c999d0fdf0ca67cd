#!/usr/bin/env bash
# Starts the local system and a real Prometheus (Debian's package) scraping it with monitoring/prometheus.yml, then
# asserts through Prometheus's HTTP API that consumer metrics (records stored, per-shard lag) and query metrics
# (request latency histogram) were scraped. Needs the jars (mvn package) and `prometheus` on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v prometheus > /dev/null || { echo "prometheus not installed (apt-get install prometheus)" >&2; exit 1; }
WORK=$(mktemp -d)
PROM_PORT=${PROM_PORT:-9090}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. scripts/lib/local-run.sh
pid=
start_local_run "$WORK/run-local.log" RATE=40 || { pids+=($pid); exit 1; }
pids+=($pid)

# the committed config, scraping every second so the check is quick
sed 's/scrape_interval: 15s/scrape_interval: 1s/' monitoring/prometheus.yml > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$WORK/prometheus.log" 2>&1 &
pids+=($!)

# query traffic for the whole check, so rates over the scraped histogram have something to show
TOKEN=$(cat .local-run/token)
( for _ in $(seq 1 600); do
    curl -s -H "Authorization: Bearer $TOKEN" 'http://localhost:8080/v1/services/checkout/logs?limit=5' > /dev/null
    curl -s -H "Authorization: Bearer $TOKEN" 'http://localhost:8080/v1/services/checkout/logs?level=LOUD' > /dev/null
    sleep 0.3
  done ) &
pids+=($!)

passed=0; failed=0
check() {  # name, PromQL; passes when the query returns at least one series with a value > 0
  local name=$1 query=$2 result
  for _ in $(seq 1 60); do
    result=$(curl -s --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$query" || true)
    if python3 -c 'import json,sys; r=json.loads(sys.argv[1])["data"]["result"]; sys.exit(0 if r and any(float(s["value"][1])>0 for s in r) else 1)' "$result" 2>/dev/null; then
      echo "ok   $name"; passed=$((passed+1)); return
    fi
    sleep 1
  done
  echo "FAIL $name: $query -> $result"; failed=$((failed+1))
}
check "both targets up" 'sum(up{job=~"consumer-service|query-service"}) == 2'
check "consumer: records stored" 'logstream_records_stored_total'
check "consumer: lag series per shard, in seconds" 'count(logstream_shard_lag_seconds) >= 1'
check "consumer: KCL metrics in snake case" 'count({__name__=~"kcl_[a-z0-9_]+_count"}) >= 1'
check "consumer: liveness and readiness answer" 'up{job="consumer-service"}'
check "consumer: batch latency histogram" 'logstream_batch_duration_seconds_count'
check "query: latency histogram, 200s" 'http_server_requests_seconds_count{uri="/v1/services/{service}/logs",status="200"}'
check "query: latency histogram, 400s" 'http_server_requests_seconds_count{uri="/v1/services/{service}/logs",status="400"}'
check "query: p99 from buckets" 'histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{uri="/v1/services/{service}/logs"}[1m])))'
echo "prometheus-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
