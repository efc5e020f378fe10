"""The console's 操作记录 page (/admin/audit) over HTTP with --fake-wechat, on a real SQLite file and a real
PostgreSQL database.

What it proves: an operator gets a 403 page saying it is the owner's, and no nav link to it; the owner
sees it in the nav, newest first, each row with its time in Asia/Shanghai, operator, action in Chinese,
target, its detail in words and a link to the order; only the details the page knows are shown (a
shopper's address or phone never is) and text is escaped; the action and operator filters narrow the rows
and combine; pages of PAGE_SIZE follow one another without overlap or gaps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from generator.server.admin_audit_routes import PAGE_SIZE
from generator.server.admin_models import AuditEntry

from .test_admin_orders import app, clerk, owner, paid_order, refund, ship, shop  # noqa: F401  (fixtures)

ROW = re.compile(r'<strong class="action">([^<]+)</strong><span class="muted">([^<]+)</span>')


def rows_of(page: str) -> list[tuple[str, str]]:
    """(action, time) of each row shown, top to bottom."""
    return ROW.findall(page)


def who_of(page: str) -> list[str]:
    return re.findall(r'<span class="operator">([^<]+)</span>', page)


def add_entries(shop_app: FastAPI, *entries: AuditEntry) -> None:
    with shop_app.state.sessionmaker() as db:
        db.add_all(entries)
        db.commit()


def test_operators_are_refused_and_do_not_see_the_link(owner: TestClient, clerk: TestClient) -> None:  # noqa: F811
    refused = clerk.get("/admin/audit")
    assert refused.status_code == 403
    assert "操作记录只有店主可以查看" in refused.text and 'class="action"' not in refused.text
    assert clerk.get("/admin/audit?action=refund&operator=boss").status_code == 403
    assert 'href="/admin/audit"' not in clerk.get("/admin").text
    assert 'href="/admin/audit"' in owner.get("/admin").text
    assert 'aria-current="page"' in owner.get("/admin/audit").text


def test_the_owner_sees_what_was_done_newest_first(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
    owner: TestClient,  # noqa: F811
    clerk: TestClient,  # noqa: F811
) -> None:
    number = paid_order(shop)
    assert ship(owner, number).status_code == 303  # type: ignore[attr-defined]
    assert refund(clerk, number, "6").status_code == 303  # type: ignore[attr-defined]
    page = owner.get("/admin/audit").text
    assert [action for action, _ in rows_of(page)] == ["退款", "发货", "登录", "登录"]
    assert who_of(page)[:2] == ["clerk", "boss"]
    assert "金额：¥6.00" in page and f"退款单号：{number}R01" in page and "快递公司：顺丰" in page
    assert page.count(f'href="/admin/orders/{number}"') == 2
    assert "张三丰" not in page and "13812345678" not in page and "SF1234567890" not in page

    # a UTC evening is the next morning in Shanghai; unknown detail keys and markup stay off the page
    evening = datetime(2026, 1, 1, 16, 30, 5, tzinfo=UTC)
    planted = {"carrier": "<b>顺丰</b>", "phone": "13900001111", "address": "科技园"}
    add_entries(app, AuditEntry(username="boss", action="ship", target="<x>", detail=planted, at=evening))
    page = owner.get("/admin/audit").text
    assert rows_of(page)[0] == ("发货", "2026-01-02 00:30:05")
    assert "13900001111" not in page and "科技园" not in page
    assert "&lt;b&gt;顺丰&lt;/b&gt;" in page and "<b>顺丰" not in page and "&lt;x&gt;" in page


def test_the_filters_narrow_by_action_and_operator(
    app: FastAPI,  # noqa: F811
    shop: TestClient,  # noqa: F811
    owner: TestClient,  # noqa: F811
    clerk: TestClient,  # noqa: F811
) -> None:
    number = paid_order(shop)
    ship(owner, number)
    refund(clerk, number, "6")
    refund(owner, number, "1")
    refunds = owner.get("/admin/audit?action=refund").text
    assert [a for a, _ in rows_of(refunds)] == ["退款", "退款"] and who_of(refunds) == ["boss", "clerk"]
    assert '<option value="refund" selected>' in refunds
    mine = owner.get("/admin/audit?operator=clerk").text
    assert [a for a, _ in rows_of(mine)] == ["退款", "登录"] and set(who_of(mine)) == {"clerk"}
    both = owner.get("/admin/audit?action=ship&operator=boss").text
    assert [a for a, _ in rows_of(both)] == ["发货"]
    assert rows_of(owner.get("/admin/audit?action=ship&operator=clerk").text) == []
    assert "没有符合条件的操作记录" in owner.get("/admin/audit?action=ship&operator=clerk").text
    assert len(rows_of(owner.get("/admin/audit?action=nonsense").text)) == 5  # an unknown action: all rows


def test_pages_follow_one_another(app: FastAPI, owner: TestClient) -> None:  # noqa: F811
    start = datetime(2026, 3, 1, tzinfo=UTC)
    count = PAGE_SIZE * 2 + 7
    made = [
        AuditEntry(username="boss", action="stock_set", target=f"item-{n}", detail={"before": n, "after": n + 1},
                   at=start + timedelta(minutes=n))
        for n in range(count)
    ]  # fmt: skip
    add_entries(app, *made)
    seen: list[str] = []
    path: str | None = "/admin/audit?action=stock_set"
    pages = 0
    while path is not None:
        page = owner.get(path).text
        pages += 1
        seen += re.findall(r'<span class="target">(item-\d+)</span>', page)
        found = re.search(r'href="(/admin/audit\?[^"]+before=\d+)"', page)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 3
    assert seen == [f"item-{n}" for n in reversed(range(count))]
    assert "库存：0 → 1" in owner.get(f"/admin/audit?action=stock_set&before={made[1].id}").text
