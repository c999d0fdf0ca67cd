"""The exact counts, checked from outside: a whole minute the count watermark has passed, counted four ways, each
equal to the REST API's records of that minute per level (docs/counts.md).

  counts_check.py API TOKEN wait AFTER_MS      waits for such a minute after AFTER_MS that holds checkout records
                                               and prints its end (epoch ms)
  counts_check.py API TOKEN check MINUTE_MS LOGCLI_OUTPUT
                                               logcli's instant query at the minute's end (its output file), Loki's
                                               query_range at whole minutes, index/volume_range and
                                               GET /v1/services/{service}/volume against the REST records
"""
import datetime
import json
import sys
import time

import rest

api, token, mode = sys.argv[1], sys.argv[2], sys.argv[3]
MIN = 60_000
SERVICE = "checkout"


def millis(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


if mode == "wait":
    after = int(sys.argv[4])
    deadline = time.time() + 210
    while time.time() < deadline:
        _, headers, body = rest.get(api, token, "/v1/services")
        minute = body.get("lastCompleteMinute")
        _, vheaders, _ = rest.get(api, token, "/v1/services/%s/volume" % SERVICE)
        complete = millis(vheaders.get("X-Complete-Until"))
        # the minute is done for the records too, with a margin for records that arrived just after their ts
        # and it holds records: the run's first minute may end before the producer's first checkout record
        if minute and millis(minute) > after and complete >= millis(minute) + 3000 \
                and next(rest.records(api, token, SERVICE, millis(minute) - MIN + 1, millis(minute)), None):
            print(millis(minute))
            sys.exit(0)
        time.sleep(2)
    print("no whole minute after %d with records was counted within 210 s" % after, file=sys.stderr)
    sys.exit(1)

minute = int(sys.argv[4])
checks = rest.Checks("counts")
expected = {}
for item in rest.records(api, token, SERVICE, minute - MIN + 1, minute):
    expected[item["level"]] = expected.get(item["level"], 0) + 1
checks.check("the minute holds records (%s)" % expected, sum(expected.values()) > 0)

# logcli, a client no one here wrote: its instant query's vector
text = open(sys.argv[5]).read()
start = min(i for i in (text.find("["), text.find("{")) if i >= 0)
parsed = json.loads(text[start:])
samples = parsed["data"]["result"] if isinstance(parsed, dict) else parsed
got = {s["metric"].get("level"): int(float(s["value"][1])) for s in samples}
checks.check("logcli instant-query sum by (level) (count_over_time([1m])) at the minute = REST", got == expected,
             "got %s" % got)

# Loki's query_range over the minute and the one before, at whole-minute steps: the last point is the minute
_, headers, body = rest.get(api, token, "/loki/api/v1/query_range", {
    "query": 'sum by (level) (count_over_time({service="%s"}[1m]))' % SERVICE,
    "start": str((minute - MIN) * 1_000_000), "end": str(minute * 1_000_000), "step": "60s"})
got = {}
for series in body["data"]["result"]:
    for ts, value in series["values"]:
        if int(float(ts)) * 1000 == minute:
            got[series["metric"]["level"]] = int(value)
checks.check("query_range at whole minutes, the minute's point = REST", got == expected, "got %s" % got)

# index/volume_range: the bytes of the minute per level, from the counts
_, _, body = rest.get(api, token, "/loki/api/v1/index/volume_range", {
    "query": '{service="%s"}' % SERVICE, "start": str((minute - MIN) * 1_000_000), "end": str(minute * 1_000_000),
    "step": "60s", "targetLabels": "level"})
expected_bytes = {}
for item in rest.records(api, token, SERVICE, minute - MIN + 1, minute):
    expected_bytes[item["level"]] = expected_bytes.get(item["level"], 0) + len(item["message"].encode("utf-8"))
got = {s["metric"]["level"]: int(s["values"][-1][1]) for s in body["data"]["result"]}
checks.check("index/volume_range bytes of the minute = REST", got == expected_bytes, "got %s" % got)

# the REST volume of the minute
_, headers, body = rest.get(api, token, "/v1/services/%s/volume" % SERVICE,
                            {"from": minute - MIN, "to": minute, "step": "1m"})
points = body["points"]
checks.check("GET /v1/services/%s/volume of the minute = REST" % SERVICE,
             len(points) == 1 and points[0]["records"] == expected and points[0]["bytes"] == expected_bytes,
             "got %s" % points)
sys.exit(checks.done())
