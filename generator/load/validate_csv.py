"""The products CSV: reading `catalog.products_file` into `catalog.products`, cells typed, positions kept."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Problem, format_path
from ..rebuild_memo import Shelf
from .messages import AMOUNT_TEXT as _CSV_AMOUNT
from .messages import did_you_mean as _did_you_mean
from .source import SourceMap, read_csv
from .source_map import CsvRegion
from .validate_paths import resolve_site_path

CSV_BOOLEANS = {
    "true": True, "yes": True, "y": True, "t": True, "on": True, "1": True, "是": True,
    "false": False, "no": False, "n": False, "f": False, "off": False, "0": False, "否": False,
}  # fmt: skip
"""What a spreadsheet cell may say in the `virtual` column (Excel writes TRUE/FALSE)."""
CSV_COLUMNS = (
    "id", "name", "price", "original_price", "category", "images", "description", "stock", "options", "tags", "virtual",
)  # fmt: skip


def merge_products_csv(
    site_dir: Path, data: dict[str, Any], source: SourceMap, problems: list[Problem], rows: Shelf | None = None
) -> list[tuple[int, Hashable]]:
    """Append the rows of `catalog.products_file` to `catalog.products`, with each cell's file and line.

    With `rows` (gen dev's memo of the last load), a row written as it was then is appended as the
    `Product` it was validated into, which validation passes through. Returns each row's place in
    `catalog.products` and its key, for `keep_products`."""
    catalog = data.get("catalog")
    if not isinstance(catalog, dict) or not isinstance(catalog.get("products_file"), str):
        return []
    ref_path = ("catalog", "products_file")
    name = catalog["products_file"]
    resolved = resolve_site_path(site_dir, name)
    if isinstance(resolved, str):
        problems.append(Problem(source.value(ref_path), format_path(ref_path), resolved))
        return []
    table = read_csv(resolved, name)
    inline = catalog.get("products")
    products: list[Any] = list(inline) if isinstance(inline, list) else []
    start = len(products)
    if table.rows:
        for column, position in table.columns.items():
            if column not in CSV_COLUMNS:
                hint = _did_you_mean(column, CSV_COLUMNS)
                problems.append(
                    Problem(position, "", f"unknown column {column!r}{hint}; columns: {', '.join(CSV_COLUMNS)}")
                )
    keys: list[tuple[int, Hashable]] = []
    for row in table.rows:
        if rows is not None:
            key = tuple(row.items())
            keys.append((len(products), key))
            known = rows.take(key, ())
            if known is not None:
                products.append(known)
                continue
        product: dict[str, Any] = {k: v for k, v in row.items() if k in CSV_COLUMNS}
        for list_column in ("images", "tags"):
            if list_column in product:
                product[list_column] = [part.strip() for part in product[list_column].split("|") if part.strip()]
        if "options" in product:
            product["options"] = _parse_csv_options(product["options"])
        # a CSV cell is text: numbers and booleans are read here; anything else stays text, an error
        if "stock" in product and re.fullmatch(r"[+-]?[0-9]{1,18}", product["stock"]):
            product["stock"] = int(product["stock"])
        for amount in ("price", "original_price"):
            if amount in product and _CSV_AMOUNT.fullmatch(product[amount]):
                product[amount] = Decimal(product[amount])
        if "virtual" in product and product["virtual"].lower() in CSV_BOOLEANS:
            product["virtual"] = CSV_BOOLEANS[product["virtual"].lower()]
        products.append(product)
    source.regions[("catalog", "products")] = CsvRegion(name, start, table.lines, frozenset(table.columns))
    catalog["products"] = products
    return keys


def keep_products(rows: Shelf, keys: list[tuple[int, Hashable]], products: Sequence[Any]) -> None:
    """Note each validated product under its row's key, for the next load."""
    for index, key in keys:
        rows.keep(key, (), products[index])


def _parse_csv_options(text: str) -> list[dict[str, Any]] | str:
    """`颜色=粉色/蓝色; 尺码=S/M` -> [{name: 颜色, values: [粉色, 蓝色]}, ...]."""
    options = []
    for part in text.replace("；", ";").split(";"):
        if not part.strip():
            continue
        name, sep, values = part.partition("=")
        if not sep:
            return text  # left as text: the model rejects it with a clear type error
        options.append({"name": name.strip(), "values": [v.strip() for v in values.split("/") if v.strip()]})
    return options
