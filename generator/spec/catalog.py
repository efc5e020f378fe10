"""The catalog part of the site spec: categories, products, their options and SKUs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .model import Id, ImagePath, NotText, SpecModel, Text, UserText

Price = Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), decimal_places=2)]


class Category(SpecModel):
    id: Id
    """Unique category id."""
    name: Annotated[UserText, StringConstraints(min_length=1, max_length=20)]
    """Category name."""
    image: ImagePath | None = None
    """Icon or photo shown in the category grid."""
    description: Annotated[UserText, StringConstraints(max_length=200)] = ""
    """One line under the name on the category page."""


class ProductOption(SpecModel):
    name: Annotated[UserText, StringConstraints(min_length=1, max_length=12)]
    """Option name, e.g. 颜色 or 尺码."""
    values: list[Annotated[UserText, StringConstraints(min_length=1, max_length=20)]] = Field(
        min_length=1, max_length=20
    )
    """Choices, e.g. [粉色, 蓝色]."""


class Sku(SpecModel):
    options: dict[NotText, NotText]
    """One value per option, e.g. {颜色: 粉色, 尺码: M}."""
    price: Price | None = None
    """Price of this combination; defaults to the product price."""
    stock: int | None = Field(default=None, ge=0)
    """Units in stock of this combination."""


class Product(SpecModel):
    id: Id
    """Unique product id; part of the product page's path."""
    name: Annotated[UserText, StringConstraints(min_length=1, max_length=60)]
    """Product name."""
    price: Price
    """Price in yuan, e.g. 19.9 (shown as ¥19.90)."""
    original_price: Price | None = None
    """List price before a discount, shown struck through."""
    category: Id
    """Id of the product's category."""
    images: list[ImagePath] = Field(default_factory=list, max_length=9)
    """Photos, the first one is the cover (square, 800x800 px or larger)."""
    description: Text = ""
    """Description; blank lines separate paragraphs."""
    stock: int | None = Field(default=None, ge=0)
    """Units in stock; 0 shows sold out; leave empty when not tracked."""
    options: list[ProductOption] = Field(default_factory=list, max_length=3)
    """Choices the buyer makes (color, size)."""
    skus: list[Sku] = Field(default_factory=list, max_length=200)
    """Price and stock per option combination."""
    tags: list[Annotated[UserText, StringConstraints(min_length=1, max_length=8)]] = Field(
        default_factory=list, max_length=3
    )
    """Short labels such as 新品 or 热卖."""
    virtual: bool = False
    """A virtual good (membership, top-up, course): `gen lint` warns when it is sold through WeChat Pay,
    which iOS restricts for virtual goods."""


class Catalog(SpecModel):
    currency: Literal["CNY"] = "CNY"
    """Currency of all prices (WeChat Pay settles in CNY)."""
    categories: list[Category] = Field(min_length=1, max_length=50)
    """Product categories, in display order."""
    products: list[Product] = Field(default_factory=list, max_length=100_000)
    """Products written inline."""
    delivery: Literal["auto", "package", "remote"] = "auto"
    """Where the mini-program reads the catalog from: `package` (catalog data and photos in the catalog
    subpackage), `remote` (JSON pages fetched as the shopper browses, from `site.cdn` or else the backend
    at `commerce.api`; the package then holds only what the tab pages show), or `auto`: remote once the
    catalog is too big for the package and there is a CDN or a backend to serve it."""
    products_file: Annotated[NotText, StringConstraints(pattern=r"^[^\n]+\.csv$")] | None = None
    """CSV file with (more) products, e.g. `products.csv`; columns: id, name, price, original_price,
    category, images (`|` between paths), description, stock, options (`颜色=粉色/蓝色; 尺码=S/M`), tags (`|`)."""
