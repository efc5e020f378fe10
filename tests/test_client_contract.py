"""Everything the generated client sends is in the contract the build writes (dist/commerce/openapi.json).

The client's real requests are recorded by tests/js/client.js while it logs in, orders, pays, cancels, meets a
changed price and reads its orders against the test double of tests/test_client_session.py; each request must
match a path and method of the built site's contract, carry every required field and no field the contract
does not name (the contract used to omit `couponId` and `inviter`), and send the headers it declares.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from tests.conftest import write_site
from tests.test_client_session import GREEN_2, SHOP, ContractDouble, node_or_skip, run_client

# The client sends these only when they apply: a shopper who came from an invite, with a coupon chosen.
INVITED = {"code": "shopper-9", "storage": {"mpgen-inviter": "user-7"}, "coupon": 1}
COUPON = {"id": "C1", "title": "新人券", "amountFen": 500, "minSpendFen": 0}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    site = write_site(tmp_path_factory.mktemp("contract") / "site", SHOP)
    build(site, site / "out")
    return site / "out"


@pytest.fixture(scope="module")
def sent(built: Path) -> list[dict[str, Any]]:
    """Every request the client made in a few shopping runs (fake-pay calls are the test's, not the client's)."""
    double = ContractDouble()
    double.coupons = [COUPON]
    try:
        runs = [
            run_client(built / "miniprogram", double.url, "buy", {"items": GREEN_2, "staleSession": "gone"}),
            run_client(
                built / "miniprogram",
                double.url,
                "buy",
                {"items": GREEN_2, "payment": "cancel", "ordersAction": "cancel", **INVITED},
            ),
            run_client(
                built / "miniprogram",
                double.url,
                "buy",
                {"items": GREEN_2, "payment": "cancel", "ordersAction": "pay", "ordersPayment": "success"},
            ),
        ]
        double.prices[("green", "")] = 1790
        runs.append(run_client(built / "miniprogram", double.url, "buy", {"items": GREEN_2}))
    finally:
        double.close()
    assert double.inviters == {"openid-shopper-9": "user-7"}
    return [r for run in runs for r in run["requests"] if not r.get("fake")]


def contract(built: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((built / "commerce" / "openapi.json").read_text(encoding="utf-8"))
    return document


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            found: dict[str, Any] = operations[method.lower()]
            return found
    return None


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its $ref followed, and an optional value's `anyOf: [X, null]` as X."""
    while True:
        if "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = document["components"]["schemas"][name]
        elif "anyOf" in schema:
            (schema,) = [option for option in schema["anyOf"] if option.get("type") != "null"]
        else:
            return schema


def mismatches(document: dict[str, Any], value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Where `value` has a field `schema` does not declare or lacks one it requires, all the way down."""
    schema = resolved(document, schema)
    if isinstance(value, dict) and "properties" in schema:
        found = [f"{where}.{name}: not in the contract" for name in value if name not in schema["properties"]]
        found += [f"{where}.{name}: required, not sent" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in schema["properties"]:
                found += mismatches(document, item, schema["properties"][name], f"{where}.{name}")
        return found
    if isinstance(value, list) and "items" in schema:
        return [
            problem
            for i, item in enumerate(value)
            for problem in mismatches(document, item, schema["items"], f"{where}[{i}]")
        ]
    return []


def test_the_client_made_each_kind_of_call(sent: list[dict[str, Any]]) -> None:
    kinds = {(r["method"], re.sub(r"/orders/[^/]+", "/orders/{id}", r["path"].split("?")[0])) for r in sent}
    assert kinds == {
        ("POST", "/session"),
        ("GET", "/coupons/mine"),
        ("POST", "/orders"),
        ("POST", "/orders/{id}/pay"),
        ("POST", "/orders/{id}/query"),
        ("POST", "/orders/{id}/cancel"),
        ("GET", "/orders"),
    }


def test_every_request_is_in_the_contract_with_only_its_fields(built: Path, sent: list[dict[str, Any]]) -> None:
    document = contract(built)
    problems: list[str] = []
    for request in sent:
        path = request["path"].split("?")[0]
        name = f"{request['method']} {path}"
        found = operation(document, request["method"], path)
        if found is None:
            if not path.startswith("/coupons"):  # the growth endpoints are described by hand, see below
                problems.append(f"{name}: not in the contract")
            continue
        headers = {p["name"] for p in found.get("parameters", []) if p["in"] == "header" and p.get("required")}
        if request["idempotencyKey"] is not None and "Idempotency-Key" not in headers:
            problems.append(f"{name}: sends Idempotency-Key, which the contract does not name")
        if "Idempotency-Key" in headers and request["idempotencyKey"] is None:
            problems.append(f"{name}: the contract requires Idempotency-Key")
        if request["body"] is None:
            if found.get("requestBody", {}).get("required"):
                problems.append(f"{name}: the contract expects a body")
            continue
        schema = found["requestBody"]["content"]["application/json"]["schema"]
        problems += mismatches(document, request["body"], schema, name)
    assert problems == []


def test_coupon_and_inviter_were_sent(sent: list[dict[str, Any]]) -> None:
    # the contract omitted both once: the test above only means something if the client really sent them
    assert any(r["path"] == "/session" and r["body"].get("inviter") == "user-7" for r in sent)
    orders = [r for r in sent if (r["method"], r["path"]) == ("POST", "/orders")]
    assert any(r["body"].get("couponId") == "C1" and r["status"] == 200 for r in orders)


def test_the_login_answer_is_declared_as_the_client_reads_it(built: Path) -> None:
    document = contract(built)
    answer = document["paths"]["/session"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    answer = resolved(document, answer)
    assert {"session", "expiresAt"} <= set(answer["required"]) and answer["properties"]["expiresAt"][
        "format"
    ] == "date-time"
