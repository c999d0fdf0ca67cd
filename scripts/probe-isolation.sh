#!/usr/bin/env bash
# Probes a running query-service with the requests of the isolation issue that need no special token, and prints one
# line per row: status, seconds, and the start of the answer. Every request is bounded (curl -m). Used for the
# before/after figures in docs/query.md; not a test.
# Usage: scripts/probe-isolation.sh [port=8080] [token file=.local-run/token]
set -uo pipefail
PORT=${1:-8080}
TOKEN=$(cat "${2:-.local-run/token}")
API=http://127.0.0.1:$PORT
enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
probe() { # row, description, curl arguments...
  local row=$1 what=$2; shift 2
  local out; out=$(curl -s -m 60 -o /tmp/probe-body.$$ -w '%{http_code} %{time_total}' "$@" 2>&1) || true
  printf '%-4s %-62s %s  %s\n' "$row" "$what" "$out" "$(head -c 110 /tmp/probe-body.$$ 2>/dev/null | tr '\n' ' ')"
  rm -f /tmp/probe-body.$$
}
bomb=$(enc '{service=~"(((a{1000}){1000}){1000}){1000}"}')
probe 3 "query_range with a nested-repetition regex" -H "Authorization: Bearer $TOKEN" "$API/loki/api/v1/query_range?query=$bomb"
probe 3 "the same regex as a line filter" -H "Authorization: Bearer $TOKEN" \
  "$API/loki/api/v1/query_range?query=$(enc '{service="checkout"} |~ "(((a{1000}){1000}){1000}){1000}"')"
sel=$(enc '{service=~"checkout|payments|inventory|search|auth|shipping|svc-6|svc-7",level="TRACE"}')
series="$API/loki/api/v1/series?start=0"
for _ in $(seq 1 32); do series="$series&match[]=$sel"; done
probe 4 "series with 32 match[] over 8 services at TRACE, since 1970" -H "Authorization: Bearer $TOKEN" "$series"
series16="$API/loki/api/v1/series?start=0"
for _ in $(seq 1 16); do series16="$series16&match[]=$sel"; done
probe 4 "the same with 16 match[]" -H "Authorization: Bearer $TOKEN" "$series16"
probe 5 "SSE tail with Last-Event-ID 0000000000000#x (first 5 s)" -m 5 -H "Authorization: Bearer $TOKEN" \
  -H "Last-Event-ID: 0000000000000#x" "$API/v1/services/checkout/logs/tail"
probe 12 "a 20 KB URL" -H "Authorization: Bearer $TOKEN" "$API/loki/api/v1/query_range?query=$(head -c 20000 /dev/zero | tr '\0' a)"
probe 12 "a 10 KB header" -H "Authorization: Bearer $TOKEN" -H "X-Big: $(head -c 10000 /dev/zero | tr '\0' b)" "$API/v1/services"
probe 15 "GET /v1/services (body shows whether services is present)" -H "Authorization: Bearer $TOKEN" "$API/v1/services"
codes=$(seq 1 200 | xargs -P 16 -I{} curl -s -m 10 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" \
  "$API/v1/services/checkout/logs?limit=1")
echo "4    200 requests, 16 at a time, one token: $(grep -c '^200$' <<< "$codes") answered 200, $(grep -c '^429$' <<< "$codes") refused 429"
