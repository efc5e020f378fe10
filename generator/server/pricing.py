"""The server's own prices: cart lines in, every amount of the order out, in integer fen (no database).

`PriceBook` is built from the site spec the server loaded (`spec.catalog`, `spec.commerce`), the same
catalog the build ships, so the server and the mini-program agree on what exists; only the server's
numbers are ever charged. An item is a product with exactly one value of each of its options, matched the
way the generated cart matches it (`utils/cart.js`): the SKU whose options equal the choice gives the price
(else the product's) and the stock (a SKU without `stock` is untracked); a choice no SKU lists sells at the
product's price from the product's stock. Shipping is `commerce.shipping_fee` unless the goods reach
`commerce.free_shipping_over`; a cart of nothing ships nothing.

Each tracked stock has a key (`stock_key`): the product id, or `id|{"option":"value",...}` for a SKU.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..spec.catalog import Catalog, Product, Sku
from ..spec.coupons import CouponSpec
from ..spec.site import Commerce
from ..textdata import price_fen

MAX_LINES = 50
"""Most lines in one order (the cart shows far fewer; a bound on the work one request can ask for)."""


class PricingError(Exception):
    """A cart the catalog cannot price: `code` is stable for clients, `line` the index of the bad line."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass(frozen=True)
class CartLine:
    """What the shopper asks for: a product, one value per option, how many."""

    product_id: str
    options: Mapping[str, str]
    quantity: int


@dataclass(frozen=True)
class Item:
    """One sellable thing: a product with its chosen options, its unit price and its stock (if tracked)."""

    product_id: str
    name: str
    options: dict[str, str]
    unit_fen: int
    stock_key: str | None
    """None: the stock is not tracked, so any quantity (up to max_quantity) can be sold."""


@dataclass(frozen=True)
class PricedLine:
    item: Item
    quantity: int

    @property
    def line_fen(self) -> int:
        return self.item.unit_fen * self.quantity


@dataclass(frozen=True)
class Quote:
    """Every amount of an order: lines in the cart's order, goods, shipping, discount and the total."""

    lines: tuple[PricedLine, ...]
    shipping_fen: int
    discount_fen: int = 0

    @property
    def goods_fen(self) -> int:
        return sum(line.line_fen for line in self.lines)

    @property
    def total_fen(self) -> int:
        return self.goods_fen + self.shipping_fen - self.discount_fen

    def reservations(self) -> dict[str, int]:
        """Units per tracked stock key (lines of one product-level stock add up), in key order: taking locks
        in one order everywhere keeps two buyers of the same two items from deadlocking on PostgreSQL."""
        units: dict[str, int] = {}
        for line in self.lines:
            if line.item.stock_key is not None:
                units[line.item.stock_key] = units.get(line.item.stock_key, 0) + line.quantity
        return dict(sorted(units.items()))


def stock_key(product_id: str, sku_options: Mapping[str, str] | None = None) -> str:
    if sku_options is None:
        return product_id
    canonical = json.dumps(dict(sorted(sku_options.items())), ensure_ascii=False, separators=(",", ":"))
    return f"{product_id}|{canonical}"


