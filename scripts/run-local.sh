#!/usr/bin/env bash
# Runs the whole system on this machine: local AWS engines, consumer-service, query-service and the log producer.
# Ctrl-C stops everything it started. Needs Java 17, Maven and Node.js; no Docker, no AWS account.
# Environment: RATE (records/s, default 50), ERROR_RATIO (share of ERROR/FATAL, 0.03), CONSUMER_PORT (8081), QUERY_PORT (8080), SKIP_BUILD=1 to reuse jars,
# RULES_FILE (config/rules/local.yaml), ALERTMANAGER_URL (none: alerts are listed, not sent).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.local-run
RATE=${RATE:-50}
ERROR_RATIO=${ERROR_RATIO:-0.03}
CONSUMER_PORT=${CONSUMER_PORT:-8081}
QUERY_PORT=${QUERY_PORT:-8080}
VERSION=0.1.0

for port in "$CONSUMER_PORT" "$QUERY_PORT"; do
  if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (another run?); set CONSUMER_PORT / QUERY_PORT" >&2; exit 1
  fi
done

rm -rf "$RUN" && mkdir -p "$RUN"
[ -f local-aws/node/node_modules/kinesis-local/main.js ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building (mvn package, tests skipped)..."
  mvn -B -q -ntp -DskipTests package
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; logs are in $RUN"
}
trap cleanup EXIT INT TERM

export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-2

java -Xmx1g -Dlogstream.localaws.node="$ROOT/local-aws/node" \
  -cp "local-aws/target/local-aws-$VERSION.jar:$(cat local-aws/target/classpath.txt)" \
  io.logstream.localaws.LocalAwsMain --dir "$RUN" > "$RUN/local-aws.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do [ -f "$RUN/aws.env" ] && break; sleep 0.5; done
[ -f "$RUN/aws.env" ] || { echo "local AWS did not start; see $RUN/local-aws.log" >&2; exit 1; }
set -a; . "$RUN/aws.env"; set +a

endpoints=(-Daws.services.kinesis.endpoint-override="$KINESIS_ENDPOINT" -Daws.services.dynamodb.endpoint-override="$DYNAMODB_ENDPOINT"
  -Daws.services.sqs.endpoint-override="$SQS_ENDPOINT" -Daws.services.eventbridge.endpoint-override="$EVENTBRIDGE_ENDPOINT"
  -Daws.services.cloudwatch.endpoint-override="$EVENTBRIDGE_ENDPOINT")

LOG_FORMAT=text KCL_INITIAL_POSITION=TRIM_HORIZON SERVER_PORT=$CONSUMER_PORT java -XX:+UseParallelGC -Xmx768m "${endpoints[@]}" \
  -Dlog-stream.kcl.shard-sync-interval=5s -Dlog-stream.kcl.lease-assignment-strategy=LEASE_COUNT_BASED \
  -jar "consumer-service/target/consumer-service-$VERSION-all.jar" > "$RUN/consumer-service.log" 2>&1 &
pids+=($!)
QUERY_AUTH=jwt LOG_FORMAT=text SERVER_PORT=$QUERY_PORT CURSOR_SECRET="$(head -c 32 /dev/urandom | base64)" \
  LOG_STREAM_RULES_FILE="${RULES_FILE:-$PWD/config/rules/local.yaml}" LOG_STREAM_RULES_ALERTMANAGER_URL="${ALERTMANAGER_URL:-}" \
  java -Xmx512m "${endpoints[@]}" \
  -jar "query-service/target/query-service-$VERSION-all.jar" > "$RUN/query-service.log" 2>&1 &
pids+=($!)

for port in "$QUERY_PORT" "$CONSUMER_PORT"; do
  healthy=
  for _ in $(seq 1 360); do curl -fs "http://127.0.0.1:$port/health" > /dev/null 2>&1 && { healthy=1; break; }; sleep 0.5; done
  if [ -z "$healthy" ]; then
    echo "the service on port $port did not answer /health within 180 s; its log is in $RUN" >&2
    tail -30 "$RUN/query-service.log" "$RUN/consumer-service.log" >&2
    exit 1
  fi
