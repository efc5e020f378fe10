"""`gen preview`: screenshots of every page in headless Chromium, H5 and mini-program side by side.

The H5 pages are opened as they are; the mini-program's pages are rendered by
`preview_miniprogram` (miniprogram-simulate in node, WeChat's component styles, the phone's bars).
A contact sheet shows each page as MP | H5, with the accessibility basics of the H5 pages.

The preview has a folder of its own, `SITE/preview/` (not inside `dist/`, which every build replaces):
the shots are taken in memory and written with the sheet in one atomic swap by `write.py`, so a failed
preview keeps the previous one, old shots never mix with new ones, and the sheet shows only files of its
own folder, so it stays valid after any rebuild.
"""

from __future__ import annotations

import fnmatch
import html
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..build import BuildResult, build
from ..build_state import DEFAULT_OUT
from ..errors import GenError
from ..theme.color import AA_NORMAL_TEXT, contrast_ratio
from ..theme.contrast import PAIRS
from ..theme.theme import Theme
from ..write.output import OutputFile
from ..write.writer import PREVIEW, StagedOutput
from . import miniprogram as mp

DEFAULT_PREVIEW = "preview"  # SITE/preview: beside dist/, never inside it

VIEWPORT = {"width": 375, "height": 812}
DEVICE_SCALE = 2
MAX_SHOT_HEIGHT = 8000
"""CSS pixels: a longer page is shot down to here (Chromium cannot capture much past 16,384 device pixels,
and a catalog of thousands of products is hundreds of thousands tall)."""
SAMPLE_OVER = 60
"""Pages beyond which `gen preview` without --pages shoots a sample: every content page, the catalog and
search page, and the first SAMPLE_EACH categories and products."""
SAMPLE_EACH = 6
MIN_TAP_PX = 44
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Make the page photograph well: lazy images load now, the fixed tab bar sits at the end of the page.
_PREPARE_PAGE = """async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach((img) => { img.loading = 'eager'; });
  const style = document.createElement('style');
  style.textContent = '.tabbar{position:absolute!important;bottom:0!important;}';
  document.head.appendChild(style);
  await Promise.all([...document.images].map((img) => img.complete ? null :
    new Promise((done) => { img.onload = img.onerror = done; })));
}"""

_AUDIT_PAGE = """() => {
  const small = [];
  const targets = document.querySelectorAll('a[href], button, input, select, textarea, summary, [role=button]');
  for (const el of targets) {
    if (el.closest('p') && el.tagName === 'A') continue;  // inline links in text are exempt (WCAG 2.5.8)
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0) continue;
    if (el.type === 'radio' || el.type === 'checkbox') continue;  // their visible label is the target
    if (box.width < 44 || box.height < 44) {
      small.push({text: (el.innerText || el.getAttribute('aria-label') || el.name || el.tagName).trim().slice(0, 40),
                  width: Math.round(box.width), height: Math.round(box.height)});
    }
  }
  const noAlt = [...document.images].filter((img) => !img.hasAttribute('alt')).map((img) => img.currentSrc || img.src);
  return {small, noAlt, title: document.title};
}"""


@dataclass
class PageShot:
    file: str
    title: str
    image: str
    small_targets: list[dict[str, object]] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)


@dataclass
class MpShot:
    """A mini-program page's screenshot (image is "" when it could not be rendered)."""

    path: str  # page path with its query, e.g. catalog/product/index?id=tea
    title: str
    image: str
    h5: str | None  # the H5 page of the same content
    errors: list[str] = field(default_factory=list)


@dataclass
class PreviewReport:
    folder: Path
    pages: list[PageShot]
    contrast_problems: list[str]
    mp_pages: list[MpShot] = field(default_factory=list)
    mp_skipped: str = ""  # why there are no mini-program shots ("" when there are)
    site_pages: int = 0  # the H5 site's pages in all, of which `pages` were shot
    chosen_by: str = "all"  # all, the --pages patterns, or "sample"
    clipped: list[str] = field(default_factory=list)  # pages taller than MAX_SHOT_HEIGHT, shot down to it

    @property
    def problems(self) -> int:
        return len(self.contrast_problems) + sum(len(p.small_targets) + len(p.images_without_alt) for p in self.pages)


def find_chromium() -> str:
    """Debian's chromium (Playwright cannot download its own browser here); MPGEN_CHROMIUM overrides."""
    candidates = [os.environ.get("MPGEN_CHROMIUM", "")]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser", "google-chrome")]
    candidates += ["/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise GenError(
        "no Chromium found for screenshots; install it (Debian/Ubuntu: apt-get install -y chromium) "
        "or point MPGEN_CHROMIUM at a Chrome/Chromium binary"
    )


