"""The REST API's side of the client checks: every record of a window, walked page by page."""
import json
import urllib.parse
import urllib.request


def get(api, token, path, params=None, headers=None):
    url = api + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token, **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), json.load(response)


def records(api, token, service, frm_ms, to_ms, **extra):
    """Every record of a service in [frm_ms, to_ms] (inclusive), oldest first."""
    cursor = None
    while True:
        params = {"from": frm_ms, "to": to_ms, "direction": "forward", "limit": 1000, **extra}
        if cursor:
            params["cursor"] = cursor
        _, _, page = get(api, token, "/v1/services/%s/logs" % service, params)
        yield from page["items"]
        cursor = page["nextCursor"]
        if not cursor:
            return


def labels_of(item, service):
    labels = {"service": service, "level": item["level"]}
    if item.get("host"):
        labels["host"] = item["host"]
    return dict(sorted(labels.items()))


class Checks:
    """ok/FAIL lines, and the number of failures as the exit code."""

    def __init__(self, client):
        self.client = client
        self.failures = 0
        self.passed = 0

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print("ok    %s: %s" % (self.client, name))
        else:
            self.failures += 1
            print("FAIL  %s: %s %s" % (self.client, name, detail))

    def done(self):
        print("%s: %d passed, %d failed" % (self.client, self.passed, self.failures))
        return 1 if self.failures else 0
