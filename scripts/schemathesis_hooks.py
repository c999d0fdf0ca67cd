"""schemathesis hooks for scripts/fuzz-api.sh: the three request rules OpenAPI 3.0 cannot state.

A schema-valid request can still be refused for three reasons that no schema expresses, so positive (schema-valid)
cases are adjusted to respect them before they are sent:
- a cursor must be one this service signed for the same query: positive cases carry no invented cursor;
- `from` must not be after `to`: positive cases with both have them in order;
- a volume has at most 11,000 points: a positive case's `from` is moved up to 11,000 steps before its `to`.
Negative cases are sent unchanged.
"""
from datetime import datetime, timezone

import time

import schemathesis
from schemathesis.generation import GenerationMode

MAX_POINTS = 11_000


def _millis(value):
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp() * 1000


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE or not case.query:
        return
    case.query.pop("cursor", None)
    start, end = case.query.get("from"), case.query.get("to")
    if start not in (None, "") and end not in (None, ""):
        a, b = _millis(start), _millis(end)
        if a is not None and b is not None and max(0, a) > max(0, b):
            case.query["from"], case.query["to"] = end, start
    if case.path.endswith("/volume"):
        step_text = str(case.query.get("step") or "1m")
        step = int(step_text[:-1]) * (3_600_000 if step_text.endswith("h") else 60_000)
        end = case.query.get("to")
        to = _millis(end) if end not in (None, "") else time.time() * 1000
        begin = case.query.get("from")
        frm = _millis(begin) if begin not in (None, "") else to - 3_600_000
        if to is not None and frm is not None and (max(0, to) - max(0, frm)) / step > MAX_POINTS - 1:
            case.query["from"] = str(max(0, int(to - (MAX_POINTS - 1) * step)))