def contrast_problems(theme: Theme) -> list[str]:
    """Text/background pairs of the theme below WCAG AA (4.5:1), for the light and the dark variant
    (the pairs the build warns about, `theme_contrast.PAIRS`)."""
    variants: list[tuple[str, Any]] = [("", theme)]
    if theme.dark:
        variants.append(("dark: ", theme.dark))
    problems = []
    for label, variant in variants:
        for fg_path, bg_path, seen in PAIRS:
            foreground, background = _token(variant, fg_path), _token(variant, bg_path)
            ratio = contrast_ratio(foreground, background)
            if ratio < AA_NORMAL_TEXT:
                name = f"{'.'.join(map(str, fg_path))} on {'.'.join(map(str, bg_path))} ({seen})"
                problems.append(
                    f"{label}{name}: {foreground} on {background} is {ratio:.2f}:1, below WCAG AA {AA_NORMAL_TEXT}:1"
                )
    return problems


def _token(variant: Any, path: tuple[str | int, ...]) -> str:
    value = variant
    for part in path:
        value = getattr(value, str(part))
    return str(value)


def h5_pages(result: BuildResult) -> list[str]:
    """The H5 site's pages, relative to h5/: the home page first, then by depth and name."""
    files = sorted(
        f.path.removeprefix("h5/") for f in result.files if f.path.startswith("h5/") and f.path.endswith(".html")
    )
    return sorted(files, key=lambda f: (f != "index.html", f.count("/"), f))


def choose_pages(files: Sequence[str], patterns: Sequence[str] = ()) -> tuple[list[str], str]:
    """The H5 pages to shoot and how they were chosen. Patterns are globs over the page's path without
    `.html` (`index`, `pages/*`, `product/tea-*`); without patterns a site of at most SAMPLE_OVER pages is shot
    whole, a larger one as a sample (every page that is not a category or product, then the first few of
    each). GenError when the patterns match no page."""
    if patterns:
        chosen = [f for f in files if any(fnmatch.fnmatchcase(f.removesuffix(".html"), p) for p in patterns)]
        if not chosen:
            raise GenError(f"--pages {' '.join(patterns)} matches none of the {len(files)} pages (e.g. index, pages/*)")
        return chosen, " ".join(patterns)
    if len(files) <= SAMPLE_OVER:
        return list(files), "all"
    categories = [f for f in files if f.startswith("category/")][:SAMPLE_EACH]
    products = [f for f in files if f.startswith("product/")][:SAMPLE_EACH]
    others = [f for f in files if not f.startswith(("category/", "product/"))]
    return others + categories + products, "sample"


def progress_printer() -> Callable[[int, int, str], None]:
    """Progress on stderr when it is a terminal and not CI (quiet in logs and pipelines)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return lambda done, total, what: None

    def show(done: int, total: int, what: str) -> None:
        sys.stderr.write(f"\r\033[Kshot {done}/{total}: {what}" + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show


def preview_folder(site_dir: Path, out_dir: Path, preview_dir: Path | None) -> Path:
    """Where the preview goes (default `SITE/preview`); refused inside the build output, or around it,
    since each of the two swaps replaces its whole folder."""
    folder = (preview_dir or site_dir / DEFAULT_PREVIEW).resolve()
    out = out_dir.resolve()
    if folder == out or out in folder.parents or folder in out.parents:
        raise GenError(
            f"preview folder {folder} overlaps the build output {out}, which every build replaces; "
            "choose a folder beside it with --preview-dir"
        )
    return folder


def preview(
    site_dir: Path,
    out_dir: Path | None = None,
    preview_dir: Path | None = None,
    patterns: Sequence[str] = (),
    progress: Callable[[int, int, str], None] | None = None,
) -> PreviewReport:
    """Build the site, photograph its pages (those `patterns` match, or all, or a sample of a large site)
    and swap the shots and the contact sheet into the preview folder (default `SITE/preview`); a failure at
    any point keeps the previous preview."""
    executable = find_chromium()
    site_dir = site_dir.resolve()
    out = (out_dir or site_dir / DEFAULT_OUT).resolve()
    folder = preview_folder(site_dir, out, preview_dir)
    with StagedOutput(folder, PREVIEW) as staged:  # refuses a folder mpgen did not make, before any work
        result = build(site_dir, out)
        with tempfile.TemporaryDirectory(prefix="mpgen-preview-") as scratch:
            report = _shoot(result, out, executable, staged, Path(scratch), patterns, progress)
        staged.commit()
    return report


def _screenshot(page: Any, name: str, clipped: list[str]) -> bytes:
    """The whole page, or its first MAX_SHOT_HEIGHT pixels when it is taller (named in `clipped`)."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    if height <= MAX_SHOT_HEIGHT:
        data: bytes = page.screenshot(full_page=True)
        return data
    clipped.append(name)
    box = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_SHOT_HEIGHT}
    data = page.screenshot(full_page=True, clip=box)
    return data