@dataclass(frozen=True)
class PriceBook:
    """The catalog and commerce settings, indexed for pricing."""

    products: dict[str, Product]
    shipping_fee_fen: int
    free_shipping_over_fen: int | None
    max_quantity: int
    coupons: Mapping[str, CouponSpec] = field(default_factory=dict)
    """The declared coupons by id (`commerce.coupons`; the server's `coupons` applies them)."""

    @classmethod
    def from_spec(cls, catalog: Catalog | None, commerce: Commerce) -> PriceBook:
        products = {product.id: product for product in (catalog.products if catalog else [])}
        threshold = commerce.free_shipping_over
        return cls(
            products=products,
            shipping_fee_fen=price_fen(commerce.shipping_fee),
            free_shipping_over_fen=None if threshold is None else price_fen(threshold),
            max_quantity=commerce.max_quantity,
            coupons={coupon.id: coupon for coupon in commerce.coupons},
        )

    def item(self, product_id: str, options: Mapping[str, str], line: int | None = None) -> Item:
        """The item a product id and options name, or PricingError (unknown product, bad options)."""
        product = self.products.get(product_id)
        if product is None:
            raise PricingError("unknown_product", f"商品已下架 (no product {product_id!r})", line)
        names = [option.name for option in product.options]
        if set(options) != set(names):
            wanted = ", ".join(names) or "none"
            raise PricingError("bad_options", f"请重新选择规格 ({product_id}: options must be exactly: {wanted})", line)
        for option in product.options:
            if options[option.name] not in option.values:
                raise PricingError(
                    "bad_options",
                    f"请重新选择规格 ({product_id}: {options[option.name]!r} is not a value of {option.name!r})",
                    line,
                )
        chosen = {name: options[name] for name in names}
        sku = _matching_sku(product, chosen)
        if sku is None:
            key = product.id if product.stock is not None else None
            return Item(product.id, product.name, chosen, price_fen(product.price), key)
        price = sku.price if sku.price is not None else product.price
        key = stock_key(product.id, sku.options) if sku.stock is not None else None
        return Item(product.id, product.name, chosen, price_fen(price), key)

    def quote(self, lines: Sequence[CartLine]) -> Quote:
        """Price a cart; PricingError for an empty or oversized cart, an unknown item, a repeated item or
        a quantity outside 1..max_quantity."""
        if not lines:
            raise PricingError("empty_cart", "购物车是空的 (an order needs at least one line)")
        if len(lines) > MAX_LINES:
            raise PricingError("too_many_lines", f"一次最多购买 {MAX_LINES} 种商品 (at most {MAX_LINES} lines)")
        priced: list[PricedLine] = []
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for index, line in enumerate(lines):
            item = self.item(line.product_id, line.options, index)
            identity = (item.product_id, tuple(sorted(item.options.items())))
            if identity in seen:
                raise PricingError(
                    "duplicate_line", f"同一商品重复出现 ({item.product_id}: the same item is in two lines)", index
                )
            seen.add(identity)
            if not 1 <= line.quantity <= self.max_quantity:
                raise PricingError(
                    "bad_quantity",
                    f"购买数量需在 1 到 {self.max_quantity} 之间 (quantity {line.quantity} is outside "
                    f"1..{self.max_quantity})",
                    index,
                )
            priced.append(PricedLine(item, line.quantity))
        goods = sum(line.line_fen for line in priced)
        return Quote(tuple(priced), self.shipping_fen(goods))

    def shipping_fen(self, goods_fen: int) -> int:
        if goods_fen <= 0:
            return 0
        if self.free_shipping_over_fen is not None and goods_fen >= self.free_shipping_over_fen:
            return 0
        return self.shipping_fee_fen

    def stock_levels(self) -> dict[str, int]:
        """Every tracked stock key with the catalog's figure: a product's own stock and each SKU's."""
        return dict(self._stock_levels())

    def _stock_levels(self) -> Iterator[tuple[str, int]]:
        for product in self.products.values():
            if product.stock is not None:
                yield product.id, product.stock
            for sku in product.skus:
                if sku.stock is not None:
                    yield stock_key(product.id, sku.options), sku.stock


def _matching_sku(product: Product, chosen: Mapping[str, str]) -> Sku | None:
    for sku in product.skus:
        if all(sku.options.get(name) == value for name, value in chosen.items()):
            return sku
    return None


@dataclass(frozen=True)
class PriceChange:
    """A line whose price the shopper saw differs from the server's (index into the cart's lines)."""

    line: int
    seen_fen: int
    unit_fen: int


def price_changes(quote: Quote, seen_unit_fen: Sequence[int]) -> list[PriceChange]:
    """The lines whose displayed unit price is not the server's; the caller answers 409 with the new
    prices when there are any (or when the displayed total differs from `quote.total_fen`)."""
    return [
        PriceChange(index, seen, line.item.unit_fen)
        for index, (line, seen) in enumerate(zip(quote.lines, seen_unit_fen, strict=True))
        if seen != line.item.unit_fen
    ]
