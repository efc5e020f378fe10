"""The catalog as JSON pages for a mini-program that fetches it (`catalog.delivery` remote), written to
`catalog/`: uploaded to `site.cdn` + `catalog/`, or served by `gen serve` at `commerce.api` + `catalog/`.

    index.json                  categories (id, name, description, count, the hashes of their listing
                                pages) and the hashes of the product buckets; small, cached briefly
    list/<c>-<n>.<hash>.json    page n of the c-th category's listing: the rows a listing shows
    product/<b>.<hash>.json     bucket b: every field of the products whose id hashes to b
    img/<name>                  with the backend serving it, the photos only the catalog shows

Files named by their content never change, so servers cache them for good; only index.json names the
current ones. A product's bucket is FNV-1a of its id (UTF-16 code units, as JavaScript reads strings)
modulo the bucket count, which `utils/catalog.js` computes the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..plan.catalog_delivery import LIST_PAGE_SIZE
from ..plan.site import Site
from ..write.output import OutputFile
from .miniprogram import pack_catalog
from .target import BatchTarget

BUCKET_SIZE = 50
"""Products per product file, on average: one product page fetches one such file (tens of KB)."""
LIST_FIELDS = ("id", "name", "image", "priceText", "originalPriceText", "tags", "soldOut")
INDEX_VERSION = 1
ORIGIN = "generator.targets.remote_catalog"


def bucket_of(product_id: str, buckets: int) -> int:
    """The bucket of a product id: FNV-1a (32 bit) over its UTF-16 code units, modulo `buckets`."""
    h = 0x811C9DC5
    units = product_id.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h ^= units[i] | (units[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h % buckets


def render_remote_catalog(site: Site) -> list[OutputFile]:
    delivery = site.catalog_delivery
    if not delivery.remote or site.catalog_data is None:
        return []
    if site.memo is None:
        return _render(site)
    # gen dev's build after a theme-only save has the same plan, and the same pages
    made_from = (site.catalog_data, site.image_assets)
    return list(site.memo.shelf("remote-catalog").get(delivery, made_from, functools.partial(_render, site)))


def _render(site: Site) -> list[OutputFile]:
    """Each file from its rows; under gen dev's memo a file whose rows are the last build's very rows
    is that build's file (one product edited: one bucket and the listing pages it is on)."""
    delivery = site.catalog_delivery
    assert site.catalog_data is not None
    shelf = site.memo.shelf("remote-catalog-file") if site.memo is not None else None
    packed = pack_catalog(site, site.catalog_data)
    fields: list[str] = packed["fields"]
    rows: list[list[Any]] = packed["rows"]
    id_column = fields.index("id")
    row_of = {row[id_column]: row for row in rows}
    folder = delivery.folder
    files: list[OutputFile] = []

    def add(stem: str, made_from: tuple[object, ...], document: Callable[[], Any]) -> str:
        def make() -> OutputFile:
            data = _compact(document())
            return OutputFile(f"{folder}{stem}.{hashlib.sha256(data).hexdigest()[:10]}.json", data, ORIGIN)

        file = shelf.get((stem, tuple(fields)), made_from, make) if shelf is not None else make()
        files.append(file)
        return file.path.rsplit(".", 2)[-2]  # the digest

    count = max(1, math.ceil(len(rows) / BUCKET_SIZE))
    grouped: list[list[list[Any]]] = [[] for _ in range(count)]
    for row in rows:
        grouped[bucket_of(row[id_column], count)].append(row)
    buckets = [
        add(f"product/{b}", tuple(group), functools.partial(lambda g: {"fields": fields, "rows": g}, group))
        for b, group in enumerate(grouped)
    ]

    listed = [fields.index(field) for field in LIST_FIELDS if field in fields]
    list_fields = [fields[i] for i in listed]

    def listing(chunk: Sequence[str]) -> dict[str, Any]:
        return {"fields": list_fields, "rows": [[row_of[i][k] for k in listed] for i in chunk]}

    categories = []
    for c, category in enumerate(packed["categories"]):
        ids: Sequence[str] = category["productIds"]
        pages = [
            add(f"list/{c}-{n}", tuple(row_of[i] for i in chunk), functools.partial(listing, chunk))
            for n, chunk in enumerate(_chunks(ids, LIST_PAGE_SIZE))
        ]
        categories.append(
            {
                "id": category["id"],
                "name": category["name"],
                "description": category.get("description", ""),
                "count": len(ids),
                "pages": pages,
            }
        )
    index = {"version": INDEX_VERSION, "pageSize": LIST_PAGE_SIZE, "buckets": buckets, "categories": categories}
    files.append(OutputFile(f"{folder}index.json", _compact(index), ORIGIN))
    files += [
        OutputFile(asset.output_path, asset.image.data, asset.spec_path)
        for asset in site.images
        if asset.output_path.startswith(folder)
    ]
    return files


def _chunks(ids: Sequence[str], size: int) -> list[Sequence[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _compact(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


TARGET = BatchTarget("remote-catalog", "catalog", render_remote_catalog)
