"""Which images of an H5 page show on its first screen (a 375x812 phone), so they load eagerly and the
largest one, the page's likely LCP element, with high priority; everything below loads lazily.

The heights are an estimate from site.css at a 375 px wide screen (one column 343 px wide, the theme's
spacing unit); an image counts as on the first screen when its top is estimated above the fold. Being
generous at the fold costs a request or two; being stingy delays the largest paint, so it errs generous.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..plan.image_ref import ImageRef, PlannedImage
from ..plan.site import H5Picture

VIEWPORT_WIDTH = 375
VIEWPORT_HEIGHT = 812
TOPBAR = 48
TAP = 44  # the height of a tap target: notice bar, search field, button
HEAD = 46  # a section's title row and the space below it
BANNER_RATIO = 336 / 718  # .slide img aspect-ratio in site.css
CARD_INFO = 112  # a grid card's name (2 lines), tags and price below its image
LIST_IMAGE = 100  # .products-list image size
LIST_ROW = 125  # a list card with its name, tags and price, and the space below
CATEGORY_CELL = 100  # a grid category: padding, 48 px image, gap, name
TEXT_LINE = 24
CHAR_WIDTH = 15


@dataclass(frozen=True)
class FirstScreen:
    """The images to load eagerly on one page and the one to fetch first ("" when none)."""

    eager: frozenset[ImageRef] = frozenset()
    lcp: PlannedImage = ""


@dataclass
class _Estimate:
    unit: int  # the theme's spacing unit (px)
    pictures: Mapping[ImageRef, H5Picture]
    y: float = TOPBAR
    found: dict[ImageRef, float] | None = None  # image -> shown area (px²)

    @property
    def width(self) -> float:
        return VIEWPORT_WIDTH - 4 * self.unit  # .section: var(--space-2) on both sides

    def visible(self) -> bool:
        return self.y < VIEWPORT_HEIGHT

    def image(self, url: PlannedImage, width: float, height: float) -> None:
        """An image whose top is at the current offset."""
        if url and self.y < VIEWPORT_HEIGHT:
            assert self.found is not None
            shown = min(height, VIEWPORT_HEIGHT - self.y)
            self.found[url] = max(self.found.get(url, 0.0), width * shown)

    def ratio(self, url: PlannedImage, fallback: float = 1.0) -> float:
        picture = self.pictures.get(url) if url else None
        return picture.height / picture.width if picture and picture.width else fallback

    def lines(self, text: str, width: float) -> int:
        per_line = max(1, int(width // CHAR_WIDTH))
        return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def first_screen(
    blocks: Iterable[Mapping[str, Any]], pictures: Mapping[ImageRef, H5Picture], unit: int, top: float = 0
) -> FirstScreen:
    """The first-screen images of a page made of spec blocks; `top` is what stands above the first block."""
    est = _Estimate(unit, pictures, TOPBAR + top, {})
    for block in blocks:
        if not est.visible():
            break
        _block(est, block)
    return _result(est)


def first_screen_of_products(
    items: Iterable[Mapping[str, Any]], pictures: Mapping[ImageRef, H5Picture], unit: int, top: float
) -> FirstScreen:
    """A page that lists products as rows (catalog, category) below `top` px of other content."""
    est = _Estimate(unit, pictures, TOPBAR + top, {})
    _product_rows(est, list(items))
    return _result(est)


def first_screen_of_gallery(first_image: PlannedImage) -> FirstScreen:
    """A product page: the first gallery image fills the screen's width at the top."""
    return FirstScreen(frozenset({first_image}), first_image) if first_image else FirstScreen()


def _result(est: _Estimate) -> FirstScreen:
    found = est.found or {}
    if not found:
        return FirstScreen()
    lcp = max(found, key=lambda url: found[url])  # first of the largest: dicts keep insertion order
    return FirstScreen(frozenset(found), lcp)


def _block(est: _Estimate, block: Mapping[str, Any]) -> None:
    u = est.unit
    match block["type"]:
        case "banner":
            est.y += 2 * u
            slides = block["slides"]
            height = est.width * BANNER_RATIO
            if slides:
                est.image(slides[0]["image"], est.width, height)  # the others are off to the side
            est.y += height
        case "notice":
            est.y += 2 * u + TAP
        case "image":
            est.y += 3 * u
            height = est.width * est.ratio(block["image"], BANNER_RATIO)
            est.image(block["image"], est.width, height)
            est.y += height
        case "categories":
            est.y += 3 * u + (HEAD if block.get("title") else 0)
            items = block["items"]
            if block.get("layout") == "list":
                for item in items:
                    est.image(item.get("image", ""), 48, 48)
                    est.y += 48 + 5 * u
            else:
                est.y += u
                for row in range(math.ceil(len(items) / 4)):
                    for item in items[row * 4 : row * 4 + 4]:
                        est.image(item.get("image", ""), 48, 48)
                    est.y += CATEGORY_CELL
                est.y += u
        case "products":
            est.y += 3 * u + (HEAD if block.get("title") or block.get("more") else 0)
            items = block["items"]
            if block.get("layout") == "list":
                _product_rows(est, items)
            else:
                side = (est.width - 2 * u) / 2
                for row in range(math.ceil(len(items) / 2)):
                    for item in items[row * 2 : row * 2 + 2]:
                        est.image(item.get("image", ""), side, side)
                    est.y += side + CARD_INFO + 2 * u
        case "article":
            est.y += 3 * u + 3 * u + TEXT_LINE * 1.5 * est.lines(block.get("title", ""), est.width - 6 * u)
            if block.get("author") or block.get("date"):
                est.y += u + TEXT_LINE
            if block.get("cover"):
                est.y += 2 * u
                height = (est.width - 6 * u) * est.ratio(block["cover"], BANNER_RATIO)
                est.image(block["cover"], est.width - 6 * u, height)
                est.y += height
            est.y += 10 * TEXT_LINE  # the text below: nothing further on this block is an image
        case "text":
            est.y += 3 * u + 6 * u + (HEAD if block.get("title") else 0)
            for paragraph in block.get("paragraphs", []):
                est.y += TEXT_LINE * est.lines(paragraph, est.width - 6 * u) + 2 * u
        case "button":
            est.y += 3 * u + TAP + 2 * u
        case _:  # forms, contact, links, growth blocks: no images; roughly a card of a few rows
            est.y += 3 * u + 4 * TAP


def _product_rows(est: _Estimate, items: list[Mapping[str, Any]]) -> None:
    for item in items:
        if not est.visible():
            return
        est.image(item.get("image", ""), LIST_IMAGE, LIST_IMAGE)
        est.y += LIST_ROW
