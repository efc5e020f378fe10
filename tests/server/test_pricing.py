"""pricing.py: the server's prices from the catalog (the test shop, and Hypothesis over made-up catalogs).

The arithmetic is checked against yuan computed with Decimal (the catalog's own unit), so integer fen can
neither round nor drift; item matching follows the generated cart's rules (SKU price and stock, else the
product's); bad carts fail with a code and the index of the line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import load
from generator.server.pricing import MAX_LINES, CartLine, PriceBook, PricingError, price_changes, stock_key
from generator.spec.catalog import Catalog
from generator.spec.site import Commerce
from generator.textdata import price_fen

from .conftest import SHOP


@pytest.fixture(scope="module")
def book() -> PriceBook:
    loaded, _theme = load(SHOP)
    assert loaded.spec.commerce is not None
    return PriceBook.from_spec(loaded.spec.catalog, loaded.spec.commerce)


def test_product_without_options_uses_its_price_and_stock(book: PriceBook) -> None:
    quote = book.quote([CartLine("green", {}, 3)])
    (line,) = quote.lines
    assert (line.item.unit_fen, line.line_fen, line.item.stock_key) == (1250, 3750, "green")
    assert (quote.goods_fen, quote.shipping_fen, quote.total_fen) == (3750, 800, 4550)


def test_sku_price_and_sku_stock(book: PriceBook) -> None:
    quote = book.quote([CartLine("oolong", {"规格": "大罐"}, 2)])
    assert quote.lines[0].item.unit_fen == 5580
    assert quote.lines[0].item.stock_key == stock_key("oolong", {"规格": "大罐"})
    assert quote.goods_fen == 11160
    assert quote.shipping_fen == 0  # 111.60 reaches free_shipping_over (99)


def test_sku_without_price_takes_the_product_price(book: PriceBook) -> None:
    item = book.item("gift", {"颜色": "红", "尺码": "M"})
    assert item.unit_fen == 19900
    assert book.item("gift", {"尺码": "L", "颜色": "金"}).unit_fen == 22900


def test_free_shipping_starts_exactly_at_the_threshold(book: PriceBook) -> None:
    assert book.shipping_fen(9899) == 800
    assert book.shipping_fen(9900) == 0
    assert book.shipping_fen(0) == 0


def test_reservations_add_up_per_stock_key_in_key_order(book: PriceBook) -> None:
    quote = book.quote(
        [
            CartLine("oolong", {"规格": "小罐"}, 1),
            CartLine("green", {}, 2),
            CartLine("gift", {"颜色": "金", "尺码": "L"}, 1),
        ]
    )
    assert list(quote.reservations()) == sorted(quote.reservations())
    assert quote.reservations()["green"] == 2


@pytest.mark.parametrize(
    ("lines", "code", "index"),
    [
        ([], "empty_cart", None),
        ([CartLine("green", {}, 1), CartLine("nope", {}, 1)], "unknown_product", 1),
        ([CartLine("oolong", {}, 1)], "bad_options", 0),
        ([CartLine("oolong", {"规格": "超大罐"}, 1)], "bad_options", 0),
        ([CartLine("green", {"颜色": "红"}, 1)], "bad_options", 0),
        ([CartLine("gift", {"颜色": "红"}, 1)], "bad_options", 0),
        ([CartLine("green", {}, 0)], "bad_quantity", 0),
        ([CartLine("green", {}, -2)], "bad_quantity", 0),
        ([CartLine("green", {}, 21)], "bad_quantity", 0),  # the test shop's max_quantity is 20
        (
            [CartLine("gift", {"颜色": "红", "尺码": "M"}, 1), CartLine("gift", {"尺码": "M", "颜色": "红"}, 1)],
            "duplicate_line",
            1,
        ),
        ([CartLine("green", {}, 1)] * (MAX_LINES + 1), "too_many_lines", None),
    ],
)
def test_carts_the_catalog_cannot_price(book: PriceBook, lines: list[CartLine], code: str, index: int | None) -> None:
    with pytest.raises(PricingError) as raised:
        book.quote(lines)
    assert (raised.value.code, raised.value.line) == (code, index)
    assert raised.value.message


def test_price_changes_name_the_lines_whose_shown_price_is_not_the_servers(book: PriceBook) -> None:
    quote = book.quote([CartLine("green", {}, 1), CartLine("oolong", {"规格": "大罐"}, 1)])
    assert price_changes(quote, [1250, 5580]) == []
    changes = price_changes(quote, [1250, 5000])
    assert [(c.line, c.seen_fen, c.unit_fen) for c in changes] == [(1, 5000, 5580)]


# --- Hypothesis: made-up catalogs and carts ---------------------------------------------------------------

PRICES = st.decimals(min_value=0, max_value=Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False)
VALUES = ["红", "蓝", "S", "M"]


@st.composite
def shops(draw: st.DrawFn) -> tuple[Catalog, Commerce]:
    products: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 5))):
        product: dict[str, Any] = {
            "id": f"p{index}",
            "name": f"商品{index}",
            "price": draw(PRICES),
            "category": "c",
            "stock": draw(st.none() | st.integers(0, 50)),
        }
        if draw(st.booleans()):
            product["options"] = [{"name": "款", "values": VALUES}]
            chosen = draw(st.lists(st.sampled_from(VALUES), unique=True, max_size=len(VALUES)))
            product["skus"] = [
                {
                    "options": {"款": value},
                    "price": draw(st.none() | PRICES),
                    "stock": draw(st.none() | st.integers(0, 9)),
                }
                for value in chosen
            ]
        products.append(product)
    catalog = Catalog.model_validate({"categories": [{"id": "c", "name": "类"}], "products": products})
    commerce = Commerce.model_validate(
        {
            "api": "https://api.example.com/",
            "shipping_fee": draw(PRICES),
            "free_shipping_over": draw(st.none() | PRICES),
            "max_quantity": draw(st.integers(1, 999)),
        }
    )
    return catalog, commerce


@st.composite
def shops_and_carts(draw: st.DrawFn) -> tuple[Catalog, Commerce, list[CartLine]]:
    catalog, commerce = draw(shops())
    choices = [
        (product.id, {"款": value} if product.options else {})
        for product in catalog.products
        for value in (VALUES if product.options else [""])
    ]
    picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=8, unique_by=lambda c: (c[0], str(c[1]))))
    lines = [CartLine(pid, options, draw(st.integers(1, commerce.max_quantity))) for pid, options in picked]
    return catalog, commerce, lines


def yuan_price(catalog: Catalog, line: CartLine) -> Decimal:
    product = next(p for p in catalog.products if p.id == line.product_id)
    for sku in product.skus:
        if sku.options == dict(line.options):
            return sku.price if sku.price is not None else product.price
    return product.price


@settings(max_examples=200, deadline=None)
@given(shops_and_carts())
def test_amounts_equal_the_decimal_yuan_arithmetic(case: tuple[Catalog, Commerce, list[CartLine]]) -> None:
    catalog, commerce, lines = case
    quote = PriceBook.from_spec(catalog, commerce).quote(lines)
    goods = sum((yuan_price(catalog, line) * line.quantity for line in lines), Decimal(0))
    free = commerce.free_shipping_over is not None and goods >= commerce.free_shipping_over
    shipping = Decimal(0) if free or goods == 0 else commerce.shipping_fee
    assert quote.goods_fen == price_fen(goods)
    assert quote.shipping_fen == price_fen(shipping)
    assert quote.total_fen == price_fen(goods + shipping)
    assert all(isinstance(value, int) for value in (quote.goods_fen, quote.shipping_fen, quote.total_fen))
    assert [line.quantity for line in quote.lines] == [line.quantity for line in lines]
    assert [line.item.unit_fen for line in quote.lines] == [price_fen(yuan_price(catalog, line)) for line in lines]


@settings(max_examples=100, deadline=None)
@given(shops_and_carts())
def test_stock_keys_follow_what_is_tracked(case: tuple[Catalog, Commerce, list[CartLine]]) -> None:
    catalog, commerce, lines = case
    book = PriceBook.from_spec(catalog, commerce)
    levels = book.stock_levels()
    for line in book.quote(lines).lines:
        product = next(p for p in catalog.products if p.id == line.item.product_id)
        sku = next((s for s in product.skus if s.options == line.item.options), None)
        tracked = sku.stock if sku is not None else product.stock
        if tracked is None:
            assert line.item.stock_key is None
        else:
            assert levels[line.item.stock_key or ""] == tracked
    reserved = book.quote(lines).reservations()
    assert sum(reserved.values()) == sum(line.quantity for line in book.quote(lines).lines if line.item.stock_key)


@settings(max_examples=100, deadline=None)
@given(shops_and_carts(), st.data())
def test_a_quantity_past_the_cap_is_refused_at_its_line(
    case: tuple[Catalog, Commerce, list[CartLine]], data: st.DataObject
) -> None:
    catalog, commerce, lines = case
    index = data.draw(st.integers(0, len(lines) - 1))
    wrong = data.draw(st.integers(commerce.max_quantity + 1, 10_000) | st.integers(-5, 0))
    lines[index] = CartLine(lines[index].product_id, lines[index].options, wrong)
    with pytest.raises(PricingError) as raised:
        PriceBook.from_spec(catalog, commerce).quote(lines)
    assert (raised.value.code, raised.value.line) == ("bad_quantity", index)
