"""The plan's data: a planned site (routes, packages, images) as the targets receive it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assets.images import Kind, ProcessedImage
from ..blocks.base import (
    PlannedBlock,
)
from ..load.source import SpecPath
from ..rebuild_memo import RebuildMemo
from ..spec.site import Page, SiteSpec
from ..theme.theme import Theme
from ..write.previous import PreviousOutput
from .catalog_delivery import CatalogDelivery
from .image_ref import ImageRef

MAIN_PACKAGE = "main"


TAB_ICONS = "tab-icons"
"""Pseudo-package of the site's own tab icons: published in the main package, sized 81x81."""


H5_ONLY = "h5"
"""Pseudo-package of images only the H5 site shows (the logo as its icon)."""


@dataclass(frozen=True)
class ImageNeed:
    """The largest slot a spec image fills in one package, and where the spec first references it."""

    spec_path: str
    package: str
    width: int
    kind: Kind
    ref: SpecPath


@dataclass(frozen=True)
class ImageAsset:
    """A processed image published in a package (or on the CDN) under a content-hashed name."""

    spec_path: str
    package: str
    url: str  # what pages use: /assets/img/x-1a2b3c4d5e.jpg, or https://cdn/.../x-1a2b3c4d5e.jpg
    output_path: str  # path below the output folder: miniprogram/assets/img/... or cdn/img/...
    image: ProcessedImage
    ref: SpecPath

    @property
    def on_cdn(self) -> bool:
        return self.output_path.startswith("cdn/")


@dataclass(frozen=True)
class H5Picture:
    """An image as the H5 site shows it: JPEG/PNG fallback and WebP, each at 1x and 2x (paths below h5/)."""

    src: str  # the 2x fallback
    width: int  # CSS pixels (1x), for the width/height attributes that prevent layout shift
    height: int
    fallback: tuple[tuple[str, int], ...]  # (path, pixel width) for srcset
    webp: tuple[tuple[str, int], ...]
    files: tuple[tuple[str, bytes, str], ...]  # (output path, data, spec path) to write


@dataclass(frozen=True)
class PageRoute:
    """One spec page in the mini-program."""

    page: Page
    path: str  # pages/<id>/index
    level: int
    is_tab: bool
    parent: str | None
    blocks: tuple[PlannedBlock, ...]  # links in them are `Link` values, which each renderer formats
    components: tuple[str, ...]  # block component names the page uses, in first-use order


@dataclass(frozen=True)
class PackagePlan:
    """One package of the mini-program: its root folder, its pages, and why they are there."""

    name: str
    root: str  # "" for the main package
    pages: tuple[str, ...]  # page paths relative to the root
    reason: str
    preloaded_by: tuple[str, ...] = ()  # main-package pages that download it in advance


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, resolved once."""

    spec: SiteSpec
    theme: Theme
    site_dir: Path
    routes: tuple[PageRoute, ...]
    home: str  # route path of the first page
    images: tuple[ImageAsset, ...]  # every published image, sorted by output path
    catalog_data: dict[str, Any] | None
    uses_webview: bool
    catalog_delivery: CatalogDelivery = field(default_factory=CatalogDelivery)
    """Where the mini-program reads the catalog from (the package, or JSON pages from a CDN or the backend)."""
    tab_pages: tuple[str, ...] = field(default=())
    packages: tuple[PackagePlan, ...] = ()
    h5_pictures: Mapping[ImageRef, H5Picture] = field(default_factory=dict)
    """A planned photo -> the same image for the H5 site."""
    logo_icon: str = ""  # the logo as an 81x81 PNG, relative to the H5 root ("" without a logo)
    tab_icon_files: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Tab index -> package paths of its own (non built-in) icon and selected icon."""
    home_page: str = ""  # id of the first page
    page_paths: Mapping[str, str] = field(default_factory=dict)
    """Page id -> its route path (`pages/<id>/index`, or below the deep subpackage): what a page link opens."""
    image_assets: Mapping[tuple[str, str], ImageAsset] = field(default_factory=dict)
    """`ImageRef.key` -> the published image (`images` holds each file once)."""
    dev_api: bool = False
    """A development build: `commerce.api` is a backend on this machine or network (`gen build --api`)."""
    cache_dir: Path | None = None
    """The build cache (SITE/.mpgen-cache) where targets keep derived files by content (QR codes); None:
    no cache (`use_cache=False`)."""
    jobs: int | None = None
    """How many processes the build may use (None: one per core; 1: this process only)."""
    previous: PreviousOutput = field(default_factory=PreviousOutput.empty, compare=False)
    """The last build's output, whose pages a renderer takes instead of rendering them again when they
    were made from the same inputs (`write/previous.py`); build context, not plan, so not compared."""
    memo: RebuildMemo | None = field(default=None, compare=False)
    """gen dev's values of the last build by the objects they were made from (`rebuild_memo.py`); None
    for a build of its own."""


@dataclass(frozen=True)
class PlannedSite:
    """The plan before its images are processed: the site with image slots as `ImageRef`s, and the
    images those slots need (what `publish()` is given the processed files for)."""

    site: Site
    needs: tuple[ImageNeed, ...]  # each image once per package, at its widest slot
    reuse: Mapping[tuple[str, str], tuple[str, str]]
    """A catalog or deep-package image -> the main-package copy it reuses (wide enough, so not published twice)."""
    logo: ImageRef | None
    tab_icons: tuple[tuple[int, ImageRef, ImageRef], ...]  # tab index, icon, selected icon
