#!/usr/bin/env bash
# Runs log-stream as containers against LocalStack in a container, and checks it the way an operator would:
#   - LocalStack (log-stream/localstack:4.14.0) on a private bridge network, its port published on 127.0.0.1;
#   - the resources created as terraform/ declares them (local-aws's LocalStackSetup, which also serves the JWKS);
#   - both service images, as k8s/ runs them: user 10001, read-only root file system with a /tmp tmpfs, every
#     capability dropped, no privilege escalation. They use host networking bound to 127.0.0.1, so that they reach
#     LocalStack's published port and the JWKS on loopback; AWS_ENDPOINT_URL (the SDK's own variable) points them
#     at LocalStack;
#   - checks: both containers become healthy (Docker's HEALTHCHECK), a record put on the stream is read back through
#     the query-service container with a bearer token, its LogError event reaches the rule's SQS target, the
#     containers run as non-root and cannot write their root file system.
# Prints the image sizes and start-up times. Exit status 0 only if every check passed.
# Needs: the images (scripts/build-images.sh), the jars (mvn package), curl, python3.
# Environment: CONSUMER_PORT (18081), QUERY_PORT (18080), KEEP=1 leaves everything running.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/.local-run/containers
CONSUMER_PORT=${CONSUMER_PORT:-18081}
QUERY_PORT=${QUERY_PORT:-18080}
LOCALSTACK_IMAGE=${LOCALSTACK_IMAGE:-log-stream/localstack:4.14.0}
VERSION=0.1.0
NAME=logstream-$$
REGION=us-east-1

rm -rf "$RUN" && mkdir -p "$RUN"
passed=0; failed=0
check() {  # description, command...
  local what=$1; shift
  if "$@" > "$RUN/check.log" 2>&1; then echo "ok   $what"; passed=$((passed+1))
  else echo "FAIL $what"; sed 's/^/     /' "$RUN/check.log" | tail -20; failed=$((failed+1)); fi
}
setup_pid=
cleanup() {
  trap - EXIT INT TERM
  for c in consumer query localstack; do docker logs "$NAME-$c" > "$RUN/$c.log" 2>&1 || true; done
  if [ "${KEEP:-0}" != 1 ]; then
    docker rm -f "$NAME-consumer" "$NAME-query" "$NAME-localstack" > /dev/null 2>&1 || true
    docker network rm "$NAME" > /dev/null 2>&1 || true
    [ -z "$setup_pid" ] || kill "$setup_pid" 2> /dev/null || true
  fi
  echo "logs are in $RUN"
}
trap cleanup EXIT INT TERM

ms() { date +%s%3N; }
since() { echo $(( $(ms) - $1 )); }

docker network create "$NAME" > /dev/null
t0=$(ms)
docker run -d --name "$NAME-localstack" --network "$NAME" -p 127.0.0.1::4566 "$LOCALSTACK_IMAGE" > /dev/null
for _ in $(seq 1 120); do docker logs "$NAME-localstack" 2>&1 | grep -q '^Ready\.' && break; sleep 0.25; done
docker logs "$NAME-localstack" 2>&1 | grep -q '^Ready\.' || { echo "LocalStack did not get ready"; exit 1; }
localstack_ready=$(since "$t0")
ENDPOINT="http://127.0.0.1:$(docker port "$NAME-localstack" 4566/tcp | head -1 | sed 's/.*://')"

java -cp "local-aws/target/local-aws-$VERSION.jar:$(cat local-aws/target/classpath.txt)" \
  io.logstream.localaws.LocalStackSetup --endpoint "$ENDPOINT" --region "$REGION" --dir "$RUN" > "$RUN/setup.log" 2>&1 &
setup_pid=$!
for _ in $(seq 1 240); do [ -f "$RUN/aws.env" ] && break; sleep 0.5; done
[ -f "$RUN/aws.env" ] || { echo "resources were not created; see $RUN/setup.log"; tail -20 "$RUN/setup.log"; exit 1; }
set -a; . "$RUN/aws.env"; set +a
TOKEN=$(cat "$RUN/token")

hardened=(--network host --read-only --tmpfs /tmp:rw,size=64m --user 10001:10001 --cap-drop ALL
  --security-opt no-new-privileges -e MICRONAUT_SERVER_HOST=127.0.0.1 -e AWS_REGION=$REGION
  -e AWS_ACCESS_KEY_ID=test -e AWS_SECRET_ACCESS_KEY=test -e AWS_ENDPOINT_URL="$ENDPOINT")