def _shoot(
    result: BuildResult,
    out: Path,
    executable: str,
    staged: StagedOutput,
    scratch: Path,
    patterns: Sequence[str] = (),
    progress: Callable[[int, int, str], None] | None = None,
) -> PreviewReport:
    """Photograph the chosen pages into `staged` (each shot is written as it is taken), then the sheet."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    h5 = out / "h5"
    every = h5_pages(result)
    files, chosen_by = choose_pages(every, patterns)
    mp_pages = mp.pages_to_shoot(result.site, files, out / "miniprogram")
    if patterns:  # the mini-program's pages of the chosen H5 pages only (a sample keeps its own pages too)
        mp_pages = [p for p in mp_pages if p.h5 is not None]
    show = progress or (lambda done, total, what: None)
    renders: list[mp.MpRender] = []
    skipped = ""
    try:
        code = mp.site_code(result.site.site_dir)
        delivery = result.site.catalog_delivery
        catalog = (delivery.base, out / delivery.folder) if delivery.remote else None
        renders = mp.render_pages(out / "miniprogram", mp_pages, scratch, VIEWPORT["width"], code, catalog)
    except mp.Unavailable as exc:
        skipped = str(exc)
    shots: list[PageShot] = []
    mp_shots: list[MpShot] = []
    clipped: list[str] = []
    total = len(files) + len(renders)
    try:
        with sync_playwright() as playwright:
            # Chromium's own temporary files (.org.chromium.Chromium.*, left behind when a page crashes) go
            # in the scratch folder, which goes when the preview ends.
            environment: dict[str, str | float | bool] = {**os.environ, "TMPDIR": str(scratch)}
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, env=environment)
            page = browser.new_context(
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]}, device_scale_factor=DEVICE_SCALE
            ).new_page()
            for done, file in enumerate(files, 1):
                page.goto((h5 / file).as_uri(), wait_until="load")
                page.evaluate(_PREPARE_PAGE)
                audit = page.evaluate(_AUDIT_PAGE)
                name = re.sub(r"[^A-Za-z0-9_-]+", "-", file.removesuffix(".html"))
                staged.add([_shot(f"{name}.png", _screenshot(page, file, clipped))])
                shots.append(PageShot(file, audit["title"], f"{name}.png", audit["small"], audit["noAlt"]))
                show(done, total, file)
            for done, render in enumerate(renders, len(files) + 1):
                target = render.page.path + ("?" + urlencode(render.page.query) if render.page.query else "")
                image = ""
                if render.document is not None:
                    page.goto(render.document.as_uri(), wait_until="load")
                    page.evaluate(_PREPARE_PAGE)
                    image = f"mp/{render.page.name}.png"
                    staged.add([_shot(image, _screenshot(page, target, clipped))])
                mp_shots.append(MpShot(target, render.title, image, render.page.h5, render.errors))
                show(done, total, target)
            browser.close()
    except PlaywrightError as exc:
        raise GenError(f"Chromium ({executable}) failed: {str(exc).splitlines()[0]}") from None
    report = PreviewReport(
        staged.out_dir, shots, contrast_problems(result.site.theme), mp_shots, skipped, len(every), chosen_by, clipped
    )
    staged.add([_shot("index.html", contact_sheet(report, result.site.spec.site.name).encode("utf-8"))])
    return report


def _shot(path: str, data: bytes) -> OutputFile:  # a file of the preview folder
    return OutputFile(path, data, "generator.preview.shots")


def _figure(image: str, caption: str, file: str) -> str:
    if not image:
        return f'<div class="shot missing">{caption}</div>'
    return (
        f'<a class="shot" href="{html.escape(image)}"><img src="{html.escape(image)}" alt="{html.escape(caption)}"'
        f' loading="lazy"></a>'
    )


def _rows(report: PreviewReport) -> list[tuple[MpShot | None, PageShot | None]]:
    """MP | H5 pairs: every H5 page with its mini-program page, then the pages only the mini-program has."""
    by_h5 = {shot.h5: shot for shot in report.mp_pages if shot.h5}
    rows: list[tuple[MpShot | None, PageShot | None]] = [(by_h5.get(shot.file), shot) for shot in report.pages]
    rows += [(shot, None) for shot in report.mp_pages if not shot.h5]
    return rows


def contact_sheet(report: PreviewReport, site_name: str) -> str:
    cards = []
    for mp_shot, h5_shot in _rows(report):
        title = (h5_shot.title if h5_shot else "") or (mp_shot.title if mp_shot else "")
        if mp_shot is None:
            why = "not in the mini-program" if not report.mp_skipped else "mini-program shots skipped"
            mp_cell = f'<div class="shot missing">{why}</div>'
        elif mp_shot.image:
            mp_cell = _figure(mp_shot.image, f"{title} (mini-program)", mp_shot.path)
        else:
            mp_cell = '<div class="shot missing">the mini-program page did not render</div>'
        h5_cell = (
            _figure(h5_shot.image, title, h5_shot.file)
            if h5_shot
            else '<div class="shot missing">mini-program only</div>'
        )
        paths = " · ".join(
            f"<code>{html.escape(p)}</code>"
            for p in ((mp_shot.path if mp_shot else None), (h5_shot.file if h5_shot else None))
            if p
        )
        errors = "".join(
            f'<li class="error">{html.escape(error)}</li>' for error in (mp_shot.errors if mp_shot else [])
        )
        cards.append(
            f'<figure><div class="pair">{mp_cell}{h5_cell}</div><figcaption>{html.escape(title)}<br>{paths}'
            f"{f'<ul>{errors}</ul>' if errors else ''}</figcaption></figure>"
        )
    findings = [html.escape(problem) for problem in report.contrast_problems]
    for shot in report.pages:
        for target in shot.small_targets:
            findings.append(
                f"<code>{html.escape(shot.file)}</code>: tap target “{html.escape(str(target['text']))}” is "
                f"{target['width']}×{target['height']} px, smaller than {MIN_TAP_PX}×{MIN_TAP_PX}"
            )
        for src in shot.images_without_alt:
            findings.append(f"<code>{html.escape(shot.file)}</code>: image without alt text: {html.escape(src)}")
    audit = "".join(f"<li>{item}</li>" for item in findings) or "<li>No problems found.</li>"
    size = f"{VIEWPORT['width']}×{VIEWPORT['height']}"
    if report.mp_skipped:
        mp_note = f'<p class="skipped">Mini-program shots skipped: {html.escape(report.mp_skipped)}</p>'
    else:
        mp_note = (
            f"<p>{len(report.mp_pages)} mini-program pages rendered with miniprogram-simulate and WeChat's"
            " built-in component styles (style v2); left: mini-program, right: H5.</p>"
        )
    chosen = ""
    if report.chosen_by == "sample":
        chosen = (
            f"<p>A sample of {len(report.pages)} of the site's {report.site_pages} pages (every content page and "
            f"the first {SAMPLE_EACH} categories and products); <code>gen preview --pages '*'</code> shoots all.</p>"
        )
    elif report.chosen_by != "all":
        chosen = (
            f"<p>{len(report.pages)} of the site's {report.site_pages} pages, chosen by "
            f"<code>--pages {html.escape(report.chosen_by)}</code>.</p>"
        )
    if report.clipped:
        names = ", ".join(f"<code>{html.escape(name)}</code>" for name in report.clipped)
        chosen += f"<p>Shot down to their first {MAX_SHOT_HEIGHT} px (longer pages): {names}.</p>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(site_name)}: page previews</title>
<style>
body {{ font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 24px; background: #f4f4f5; }}
.sheet {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 20px; }}
figure {{ margin: 0; background: #fff; padding: 8px; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }}
.pair::before {{ content: "MP"; }} .pair::after {{ content: "H5"; }}
.pair::before, .pair::after {{ grid-row: 1; font-size: 11px; color: #888; }}
.pair::after {{ grid-column: 2; }}
.shot img {{ width: 100%; height: 360px; object-fit: cover; object-position: top; border: 1px solid #ddd;
  display: block; }}
.missing {{ height: 360px; display: flex; align-items: center; justify-content: center; color: #888; font-size: 13px;
  border: 1px dashed #ccc; text-align: center; padding: 8px; box-sizing: border-box; }}
figcaption {{ font-size: 13px; margin-top: 6px; }}
figcaption ul {{ margin: 4px 0 0; padding-left: 18px; }}
.error, .skipped {{ color: #b3261e; }}
</style></head><body>
<h1>{html.escape(site_name)}: {len(report.pages)} H5 pages and {len(report.mp_pages)} mini-program pages at {size},
scale {DEVICE_SCALE}</h1>
{mp_note}
{chosen}
<h2>Accessibility basics ({report.problems})</h2><ul>{audit}</ul>
<div class="sheet">
{"".join(cards)}
</div></body></html>
"""
