"""A 1,000-product catalog built by mpgen (mini-program + H5) and by Hugo with minimal equivalent templates.

    python bench/bench_catalog.py        (needs `apt-get install hugo`; writes bench/results-catalog.md)

Both sites have the same 1,000 products in 20 categories, a home page, one page per category and
one per product, no images. mpgen builds two targets (and a QR code per product page); Hugo one.
"""

from __future__ import annotations

import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build  # noqa: E402

PRODUCTS = 1000
CATEGORIES = 20
REPEATS = 3

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }}</title>
<link rel="stylesheet" href="{{ "site.css" | relURL }}"></head>
<body><header>{{ .Site.Title }}</header><main>{{ block "main" . }}{{ end }}</main></body></html>""",
    "_default/single.html": """{{ define "main" }}<h1>{{ .Title }}</h1><p class="price">¥{{ .Params.price }}</p>
<p>{{ .Params.stock }} 件</p>{{ .Content }}{{ end }}""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ¥{{ .Params.price }}</li>{{ end }}</ul>{{ end }}""",
    "index.html": """{{ define "main" }}<ul>{{ range .Site.Taxonomies.categories }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></li>{{ end }}</ul>
<ul>{{ range first 20 (where .Site.RegularPages "Section" "products") }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}""",
}


def make_sites(root: Path) -> tuple[Path, Path]:
    rng = random.Random(1)
    categories = [f"c{i:02d}" for i in range(CATEGORIES)]
    products = [
        (
            f"p{i:04d}",
            f"示例商品 {i} 号",
            f"{rng.randint(10, 999)}.{rng.randint(0, 99):02d}",
            rng.choice(categories),
            rng.randint(0, 50),
        )
        for i in range(PRODUCTS)
    ]
    ours = root / "mpgen-site"
    ours.mkdir()
    rows = ["id,name,price,category,description,stock"]
    rows += [
        f'{pid},{name},{price},{cat},"第 {pid} 号商品的介绍。\n\n材质、尺寸和保养方法。",{stock}'
        for pid, name, price, cat, stock in products
    ]
    (ours / "products.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (ours / "site.yaml").write_text(
        "site: {name: 千件商品店, theme: warm}\n"
        "tabs:\n  - {page: home, text: 首页, icon: home}\n  - {page: shop, text: 分类, icon: category}\n"
        "pages:\n  - id: home\n    title: 首页\n    blocks:\n      - {type: categories}\n"
        "      - {type: products, title: 推荐, limit: 20}\n"
        "  - id: shop\n    title: 分类\n    blocks: [{type: categories, layout: list}]\n"
        "catalog:\n  categories:\n"
        + "".join(f"    - {{id: {c}, name: 分类{c}}}\n" for c in categories)
        + "  products_file: products.csv\n",
        encoding="utf-8",
    )
    hugo = root / "hugo-site"
    (hugo / "content" / "products").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(
        'baseURL = "/"\ntitle = "千件商品店"\nrelativeURLs = true\n'
        "disableKinds = ['RSS', 'sitemap', 'robotsTXT']\n[taxonomies]\ncategory = 'categories'\n",
        encoding="utf-8",
    )
    for pid, name, price, cat, stock in products:
        (hugo / "content" / "products" / f"{pid}.md").write_text(
            f'---\ntitle: "{name}"\nprice: "{price}"\nstock: {stock}\ncategories: ["{cat}"]\n---\n'
            f"第 {pid} 号商品的介绍。\n\n材质、尺寸和保养方法。\n",
            encoding="utf-8",
        )
    for path, text in HUGO_LAYOUTS.items():
        (hugo / "layouts" / path).parent.mkdir(parents=True, exist_ok=True)
        (hugo / "layouts" / path).write_text(text, encoding="utf-8")
    (hugo / "static").mkdir()
    (hugo / "static" / "site.css").write_text("body{font-family:sans-serif}", encoding="utf-8")
    return ours, hugo


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    hugo_bin = shutil.which("hugo")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ours, hugo = make_sites(root)
        gen = [sys.executable, "-m", "generator", "build", str(ours), "--quiet"]
        ours_cold, ours_warm_cli, hugo_cold, hugo_warm = [], [], [], []
        for _ in range(REPEATS):
            shutil.rmtree(ours / "dist", ignore_errors=True)
            shutil.rmtree(ours / ".mpgen-cache", ignore_errors=True)
            ours_cold.append(timed(gen))
            ours_warm_cli.append(timed(gen))
            if hugo_bin:
                shutil.rmtree(hugo / "public", ignore_errors=True)
                hugo_cold.append(timed([hugo_bin, "--quiet", "-s", str(hugo)]))
                hugo_warm.append(timed([hugo_bin, "--quiet", "-s", str(hugo)]))
        build(ours, ours / "dist", sync=True)  # the dev server's path: one process, rebuild on save
        in_process = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            result = build(ours, ours / "dist", sync=True)
            in_process.append(time.perf_counter() - started)
        pages = sum(1 for f in result.files if f.path.endswith(".html"))
        hugo_pages = len(list((hugo / "public").rglob("*.html"))) if hugo_bin else 0
        hugo_version = (
            subprocess.run([hugo_bin, "version"], capture_output=True, text=True).stdout.split()[1]
            if (hugo_bin)
            else "not installed"
        )

    def fmt(values: list[float]) -> str:
        return f"{min(values):.2f} s" if values else "n/a"

    lines = [
        f"# {PRODUCTS}-product catalog: mpgen and Hugo",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, Hugo {hugo_version}. "
        "Run: `python bench/bench_catalog.py`. Best of 3.",
        "",
        f"mpgen writes {len(result.files)} files ({pages} H5 pages, the mini-program with its catalog subpackage, "
        f"a QR code per product page); Hugo writes {hugo_pages} HTML pages from minimal templates.",
        "",
        "| | cold build | no-change rebuild |",
        "|---|---|---|",
        f"| Hugo (`hugo`, a new process each time) | {fmt(hugo_cold)} | {fmt(hugo_warm)} |",
        f"| mpgen (`gen build`, a new process each time) | {fmt(ours_cold)} | {fmt(ours_warm_cli)} |",
        f"| mpgen in one process (`gen dev` rebuilding after a save) | | {fmt(in_process)} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (REPO / "bench" / "results-catalog.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
