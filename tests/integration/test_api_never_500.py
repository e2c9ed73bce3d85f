"""Whatever a client sends, the API answers 2xx-4xx, never a server error (R-OPS: every refusal
is a 4xx saying what was wrong), on both backends.

Every JSON endpoint in the OpenAPI document gets bodies of its own field names holding
arbitrary JSON (strings with control characters, numbers past 64 bits, nesting where text is
expected) from every role, and every GET query parameter and path id gets values no database
holds. Derandomized: the same inputs on every run, so a failure reproduces.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Env

_WORDS = (
    "", "T1", "T2", "S1", "billing", "ana", "escalations_desk", "approve", "deny", "open",
    "2026-01-01T00:00:00Z", "-1", "1e309", "\x00", "\ud7ff", "resolved", "pending_customer",
    "customer_accepted", "refund", "functional", "hierarchical",
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(_WORDS),
    st.just("text with a NUL \x00 inside"),
    st.just("a lone surrogate \ud800 inside"),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)
_ROLES = ["ana", "sue", "ben", "fay", "max", "root"]
_ODD = ["%00", str(2**70), "-" + str(2**70), "1e999", "a" * 3_000, "-1", "0", "%C3%A9" * 400]


def _fill(path: str, case_id: int, value: str | None = None) -> str:
    for name in ("case_id", "approval_id", "alert_id", "message_id", "incident_id", "token"):
        path = path.replace("{" + name + "}", value if value is not None else str(case_id))
    return path


def _json_posts(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    routes = []
    for path, ops in spec["paths"].items():
        op = ops.get("post")
        if op is None or path == "/api/inbound/email":  # raw mail, not JSON: its own tests
            continue
        content = op.get("requestBody", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        schema = spec["components"]["schemas"].get(ref.rpartition("/")[2], {})
        routes.append((path, sorted(schema.get("properties", {}))))
    return routes


def _opened(env: Env) -> int:
    body = {
        "contact_type": "billing_dispute",
        "account": {"id": "acme", "name": "Acme", "value": "vip"},
        "description": "We were charged twice; please refund.",
    }
    r = env.post("ana", "/api/cases", body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _probe(env: Env, url: str, fields: list[str], errors: list[Any]) -> None:
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.fixed_dictionaries({}, optional={f: _VALUES for f in fields}),
        st.sampled_from(_ROLES),
    )
    def post(body: dict[str, Any], who: str) -> None:
        # Sent as ASCII JSON, as most clients send it: a lone surrogate travels as "\\ud800".
        headers = {**env.auth(who), "Content-Type": "application/json"}
        r = env.client.post(url, content=json.dumps(body), headers=headers)
        if r.status_code >= 500:
            errors.append((url, who, body, r.status_code, r.text[:300]))

    post()


def test_no_body_makes_a_server_error(env: Env) -> None:
    case_id = _opened(env)
    routes = _json_posts(env.client.get("/openapi.json").json())
    assert len(routes) >= 20  # the document lists the API (a broken one would test nothing)
    errors: list[tuple[str, str, Any, int, str]] = []
    for path, fields in routes:
        _probe(env, _fill(path, case_id), fields, errors)
    assert not errors, errors[:5]


def test_no_query_or_path_value_makes_a_server_error(env: Env) -> None:
    case_id = _opened(env)
    spec = env.client.get("/openapi.json").json()
    errors: list[tuple[str, int, str]] = []
    gets = [(path, ops["get"]) for path, ops in spec["paths"].items() if "get" in ops]
    assert len(gets) >= 10
    for path, op in gets:
        urls = []
        for param in op.get("parameters", []):
            if param["in"] == "query":
                urls += [f"{_fill(path, case_id)}?{param['name']}={v}" for v in _ODD]
        if "{" in path:
            urls += [_fill(path, case_id, quote(v, safe="%")) for v in _ODD]
        for url in urls:
            r = env.client.get(url, headers=env.auth("root"))
            if r.status_code >= 500:
                errors.append((url[:120], r.status_code, r.text[:300]))
    assert not errors, errors[:5]
