"""The console's 库存, 优惠券, 会员, 表单 and 粉丝 pages over HTTP, on a real SQLite file and a real PostgreSQL
database (the test shop; the coupon shop for coupons).

What it proves: setting a stock figure changes what shoppers can buy, is audited with before and after,
and a bad figure changes nothing; a paused coupon leaves GET /coupons and its claim is refused until it is
resumed; a coupon issued by ref reaches the shopper; a shopper's code is redeemed in store once, after a
confirmation; the counts follow; each coupon change is audited; members are listed with the openid masked
for operators; form submissions are masked for operators, marked handled (audited), and exported as CSV by
the owner only, with formula cells defused; followers are counted with openids masked.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from generator.server.admin_models import AuditEntry
from generator.server.app import create_app
from generator.server.db import utcnow
from generator.server.growth_models import Follower
from generator.server.models import FormSubmission, User
from generator.server.order_models import Stock

from .conftest import login, shop_settings
from .test_admin_access import csrf_of, staff_client
from .test_coupons import COUPON_SHOP, GREEN_2, held, order


def audited(app: FastAPI, action: str) -> list[AuditEntry]:
    with app.state.sessionmaker() as db:
        return list(db.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


@pytest.fixture
def owner(app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    staff = staff_client(app, "boss", "owner")
    yield staff
    staff.__exit__(None, None, None)


@pytest.fixture
def clerk(app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    staff = staff_client(app, "clerk", "operator")
    yield staff
    staff.__exit__(None, None, None)


def buy(client: TestClient, headers: dict[str, str], quantity: int) -> int:
    body = {
        "items": [{"productId": "green", "quantity": quantity, "priceFen": 1250, "options": {}}],
        "address": {"userName": "李四", "telNumber": "13900001111", "detailInfo": "一号"},
        "totalFen": 1250 * quantity + (0 if 1250 * quantity >= 9900 else 800),
    }
    answer = client.post("/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    return answer.status_code


def test_stock_is_set_audited_and_sells_what_it_says(app: FastAPI, client: TestClient, owner: TestClient) -> None:
    page = owner.get("/admin/stock")
    assert "绿茶" in page.text and "规格：大罐" in page.text
    csrf = csrf_of(owner, "/admin/stock")
    for bad in ("-1", "abc", ""):
        assert owner.post("/admin/stock", data={"csrf": csrf, "key": "green", "available": bad}).status_code == 400
    assert owner.post("/admin/stock", data={"csrf": csrf, "key": "nosuch", "available": "3"}).status_code == 400
    answer = owner.post("/admin/stock", data={"csrf": csrf, "key": "green", "available": "3"}, follow_redirects=False)
    assert answer.status_code == 303
    with app.state.sessionmaker() as db:
        assert db.get_one(Stock, "green").available == 3
    (entry,) = audited(app, "stock_set")
    assert (entry.target, entry.detail, entry.username) == ("green", {"before": 10, "after": 3}, "boss")
    shopper = login(client, "code-stock")
    assert buy(client, shopper, 4) == 409
    assert buy(client, shopper, 3) == 201


@pytest.fixture
def coupon_app(database_url: str, tmp_path: Path) -> FastAPI:
    return create_app(shop_settings(database_url, tmp_path / "data", site_dir=COUPON_SHOP.resolve()))


@pytest.fixture
def coupon_shop(coupon_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(coupon_app) as client:
        yield client


@pytest.fixture
def coupon_owner(coupon_app: FastAPI, coupon_shop: TestClient) -> Iterator[TestClient]:
    staff = staff_client(coupon_app, "boss", "owner")
    yield staff
    staff.__exit__(None, None, None)


def test_a_paused_coupon_cannot_be_claimed_until_resumed(
    coupon_app: FastAPI, coupon_shop: TestClient, coupon_owner: TestClient
) -> None:
    shopper = login(coupon_shop, "code-pause")
    csrf = csrf_of(coupon_owner, "/admin/coupons")
    assert (
        coupon_owner.post("/admin/coupons/ten-off/pause", data={"csrf": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert "已暂停" in coupon_owner.get("/admin/coupons").text
    assert "ten-off" not in {c["id"] for c in coupon_shop.get("/coupons", headers=shopper).json()["coupons"]}
    refused = coupon_shop.post("/coupons/ten-off/claim", headers=shopper)
    assert (refused.status_code, refused.json()["error"]) == (409, "paused")
    coupon_owner.post("/admin/coupons/ten-off/resume", data={"csrf": csrf})
    assert coupon_shop.post("/coupons/ten-off/claim", headers=shopper).status_code == 200
    assert [e.target for e in audited(coupon_app, "coupon_pause")] == ["ten-off"]
    assert [e.target for e in audited(coupon_app, "coupon_resume")] == ["ten-off"]


def test_a_coupon_is_issued_by_ref_and_redeemed_in_store_once(
    coupon_app: FastAPI, coupon_shop: TestClient, coupon_owner: TestClient
) -> None:
    shopper = login(coupon_shop, "code-issue")
    ref = coupon_shop.get("/member", headers=shopper).json()["ref"]
    csrf = csrf_of(coupon_owner, "/admin/coupons")
    assert coupon_owner.post("/admin/coupons/new/issue", data={"csrf": csrf, "ref": "nobody"}).status_code == 404
    assert coupon_owner.post("/admin/coupons/new/issue", data={"csrf": csrf, "ref": ref}).status_code == 200
    (code,) = [c["id"] for c in held(coupon_shop, shopper)]
    shown = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    asked = coupon_owner.post("/admin/coupons/redeem", data={"csrf": csrf, "code": shown})
    assert asked.status_code == 200 and "确认核销" in asked.text and ref in asked.text
    done = coupon_owner.post("/admin/coupons/redeem", data={"csrf": csrf, "code": shown, "confirm": "1"})
    assert done.status_code == 200 and "核销成功" in done.text
    again = coupon_owner.post("/admin/coupons/redeem", data={"csrf": csrf, "code": code, "confirm": "1"})
    assert again.status_code == 409 and "已于" in again.text
    assert held(coupon_shop, shopper) == []
    assert "已领 1 · 已用 1" in coupon_owner.get("/admin/coupons").text
    assert order(coupon_shop, shopper, GREEN_2, 3300 - 500, code, "k-redeemed-1").status_code == 409
    assert [(e.target, e.detail) for e in audited(coupon_app, "coupon_issue")] == [("new", {"ref": ref})]
    assert [e.target for e in audited(coupon_app, "coupon_redeem")] == ["new"]
    assert code not in str([e.detail for e in audited(coupon_app, "coupon_redeem")])


def test_members_are_listed_and_the_openid_is_the_owners_only(
    app: FastAPI, client: TestClient, owner: TestClient, clerk: TestClient
) -> None:
    login(client, "code-member")
    with app.state.sessionmaker() as db:
        user = db.execute(select(User)).scalar_one()
    assert user.ref in owner.get("/admin/members").text
    assert user.ref in owner.get(f"/admin/members?q={user.ref}").text
    assert user.openid in owner.get(f"/admin/members/{user.ref}").text
    masked = clerk.get(f"/admin/members/{user.ref}").text
    assert user.openid not in masked and user.openid[:4] + "…" in masked
    assert owner.get("/admin/members/nosuchref").status_code == 404


BOOKING = {"name": '=HYPERLINK("x")', "phone": "13812345678", "email": "zs@example.com", "kind": "到店"}


def test_forms_are_masked_for_operators_handled_and_exported_by_the_owner(
    app: FastAPI, client: TestClient, owner: TestClient, clerk: TestClient
) -> None:
    assert client.post("/forms/booking", json=BOOKING).status_code == 200
    assert (
        client.post("/forms/booking", json={"name": "@王五", "phone": "13900002222", "people": "-3"}).status_code == 200
    )
    assert "共 2 条 · 待处理 2" in owner.get("/admin/forms").text
    masked = clerk.get("/admin/forms/booking").text
    assert "13812345678" not in masked and "138****5678" in masked and "z***@example.com" in masked
    assert "HYPERLINK" not in masked and "导出" not in masked
    assert clerk.get("/admin/forms/booking/export.csv").status_code == 403
    full = owner.get("/admin/forms/booking").text
    assert "13812345678" in full and "=HYPERLINK(&#34;x&#34;)" in full  # escaped, not markup
    exported = owner.get("/admin/forms/booking/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["提交时间", "已处理", "姓名", "手机"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("x")' in cells and "'@王五" in cells and "'-3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    with app.state.sessionmaker() as db:
        first = db.execute(select(FormSubmission).order_by(FormSubmission.id)).scalars().first()
        assert first is not None
    csrf = csrf_of(clerk, "/admin/forms/booking")
    assert clerk.post(f"/admin/forms/booking/{first.id}/handled", data={"csrf": csrf}).status_code == 200
    with app.state.sessionmaker() as db:
        assert db.get_one(FormSubmission, first.id).handled_at is not None
    assert [(e.username, e.target) for e in audited(app, "form_handled")] == [("clerk", "booking")]
    assert [e.username for e in audited(app, "form_export")] == ["boss"]


def test_followers_are_counted_with_openids_masked(app: FastAPI, owner: TestClient) -> None:
    now = utcnow()
    with app.state.sessionmaker() as db:
        db.add_all(
            [
                Follower(openid="oa-openid-following-0001", subscribed=True, subscribed_at=now),
                Follower(openid="oa-openid-following-0002", subscribed=True, subscribed_at=now - timedelta(days=1)),
                Follower(
                    openid="oa-openid-left-000003",
                    subscribed=False,
                    subscribed_at=now - timedelta(days=3),
                    unsubscribed_at=now,
                ),
            ]
        )
        db.commit()
    page = owner.get("/admin/followers").text
    assert '<span class="figure" id="following">2</span>' in page and '<span class="figure" id="left">1</span>' in page
    assert "oa-openid-following-0001" not in page and "oa-o…001" in page
