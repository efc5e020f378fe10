"""Sites the benchmarks build: the example shop's shape, grown to any number of products."""

from __future__ import annotations

import random
from pathlib import Path


def catalog_site(root: Path, products: int, pages: int, categories: int = 20) -> Path:
    rng = random.Random(products)
    site = root / f"site-{products}"
    site.mkdir(parents=True)
    cats = [f"c{i:02d}" for i in range(categories)]
    rows = ["id,name,price,category,description,stock"]
    rows += [
        f"p{i:05d},示例商品 {i} 号,{rng.randint(10, 999)}.{rng.randint(0, 99):02d},{rng.choice(cats)},"
        f'"第 {i} 号商品的介绍。\n\n材质、尺寸和保养方法。",{rng.randint(0, 50)}'
        for i in range(products)
    ]
    (site / "products.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    extra = "".join(
        f"  - id: page{i:02d}\n    title: 页面{i}\n    blocks:\n      - {{type: text, body: 第 {i} 页的内容。}}\n"
        f"      - {{type: products, category: c{i % categories:02d}, limit: 4}}\n"
        for i in range(max(0, pages - 2))
    )
    (site / "site.yaml").write_text(
        # a CDN (no photos here): the mini-program fetches a big catalog from it (catalog.delivery: auto)
        "site: {name: 基准商店, theme: warm, cdn: 'https://cdn.example.com/bench/'}\n"
        "tabs:\n  - {page: home, text: 首页, icon: home}\n  - {page: shop, text: 分类, icon: category}\n"
        "pages:\n  - id: home\n    title: 首页\n    blocks:\n      - {type: categories}\n"
        "      - {type: products, title: 推荐, limit: 20}\n"
        "  - id: shop\n    title: 分类\n    blocks: [{type: categories, layout: list}]\n"
        + extra
        + "catalog:\n  categories:\n"
        + "".join(f"    - {{id: {c}, name: 分类{c}}}\n" for c in cats)
        + "  products_file: products.csv\n",
        encoding="utf-8",
    )
    return site
