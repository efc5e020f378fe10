"""The site spec: pydantic models for site.yaml. Field docstrings are the user documentation and the JSON Schema."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .. import limits
from ..assets.icons import ICONS
from ..blocks import BLOCK_MODELS, BLOCK_TYPES, GROWTH_BLOCKS  # noqa: F401  (the spec's block lists)
from ..blocks.base import BlockSpec
from ..check.lint_rules import RULES
from ..theme.theme import ThemeLayer
from .catalog import Catalog, Price
from .coupons import CouponSpec
from .growth import CheckinRule, FollowerGift, InviteRule, MemberRules, Remind
from .messages import MessageTemplate
from .model import HttpsUrl, Id, ImagePath, NotText, ShortText, Shown, SpecModel, UserText
from .official_account import OfficialAccount

BUILTIN_ICONS = tuple(ICONS)
"""Names of the tab icons drawn by the build (`icons.ICONS`)."""


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


# --- blocks: one module each in generator/blocks/ -------------------------------------------------

if TYPE_CHECKING:
    Block = BlockSpec
else:
    Block = Annotated[typing.Union[tuple(BLOCK_MODELS.values())], Field(discriminator="type")]  # noqa: UP007


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


def iter_pages(
    pages: list[Page], path: tuple[str | int, ...] = ("pages",), depth: int = 1
) -> Iterator[tuple[Page, tuple[str | int, ...], int]]:
    """Every page of the tree with its spec path and level (1 = top)."""
    for index, page in enumerate(pages):
        here = path + (index,)
        yield page, here, depth
        yield from iter_pages(page.children, here + ("children",), depth + 1)


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
    coupons: list[CouponSpec] = Field(default_factory=list, max_length=100)
    """Coupons shoppers claim (the coupons block) and use at checkout; `gen serve` keeps the counts."""
    messages: list[MessageTemplate] = Field(default_factory=list, max_length=3)
    """What the server sends with those templates on order events (paid, refunded, shipped)."""
    checkin: CheckinRule | None = None
    """The daily check-in (the checkin block): the streak that earns a reward, points per check-in."""
    invites: InviteRule | None = None
    """Inviting friends (the invite block): how many must register to earn the reward."""
    members: MemberRules = Field(default_factory=MemberRules)
    """Points per yuan paid and the member levels (the member block)."""
    follower_gift: FollowerGift | None = None
    """The coupon each new follower of the Official Account gets (`gen oa serve` grants it)."""
    remind: Remind | None = None
    """The subscribe message sent once to shoppers inactive for `inactive_days` (`gen remind`)."""

    @model_validator(mode="after")
    def _messages_asked(self) -> Commerce:
        for template in self.messages:
            if template.id not in self.order_templates:
                raise ValueError(f"messages template {template.id} is not in order_templates; add it there")
        if self.remind is not None and self.remind.template not in self.order_templates:
            raise ValueError(
                f"remind template {self.remind.template} is not in order_templates; add it there, so shoppers "
                "are asked for it (a reminder needs the shopper's acceptance)"
            )
        return self

    def reward_coupon_ids(self) -> frozenset[str]:
        """Coupons granted by a rule (check-in, invites, follower gift): never offered to claim."""
        rewards = [rule.reward for rule in (self.checkin, self.invites) if rule is not None]
        ids = {reward.coupon for reward in rewards if reward.coupon is not None}
        if self.follower_gift is not None:
            ids.add(self.follower_gift.coupon)
        return frozenset(ids)


EventField = Annotated[NotText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class EventSpec(SpecModel):
    description: Annotated[NotText, StringConstraints(max_length=200)] = ""
    """What the event means, for the data team (dist/analytics/events.json)."""
    fields: list[EventField] = Field(default_factory=list, max_length=20)
    """The only fields sent with it; never personal data (gen lint checks)."""


DEFAULT_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "app_launch": ("The mini-program started (cold start); the envelope has the launch scene", ()),
    "app_show": ("The mini-program came to the foreground: one open", ()),
    "app_hide": ("The mini-program went to the background; duration: ms shown since app_show", ()),
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
    """https URL that receives events as batched JSON POSTs (the contract's POST /events). Default: the
    shop's backend, commerce.api + "events" (`gen serve` keeps them for its metrics); a site without
    `commerce:` and without an endpoint uses wx.reportEvent (configure the events in WeChat's console) and
    its H5 site sends nothing."""
    events: dict[Annotated[NotText, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")], EventSpec] = Field(
        default_factory=dict
    )
    """Events to add or redefine; the defaults are app_launch, app_show, app_hide, page_view, product_view,
    add_to_cart, checkout_start, pay_success, share, coupon_claim and checkin."""

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

    def events_endpoint(self) -> str | None:
        """Where the clients send their events: analytics.endpoint, else the shop's backend (commerce.api +
        "events", answered by `gen serve`), else nowhere (the mini-program uses wx.reportEvent)."""
        if self.analytics.endpoint:
            return self.analytics.endpoint
        if self.commerce is not None:
            return self.commerce.api.rstrip("/") + "/events"
        return None
