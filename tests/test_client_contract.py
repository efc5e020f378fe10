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
    for request in sent:
        path = request["path"].split("?")[0]
        found = operation(document, request["method"], path)
        assert found is not None, f"{request['method']} {path} is not in the contract"
        headers = {p["name"] for p in found.get("parameters", []) if p["in"] == "header"}
        if request["idempotencyKey"] is not None:
            assert "Idempotency-Key" in headers, f"{path}: the client sends Idempotency-Key"
        for name in headers:
            assert request["idempotencyKey"] is not None, f"{path}: the contract requires {name}"
        if request["auth"] is not None:
            assert found.get("security"), f"{path}: the client sends a session the contract does not ask for"
        body = request["body"]
        if body is None:
            assert "requestBody" not in found, f"{path}: the contract expects a body"
            continue
        schema = found["requestBody"]["content"]["application/json"]["schema"]
        assert set(body) <= set(schema["properties"]), f"{path}: {set(body) - set(schema['properties'])} undeclared"
        assert set(schema.get("required", [])) <= set(body), f"{path}: a required field is missing"
        if path == "/orders":
            item = schema["properties"]["items"]["items"]
            for line in body["items"]:
                assert set(line) <= set(item["properties"]) and set(item["required"]) <= set(line)


def test_coupon_and_inviter_were_sent(sent: list[dict[str, Any]]) -> None:
    # the contract omitted both once: the test above only means something if the client really sent them
    assert any(r["path"] == "/session" and r["body"].get("inviter") == "user-7" for r in sent)
    orders = [r for r in sent if (r["method"], r["path"]) == ("POST", "/orders")]
    assert any(r["body"].get("couponId") == "C1" and r["status"] == 200 for r in orders)


def test_the_login_answer_is_declared_as_the_client_reads_it(built: Path) -> None:
    document = contract(built)
    answer = document["paths"]["/session"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["session"] and answer["properties"]["expiresAt"]["format"] == "date-time"
