"""The site spec: pydantic models for site.yaml. Field docstrings are the user documentation and the JSON Schema."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from . import limits
from .icons import ICONS
from .lint_rules import RULES
from .model import HttpsUrl, Id, ImagePath, NotText, Shown, SpecModel, Text, UserText
from .spec_official_account import OfficialAccount
from .theme import ThemeLayer

ShortText = Annotated[UserText, StringConstraints(min_length=1, max_length=200)]

BUILTIN_ICONS = tuple(ICONS)
"""Names of the tab icons drawn by the build (`icons.ICONS`)."""


@dataclass(frozen=True)
class Reference:
    """An id or an image file a part of the spec names, checked by the validate stage."""

    kind: Literal["page", "product", "category", "image"]
    value: str
    path: tuple[str | int, ...]
    """Where, relative to the part that names it (e.g. `("slides", 0, "image")`)."""


class NoReferences:
    """For blocks that name no page, product, category or image."""

    def references(self) -> Iterator[Reference]:
        return iter(())


class LinkTarget(SpecModel):
    """Where a tap leads: at most one of page, product, category or an external https url."""

    page: Id | None = None
    """Id of a page of this site."""
    product: Id | None = None
    """Id of a product of the catalog (opens its detail page)."""
    category: Id | None = None
    """Id of a catalog category (opens its product listing)."""
    url: HttpsUrl | None = None
    """External https page, opened in a web-view (its domain must be a business domain of the mini-program)."""

    @model_validator(mode="after")
    def _one_target(self) -> LinkTarget:
        chosen = [name for name in ("page", "product", "category", "url") if getattr(self, name)]
        if len(chosen) > 1:
            raise ValueError(
                f"links to {' and '.join(chosen)} at once; keep exactly one of page, product, category, url"
            )
        return self

    @property
    def has_target(self) -> bool:
        return any((self.page, self.product, self.category, self.url))

    def references(self) -> Iterator[Reference]:
        """The page, product or category the link names (the url is checked by its type)."""
        for kind in ("page", "product", "category"):
            value = getattr(self, kind)
            if value is not None:
                yield Reference(kind, value, (kind,))


class SiteInfo(SpecModel):
    name: ShortText
    """Brand name: the default navigation bar title and the share title."""
    appid: Annotated[NotText, StringConstraints(pattern=r"^(touristappid|wx[0-9a-f]{16})$")] = "touristappid"
    """Mini-program AppID (`wx` + 16 hex digits); `touristappid` opens in DevTools without an account."""
    theme: Annotated[NotText, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")] = "warm"
    """Theme name: `themes/<name>.yaml` in the site folder, or a built-in theme (warm, calm, night)."""
    logo: ImagePath | None = None
    """Logo image, shown in the share card and the H5 header."""
    home: Id | None = None
    """Id of the first page; defaults to the first tab's page."""
    description: Annotated[UserText, StringConstraints(max_length=500)] = ""
    """One sentence about the company (share text, H5 meta description)."""
    base_url: HttpsUrl | None = None
    """Where the H5 site is published (e.g. https://m.example.com/shop/). Links between pages stay
    relative; canonical URLs, share images and Official Account links become absolute under it."""
    industry: Literal["retail", "food", "service", "education", "finance", "other"] = "other"
    """What the company does; `finance` turns on the financial-advertising rules of `gen lint`."""
    cdn: HttpsUrl | None = None
    """Base https URL where the contents of `dist/cdn/` are uploaded; photos are then loaded from there
    and cost the package nothing (its domain must be a download domain of the mini-program)."""


class Tab(SpecModel):
    page: Id
    """Id of a top-level page shown by this tab."""
    text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)]
    """Tab label (keep it to 2-4 Chinese characters)."""
    icon: Annotated[NotText, StringConstraints(min_length=1, max_length=300)]
    """Built-in icon name (home, category, cart, user, star, heart, bag, article, phone, gift, search,
    service) or an image path (81x81 PNG, at most 40 KB)."""
    selected_icon: ImagePath | None = None
    """Image for the selected state when `icon` is an image path; defaults to `icon`."""


