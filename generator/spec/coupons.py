"""The coupon part of the site spec (`commerce.coupons`): what a coupon takes off, when, for whom, how many.

A coupon takes a fixed `amount` (yuan) or `percent_off` of the goods it applies to, once the goods reach
`min_spend` (满减); it is valid in a window of dates (`starts`..`ends`, Asia/Shanghai) or for `days` after
the shopper claims it; `total` can be claimed in all, `per_user` by one shopper. `gen serve` keeps the
counts and applies it at checkout (generator/server/coupons.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from .catalog import Price
from .model import Id, NotText, SpecModel, UserText

DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
CouponDate = Annotated[NotText, StringConstraints(pattern=DATE_PATTERN)]


class CouponSpec(SpecModel):
    id: Id
    """Unique coupon id (what the client claims and the orders name)."""
    title: Annotated[UserText, StringConstraints(min_length=1, max_length=20)]
    """What the shopper reads, e.g. 新人满100减20."""
    amount: Price | None = None
    """Yuan taken off, e.g. 20; give this or `percent_off`."""
    percent_off: int | None = Field(default=None, ge=1, le=99)
    """Percent taken off the goods it applies to (20: 20% off, 八折); give this or `amount`."""
    min_spend: Price = Decimal("0")
    """Goods (in yuan, of the products it applies to) an order must reach to use it (满减); 0: 无门槛."""
    starts: CouponDate | None = None
    """First day it can be claimed and used, YYYY-MM-DD (Asia/Shanghai); only with `ends`."""
    ends: CouponDate | None = None
    """Last day it can be claimed and used, YYYY-MM-DD (Asia/Shanghai); give this or `days`."""
    days: int | None = Field(default=None, ge=1, le=3650)
    """Days it stays valid after the shopper claims it; give this or `ends`."""
    total: int = Field(ge=1, le=10_000_000)
    """How many can be claimed in all; raising it later adds the difference."""
    per_user: int = Field(default=1, ge=1, le=100)
    """How many one shopper can claim."""
    products: list[Id] = Field(default_factory=list, max_length=200)
    """Product ids it applies to; with `categories` empty too, it applies to every product."""
    categories: list[Id] = Field(default_factory=list, max_length=50)
    """Category ids it applies to (their products, besides `products`)."""

    @model_validator(mode="after")
    def _one_rule(self) -> CouponSpec:
        if (self.amount is None) == (self.percent_off is None):
            raise ValueError("give a coupon either `amount` (yuan off) or `percent_off`, not both or neither")
        if self.amount is not None:
            if self.amount <= 0:
                raise ValueError("the coupon's amount is 0; give the yuan it takes off")
            if self.min_spend > 0 and self.amount > self.min_spend:
                raise ValueError(
                    f"the coupon takes {self.amount} off but its threshold min_spend is {self.min_spend}; "
                    "lower the amount or raise min_spend"
                )
        if (self.ends is None) == (self.days is None):
            raise ValueError("give a coupon either `ends` (a fixed window) or `days` (after the claim), not both")
        if self.starts is not None and self.ends is None:
            raise ValueError("`starts` needs `ends`; a coupon valid for `days` after its claim has no start date")
        for name in ("starts", "ends"):
            value = getattr(self, name)
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"{name} {value!r} is not a date of the calendar") from None
        if self.starts is not None and self.ends is not None and self.starts > self.ends:
            raise ValueError(f"the coupon starts {self.starts}, after it ends {self.ends}; swap them")
        return self

    def in_scope(self, product_id: str, category: str) -> bool:
        """Whether a product (of this category) counts toward the coupon."""
        if not self.products and not self.categories:
            return True
        return product_id in self.products or category in self.categories
