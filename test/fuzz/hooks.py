"""Schemathesis hooks for test/fuzz/schemathesis.test.ts (loaded through `hooks` in its config).

Path ids: in four of five positive cases, `{id}` becomes a real one (SUBLEDGER_FUZZ_DEPLOYMENTS,
SUBLEDGER_FUZZ_STOPPABLE for POST .../stop and .../flatten (both end a deployment), SUBLEDGER_FUZZ_REBALANCES for /rebalances/{id}: comma
separated, set by the test), so that requests reach the books rather than a 404. (Not a dictionary
binding in schemathesis.toml: on the operations whose only parameter is the path id, Hypothesis'
target phase then hill-climbs over the binding's random draws for minutes without sending a request.)

POST /deployments/{id}/orders has cross-field rules that its OpenAPI document cannot state: exactly
one of `qty` and `notional`, `limit_price` for a limit order and none for a market order. A body
generated from the document alone breaks one of them nearly every time, so no order would ever be
accepted and journaled. For the *positive* cases only (data the document allows), this hook makes
such a body follow those rules; negative cases (data the document forbids) are left exactly as
generated, so the checks on them (negative_data_rejection) see what schemathesis meant to send.
Every choice is derived from the body itself, so a run stays reproducible from its seed.
"""

import os
import zlib

import schemathesis
from schemathesis.generation import metrics

# Schemathesis steers each operation toward accepted inputs with `hypothesis.target(success_rate)`.
# Hypothesis' target phase then hill-climbs on operations whose only parameter is the path id
# (pause, resume, positions, ...) for one to several minutes per operation, replaying choice
# sequences without sending a single request: a run of 1 minute took 3 to 5. The hooks here steer
# toward real ids and valid orders instead, so that target is switched off (no `--generation-maximize`
# metric is used either). The pin in requirements.txt keeps this internal name stable.
if not callable(getattr(metrics, "maximize", None)):
    raise RuntimeError("schemathesis.generation.metrics.maximize is gone: revisit test/fuzz/hooks.py")
metrics.maximize = lambda *args, **kwargs: None


def _ids(name):
    return [value for value in os.environ.get(name, "").split(",") if value]


DEPLOYMENTS = _ids("SUBLEDGER_FUZZ_DEPLOYMENTS")
STOPPABLE = _ids("SUBLEDGER_FUZZ_STOPPABLE")
REBALANCES = _ids("SUBLEDGER_FUZZ_REBALANCES")


def _hash(value):
    return zlib.crc32(repr(value).encode())


def _pick(body, choices):
    return choices[_hash(sorted(body.items())) % len(choices)]


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative:
        return case
    operation = case.operation
    path = operation.path
    parameters = case.path_parameters
    if isinstance(parameters, dict) and "id" in parameters:
        pool = STOPPABLE if path.endswith(("/stop", "/flatten")) else REBALANCES if path.startswith("/rebalances/") else DEPLOYMENTS
        h = _hash(parameters["id"])
        if pool and h % 5:
            case.path_parameters = {**parameters, "id": pool[h // 5 % len(pool)]}
    if operation.method.upper() == "POST" and path.endswith("/orders") and isinstance(case.body, dict):
        _follow_order_rules(case)
    return case


def _follow_order_rules(case):
    body = dict(case.body)
    if "qty" in body and "notional" in body:
        del body[_pick(body, ("qty", "notional"))]
    elif "qty" not in body and "notional" not in body:
        body["qty"] = "1"
    if body.get("type") == "limit":
        body.setdefault("limit_price", "150")
    else:
        body.pop("limit_price", None)
    case.body = body
    return case
