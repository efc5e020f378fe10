"""`gen preview`'s own folder: `SITE/preview/`, written by the swap writer, left alone by every build.

The preview runs in a process of its own (Playwright's sync API cannot start twice in one thread, and the
session's browser fixture may hold it); a failure is injected into that process to show the swap.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.devserver import DevServer
from generator.errors import GenError
from generator.preview.shots import preview, preview_folder
from generator.starter import create_starter
from generator.write.writer import MARKER

from .conftest import MINIMAL_SITE

WITH_EXTRA_PAGE = MINIMAL_SITE + "  - {id: extra, title: 更多}\n"
NEW_WELCOME = MINIMAL_SITE.replace("欢迎", "换了新的欢迎语")

# Chromium fails on the second screenshot, as when its renderer crashes in the middle of a preview.
CRASH_ON_SECOND_SHOT = """\
import sys
from playwright.sync_api import Error, Page
shoot, calls = Page.screenshot, []
def crash_on_second(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        raise Error("Target crashed")
    return shoot(self, *args, **kwargs)
Page.screenshot = crash_on_second
from generator.cli import main
sys.argv = ["gen", "preview", sys.argv[1]]
main()
"""


def _files(folder: Path) -> dict[str, str]:
    """Every file of `folder` with a digest of its bytes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in files}


def _gen_preview(site: Path, env: dict[str, str] | None = None, script: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", script] if script else [sys.executable, "-m", "generator", "preview"]
    return subprocess.run([*command, str(site)], capture_output=True, text=True, env=env, timeout=600)


def _folder(done: subprocess.CompletedProcess[str]) -> Path:
    """The preview folder, as `gen preview` names it."""
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"pages -> (.+)/index\.html", done.stdout)
    assert found, done.stdout
    return Path(found[1])


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A TMPDIR to watch; short, since Chromium puts a socket in its profile there (108 bytes at most)."""
    folder = Path(tempfile.mkdtemp(prefix="mpgen-t-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _without_node(scratch: Path, chromium: str) -> dict[str, str]:
    """python but no node on PATH (the H5 shots only, which is quicker), temporary files in `scratch`."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "MPGEN_CHROMIUM": chromium, "TMPDIR": str(scratch)}
    if shutil.which("node", path=env["PATH"]):
        pytest.skip("node sits next to python here; cannot hide it")
    return env


def test_the_preview_survives_the_next_build_and_shows_only_its_own_files(chromium_path: str, make_site) -> None:
    site = make_site(MINIMAL_SITE)
    folder = _folder(_gen_preview(site))
    before = _files(folder)
    assert {"index.html", "index.png", "pages-about.png"} <= set(before)
    build(site)  # what `gen build` does next
    assert _files(folder) == before
    assert folder == (site / "preview").resolve()
    assert (folder / MARKER).read_text(encoding="utf-8").startswith("Made by mpgen `gen preview`")
    shutil.rmtree(site / "dist")  # the sheet needs nothing of the build: every file it shows is its own
    sheet = (folder / "index.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'(?:src|href)="([^"]+)"', sheet))
    assert "index.png" in shown and all((folder / link).is_file() for link in shown), shown


def test_a_failed_preview_keeps_the_previous_one_and_the_next_leaves_no_old_shot(
    chromium_path: str, make_site, scratch: Path
) -> None:
    env = _without_node(scratch, chromium_path)
    site = make_site(WITH_EXTRA_PAGE)
    folder = _folder(_gen_preview(site, env))
    previous = _files(folder)
    assert {"index.png", "pages-about.png", "pages-extra.png"} <= set(previous)

    (site / "site.yaml").write_text(NEW_WELCOME, encoding="utf-8")
    crashed = _gen_preview(site, env, CRASH_ON_SECOND_SHOT)
    assert crashed.returncode == 2, crashed.stdout + crashed.stderr
    assert "Target crashed" in crashed.stderr and "Traceback" not in crashed.stderr
    assert _files(folder) == previous  # not one new shot mixed in
    assert [p.name for p in site.iterdir() if p.name.startswith(".preview.")] == []  # no staging folder left
    assert list(scratch.iterdir()) == []  # nor scratch

    assert _folder(_gen_preview(site, env)) == folder
    now = _files(folder)
    assert "pages-extra.png" not in now and "pages-about.png" in now  # the page is gone, and so is its shot
    assert now["index.png"] != previous["index.png"]
    assert list(scratch.iterdir()) == []


def test_the_preview_folder_is_never_inside_the_build_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for inside in (site / "dist" / "preview", site / "dist", site):
        with pytest.raises(GenError, match="overlaps the build output .* --preview-dir"):
            preview_folder(site, site / "dist", inside)
    assert preview_folder(site, site / "dist", None) == (site / "preview").resolve()
    assert preview_folder(site, tmp_path / "out", tmp_path / "shots") == (tmp_path / "shots").resolve()


def test_a_preview_folder_mpgen_did_not_make_is_refused_before_any_work(chromium_path: str, make_site) -> None:
    site = make_site(MINIMAL_SITE)
    mine = site / "preview" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("my own notes", encoding="utf-8")
    with pytest.raises(GenError, match="did not write; choose an empty or new folder with --preview-dir"):
        preview(site)
    assert mine.read_text(encoding="utf-8") == "my own notes"
    assert not (site / "dist").exists()  # refused before building


def test_gen_init_keeps_the_preview_out_of_git(tmp_path: Path) -> None:
    create_starter(tmp_path / "shop", "小店")
    assert "preview/" in (tmp_path / "shop" / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_gen_dev_does_not_rebuild_when_a_preview_is_written(make_site) -> None:
    """`gen preview` beside `gen dev`: its shots and its staging folder are not sources of the site."""
    site = make_site(MINIMAL_SITE).resolve()
    said: list[str] = []
    server = DevServer(site, port=0, echo=said.append)
    watcher = threading.Thread(target=server.watch_forever, daemon=True)
    watcher.start()
    try:
        time.sleep(1)  # the watcher is set up
        for folder in (site / "preview" / "mp", site / f".preview.staging-{os.getpid()}" / "mp"):
            folder.mkdir(parents=True)
            (folder / "index.png").write_bytes(b"a shot")
        time.sleep(1.5)
        (site / "site.yaml").write_text(MINIMAL_SITE.replace("欢迎", "你好"), encoding="utf-8")
        deadline = time.monotonic() + 30
        while not said and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.shutdown()
        watcher.join(5)
    assert len(said) == 1 and said[0].startswith("site.yaml changed: rebuilt"), said


def test_gen_preview_refuses_a_preview_dir_inside_the_build_output(chromium_path: str, make_site) -> None:
    site = make_site(MINIMAL_SITE)
    result = CliRunner().invoke(main, ["preview", str(site), "--preview-dir", str(site / "dist" / "shots")])
    assert result.exit_code == 2, result.output
    assert "overlaps the build output" in result.output and "--preview-dir" in result.output
    assert not (site / "dist").exists()
