"""What every block is: the base of its spec model (what it names, needs and collects, and how it is
planned), the planner it is planned with, and the typed data it is planned into.

A planned block is a frozen dataclass of target-neutral values (`Link`, `ImageRef`, text, numbers).
`view()` turns it into the dict the templates read: the block's `type` first, then its fields in
declaration order with camelCase names (`submit_text` -> `submitText`), the names the built-in and a
site's own templates use in both targets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import model_validator

from ..load.source_map import SpecPath
from ..plan.image_ref import ImageRef, PlannedImage
from ..plan.links import Link
from ..spec.catalog import Category, Product
from ..spec.model import HttpsUrl, Id, SpecModel

if TYPE_CHECKING:
    from ..spec.site import Commerce

NO_IMAGE: PlannedImage = ""

# Display width of each image slot in rpx (750 = screen width), which at 2x device pixels is also the
# pixel width the image is rendered at. They follow the layouts of the block templates.
SLOT_FULL = 718  # banner, image block: screen width minus the page margins
SLOT_ARTICLE = 686  # inside a padded card
SLOT_GRID = 351  # a product card in the two-column grid
SLOT_ROW = 200  # a product row in a list
SLOT_CATEGORY = 96  # a round category icon
SLOT_GALLERY = 750  # the product detail gallery, edge to edge


@dataclass(frozen=True)
class Reference:
    """An id or an image file a part of the spec names, checked by the validate stage."""

    kind: Literal["page", "product", "category", "image"]
    value: str
    path: SpecPath
    """Where, relative to the part that names it (e.g. `("slides", 0, "image")`)."""


@dataclass(frozen=True)
class UniqueName:
    """A value that must not repeat inside its block (a form's field names), and where it is."""

    noun: str
    value: str
    path: SpecPath


# --- planned data ------------------------------------------------------------------------------------


class Planned:
    """Base of planned data (blocks and the parts inside them); `view()` shows it to the templates."""


@dataclass(frozen=True)
class PlannedBlock(Planned):
    """One block as the renderers receive it; `type` names its templates (`templates/blocks/<type>/`)."""

    type: ClassVar[str]

    def miniprogram_view(self, data: dict[str, Any]) -> dict[str, Any]:
        """The block's view as its mini-program component takes it (the page's setData); a block may
        leave out what its component can do without, which makes every page's data smaller."""
        return data


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _view_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """A planned class's (field, template name) pairs, worked out once per class."""
    known = _FIELDS.get(cls)
    if known is None:
        known = _FIELDS[cls] = tuple((f.name, _camel(f.name)) for f in dataclasses.fields(cls))
    return known


def view(value: Any) -> Any:
    """Planned data as templates read it: dicts with camelCase keys (a block's `type` first) and lists;
    `Link` and `ImageRef` values stay as they are, for each target to format."""
    if isinstance(value, Planned):
        data: dict[str, Any] = {"type": value.type} if isinstance(value, PlannedBlock) else {}
        for name, key in _view_fields(type(value)):
            data[key] = view(getattr(value, name))
        return data
    if isinstance(value, tuple | list):
        return [view(item) for item in value]
    if isinstance(value, dict):
        return {key: view(item) for key, item in value.items()}
    return value


# --- cards: products and categories as blocks and catalog pages show them --------------------------


@dataclass(frozen=True)
class ProductCard(Planned):
    id: str
    name: str
    price_text: str
    original_price_text: str
    image: PlannedImage
    tags: tuple[str, ...]
    sold_out: bool
    link: Link


@dataclass(frozen=True)
class CategoryCard(Planned):
    id: str
    name: str
    image: PlannedImage
    initial: str
    link: Link


# --- planning ------------------------------------------------------------------------------------


class BlockPlanner(Protocol):
    """What a block is planned with (`plan.Planner`): image slots, links and catalog cards, each
    recorded for the package the block is shown in."""

    @property
    def products(self) -> Mapping[str, Product]: ...

    @property
    def categories(self) -> Mapping[str, Category]: ...

    @property
    def has_privacy_page(self) -> bool: ...

    @property
    def commerce(self) -> Commerce | None:
        """The site's `commerce:` (the growth blocks show its rules)."""
        ...

    def image(self, spec_path: str, width: int, ref: SpecPath, package: str) -> ImageRef:
        """A spec image shown `width` rpx wide in `package`."""
        ...

    def link(self, target: LinkTarget) -> Link | None: ...

    def backend_url(self, path: str) -> str:
        """`commerce.api` + `path`: an address on the shop's backend (the block `needs_backend()`)."""
        ...

    def page_link(self, page_id: str) -> Link: ...

    def product_card(self, product: Product, slot: int, package: str) -> ProductCard: ...

    def products_of(self, category_id: str) -> Sequence[Product]:
        """The category's products, in catalog order."""
        ...

    def category_card(self, category: Category, package: str, with_image: bool) -> CategoryCard: ...


# --- the spec side -----------------------------------------------------------------------------------


class BlockSpec(SpecModel):
    """Base of a block's spec model (`type: Literal["<type>"]` and its fields).

    A block says what it names (`references`), what the site must have (`needs_commerce`,
    `needs_backend`, `needs_catalog`), which of its values must not repeat (`unique_names`, in the
    block, and `site_unique_names`, in the site), what personal data it
    collects (`collects`, listed on the privacy page) and how it is planned (`plan`)."""

    needs_commerce: ClassVar[bool] = False
    """The block talks to the commerce backend: the site needs `commerce:`."""
    if TYPE_CHECKING:
        type: str  # each block's `Literal["<type>"]` field (not declared here: it would come first)

    def references(self) -> Iterator[Reference]:
        return iter(())

    def needs_catalog(self) -> bool:
        """The block shows catalog data: the site needs `catalog:`."""
        return False

    def needs_backend(self) -> bool:
        """The block talks to the shop's backend: the site needs `commerce:` (with its api)."""
        return self.needs_commerce

    def commerce_problems(self, commerce: Commerce) -> Iterator[tuple[SpecPath, str]]:
        """What the block needs of `commerce:` and does not find: (path relative to the block, message)."""
        return iter(())

    def unique_names(self) -> Iterator[UniqueName]:
        """Values that must not repeat inside the block."""
        return iter(())

    def site_unique_names(self) -> Iterator[UniqueName]:
        """Values that must not repeat anywhere in the site (paths relative to the block)."""
        return iter(())

    def collects(self, page_title: str) -> str:
        """What the block asks of the user, a sentence of the privacy page ("" when nothing)."""
        return ""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedBlock:
        raise NotImplementedError(f"{type(self).__name__} defines no plan()")


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
