#!/usr/bin/env bash
# Clients no one here wrote, against one local run of the whole system with authentication on (docs/loki.md):
# - Grafana Loki's own CLI, logcli v1.6.1 (its last Apache-2.0 release, built from the Go module proxy by
#   scripts/build-logcli.sh): labels, label values, LogQL queries forward and backward compared record by record with
#   the REST API, series compared with the label sets the REST API shows, and a live tail that receives records put
#   after it started, and an instant metric query at a whole minute, answered from the exact counts. It speaks only basic auth, so it sends the run's token as the basic-auth password, as against
#   hosted Loki.
# - loki-reader-core (PyPI, MIT): query_range, labels, label values and series, compared with the REST API.
# - a replay of the requests Grafana's Loki data source sends (scripts/loki-clients/grafana_replay.py), each answer's
#   status and shape asserted, the logs volume counted exactly;
# - the counts of one whole minute (scripts/loki-clients/counts_check.py): logcli's instant query, query_range,
#   index/volume_range and the REST volume, each equal to the REST API's records of the minute.
# Needs the jars (mvn package) and Go. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
QUERY_PORT=${QUERY_PORT:-8080}
LOGCLI=$(scripts/build-logcli.sh)
WORK=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. scripts/lib/local-run.sh
start_local_run "$WORK/run-local.log" RATE=200 ERROR_RATIO=0.3
TOKEN=$(cat .local-run/token)
API=http://127.0.0.1:$QUERY_PORT
export LOKI_ADDR=$API LOKI_USERNAME=logcli LOKI_PASSWORD=$TOKEN

failures=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then echo "ok    $name"; else echo "FAIL  $name"; failures=$((failures + 1)); fi
}

# Without the token, and with a wrong one, logcli is refused as the bearer header would be (it exits non-zero).
check "logcli without a password is refused" bash -c "! LOKI_PASSWORD= '$LOGCLI' labels --quiet > /dev/null 2>&1"
check "logcli with a wrong token is refused" bash -c "! LOKI_PASSWORD=not.a.token '$LOGCLI' labels --quiet > /dev/null 2>&1"

# The live tail first, so that the records it must receive are put while it runs.
tail_started_ms=$(date +%s%3N)
timeout 25 "$LOGCLI" query --tail --quiet --since=1s -o jsonl '{service="checkout"}' > "$WORK/tail.jsonl" 2> "$WORK/tail.err" &
tail_pid=$!

sleep 35 # traffic for the window below
to_ms=$(( $(date +%s%3N) - 5000 ))
from_ms=$(( to_ms - 30000 ))
# wait until the completeness watermark has passed the window's end: every record in it is stored
for _ in $(seq 1 60); do
  complete=$(curl -fsS -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/v1/services" | tr -d '\r' \
    | awk -F': ' 'tolower($1) == "x-complete-until" {print $2}')
  complete_ms=$(python3 -c "import datetime,sys; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')).timestamp()*1000))" "$complete")
  [ "$complete_ms" -ge "$to_ms" ] && break
  sleep 1
done
iso() { python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1])/1000, datetime.timezone.utc).isoformat(timespec='milliseconds').replace('+00:00','Z'))" "$1"; }
FROM=$(iso "$from_ms"); TO=$(iso "$to_ms")
echo "window $FROM .. $TO (watermark $complete)"

"$LOGCLI" labels --quiet > "$WORK/labels.txt"
check "logcli labels: host, level, service" diff <(printf 'host\nlevel\nservice\n') "$WORK/labels.txt"
"$LOGCLI" labels --quiet service > "$WORK/services.txt"
curl -fsS -H "Authorization: Bearer $TOKEN" "$API/v1/services" | python3 -c 'import json,sys; [print(s["service"]) for s in json.load(sys.stdin)["services"]]' > "$WORK/rest-services.txt"
check "logcli labels service = GET /v1/services ($(wc -l < "$WORK/services.txt") services)" \
  bash -c "[ -s '$WORK/services.txt' ] && diff '$WORK/rest-services.txt' '$WORK/services.txt'"

"$LOGCLI" query --quiet -o jsonl --from="$FROM" --to="$TO" --limit=5000 --forward \
  '{service="checkout",level=~"ERROR|FATAL"} |= "timeout"' > "$WORK/query.jsonl"
# The REST API: every checkout record of the window (Loki's end is exclusive, the REST API's to inclusive).
python3 - "$API" "$TOKEN" "$from_ms" "$((to_ms - 1))" "$WORK" <<'PY'
import json, sys, urllib.parse, urllib.request
api, token, frm, to, work = sys.argv[1:6]
def pages(params):
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        request = urllib.request.Request(api + "/v1/services/checkout/logs?" + urllib.parse.urlencode(query),
                                         headers={"Authorization": "Bearer " + token})
        page = json.load(urllib.request.urlopen(request))
        yield from page["items"]
        cursor = page["nextCursor"]
        if not cursor:
            return