# --- blocks -----------------------------------------------------------------------------------


class Slide(LinkTarget):
    image: ImagePath
    """Slide image (750x360 px or larger, same ratio)."""
    title: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Caption drawn over the slide; also the image's alt text."""


class BannerBlock(SpecModel):
    type: Literal["banner"]
    slides: list[Slide] = Field(min_length=1, max_length=8)
    """Slides of the carousel."""
    autoplay: bool = True
    """Advance the slides by themselves."""
    interval: int = Field(default=4000, ge=1500, le=20000)
    """Milliseconds between slides."""

    def references(self) -> Iterator[Reference]:
        for s, slide in enumerate(self.slides):
            for ref in slide.references():
                yield Reference(ref.kind, ref.value, ("slides", s) + ref.path)
            yield Reference("image", slide.image, ("slides", s, "image"))


class ProductsBlock(SpecModel):
    type: Literal["products"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the products."""
    category: Id | None = None
    """Show products of this category."""
    products: list[Id] | None = None
    """Show exactly these products, in this order (instead of a category)."""
    limit: int = Field(default=6, ge=1, le=50)
    """Most products to show."""
    layout: Literal["grid", "list"] = "grid"
    """Two-column grid of cards, or a list of rows."""
    more: bool = True
    """Show a "more" link to the category (when `category` is set)."""

    def references(self) -> Iterator[Reference]:
        if self.category is not None:
            yield Reference("category", self.category, ("category",))
        for p, ref in enumerate(self.products or []):
            yield Reference("product", ref, ("products", p))


class CategoriesBlock(SpecModel):
    type: Literal["categories"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the categories."""
    categories: list[Id] | None = None
    """Categories to show, in this order; default all."""
    layout: Literal["grid", "list"] = "grid"
    """Icon grid (4 per row) or a list of rows."""

    def references(self) -> Iterator[Reference]:
        for c, ref in enumerate(self.categories or []):
            yield Reference("category", ref, ("categories", c))


class TextBlock(NoReferences, SpecModel):
    type: Literal["text"]
    title: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Optional heading."""
    body: Text
    """Plain text; blank lines separate paragraphs."""
    align: Literal["left", "center"] = "left"
    """Text alignment."""


class ImageBlock(LinkTarget):
    type: Literal["image"]
    image: ImagePath
    """Image file."""
    alt: Annotated[UserText, StringConstraints(max_length=120)] = ""
    """What the image shows (read by screen readers)."""

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield Reference("image", self.image, ("image",))


class NoticeBlock(LinkTarget):
    type: Literal["notice"]
    text: Annotated[UserText, StringConstraints(min_length=1, max_length=200)]
    """One line of news, scrolling when longer than the screen."""


class ArticleBlock(SpecModel):
    type: Literal["article"]
    title: ShortText
    """Article title."""
    author: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Author or department."""
    date: Annotated[UserText, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    """Publication date, YYYY-MM-DD."""
    cover: ImagePath | None = None
    """Cover image."""
    body: Text
    """Text; blank lines separate paragraphs; a line starting with `## ` is a subheading."""

    def references(self) -> Iterator[Reference]:
        if self.cover:
            yield Reference("image", self.cover, ("cover",))


class FormField(SpecModel):
    name: Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")]
    """Key of this value in the posted JSON (letters, digits, `_`)."""
    label: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """Label shown next to the input."""
    type: Literal["text", "textarea", "number", "tel", "email", "select", "date"] = "text"
    """Input kind; tel and email are checked for a valid phone number / address."""
    required: bool = False
    """The form cannot be sent while this is empty."""
    placeholder: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Hint shown in the empty input."""
    options: list[Annotated[UserText, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=30
    )
    """Choices of a `select` field."""
    max_length: int = Field(default=200, ge=1, le=2000)
    """Longest accepted input, in characters."""

    @model_validator(mode="after")
    def _options_for_select(self) -> FormField:
        if self.type == "select" and not self.options:
            raise ValueError("a select field needs `options`; list the choices")
        if self.type != "select" and self.options:
            raise ValueError("`options` only applies to type: select; remove it or change the type")
        return self


class FormBlock(NoReferences, SpecModel):
    type: Literal["form"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the form."""
    endpoint: HttpsUrl
    """https URL that receives the values as a JSON POST (its domain must be a request domain of the mini-program;
    for the H5 site it must also answer the browser's CORS preflight, see the README)."""
    fields: list[FormField] = Field(min_length=1, max_length=20)
    """Inputs, top to bottom."""
    submit_text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)] = "提交"
    """Label of the submit button."""
    success_message: Annotated[UserText, StringConstraints(min_length=1, max_length=60)] = "提交成功，我们会尽快联系您"
    """Shown after the server accepted the form."""
    error_message: Annotated[UserText, StringConstraints(min_length=1, max_length=60)] = "提交失败，请稍后重试"
    """Shown when the server could not be reached or refused the form."""
    privacy_notice: Annotated[UserText, StringConstraints(max_length=300)] = ""
    """Shown above the submit button: what personal data is kept, why and for how long (required by
    `gen lint` when the form asks for a name, phone, email, ID number or address)."""


