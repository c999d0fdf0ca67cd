"""Replays the requests Grafana's Loki data source sends, against a local run, and asserts each answer's status and
shape; the logs-volume query's counts must equal the REST API's records of the window, per level.

The calls are taken from Loki's HTTP API documentation and from what the data source is known to send (its health
check, the label browser, Explore with its supplementary queries, a dashboard logs panel and live tailing), with its
parameters and headers. Usage: grafana_replay.py API TOKEN FROM_MS TO_MS (a window the watermark has passed).
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket

import rest

api, token, frm, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
checks = rest.Checks("grafana")
start, end = str(frm * 1_000_000), str(to * 1_000_000)
# what the data source adds to every request
GRAFANA = {"X-Grafana-Org-Id": "1", "X-Query-Tags": "Source=grafana", "User-Agent": "Grafana/11.0.0",
           "X-Loki-Response-Encoding-Flags": "categorize-labels"}
calls = []


def call(name, path, params, shape, headers=None):
    """GET path; 200 and shape(body) true, or a failure. Returns the body."""
    url = api + path + "?" + urllib.parse.urlencode(params, doseq=True)
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token, **GRAFANA, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode("utf-8", "replace")
    try:
        shaped = status == 200 and shape(body)
    except (KeyError, TypeError, IndexError, ValueError, AttributeError):
        shaped = False
    calls.append((name, path, status))
    checks.check("%s: GET %s -> %d" % (name, path, status), shaped, str(body)[:300])
    return body if isinstance(body, dict) else {}


def success(data_type):
    return lambda b: b["status"] == "success" and isinstance(b["data"], data_type)


def result(kind):
    return lambda b: b["status"] == "success" and b["data"]["resultType"] == kind and isinstance(b["data"]["result"], list)


def streams_shape(b):
    """Loki's streams under categorize-labels (the flag the data source sends): stream labels only in "stream", an
    entry's structured metadata and parsed labels in its third element, and encodingFlags saying so."""
    if not result("streams")(b) or b["data"].get("encodingFlags") != ["categorize-labels"]:
        return False
    for stream in b["data"]["result"]:
        assert set(stream["stream"]) <= {"host", "level", "service"}
        for value in stream["values"]:
            ts, line = value[0], value[1]
            assert ts.isdigit() and isinstance(line, str) and len(value) in (2, 3)
            if len(value) == 3:
                assert set(value[2]) <= {"structuredMetadata", "parsed"} and value[2]
    return "stats" in b["data"]


# health check (Grafana 10+: a constant metric query)
health = call("health check", "/loki/api/v1/query", {"query": "vector(1)+vector(1)", "time": end}, result("vector"))
checks.check("health check evaluates to 2", health.get("data", {}).get("result", [{}])[0].get("value", [0, ""])[1] == "2")
call("health check (older)", "/loki/api/v1/labels", {"start": start, "end": end}, success(list))

# label browser
labels = call("label browser: names", "/loki/api/v1/labels", {"start": start, "end": end}, success(list))
checks.check("label names are host, level, service", labels.get("data") == ["host", "level", "service"])
services = call("label browser: service values", "/loki/api/v1/label/service/values", {"start": start, "end": end},
                success(list))
checks.check("checkout is among the services", "checkout" in services.get("data", []))
narrowed = call("label browser: values narrowed by query", "/loki/api/v1/label/service/values",
                {"query": '{service="checkout"}', "start": start, "end": end}, success(list))
checks.check("query= narrows service values to the selector's", narrowed.get("data") == ["checkout"])
call("label browser: level values", "/loki/api/v1/label/level/values",
     {"query": '{service="checkout"}', "start": start, "end": end}, success(list))
call("label browser: series", "/loki/api/v1/series", {"match[]": '{service="checkout"}', "start": start, "end": end},
     lambda b: success(list)(b) and all(s["service"] == "checkout" for s in b["data"]))

# Explore: the query's size, the logs, then the supplementary logs volume and the drilldown calls
selector = '{service="checkout"}'
stats = call("explore: index/stats", "/loki/api/v1/index/stats", {"query": selector, "start": start, "end": end},
             lambda b: all(isinstance(b[k], int) for k in ("streams", "chunks", "entries", "bytes")))
logs = call("explore: logs", "/loki/api/v1/query_range",
            {"query": selector, "start": start, "end": end, "limit": "1000", "direction": "backward",
             "step": "2000ms"}, streams_shape)
step_ms = 10_000
volume = call("explore: logs volume", "/loki/api/v1/query_range",
              {"query": "sum by (level, detected_level) (count_over_time(%s | drop __error__ [10s]))" % selector,
               "start": str((frm + step_ms - 1) * 1_000_000), "end": str((to - 1) * 1_000_000), "step": "10000ms"},
              result("matrix"), headers={"X-Query-Tags": "Source=logvolhist"})
call("explore: logs sample", "/loki/api/v1/query_range",
     {"query": selector, "start": start, "end": end, "limit": "100", "direction": "backward"}, streams_shape)
call("explore: detected_fields", "/loki/api/v1/detected_fields", {"query": selector, "start": start, "end": end},
     lambda b: isinstance(b["fields"], list))
call("explore: detected_labels", "/loki/api/v1/detected_labels", {"query": selector, "start": start, "end": end},
     lambda b: {l["label"] for l in b["detectedLabels"]} == {"host", "level", "service"})
call("explore: detected_field values", "/loki/api/v1/detected_field/level/values",
     {"query": selector, "start": start, "end": end}, lambda b: isinstance(b["values"], list))
call("drilldown: patterns", "/loki/api/v1/patterns", {"query": selector, "start": start, "end": end, "step": "10s"},
     success(list))
