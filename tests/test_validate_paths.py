"""Unit tests of `generator.load.validate_paths`: which file a spec path names, and why one cannot be used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.load.source import SpecPath
from generator.load.validate_paths import check_image, check_tab_image, resolve_site_path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "logo.png").write_bytes(b"png")
    return tmp_path


def test_a_file_inside_the_site_resolves(site: Path) -> None:
    assert resolve_site_path(site, "images/logo.png") == (site / "images" / "logo.png").resolve()


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("/etc/passwd", "'/etc/passwd' is not a path inside the site folder"),
        ("images\\logo.png", "is not a path inside the site folder"),
        ("C:x.png", "is not a path inside the site folder"),
        ("~/x.png", "is not a path inside the site folder"),
        ("images/../../x.png", "leaves the site folder"),
        ("images/lgo.png", "file 'images/lgo.png' does not exist (did you mean 'images/logo.png'?)"),
        ("images", "'images' is a folder, not a file"),
    ],
)
def test_paths_that_cannot_be_used_say_why(site: Path, relative: str, message: str) -> None:
    result = resolve_site_path(site, relative)
    assert isinstance(result, str) and message in result


def test_a_link_out_of_the_site_is_refused(site: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.png"
    outside.write_bytes(b"x")
    (site / "images" / "link.png").symlink_to(outside)
    result = resolve_site_path(site, "images/link.png")
    assert isinstance(result, str) and "is a link to a file outside the site folder" in result


def test_a_link_loop_is_reported(site: Path) -> None:
    (site / "loop.png").symlink_to(site / "loop.png")
    result = resolve_site_path(site, "loop.png")
    assert isinstance(result, str) and "points back at itself" in result


def reported(check: Callable[..., None], *args: object) -> list[tuple[SpecPath, str]]:
    found: list[tuple[SpecPath, str]] = []
    check(*args, lambda path, message: found.append((path, message)))
    return found


def test_check_image_wants_an_image_file(site: Path) -> None:
    assert reported(check_image, "images/logo.png", ("site", "logo"), site) == []
    [(path, message)] = reported(check_image, "notes.txt", ("site", "logo"), site)
    assert path == ("site", "logo") and "is not an image file" in message


def test_tab_icons_are_png_or_jpeg_within_the_budget(site: Path) -> None:
    (site / "images" / "big.png").write_bytes(b"x" * 3000)
    (site / "images" / "tab.gif").write_bytes(b"gif")
    assert reported(check_tab_image, "images/logo.png", ("tabs", 0, "icon"), site, 2) == []
    [(_, gif)] = reported(check_tab_image, "images/tab.gif", ("tabs", 0, "icon"), site, 2)
    assert "is not a PNG or JPEG" in gif
    [(_, big)] = reported(check_tab_image, "images/big.png", ("tabs", 0, "icon"), site, 2)
    assert big == "'images/big.png' is 3 KB; tab icons must be at most 2 KB (81x81 px is enough)"
