"""Which pages `gen preview` shoots on a large site: `--pages` globs, a sample of a site over SAMPLE_OVER
pages, and a page taller than Chromium can capture shot down to MAX_SHOT_HEIGHT instead of crashing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from generator.errors import GenError
from generator.preview.shots import DEVICE_SCALE, MAX_SHOT_HEIGHT, SAMPLE_EACH, SAMPLE_OVER, choose_pages

from .conftest import MINIMAL_SITE

CONTENT = ["index.html", "catalog.html", "pages/about.html", "pages/news.html"]
CATEGORIES = [f"category/c{n}.html" for n in range(10)]
PRODUCTS = [f"product/p{n:03d}.html" for n in range(100)]


def test_patterns_choose_pages_by_their_path_without_html() -> None:
    files = CONTENT + CATEGORIES + PRODUCTS
    assert choose_pages(files, ["index", "pages/*"]) == (["index.html", "pages/about.html", "pages/news.html"],
                                                          "index pages/*")  # fmt: skip
    assert choose_pages(files, ["product/p00?"])[0] == PRODUCTS[:10]
    with pytest.raises(GenError, match="matches none of the 114 pages"):
        choose_pages(files, ["nothing/*"])


def test_a_large_site_is_sampled_and_a_small_one_shot_whole() -> None:
    small = CONTENT + CATEGORIES[:2]
    assert choose_pages(small) == (small, "all")
    chosen, how = choose_pages(CONTENT + CATEGORIES + PRODUCTS)
    assert how == "sample" and len(CONTENT + CATEGORIES + PRODUCTS) > SAMPLE_OVER
    assert chosen == CONTENT + CATEGORIES[:SAMPLE_EACH] + PRODUCTS[:SAMPLE_EACH]


def long_home(paragraphs: int) -> str:
    """The home page's text block runs to `paragraphs` paragraphs: a page far taller than Chromium captures."""
    lines = "\n\n".join(f"第{n}段：店里的故事。" for n in range(paragraphs)).split("\n")
    return MINIMAL_SITE.replace("body: 欢迎", "body: |\n" + "\n".join("          " + line for line in lines))


def test_a_page_too_long_to_capture_is_shot_down_to_the_limit(chromium_path: str, make_site) -> None:
    site = make_site(long_home(600))
    scratch = Path(tempfile.mkdtemp(prefix="mpgen-t-"))  # short: Chromium's profile socket lives there
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent),
        "MPGEN_CHROMIUM": chromium_path,
        "TMPDIR": str(scratch),
    }
    if shutil.which("node", path=env["PATH"]):
        pytest.skip("node sits next to python here; cannot hide it (the H5 shots alone are quicker)")
    try:
        command = [sys.executable, "-m", "generator", "preview", str(site), "--pages", "index", "--pages", "pages/*"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^2 pages \(index pages/\*: 2 of 2\) -> ", done.stdout, re.M), done.stdout
    assert f"long page: index.html shot down to its first {MAX_SHOT_HEIGHT} px" in done.stdout
    folder = site / "preview"
    assert sorted(p.name for p in folder.glob("*.png")) == ["index.png", "pages-about.png"]
    with Image.open(folder / "index.png") as shot:
        assert shot.height == MAX_SHOT_HEIGHT * DEVICE_SCALE
    with Image.open(folder / "pages-about.png") as shot:
        assert shot.height < MAX_SHOT_HEIGHT * DEVICE_SCALE
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    assert "chosen by <code>--pages index pages/*</code>" in sheet and "<code>index.html</code>" in sheet