class ContactBlock(NoReferences, SpecModel):
    type: Literal["contact"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "联系我们"
    """Heading."""
    text: Annotated[UserText, StringConstraints(max_length=300)] = ""
    """A line about when and how you answer."""
    button_text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)] = "在线客服"
    """Label of the customer-service button."""
    phone: Annotated[UserText, StringConstraints(pattern=r"^[0-9+\-() ]{5,20}$")] | None = None
    """Phone number; adds a call button."""
    address: Annotated[UserText, StringConstraints(max_length=120)] = ""
    """Street address."""
    hours: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Opening hours."""


class ButtonBlock(LinkTarget):
    type: Literal["button"]
    text: Annotated[UserText, StringConstraints(min_length=1, max_length=20)]
    """Button label."""
    style: Literal["primary", "secondary"] = "primary"
    """Filled brand-color button, or an outlined one."""

    @model_validator(mode="after")
    def _needs_target(self) -> ButtonBlock:
        if not self.has_target:
            raise ValueError("a button needs a target; add one of page, product, category, url")
        return self


class CouponsBlock(NoReferences, SpecModel):
    needs_commerce: ClassVar[bool] = True
    type: Literal["coupons"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "领券中心"
    """Heading; the coupons themselves come from the backend (GET coupons), claimed with one tap."""


class CheckinBlock(NoReferences, SpecModel):
    needs_commerce: ClassVar[bool] = True
    type: Literal["checkin"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "每日签到"
    """Heading."""
    reward_days: int = Field(default=7, ge=2, le=31)
    """Days in a row that earn the reward (the seed's rule: 7)."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """What the streak earns, e.g. 满50减10优惠券 (granted by the backend)."""


class InviteBlock(NoReferences, SpecModel):
    needs_commerce: ClassVar[bool] = True
    type: Literal["invite"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "邀请好友"
    """Heading."""
    friends: int = Field(default=3, ge=1, le=20)
    """Invited friends who must register (not just receive a share) to earn the reward."""
    reward: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """What the inviter earns, e.g. 满99减20优惠券. Rewards for forwarding itself are against WeChat's rules."""


class MemberBlock(NoReferences, SpecModel):
    needs_commerce: ClassVar[bool] = True
    type: Literal["member"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "我的"
    """Heading; shows the member's points and level (GET member) and links to orders and coupons."""


Block = Annotated[
    BannerBlock
    | ProductsBlock
    | CategoriesBlock
    | TextBlock
    | ImageBlock
    | NoticeBlock
    | ArticleBlock
    | FormBlock
    | ContactBlock
    | ButtonBlock
    | CouponsBlock
    | CheckinBlock
    | InviteBlock
    | MemberBlock,
    Field(discriminator="type"),
]

BLOCK_MODELS: dict[str, type[SpecModel]] = {
    typing.get_args(model.model_fields["type"].annotation)[0]: model
    for model in typing.get_args(typing.get_args(Block)[0])
}
"""Each block type's model, in the order of the `Block` union."""
BLOCK_TYPES = tuple(BLOCK_MODELS)
GROWTH_BLOCKS = tuple(name for name, model in BLOCK_MODELS.items() if getattr(model, "needs_commerce", False))
"""Blocks that talk to the commerce backend (they need `commerce:`)."""


class Page(SpecModel):
    id: Id
    """Unique page id; it becomes the page's path (`pages/<id>/index`)."""
    title: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """Navigation bar title."""
    blocks: list[Block] = Field(default_factory=list, max_length=40)
    """Content blocks, top to bottom."""
    children: list[Page] = Field(default_factory=list, max_length=30)
    """Sub-pages (the tree is at most 3 levels deep); listed as links at the end of this page."""
    share: bool = True
    """Allow sharing this page to a chat."""


# --- catalog ------------------------------------------------------------------------------------

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
    products: list[Product] = Field(default_factory=list, max_length=20000)
    """Products written inline."""
    products_file: Annotated[NotText, StringConstraints(pattern=r"^[^\n]+\.csv$")] | None = None
    """CSV file with (more) products, e.g. `products.csv`; columns: id, name, price, original_price,
    category, images (`|` between paths), description, stock, options (`颜色=粉色/蓝色; 尺码=S/M`), tags (`|`)."""


class Budgets(SpecModel):
    image_kb: int = Field(default=limits.IMAGE_KB, ge=10, le=limits.PACKAGE_KB)
    """Largest image in KB (the project's rule and WeChat's guidance: 500)."""
    image_warn_kb: int = Field(default=limits.IMAGE_WARN_KB, ge=10, le=limits.PACKAGE_KB)
    """Image size that earns a warning (DevTools warns over 200 KB)."""
    tab_icon_kb: int = Field(default=limits.TAB_ICON_KB, ge=1, le=limits.TAB_ICON_KB)
    """Largest tab bar icon in KB (WeChat's limit: 40)."""
    package_kb: int = Field(default=limits.PACKAGE_KB, ge=100, le=limits.PACKAGE_KB)
    """Largest main package or subpackage in KB (WeChat's limit: 2048)."""
    total_kb: int = Field(default=limits.TOTAL_KB, ge=100, le=limits.TOTAL_KB)
    """All packages together in KB (WeChat's limit: 30720)."""

    @model_validator(mode="after")
    def _warn_below_limit(self) -> Budgets:
        if self.image_warn_kb > self.image_kb:
            raise ValueError(f"image_warn_kb ({self.image_warn_kb}) is above image_kb ({self.image_kb}); lower it")
        return self


class Commerce(SpecModel):
    api: HttpsUrl
    """Base https URL of the order and payment backend (contract: dist/commerce/openapi.json). Without a
    `commerce:` section the site is browse-only: "buy" opens customer service and no payment code is made."""
    shipping_fee: Price = Decimal("0")
    """Shipping fee per order, in yuan."""
    free_shipping_over: Price | None = None
    """Orders of at least this amount (yuan) ship free."""
    max_quantity: int = Field(default=99, ge=1, le=999)
    """Most units of one item in the cart (stock permitting)."""
    order_templates: list[Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z0-9_-]{10,64}$")]] = Field(
        default_factory=list, max_length=3
    )
    """Subscription-message template ids asked for right after a paid order (order shipped, ...)."""


EventField = Annotated[NotText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class EventSpec(SpecModel):
    description: Annotated[NotText, StringConstraints(max_length=200)] = ""
    """What the event means, for the data team (dist/analytics/events.json)."""
    fields: list[EventField] = Field(default_factory=list, max_length=20)
    """The only fields sent with it; never personal data (gen lint checks)."""


DEFAULT_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "page_view": ("A page was shown (mini-program and H5)", ("page", "target")),
    "product_view": ("A product page was opened", ("product_id", "category", "target")),
    "add_to_cart": ("A product went into the cart", ("product_id", "quantity")),
    "checkout_start": ("The pay button was tapped", ("items", "total_fen")),
    "pay_success": ("WeChat Pay confirmed a payment", ("order_id", "total_fen")),
    "share": ("A page was shared to a chat", ("page",)),
    "coupon_claim": ("A coupon was claimed", ("coupon_id",)),
    "checkin": ("A daily check-in", ("streak",)),
}


class Analytics(SpecModel):
    endpoint: HttpsUrl | None = None
    """https URL that receives events as batched JSON POSTs; without it the mini-program uses
    wx.reportEvent (configure the events in WeChat's console) and the H5 site sends nothing."""
    events: dict[Annotated[NotText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")], EventSpec] = Field(
        default_factory=dict
    )
    """Events to add or redefine; the defaults are page_view, product_view, add_to_cart, checkout_start,
    pay_success, share, coupon_claim and checkin."""

    def all_events(self) -> dict[str, EventSpec]:
        merged = {name: EventSpec(description=d, fields=list(f)) for name, (d, f) in DEFAULT_EVENTS.items()}
        merged.update(self.events)
        return merged


class Privacy(SpecModel):
    company: Annotated[UserText, StringConstraints(min_length=1, max_length=60)]
    """The legal name of who collects the data."""
    contact: Annotated[UserText, StringConstraints(min_length=3, max_length=100)]
    """Where people ask about or ask to delete their data (phone or email)."""
    updated: Annotated[UserText, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    """Date of the last change, YYYY-MM-DD."""


if TYPE_CHECKING:
    LintRuleId = str
else:
    LintRuleId = Literal[tuple(RULES)]  # the ids of lint's table, as the schema's enum


class LintSettings(SpecModel):
    disable: list[LintRuleId] = Field(default_factory=list)
    """Rule ids to turn off for this site, e.g. [superlative]."""
    ignore: list[NotText] = Field(default_factory=list)
    """Spec paths to skip (wildcards allowed), e.g. "catalog.products[*].description"."""


class SiteSpec(SpecModel):
    """A company's mini-program and companion site, as one YAML file."""

    site: SiteInfo
    """Brand and build settings."""
    theme: Annotated[ThemeLayer | None, Shown(False)] = None
    """Overrides of the theme's tokens for this site only (same keys as a theme file)."""
    tabs: list[Tab] = Field(min_length=2, max_length=5)
    """Tab bar entries: WeChat requires 2 to 5."""
    pages: list[Page] = Field(min_length=1)
    """The page tree: top-level pages, their children and grandchildren (3 levels at most)."""
    catalog: Catalog | None = None
    """Product categories and products; omit for a site without a shop."""
    privacy: Privacy | None = None
    """Who is responsible for the data; adds a privacy page (隐私说明) listing what the site collects."""
    analytics: Analytics = Field(default_factory=Analytics)
    """Tracking of key paths (home visit, product view, payment success)."""
    commerce: Commerce | None = None
    """Cart, checkout and WeChat Pay through your backend."""
    official_account: OfficialAccount | None = None
    """The Official Account's menu and auto-replies (`gen oa push`, `gen oa serve`)."""
    budgets: Budgets = Field(default_factory=Budgets)
    """Size limits checked by the build."""
    lint: Annotated[LintSettings, Shown(False)] = Field(default_factory=LintSettings)
    """Settings of `gen lint` for this site."""