done

java -Xmx256m -jar "log-producer/target/log-producer-$VERSION-all.jar" --endpoint "$KINESIS_ENDPOINT" \
  --stream "$KINESIS_STREAM" --rate "$RATE" --services 6 --error-ratio "$ERROR_RATIO" --poison-ratio 0.002 \
  > "$RUN/producer.log" 2>&1 &
pids+=($!)
touch "$RUN/ready" # both services answer /health: scripts that start this one wait for this file (scripts/lib/local-run.sh)

cat <<INFO

log-stream is running locally (producer: $RATE records/s, 6 services, ERROR/FATAL share $ERROR_RATIO, rare poison).

  Query API        (reads need the local bearer token: a key generated for this run signed it)
                   TOKEN=\$(cat $RUN/token)
                   curl -s -H "Authorization: Bearer \$TOKEN" 'http://localhost:$QUERY_PORT/v1/services/checkout/logs?limit=5'
                   curl -s -H "Authorization: Bearer \$TOKEN" 'http://localhost:$QUERY_PORT/v1/services/payments/logs?level=ERROR,FATAL&limit=10'
                   curl -s -H "Authorization: Bearer \$TOKEN" "http://localhost:$QUERY_PORT/v1/services/checkout/logs?from=\$(date -u -d '-1 min' +%FT%TZ)&direction=forward"
                   curl -s -H "Authorization: Bearer \$TOKEN" http://localhost:$QUERY_PORT/v1/services
                   curl -sN -H "Authorization: Bearer \$TOKEN" 'http://localhost:$QUERY_PORT/v1/services/checkout/logs/tail?level=ERROR,FATAL'
  Loki API         (logcli 1.x speaks basic auth: the token is its password, as against hosted Loki)
                   LOKI_ADDR=http://localhost:$QUERY_PORT LOKI_USERNAME=me LOKI_PASSWORD=\$TOKEN "\$(scripts/build-logcli.sh)" query '{service="checkout",level=~"ERROR|FATAL"} |= "timeout"'
                   (logcli v1.6.1, Apache-2.0: scripts/build-logcli.sh builds it; Grafana: monitoring/grafana/provisioning, docs/loki.md)
  Retention, deletes (an administrator's token; docs/retention.md)
                   ADMIN=\$(cat $RUN/admin-token)
                   curl -s -X PUT -H "Authorization: Bearer \$ADMIN" -H 'Content-Type: text/plain' --data 'checkout:DEBUG=3d default=30d' http://localhost:$QUERY_PORT/v1/admin/retention
                   curl -s -X POST -G -H "Authorization: Bearer \$ADMIN" --data start=0 --data-urlencode 'query={service="checkout"} |= "timeout"' http://localhost:$QUERY_PORT/loki/api/v1/delete
                   curl -s -H "Authorization: Bearer \$ADMIN" http://localhost:$QUERY_PORT/loki/api/v1/delete
  OpenAPI          curl -s -H "Authorization: Bearer \$TOKEN" http://localhost:$QUERY_PORT/swagger/log-stream-query-api-1.yml
  Health           http://localhost:$CONSUMER_PORT/health   http://localhost:$QUERY_PORT/health   (details: HEALTH_DETAILS_VISIBLE=ANONYMOUS)
  Prometheus       http://localhost:$CONSUMER_PORT/prometheus   http://localhost:$QUERY_PORT/prometheus
                   (prometheus --config.file=monitoring/prometheus.yml scrapes both)
  LogError events  tail -f $RUN/logerror-events.jsonl
  Dead letters     curl -s '$DLQ_QUEUE_URL?Action=ReceiveMessage&MaxNumberOfMessages=10&VisibilityTimeout=0'
  Logs             $RUN/*.log

Ctrl-C stops everything.
INFO
wait "${pids[@]}"