call("drilldown: index/volume", "/loki/api/v1/index/volume",
     {"query": '{service=~".+"}', "start": start, "end": end, "limit": "100", "targetLabels": "service",
      "aggregateBy": "labels"}, result("vector"))
call("drilldown: index/volume_range", "/loki/api/v1/index/volume_range",
     {"query": selector, "start": start, "end": end, "step": "10s", "targetLabels": "level"}, result("matrix"))
call("drilldown: limits", "/loki/api/v1/drilldown-limits", {}, lambda b: isinstance(b["limits"], dict))

# Explore's field filters and Logs Drilldown's fields tab, on the records' attributes (structured metadata): the
# breakdown of a field's values, a filter for one value, a numeric filter, and a numeric field's average
fields = call("drilldown: fields breakdown", "/loki/api/v1/query_range",
              {"query": 'sum by (status) (count_over_time(%s | status != "" [10s]))' % selector,
               "start": str((frm + step_ms - 1) * 1_000_000), "end": str((to - 1) * 1_000_000), "step": "10000ms"},
              result("matrix"), headers={"X-Query-Tags": "Source=grafana-lokiexplore-app"})
filtered = call("explore: filter for value", "/loki/api/v1/query_range",
                {"query": '%s | drop __error__, __error_details__ | status="500"' % selector, "start": start,
                 "end": end, "limit": "5000", "direction": "forward"}, streams_shape)
slow = call("explore: numeric field filter", "/loki/api/v1/query_range",
            {"query": '%s | latencyMs > 1500' % selector, "start": start, "end": end, "limit": "5000",
             "direction": "forward"}, streams_shape)
call("drilldown: numeric field", "/loki/api/v1/query_range",
     {"query": 'avg_over_time(%s | unwrap latencyMs | __error__="" [10s]) by ()' % selector,
      "start": str((frm + step_ms - 1) * 1_000_000), "end": str((to - 1) * 1_000_000), "step": "10000ms"},
     result("matrix"))

# a dashboard logs panel: ERROR and FATAL of one service, forward
call("logs panel", "/loki/api/v1/query_range",
     {"query": '{service="checkout", level=~"ERROR|FATAL"} |= "timeout"', "start": start, "end": end,
      "limit": "1000", "direction": "forward", "step": "5s"}, streams_shape)

# the exact volume: per level, the sum of the points equals the REST API's records they cover; the points are at
# t = frm + 10 s - 1 ms, t + 10 s, ... up to to - 1 ms, so their 10 s windows (t - 10 s, t] cover [frm, last] once
last = frm + step_ms - 1 + ((to - 1) - (frm + step_ms - 1)) // step_ms * step_ms
expected = {}
for item in rest.records(api, token, "checkout", frm, last):
    expected[item["level"]] = expected.get(item["level"], 0) + 1
got = {}
for series in volume.get("data", {}).get("result", []):
    got[series["metric"].get("level")] = sum(int(v) for _, v in series["values"])
checks.check("logs volume = REST records per level (%s)" % expected, got == expected and expected, "got %s" % got)
checks.check("index/stats entries = REST records of the window",
             stats.get("entries") == sum(1 for _ in rest.records(api, token, "checkout", frm, to - 1)))
window = list(rest.records(api, token, "checkout", frm, to - 1))
by_status = {}
for item in rest.records(api, token, "checkout", frm, last):
    status = str((item.get("attributes") or {}).get("status", ""))
    if status:
        by_status[status] = by_status.get(status, 0) + 1
got_status = {}
for series in fields.get("data", {}).get("result", []):
    got_status[series["metric"].get("status")] = sum(int(v) for _, v in series["values"])
checks.check("fields breakdown = REST records per status (%s)" % by_status, got_status == by_status and by_status,
             "got %s" % got_status)
def entries(body):
    return sum(len(s["values"]) for s in body.get("data", {}).get("result", []))
checks.check("filter for status=500 = REST records with it",
             entries(filtered) == sum(1 for i in window if (i.get("attributes") or {}).get("status") == 500))
checks.check("latencyMs > 1500 = REST records with it",
             entries(slow) == sum(1 for i in window if (i.get("attributes") or {}).get("latencyMs", 0) > 1500))
checks.check("logs hold records", sum(len(s["values"]) for s in logs.get("data", {}).get("result", [])) > 0)

# live tailing, as Explore's live mode opens it: start, delay_for and limit, the token in the header
since = int(time.time() * 1000) - 20_000
url = api.replace("http", "ws", 1) + "/loki/api/v1/tail?" + urllib.parse.urlencode(
    {"query": selector, "start": since * 1_000_000, "delay_for": "1", "limit": "5"})
frames, entries = [], 0
socket = websocket.create_connection(url, header=["Authorization: Bearer " + token], timeout=20)
try:
    deadline = time.time() + 15
    while time.time() < deadline and len(frames) < 3:
        frame = json.loads(socket.recv())
        frames.append(frame)
        entries += sum(len(s["values"]) for s in frame["streams"])
finally:
    socket.close()
calls.append(("live tail", "/loki/api/v1/tail", 101))
checks.check("live tail: frames of streams with dropped_entries",
             frames and all("streams" in f and "dropped_entries" in f for f in frames))
first = sum(len(s["values"]) for s in frames[0]["streams"]) if frames else 0
checks.check("live tail: the first frame holds at most limit=5 records (%d)" % first, 0 < first <= 5)
checks.check("live tail: more frames follow as records are released (%d frames)" % len(frames), len(frames) >= 2)

print("grafana replay: %d calls (%s)" % (len(calls), ", ".join(sorted({"%d" % c[2] for c in calls}))))
sys.exit(checks.done())