t_consumer=$(ms)
docker run -d --name "$NAME-consumer" "${hardened[@]}" -e SERVER_PORT="$CONSUMER_PORT" \
  -e KINESIS_STREAM -e DDB_TABLE -e KCL_APP_NAME -e DLQ_QUEUE_URL -e KCL_INITIAL_POSITION=TRIM_HORIZON \
  log-stream/consumer-service:$VERSION > /dev/null
t_query=$(ms)
docker run -d --name "$NAME-query" "${hardened[@]}" -e SERVER_PORT="$QUERY_PORT" -e DDB_TABLE \
  -e QUERY_AUTH=jwt -e QUERY_JWKS_URL -e QUERY_JWT_ISSUER -e QUERY_JWT_AUDIENCE -e CURSOR_SECRET="$(head -c 32 /dev/urandom | base64)" log-stream/query-service:$VERSION > /dev/null

first_200() {  # port, start ms -> ms until /health answers 200
  for _ in $(seq 1 480); do
    if curl -fs "http://127.0.0.1:$1/health" > /dev/null 2>&1; then since "$2"; return; fi
    sleep 0.25
  done
  echo timeout
}
consumer_up=$(first_200 "$CONSUMER_PORT" "$t_consumer")
query_up=$(first_200 "$QUERY_PORT" "$t_query")
healthy() {  # container -> waits for Docker's health status "healthy"
  for _ in $(seq 1 120); do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ] && return 0; sleep 1
  done
  docker inspect -f '{{json .State.Health}}' "$1"; return 1
}
check "consumer-service container is healthy (HEALTHCHECK)" healthy "$NAME-consumer"
check "query-service container is healthy (HEALTHCHECK)" healthy "$NAME-query"

marker="container-run-$(date +%s%N)"
service=containers
record="{\"service\":\"$service\",\"level\":\"ERROR\",\"message\":\"$marker\",\"host\":\"ci\"}"
put_record() {
  local data; data=$(printf '%s' "$record" | base64 -w0)
  curl -fsS "$ENDPOINT/" -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: Kinesis_20131202.PutRecord' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/$REGION/kinesis/aws4_request, SignedHeaders=host, Signature=0" \
    -d "{\"StreamName\":\"$KINESIS_STREAM\",\"PartitionKey\":\"$marker\",\"Data\":\"$data\"}"
}
check "a record is put on LocalStack's stream" put_record
t_put=$(ms)
read_back() {
  for _ in $(seq 1 240); do
    if curl -fs -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$QUERY_PORT/v1/services/$service/logs?limit=10" \
        | grep -q "$marker"; then return 0; fi
    sleep 0.25
  done
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$QUERY_PORT/v1/services/$service/logs?limit=10"; return 1
}
check "the record is read back through the query-service container" read_back
visible=$(since "$t_put")
anonymous_refused() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$QUERY_PORT/v1/services/$service/logs")" = 401 ]
}
check "an anonymous read is refused with 401" anonymous_refused
event_routed() {
  for _ in $(seq 1 60); do
    curl -fsS "$ENDPOINT/" -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: AmazonSQS.ReceiveMessage' \
      -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/$REGION/sqs/aws4_request, SignedHeaders=host, Signature=0" \
      -d "{\"QueueUrl\":\"$ALERTS_QUEUE_URL\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1}" | grep -q "$marker" && return 0
  done
  return 1
}
check "its LogError event reaches the rule's SQS target" event_routed
for c in consumer query; do
  check "$c-service runs as uid 10001" bash -c "[ \"\$(docker exec $NAME-$c id -u)\" = 10001 ]"
  check "$c-service cannot write its root file system" bash -c "! docker exec $NAME-$c bash -c 'echo x > /app/probe' 2>/dev/null"
  check "$c-service is read-only with no capabilities (docker inspect)" bash -c \
    "docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}' $NAME-$c | grep -qx 'true \[ALL\]'"
done

echo
echo "LocalStack ready ${localstack_ready} ms after docker run; consumer /health 200 after ${consumer_up} ms;" \
  "query /health 200 after ${query_up} ms; put -> readable through the API in ${visible} ms"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^log-stream/' | grep -v ':sha-' | sort
echo "run-containers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
