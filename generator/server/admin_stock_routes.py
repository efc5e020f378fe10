"""The console's 库存 page: what is available now of every tracked product and SKU (the catalog's stock
keys, `pricing.stock_key`), each settable to a number. Setting it writes `stock.available` only (the
catalog's remembered figure stays, so a restart does not undo it; `orders.sync_stock`) and is audited
with the figure before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Request
from sqlalchemy import select, update
from starlette.responses import RedirectResponse, Response

from .admin_web import Db, PostingStaff, StaffDep, admin_router, audit, render
from .db import utcnow
from .order_models import STOCK_KEY_LENGTH, Stock
from .order_routes import price_book
from .pricing import stock_key

MAX_STOCK = 1_000_000
router = admin_router("admin-stock")


@dataclass(frozen=True)
class StockLine:
    key: str
    product: str
    options: str
    available: int | None


def stock_lines(request: Request, db: Db) -> list[StockLine]:
    book = price_book(request)
    levels = {key: available for key, available in db.execute(select(Stock.key, Stock.available))}
    lines = []
    for product in book.products.values():
        if product.stock is not None:
            lines.append(StockLine(product.id, product.name, "", levels.get(product.id)))
        for sku in product.skus:
            if sku.stock is not None:
                key = stock_key(product.id, sku.options)
                shown = " / ".join(f"{name}：{value}" for name, value in sku.options.items())
                lines.append(StockLine(key, product.name, shown, levels.get(key)))
    return lines


@router.get("/admin/stock")
def get_stock(request: Request, staff: StaffDep, db: Db, done: str = "") -> Response:
    lines = stock_lines(request, db)
    db.commit()
    notice = "库存已更新" if done == "1" else ""
    return render(request, "stock.html", staff, active="stock", lines=lines, notice=notice, problem="")


@router.post("/admin/stock")
def post_stock(
    request: Request,
    staff: PostingStaff,
    db: Db,
    key: Annotated[str, Form(max_length=STOCK_KEY_LENGTH)] = "",
    available: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    known = {line.key for line in stock_lines(request, db)}
    figure = available.strip()
    if key not in known or not figure.isdigit() or int(figure) > MAX_STOCK:
        lines = stock_lines(request, db)
        db.commit()
        problem = f"请填写 0 到 {MAX_STOCK} 之间的整数"
        return render(request, "stock.html", staff, status=400, active="stock", lines=lines, notice="", problem=problem)
    before = db.execute(select(Stock.available).where(Stock.key == key)).scalar_one_or_none()
    db.execute(
        update(Stock)
        .where(Stock.key == key)
        .values(available=int(figure), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit(db, staff, "stock_set", key, {"before": before, "after": int(figure)})
    db.commit()
    return RedirectResponse("/admin/stock?done=1", status_code=303)
