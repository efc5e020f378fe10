"""Points for orders: a paid order earns points_per_yuan for each whole yuan paid (once, however often the
payment is reported), a partial refund takes back what the refunded part earned, a full refund all of it,
and the balance never goes below 0; on SQLite and PostgreSQL through the fake WeChat Pay platform."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from generator.server import pay_routes, points
from generator.server.fake_wechatpay import FakeWeChatPay
from generator.server.growth_models import PointsEntry
from generator.server.models import User
from generator.server.wechatpay import WeChatPayGateway

from .conftest import login
from .test_coupons import app, client, clock  # noqa: F401  (fixtures)
from .test_coupons_refund import paid_with_coupon
from .test_pay_routes import deliver, gateway, merchant, platform, platform_server, session  # noqa: F401

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def balance(shop: TestClient, headers: dict[str, str]) -> int:
    points_now: int = shop.get("/member", headers=headers).json()["points"]
    return points_now


def test_an_order_earns_its_points_once_and_refunds_take_them_back(
    app: FastAPI,  # noqa: F811
    client: TestClient,  # noqa: F811
    platform: FakeWeChatPay,  # noqa: F811
    gateway: WeChatPayGateway,  # noqa: F811
    session: Session,  # noqa: F811
) -> None:
    app.state.wechatpay = gateway
    app.state.fake_wechatpay = platform
    alice = login(client, "code-a")
    number, _code = paid_with_coupon(client, platform, alice, "points-0001")  # pays 23.00 - 10.00 + 8.00
    paid = client.get(f"/orders/{number}", headers=alice).json()["totalFen"]
    assert balance(client, alice) == paid // 100
    assert client.post(f"/orders/{number}/query", headers=alice).status_code == 200  # reported again
    assert balance(client, alice) == paid // 100

    part = pay_routes.refund_order(session, gateway, number, 300, "少发一件")
    deliver(client, platform.complete_refund(part.refund_no), "/pay/refund-notify")
    deliver(client, platform.complete_refund(part.refund_no), "/pay/refund-notify")  # WeChat retries
    assert balance(client, alice) == (paid - 300) // 100

    rest = pay_routes.refund_order(session, gateway, number, paid - 300, "退货")
    deliver(client, platform.complete_refund(rest.refund_no), "/pay/refund-notify")
    assert balance(client, alice) == 0
    deltas = session.execute(select(PointsEntry.reason, PointsEntry.delta).order_by(PointsEntry.id)).all()
    assert [(reason, delta) for reason, delta in deltas] == [
        ("order", paid // 100),
        ("refund", -(paid // 100 - (paid - 300) // 100)),
        ("refund", -((paid - 300) // 100)),
    ]


def test_a_take_back_never_leaves_the_balance_below_zero(app: FastAPI) -> None:  # noqa: F811
    sessions = app.state.sessionmaker
    with sessions() as db:
        user = User(ref="r" * 22, openid="points-floor")
        db.add(user)
        db.commit()
        assert points.change(db, user.id, 5, "reward", "a", T0) == 5
        assert points.change(db, user.id, -8, "refund", "b", T0) == -5
        assert points.change(db, user.id, -8, "refund", "b", T0) is None  # the same take-back again
        db.commit()
        assert points.balance(db, user.id) == 0
        with pytest.raises(IntegrityError, match="points_not_negative"):  # the CHECK holds without the service
            db.execute(update(User).where(User.id == user.id).values(points=User.points - 1))
