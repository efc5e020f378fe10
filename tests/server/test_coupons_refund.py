"""A coupon comes back when its order is fully refunded (through WeChat Pay's refund notify, the fake
platform of test_pay_routes), and stays used after a partial refund; on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from generator.server import pay_routes
from generator.server.fake_wechatpay import FakeWeChatPay
from generator.server.wechatpay import WeChatPayGateway

from .conftest import login
from .test_coupons import GREEN_2, app, claim, client, clock, held, order  # noqa: F401  (fixtures)
from .test_pay_routes import deliver, gateway, merchant, platform, platform_server, session  # noqa: F401


def paid_with_coupon(shop: TestClient, wechat: FakeWeChatPay, headers: dict[str, str], key: str) -> tuple[str, str]:
    code: str = claim(shop, headers, "ten-off").json()["id"]
    placed = order(shop, headers, GREEN_2, 2300, code, key)
    assert placed.status_code == 201, placed.text
    number: str = placed.json()["orderId"]
    assert shop.post(f"/orders/{number}/pay", headers=headers).status_code == 200
    assert deliver(shop, wechat.pay(number)).json()["code"] == "SUCCESS"
    return number, code


def test_a_full_refund_gives_the_coupon_back_and_a_partial_one_does_not(
    app: FastAPI,  # noqa: F811
    client: TestClient,  # noqa: F811
    platform: FakeWeChatPay,  # noqa: F811
    gateway: WeChatPayGateway,  # noqa: F811
    session: Session,  # noqa: F811
) -> None:
    app.state.wechatpay = gateway
    app.state.fake_wechatpay = platform
    alice = login(client, "code-a")
    number, code = paid_with_coupon(client, platform, alice, "refund-0001")
    assert held(client, alice) == []

    part = pay_routes.refund_order(session, gateway, number, 300, "少发一件")
    deliver(client, platform.complete_refund(part.refund_no), "/pay/refund-notify")
    assert held(client, alice) == []  # still paid: the coupon stays used

    rest = pay_routes.refund_order(session, gateway, number, 2000, "退货")
    assert deliver(client, platform.complete_refund(rest.refund_no), "/pay/refund-notify").status_code == 200
    assert client.get(f"/orders/{number}", headers=alice).json()["state"] == "refunded"
    assert [coupon["id"] for coupon in held(client, alice)] == [code]
