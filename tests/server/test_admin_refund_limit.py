"""The operators' cumulative refund limit over HTTP with --fake-wechat (fake WeChat Pay), on a real SQLite
file and a real PostgreSQL database; MPGEN_ADMIN_REFUND_LIMIT_FEN is 1000 (¥10.00), the order ¥20.50.

What it proves: operators' refunds of one order add up against the limit, whichever operator makes them,
and a refund over what is left is refused with a clear message (before and at the confirmation, nothing
reaching WeChat Pay); the order page shows what is left and offers it as the amount; once it is used up an
operator gets no refund form; the owner's refunds neither count nor are limited; a refund refused before
WeChat Pay was asked gives its claim back, one WeChat Pay never answered keeps counting; and concurrent
refunds by operators (threads through the console, and the claim itself) never exceed the limit together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from generator.server import admin_refund_limit as allowance
from generator.server.admin_auth import Staff
from generator.server.admin_models import AuditEntry, Operator
from generator.server.pay_routes import gateway_of
from generator.server.wechatpay import WeChatPayError

from .conftest import race
from .test_admin_access import csrf_of, staff_client
from .test_admin_orders import app, clerk, owner, paid_order, refund, shop  # noqa: F401  (fixtures)


def refunds_at_fake(shop_app: FastAPI, number: str) -> list[int]:
    return [r.refund_fen for no, r in shop_app.state.fake_wechatpay.refunds.items() if no.startswith(number)]


def refund_rows(shop_app: FastAPI, number: str) -> list[AuditEntry]:
    with shop_app.state.sessionmaker() as db:
        query = select(AuditEntry).where(AuditEntry.action == "refund", AuditEntry.target == number)
        return list(db.execute(query.order_by(AuditEntry.id)).scalars())


def left_shown(client: TestClient, number: str) -> str | None:
    found = re.search(r"还可退 <strong>([^<]+)</strong>", client.get(f"/admin/orders/{number}").text)
    return found.group(1) if found else None


@pytest.fixture
def clerk2(app: FastAPI, shop: TestClient) -> Iterator[TestClient]:  # noqa: F811
    # closed with the others at the end: closing a client ends the app's lifespan (and its fake WeChat Pay)
    client = staff_client(app, "clerk2", "operator")
    yield client
    client.__exit__(None, None, None)


def test_operators_refunds_of_an_order_add_up_to_the_limit(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
    owner: TestClient,  # noqa: F811
    clerk: TestClient,  # noqa: F811
    clerk2: TestClient,
) -> None:
    number = paid_order(shop)
    assert left_shown(clerk, number) == "¥10.00" and left_shown(owner, number) is None
    assert refund(clerk, number, "6").status_code == 303  # type: ignore[attr-defined]
    page = clerk.get(f"/admin/orders/{number}").text
    assert "累计最多退 ¥10.00" in page and left_shown(clerk, number) == "¥4.00"
    assert 'name="amount" inputmode="decimal" required value="4.00"' in page

    over = refund(clerk, number, "5", confirm=False)
    assert over.status_code == 403  # type: ignore[attr-defined]
    text = over.text  # type: ignore[attr-defined]
    assert "累计不能超过 ¥10.00" in text and "已退 ¥6.00" in text and "还可退 ¥4.00" in text and "请联系店主" in text
    csrf = csrf_of(clerk, f"/admin/orders/{number}")
    direct = {"csrf": csrf, "amount": "5", "reason": "少发一件", "confirm": "1"}
    assert clerk.post(f"/admin/orders/{number}/refund", data=direct).status_code == 403  # skipping the question
    assert left_shown(clerk2, number) == "¥4.00"  # the allowance is the order's, not one operator's
    assert refund(clerk2, number, "4.01", confirm=False).status_code == 403  # type: ignore[attr-defined]
    assert refunds_at_fake(app, number) == [600]

    assert refund(owner, number, "5").status_code == 303  # type: ignore[attr-defined]
    assert left_shown(clerk, number) == "¥4.00"  # the owner's refund is not the operators'
    assert refund(clerk, number, "4").status_code == 303  # type: ignore[attr-defined]
    used_up = clerk.get(f"/admin/orders/{number}").text
    assert "额度已用完" in used_up and f'action="/admin/orders/{number}/refund"' not in used_up
    assert f'action="/admin/orders/{number}/refund"' in owner.get(f"/admin/orders/{number}").text
    assert sorted(refunds_at_fake(app, number)) == [400, 500, 600]
    rows = [(e.username, e.detail["fen"], e.detail["role"], e.detail["status"]) for e in refund_rows(app, number)]
    assert rows == [
        ("clerk", 600, "operator", "PROCESSING"),
        ("boss", 500, "owner", "PROCESSING"),
        ("clerk", 400, "operator", "PROCESSING"),
    ]


def test_a_refund_refused_before_wechat_pay_gives_the_allowance_back(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
    owner: TestClient,  # noqa: F811
    clerk: TestClient,  # noqa: F811
) -> None:
    number = paid_order(shop)
    assert refund(owner, number, "20").status_code == 303  # type: ignore[attr-defined]
    too_much = refund(clerk, number, "1")  # ¥0.50 is left to refund of the order
    assert too_much.status_code == 409 and "超过可退金额" in too_much.text  # type: ignore[attr-defined]
    assert left_shown(clerk, number) == "¥10.00"
    assert [e.username for e in refund_rows(app, number)] == ["boss"]


def test_a_refund_wechat_pay_did_not_answer_keeps_counting(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
    clerk: TestClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = paid_order(shop)
    gateway = gateway_of(app.state)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise WeChatPayError("NETWORK", "timed out")

    monkeypatch.setattr(gateway, "refund", unreachable)
    failed = refund(clerk, number, "3")
    assert failed.status_code == 502 and "微信支付暂时不可用" in failed.text  # type: ignore[attr-defined]
    assert left_shown(clerk, number) == "¥7.00"  # the money may have gone: the owner can refund more
    (row,) = refund_rows(app, number)
    assert row.detail == {"fen": 300, "role": "operator", "status": allowance.UNANSWERED}


def test_concurrent_refunds_by_operators_stay_within_the_limit(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
) -> None:
    number = paid_order(shop)
    clerks = [staff_client(app, f"clerk{n}", "operator") for n in range(4)]
    try:
        forms = [
            {"csrf": csrf_of(c, f"/admin/orders/{number}"), "amount": str(6 + n), "reason": "少发", "confirm": "1"}
            for n, c in enumerate(clerks)
        ]

        def attempt(index: int) -> int:
            answer = clerks[index].post(f"/admin/orders/{number}/refund", data=forms[index], follow_redirects=False)
            return answer.status_code

        statuses = race(len(clerks), attempt)
    finally:
        for client in clerks:
            client.__exit__(None, None, None)
    assert sorted(statuses) == [303, 403, 403, 403], statuses  # type: ignore[type-var]
    (done,) = refunds_at_fake(app, number)
    assert done <= 1000
    assert [e.detail["fen"] for e in refund_rows(app, number)] == [done]


def test_concurrent_claims_never_exceed_the_limit(app: FastAPI, shop: TestClient) -> None:  # noqa: F811
    number = paid_order(shop)
    with app.state.sessionmaker() as db:
        operator = Operator(username="racer", password_hash="x", role="operator")
        db.add(operator)
        db.commit()
        staff = Staff(operator.id, operator.username, operator.role, "csrf", 0)

    def work(index: int) -> bool:
        with app.state.sessionmaker() as db:
            try:
                allowance.claim(db, staff, number, 300, 1000)
            except allowance.OverAllowance:
                db.rollback()
                return False
            db.commit()
            return True

    results = race(8, work)
    assert results.count(True) == 3 and results.count(False) == 5, results
    with app.state.sessionmaker() as db:
        assert allowance.used_fen(db, number) == 900
        assert allowance.left_fen(db, number, 1000) == 100
