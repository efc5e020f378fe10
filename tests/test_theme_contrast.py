"""Theme contrast: text/background pairs below WCAG AA are build warnings, and `gen check --strict` fails on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.errors import Position
from generator.theme.theme import load_theme

from .conftest import MINIMAL_SITE, REPO


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_spec_warnings_fail_check_only_with_strict(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "  name: 小店", "  name: 小店\n  base_url: https://m.example.com/\n  appid: wx0123456789abcdef"
        )
        + "official_account:\n  menu:\n    - {name: 首页, page: home}\n"
    )
    relaxed = run("check", site)
    assert relaxed.exit_code == 0, relaxed.output
    assert 'does not follow "3+1"' in relaxed.output  # shown by check too, not only by build
    assert run("check", site, "--strict").exit_code == 1


YELLOW = MINIMAL_SITE + 'theme:\n  colors: {primary: "#FFD500", on_primary: "#FFFFFF"}\n'


def line_of(site, needle: str) -> int:
    lines = (site / "site.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_yellow_primary_with_white_text_warns_and_fails_strict(make_site) -> None:
    site = make_site(YELLOW)
    line = line_of(site, "#FFD500")
    built = run("build", site, "-q")
    assert built.exit_code == 0, built.output
    assert (
        f"warning: site.yaml:{line}:44  theme.colors.on_primary: colors.on_primary #FFFFFF on colors.primary "
        "#FFD500 (buttons, H5 notices) has a contrast of 1.42:1, below WCAG AA 4.5:1; set colors.on_primary "
        "to #000000" in built.output
    )
    assert f"warning: site.yaml:{line}:21  theme.colors.primary: colors.primary #FFD500 on colors.surface" in (
        built.output
    )
    relaxed = run("check", site)
    assert relaxed.exit_code == 0 and "1.42:1" in relaxed.output
    strict = run("check", site, "--strict")
    assert strict.exit_code == 1 and "1.42:1" in strict.output


def test_a_theme_file_pair_is_reported_at_its_line(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: pale"))
    (site / "themes").mkdir()
    (site / "themes" / "pale.yaml").write_text('extends: calm\ncolors:\n  muted: "#BBBBBB"\n', encoding="utf-8")
    warnings = [str(w) for w in build(site, write=False).warnings]
    assert any(w.startswith("themes/pale.yaml:3:10  colors.muted: colors.muted #BBBBBB on") for w in warnings), warnings


@pytest.mark.parametrize("site", sorted(p.parent for p in (REPO / "sites").glob("*/site.yaml")), ids=lambda p: p.name)
def test_examples_have_no_contrast_warnings(site: Path, tmp_path: Path) -> None:
    result = build(site, tmp_path / "dist", cache_dir=tmp_path / "cache")
    assert not [w for w in result.warnings if "WCAG" in w.message]


@pytest.mark.parametrize("name", ["warm", "calm", "night"])
def test_builtin_themes_have_no_contrast_warnings(name: str) -> None:
    assert load_theme(name, None, None, Position("site.yaml")).warnings == ()


def topbar_colors(page, site: Path) -> dict[str, str]:
    build(site, site / "dist")
    page.goto((site / "dist" / "h5" / "index.html").as_uri())
    return page.evaluate(
        """() => { const bar = getComputedStyle(document.querySelector('.topbar'));
                   return {text: bar.color, background: bar.backgroundColor}; }"""
    )


def test_h5_top_bar_text_follows_contrast_like_the_mini_program(make_site, page) -> None:
    yellow = make_site(YELLOW, name="yellow")
    colors = topbar_colors(page, yellow)
    assert colors == {"text": "rgb(0, 0, 0)", "background": "rgb(255, 213, 0)"}  # black, whatever on_primary says
    variants = json.loads((yellow / "dist" / "miniprogram" / "theme.json").read_text(encoding="utf-8"))
    assert variants["light"]["navTextStyle"] == "black"  # the mini-program's title bar
    navy = make_site(MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: calm"), name="navy")
    assert topbar_colors(page, navy)["text"] == "rgb(255, 255, 255)"


def test_h5_top_bar_in_dark_mode_follows_the_dark_primary(make_site, page) -> None:
    site = make_site(MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: warm"))
    page.emulate_media(color_scheme="dark")
    colors = topbar_colors(page, site)
    assert colors["background"] == "rgb(240, 122, 85)"  # warm's dark primary, #F07A55
    assert colors["text"] == "rgb(0, 0, 0)"
    variants = json.loads((site / "dist" / "miniprogram" / "theme.json").read_text(encoding="utf-8"))
    assert variants["dark"]["navTextStyle"] == "black"
