"""The `official_account:` section of site.yaml: the "3+1" menu and the auto-replies, with WeChat's byte limits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .model import HttpsUrl, Id, NotText, SpecModel, UserText

MENU_NAME_BYTES = 16  # a top-level button: 16 bytes (5 Chinese characters are already 15)
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
REPLY_BYTES = 2048  # a passive text reply
CONTACT_KEY = "MPGEN_CONTACT"
"""The click key of the `contact: true` entry; its reply is the site's contact details."""


def _utf8_limit(value: str, limit: int, what: str) -> str:
    size = len(value.encode("utf-8"))
    if size > limit:
        raise ValueError(
            f"{what} {value!r} is {size} bytes in UTF-8; WeChat allows {limit} "
            "(a Chinese character takes 3); shorten it"
        )
    return value


Key = Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z0-9_\-.:]{1,128}$")]


class MenuAction(SpecModel):
    """What a menu entry does: exactly one of page, product, url, key or contact."""

    page: Id | None = None
    """Opens this page of the site in the mini-program (the H5 page for old clients)."""
    product: Id | None = None
    """Opens this product's page in the mini-program (the H5 page for old clients)."""
    category: Id | None = None
    """Opens this catalog category in the mini-program (the H5 page for old clients)."""
    url: HttpsUrl | None = None
    """Opens an https web page."""
    key: Key | None = None
    """Sends a click event with this key; `official_account.replies.clicks` answers it."""
    contact: bool = False
    """The "contact us" entry: replies with the site's contact details (phone, address, hours)."""

    @field_validator("url")
    @classmethod
    def _url_bytes(cls, value: str | None) -> str | None:
        return _utf8_limit(value, URL_BYTES, "url") if value else value

    def actions(self) -> list[str]:
        return [name for name in ("page", "product", "category", "url", "key") if getattr(self, name)] + (
            ["contact"] if self.contact else []
        )


class SubButton(MenuAction):
    name: Annotated[UserText, StringConstraints(min_length=1)]
    """Label, at most 60 bytes in UTF-8."""

    @field_validator("name")
    @classmethod
    def _name_bytes(cls, value: str) -> str:
        return _utf8_limit(value, SUB_NAME_BYTES, "sub-menu name")

    @model_validator(mode="after")
    def _one_action(self) -> SubButton:
        if len(self.actions()) != 1:
            raise ValueError("a menu entry needs exactly one of page, product, category, url, key or contact: true")
        return self


class MenuButton(MenuAction):
    name: Annotated[UserText, StringConstraints(min_length=1)]
    """Label, at most 16 bytes in UTF-8 (5 Chinese characters)."""
    items: list[SubButton] | None = Field(default=None, min_length=1, max_length=5)
    """Sub-menu entries (1 to 5) instead of an action of its own."""

    @field_validator("name")
    @classmethod
    def _name_bytes(cls, value: str) -> str:
        return _utf8_limit(value, MENU_NAME_BYTES, "menu name")

    @model_validator(mode="after")
    def _action_or_items(self) -> MenuButton:
        count = len(self.actions())
        if self.items is not None and count:
            raise ValueError("a menu with `items` has no action of its own; move it into an item")
        if self.items is None and count != 1:
            raise ValueError(
                "a menu needs `items` or exactly one of page, product, category, url, key or contact: true"
            )
        return self

    def leaves(self) -> list[MenuAction]:
        return list(self.items) if self.items is not None else [self]


class Reply(SpecModel):
    text: Annotated[UserText, StringConstraints(min_length=1)]
    """The reply text (plain text; line breaks are kept)."""
    page: Id | None = None
    """Adds a link to this page (opens the mini-program; the H5 page for old clients)."""
    product: Id | None = None
    """Adds a link to this product's page."""
    category: Id | None = None
    """Adds a link to this catalog category."""
    link_text: Annotated[UserText, StringConstraints(min_length=1, max_length=30)] = "点击查看"
    """Text of the added link."""

    @field_validator("text")
    @classmethod
    def _text_bytes(cls, value: str) -> str:
        return _utf8_limit(value, REPLY_BYTES - 300, "reply text")  # room for the link

    @model_validator(mode="after")
    def _one_link(self) -> Reply:
        if sum(1 for ref in (self.page, self.product, self.category) if ref) > 1:
            raise ValueError("a reply links to one page, product or category; keep one")
        return self


class KeywordReply(Reply):
    words: list[Annotated[UserText, StringConstraints(min_length=1, max_length=60)]] = Field(
        min_length=1, max_length=50
    )
    """Messages that trigger this reply."""
    match: Literal["exact", "contains"] = "exact"
    """`exact`: the whole message equals a word (spaces and case ignored); `contains`: the message contains one."""


class Replies(SpecModel):
    subscribe: Reply | None = None
    """Sent to every new follower (e.g. the new-user gift)."""
    keywords: list[KeywordReply] = Field(default_factory=list, max_length=200)
    """Answers to text messages, checked in order (exact matches first)."""
    clicks: dict[Key, Reply] = Field(default_factory=dict)
    """Answers to menu entries with a `key`."""
    contact: Reply | None = None
    """Answer to the `contact: true` entry; default: the first contact block of the site."""


class OfficialAccount(SpecModel):
    menu: list[MenuButton] = Field(min_length=1, max_length=3)
    """1 to 3 menus; the seed's rule is "3+1": three menus, the last ending in "contact us"."""
    replies: Replies = Field(default_factory=Replies)
    """Automatic replies."""
