"""`gen dev` and `gen preview` in real Chromium: live reload, the error overlay, screenshots."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from .conftest import MINIMAL_SITE

THEMED = MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: calm") + (
    "  - id: long\n    title: 长页\n    blocks:\n" + "      - {type: text, body: 段落}\n" * 30
)


@pytest.fixture
def dev_server(make_site, chromium_path):
    site = make_site(THEMED)
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "dev", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 30
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        url = match.group(1) if match else None
    assert url, "".join(lines)
    yield site, url, process
    process.terminate()
    process.wait(timeout=10)


def header_colour(page) -> str:
    return page.eval_on_selector(".topbar", "e => getComputedStyle(e).backgroundColor")


def test_live_reload_error_overlay_and_recovery(dev_server, page) -> None:
    site, url, process = dev_server
    page.goto(url)
    assert header_colour(page) == "rgb(31, 58, 95)"  # calm's navy
    image = next((site / "dist" / "h5" / "assets" / "tabbar").glob("tab*[0-9].png"))  # unselected: not the brand colour
    untouched = image.stat().st_mtime_ns

    spec = site / "site.yaml"
    page.evaluate("() => { window.mpgenSamePage = true; }")
    spec.write_text(THEMED + 'theme:\n  colors: {primary: "#C8102E"}\n', encoding="utf-8")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.topbar')).backgroundColor === 'rgb(200, 16, 46)'",
        timeout=3000,
    )
    assert page.evaluate("() => window.mpgenSamePage === true"), "a theme edit swaps the stylesheet, no reload"
    selected_tab = page.eval_on_selector(".tabbar [aria-current] img", "e => e.src")
    assert "?mpgen=" in selected_tab  # the selected tab's icon, drawn in the brand colour, swapped too
    assert "#C8102E" in (site / "dist" / "miniprogram" / "app.wxss").read_text(encoding="utf-8")
    assert image.stat().st_mtime_ns == untouched  # only what changed was rewritten

    broken = THEMED.replace("    title: 关于", "    titel: 关于")
    spec.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("    titel: 关于") + 1
    overlay = page.wait_for_selector("#mpgen-overlay", timeout=3000)
    assert f"site.yaml:{line}:5  pages[1].titel: unknown key 'titel'" in overlay.text_content()
    assert header_colour(page) == "rgb(200, 16, 46)"  # the last good page stays
    assert process.poll() is None  # the server lives on

    spec.write_text(THEMED, encoding="utf-8")
    page.wait_for_selector("#mpgen-overlay", state="detached", timeout=3000)
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.topbar')).backgroundColor === 'rgb(31, 58, 95)'",
        timeout=3000,
    )


def test_reload_keeps_the_scroll_position(dev_server, page) -> None:
    site, url, _ = dev_server
    page.goto(url + "pages/long.html")
    page.evaluate("() => window.scrollTo(0, 400)")
    page.wait_for_function("() => window.scrollY === 400")
    (site / "site.yaml").write_text(THEMED.replace("段落", "新段落"), encoding="utf-8")
    page.wait_for_function("() => document.body.textContent.includes('新段落')", timeout=3000)
    page.wait_for_function("() => window.scrollY > 300", timeout=3000)


def test_serves_only_the_h5_folder(dev_server) -> None:
    import urllib.error
    import urllib.request

    _, url, _ = dev_server
    with urllib.request.urlopen(url + "assets/site.css") as response:
        assert response.headers["Content-Type"].startswith("text/css")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url + "../site.yaml")
    assert caught.value.code == 404


def test_preview_writes_a_screenshot_per_page_and_a_contact_sheet(make_site, chromium_path, tmp_path: Path) -> None:
    site = make_site(MINIMAL_SITE)
    # A process of its own: Playwright's sync API cannot start twice in one thread (the browser fixture).
    done = subprocess.run([sys.executable, "-m", "generator", "preview", str(site)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 pages ->" in done.stdout
    folder = site / "preview"
    shots = sorted(folder.glob("*.png"))
    assert [p.stem for p in shots] == ["index", "pages-about"]
    for shot in shots:
        image = Image.open(shot)
        assert image.width == 750  # 375 px at device scale 2
        assert len(image.convert("RGB").getcolors(1_000_000) or []) > 10, f"{shot.name} is blank"
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    assert 'src="index.png"' in sheet and "Accessibility basics" in sheet


def test_preview_reports_low_contrast_and_missing_browser(make_site, monkeypatch) -> None:
    from generator.errors import GenError
    from generator.preview.shots import contrast_problems, find_chromium
    from generator.theme.theme import resolve_theme

    site = make_site(MINIMAL_SITE)
    theme_file = site / "themes" / "pale.yaml"
    theme_file.parent.mkdir()
    theme_file.write_text('extends: calm\ncolors: {muted: "#BBBBBB"}\n', encoding="utf-8")
    from generator.errors import Position

    theme, _ = resolve_theme("pale", None, site, Position("site.yaml"))
    assert any(
        p.startswith("colors.muted on colors.surface (captions on cards): #BBBBBB on #FFFFFF")
        for p in contrast_problems(theme)
    )
    monkeypatch.setenv("MPGEN_CHROMIUM", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("generator.preview.shots.Path.is_file", lambda self: False)
    with pytest.raises(GenError, match="apt-get install -y chromium"):
        find_chromium()


def test_settle_writes_the_state_and_freezes_what_the_memo_keeps(make_site, tmp_path: Path) -> None:
    import gc
    import weakref

    from generator.build import PlanMemo, build
    from generator.devserver import settle

    site = make_site()
    memo = PlanMemo()
    build(site, tmp_path / "out", sync=True, plan_memo=memo)
    states = site / ".mpgen-cache" / "builds"
    assert not states.exists() or not any(states.iterdir())  # gen dev's state waits for the reload
    try:
        settle()
        assert any(states.iterdir())
        assert gc.get_freeze_count() > 0

        class Node:
            pass

        node = Node()
        node.loop = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        gc.freeze()  # as the last settle left it
        del node
        gc.collect()
        assert gone() is not None  # frozen, a collection misses it
        settle()  # what the last builds let go is collected before the heap is frozen again
        assert gone() is None
    finally:
        gc.unfreeze()


def test_saves_in_quick_succession_settle_once_after_the_last(make_site, monkeypatch) -> None:
    import generator.devserver as devserver

    settled: list[int] = []
    monkeypatch.setattr(devserver, "SETTLE_DELAY", 0.3)
    monkeypatch.setattr(devserver, "settle", lambda: settled.append(server.state.version))
    server = devserver.DevServer(make_site(), port=0, echo=lambda line: None)
    try:
        for _ in range(3):  # each build well within the last one's delay
            server.rebuild()
        assert server.settler is not None
        server.settler.join(timeout=10)
        time.sleep(0.1)
        assert settled == [3]  # the first two timers were cancelled: no collection inside a later build
    finally:
        server.shutdown()