common = {"from": frm, "to": to, "direction": "forward", "limit": 1000}
errors = [i for i in pages(dict(common, level="ERROR,FATAL")) if "timeout" in i["message"]]
with open(work + "/rest.txt", "w") as out:
    for i in errors:
        out.write("%d000000 %s\n" % (i["ts"], i["message"]))
with open(work + "/rest-series.txt", "w") as out:
    series = {json.dumps(dict(sorted({"service": "checkout", "level": i["level"], **({"host": i["host"]} if i.get("host") else {})}.items())))
              for i in pages(common)}
    out.write("".join(s + "\n" for s in sorted(series)))
PY
python3 -c '
import json, sys, datetime
for line in open(sys.argv[1]):
    e = json.loads(line)
    ts = e["timestamp"]
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    print("%d000000 %s" % (round(t.timestamp() * 1000), e["line"]))
' "$WORK/query.jsonl" > "$WORK/logcli.txt"
check "logcli query {service=checkout,level=~ERROR|FATAL} |= timeout --forward = REST, record by record ($(wc -l < "$WORK/rest.txt") records)" \
  bash -c "[ -s '$WORK/rest.txt' ] && diff '$WORK/rest.txt' '$WORK/logcli.txt'"
"$LOGCLI" query --quiet -o jsonl --from="$FROM" --to="$TO" --limit=5000 \
  '{service="checkout",level=~"ERROR|FATAL"} |= "timeout"' > "$WORK/query-backward.jsonl"
python3 -c '
import json, sys, datetime
for line in open(sys.argv[1]):
    e = json.loads(line)
    t = datetime.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
    print("%d000000 %s" % (round(t.timestamp() * 1000), e["line"]))
' "$WORK/query-backward.jsonl" > "$WORK/logcli-backward.txt"
check "logcli query ... backward = REST newest first, record by record" \
  bash -c "[ -s '$WORK/rest.txt' ] && diff <(tac '$WORK/rest.txt') '$WORK/logcli-backward.txt'"

"$LOGCLI" series --quiet --from="$FROM" --to="$TO" '{service="checkout"}' > "$WORK/series.txt"
python3 -c '
import sys, re, json
for line in open(sys.argv[1]):
    labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", line))
    print(json.dumps(dict(sorted(labels.items()))))
' "$WORK/series.txt" | sort > "$WORK/logcli-series.txt"
check "logcli series {service=checkout} = the label sets of the REST API's records ($(wc -l < "$WORK/rest-series.txt") series)" \
  bash -c "[ -s '$WORK/rest-series.txt' ] && diff '$WORK/rest-series.txt' '$WORK/logcli-series.txt'"

wait "$tail_pid" || true
newer=$(python3 -c '
import json, sys, datetime
started = int(sys.argv[2])
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    ts = e["timestamp"]
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    n += t.timestamp() * 1000 > started + 1000
print(n)
' "$WORK/tail.jsonl" "$tail_started_ms")
check "logcli query --tail received $newer records put after it started" test "$newer" -gt 0

# The Python client and the Grafana replay, in a virtual environment under the project's cache.
. scripts/python-venv.sh scripts/loki-clients/requirements.txt

# The exact counts: a whole minute the count watermark has passed, by logcli and three other ways (docs/counts.md)
if minute_ms=$(python scripts/loki-clients/counts_check.py "$API" "$TOKEN" wait "$from_ms"); then
  "$LOGCLI" instant-query --quiet --now="$(iso "$minute_ms")" \
    'sum by (level) (count_over_time({service="checkout"}[1m]))' > "$WORK/instant.json" 2> "$WORK/instant.err" || true
  check "counts of the minute ending $(iso "$minute_ms") = REST records" \
    python scripts/loki-clients/counts_check.py "$API" "$TOKEN" check "$minute_ms" "$WORK/instant.json"
else
  check "a whole minute with records counted within 210 s" false
fi
check "loki-reader-core = REST" python scripts/loki-clients/reader_check.py "$API" "$TOKEN" "$from_ms" "$to_ms"
check "Grafana's call sequence" python scripts/loki-clients/grafana_replay.py "$API" "$TOKEN" "$from_ms" "$to_ms"

if [ "$failures" -gt 0 ]; then
  echo "Loki clients check: $failures failed"; cat "$WORK/tail.err" >&2; exit 1
fi
echo "Loki clients check: all passed"
