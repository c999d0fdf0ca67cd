"""loki-reader-core (PyPI, MIT), a Loki client no one here wrote, against a local run, compared with the REST API.

Usage: reader_check.py API TOKEN FROM_MS TO_MS (a window the completeness watermark has passed).
"""
import sys

from loki_reader_core import LokiClient
from loki_reader_core.exceptions import LokiAuthError

import rest

api, token, frm, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
checks = rest.Checks("loki-reader-core")
# basic auth whose password is the token, as hosted Loki takes it
client = LokiClient(base_url=api, auth=("loki-reader-core", token))
start_ns, end_ns = frm * 1_000_000, to * 1_000_000  # Loki's end is exclusive; the REST API's `to` inclusive

expected = [(i["ts"] * 1_000_000, i["message"]) for i in rest.records(api, token, "checkout", frm, to - 1)]
result = client.query_range('{service="checkout"}', start=start_ns, end=end_ns, limit=5000, direction="forward")
got = sorted((int(e.timestamp), e.message) for s in result.streams for e in s.entries)
checks.check("query_range {service=checkout} forward = REST, record by record (%d records)" % len(expected),
             len(expected) > 0 and got == expected, "(%d vs %d)" % (len(got), len(expected)))

timeouts = [(ts, m) for ts, m in expected if "timeout" in m]
result = client.query_range('{service="checkout"} |= "timeout"', start=start_ns, end=end_ns, limit=5000,
                            direction="backward")
got = sorted((int(e.timestamp), e.message) for s in result.streams for e in s.entries)
checks.check("query_range {service=checkout} |= timeout backward = REST (%d records)" % len(timeouts),
             len(timeouts) > 0 and got == timeouts, "(%d vs %d)" % (len(got), len(timeouts)))

checks.check("labels = host, level, service", client.get_labels() == ["host", "level", "service"])
_, _, services = rest.get(api, token, "/v1/services")
checks.check("label values service = GET /v1/services",
             client.get_label_values("service") == [s["service"] for s in services["services"]])

rest_series = sorted({tuple(rest.labels_of(i, "checkout").items())
                      for i in rest.records(api, token, "checkout", frm, to - 1)})
got_series = sorted({tuple(sorted(s.items())) for s in client.get_series(['{service="checkout"}'], start=start_ns,
                                                                       end=end_ns)})
checks.check("series {service=checkout} = the REST records' label sets (%d series)" % len(rest_series),
             len(rest_series) > 0 and got_series == rest_series, "%s vs %s" % (got_series, rest_series))
try:
    LokiClient(base_url=api, auth=("loki-reader-core", "not.a.token")).get_labels()
    refused = False
except LokiAuthError:
    refused = True
checks.check("a wrong token as the password is refused (401)", refused)
sys.exit(checks.done())
