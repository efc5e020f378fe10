"""Publishing the planned images: content-hashed names in their package or on the CDN, the H5 site's
variants, and the planned site with its images filled in."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

from ..assets.images import ImageJob, ProcessedImage
from .catalog_delivery import CatalogDelivery
from .image_ref import ImageRef
from .routes import CATALOG_ROOT
from .site import (
    H5_ONLY,
    MAIN_PACKAGE,
    TAB_ICONS,
    H5Picture,
    ImageAsset,
    ImageNeed,
    PlannedSite,
    Site,
)


def publish(
    planned: PlannedSite,
    published: Mapping[tuple[str, str], ImageAsset],
    h5_pictures: Mapping[ImageRef, H5Picture] | None = None,
) -> Site:
    """The planned site with its processed images: `published[(spec_path, package)]` for each need."""
    assets = dict(published)
    pictures = dict(h5_pictures or {})
    for key, main in planned.reuse.items():
        assets[key] = published[main]
        if ImageRef(*main) in pictures:
            pictures[ImageRef(*key)] = pictures[ImageRef(*main)]
    logo_icon = published[planned.logo.key].url if planned.logo else ""
    return replace(
        planned.site,
        images=tuple(sorted({a.output_path: a for a in published.values()}.values(), key=lambda a: a.output_path)),
        h5_pictures=pictures,
        logo_icon=logo_icon,
        tab_icon_files={
            i: (published[icon.key].url.lstrip("/"), published[selected.key].url.lstrip("/"))
            for i, icon, selected in planned.tab_icons
        },
        image_assets=assets,
    )


def publish_images(
    needs: list[ImageNeed],
    processed: Mapping[ImageNeed, ProcessedImage],
    cdn: str | None,
    catalog: CatalogDelivery | None = None,
) -> dict[tuple[str, str], ImageAsset]:
    """Content-hashed names for processed images: in their package, or on the CDN (photos only); the
    photos only a remote catalog shows travel with its JSON when the backend serves it."""
    published: dict[tuple[str, str], ImageAsset] = {}
    with_catalog = catalog is not None and catalog.remote and catalog.served_by == "backend"
    for need in needs:
        image = processed[need]
        name = _hashed_name(need.spec_path, image)
        if need.package == H5_ONLY:
            url, output_path = f"img/{name}", f"h5/img/{name}"
        elif cdn and need.kind == "photo":
            url, output_path = f"{cdn.rstrip('/')}/{name}", f"cdn/{name}"
        elif with_catalog and catalog is not None and need.package == CATALOG_ROOT and need.kind == "photo":
            url, output_path = f"{catalog.base}img/{name}", f"{catalog.folder}img/{name}"
        else:
            folder = {MAIN_PACKAGE: "assets/img", TAB_ICONS: "assets/tabbar"}.get(need.package, f"{need.package}/img")
            url, output_path = f"/{folder}/{name}", f"miniprogram/{folder}/{name}"
        published[(need.spec_path, need.package)] = ImageAsset(
            need.spec_path, need.package, url, output_path, image, need.ref
        )
    return published


def _H5_PHOTO_VARIANTS(half: int, full: int) -> tuple[tuple[int, Literal["auto", "webp"]], ...]:
    return ((half, "auto"), (full, "webp"), (half, "webp"))


def h5_variants(need: ImageNeed) -> tuple[ImageJob, ...]:
    """The extra encodes the H5 site needs of a photo: a 1x fallback and WebP at 1x and 2x."""
    if need.kind != "photo":
        return ()
    source = need.spec_path
    half = max(1, need.width // 2)
    return tuple(
        ImageJob(Path(source), width, "photo", fmt)  # source made absolute by the caller
        for width, fmt in _H5_PHOTO_VARIANTS(half, need.width)
    )


def publish_h5_pictures(
    needs: list[ImageNeed],
    published: Mapping[tuple[str, str], ImageAsset],
    variants: Mapping[ImageNeed, tuple[ProcessedImage, ...]],
) -> dict[ImageRef, H5Picture]:
    """H5 pictures of the planned photos."""
    pictures: dict[ImageRef, H5Picture] = {}
    for need in needs:
        if need.kind != "photo":
            continue
        asset = published[(need.spec_path, need.package)]
        files: list[tuple[str, bytes, str]] = []

        def place(
            image: ProcessedImage, spec_path: str = need.spec_path, files: list[tuple[str, bytes, str]] = files
        ) -> str:
            path = f"img/{_hashed_name(spec_path, image)}"
            files.append((f"h5/{path}", image.data, spec_path))
            return path

        full = asset.image
        src = place(full)
        fallback = [(src, full.width)]
        webp: list[tuple[str, int]] = []
        half, full_webp, half_webp = variants.get(need, (None, None, None))
        if half is not None and half.format == full.format and half.width < full.width:
            fallback.insert(0, (place(half), half.width))
        for variant in (half_webp, full_webp):
            if variant is not None and variant.format == "webp" and (not webp or variant.width > webp[-1][1]):
                webp.append((place(variant), variant.width))
        pictures[ImageRef(need.spec_path, need.package)] = H5Picture(
            src=src,
            width=max(1, full.width // 2),
            height=max(1, full.height // 2),
            fallback=tuple(fallback),
            webp=tuple(webp),
            files=tuple(dict.fromkeys(files)),
        )
    return pictures


def _hashed_name(spec_path: str, image: ProcessedImage) -> str:
    """`images/Spring Banner.JPG` -> `spring-banner-1a2b3c4d5e.jpg`: readable, and new whenever the bytes change."""
    digest = hashlib.sha256(image.data).hexdigest()[:10]
    stem = re.sub(r"[^a-z0-9-]+", "-", Path(spec_path).stem.lower()).strip("-")[:32] or "img"
    return f"{stem}-{digest}.{image.format}"
