"""Theme files are untrusted: found by name inside the site folder only, and their values cannot break the CSS."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import build
from generator.cli import main
from generator.theme import values
from generator.theme.values import FONT_LIST_PATTERN, check_font_list

from .conftest import REPO, assert_mpcheck_clean

TINY = REPO / "tests" / "sites" / "tiny"
SECRET = "TOP-SECRET-OUTSIDE"
PAYLOAD = "x; } page { background: url(https://evil.example/x) }"


def run_build(site: Path):
    return CliRunner().invoke(main, ["build", str(site), "--out", str(site / "dist"), "-q"])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """tests/sites/tiny with `theme: brand`, and a file outside it that looks like a theme."""
    folder = tmp_path / "site"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("dist", ".mpgen-cache"))
    text = (folder / "site.yaml").read_text(encoding="utf-8")
    (folder / "site.yaml").write_text(text.replace("theme: calm", "theme: brand"), encoding="utf-8")
    (folder / "themes").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text(f'colors:\n  primary: "{SECRET}"\n', encoding="utf-8")
    return folder


def brand(site: Path, text: str) -> None:
    (site / "themes" / "brand.yaml").write_text(text, encoding="utf-8")


def site_yaml_line(site: Path, needle: str) -> int:
    lines = (site / "site.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def assert_refused(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and SECRET not in result.output
    for part in parts:
        assert part in result.output, result.output


@pytest.mark.parametrize("reference", ["../../outside/x", "../outside/x", "/tmp/x", "warm/../../x", "Warm"])
def test_extends_takes_a_name_not_a_path(site: Path, reference: str) -> None:
    brand(site, f"extends: {json.dumps(reference)}\n")
    assert_refused(run_build(site), "themes/brand.yaml:1:10  extends: ", "is not a theme name")


def test_site_theme_linked_outside_is_refused(site: Path) -> None:
    (site / "themes" / "brand.yaml").symlink_to(site.parent / "outside" / "x.yaml")
    line = site_yaml_line(site, "theme: brand")
    assert_refused(
        run_build(site), f"site.yaml:{line}:", "themes/brand.yaml is a link to a file outside the site folder"
    )


def test_extended_theme_linked_outside_is_refused(site: Path) -> None:
    brand(site, "extends: base\n")
    (site / "themes" / "base.yaml").symlink_to(site.parent / "outside" / "x.yaml")
    assert_refused(run_build(site), "themes/brand.yaml:1:10  extends: themes/base.yaml is a link to a file outside")


def test_themes_folder_linked_outside_is_refused(site: Path) -> None:
    (site / "themes").rmdir()
    (site.parent / "outside" / "brand.yaml").write_text(f"name: {SECRET}\n", encoding="utf-8")
    (site / "themes").symlink_to(site.parent / "outside")
    assert_refused(run_build(site), "themes/brand.yaml is a link to a file outside the site folder")


def test_theme_linked_inside_the_site_is_fine(site: Path) -> None:
    (site / "design").mkdir()
    (site / "design" / "brand.yaml").write_text('extends: calm\ncolors: {primary: "#0A7"}\n', encoding="utf-8")
    (site / "themes" / "brand.yaml").symlink_to(site / "design" / "brand.yaml")
    assert build(site, write=False).site.theme.colors.primary == "#0A7"


def test_font_family_payload_in_a_theme_file_is_refused_with_its_line(site: Path) -> None:
    brand(site, f"extends: calm\ntypography:\n  font_family: {json.dumps(PAYLOAD)}\n")
    assert_refused(run_build(site), "themes/brand.yaml:3:16  typography.font_family: is not a font list")
    assert not (site / "dist").exists()


def test_font_family_payload_in_site_yaml_is_refused_with_its_line(site: Path) -> None:
    brand(site, "extends: calm\n")
    with (site / "site.yaml").open("a", encoding="utf-8") as out:
        out.write(f"theme:\n  typography:\n    font_family: {json.dumps(PAYLOAD)}\n")
    line = site_yaml_line(site, "font_family")
    assert_refused(run_build(site), f"site.yaml:{line}:18  theme.typography.font_family: is not a font list")


def test_theme_name_cannot_end_the_css_comment(site: Path) -> None:
    brand(site, 'extends: calm\nname: "x */ page { display: none } /*"\n')
    assert_refused(run_build(site), "themes/brand.yaml:2:7  name: contains '*/'")


GOOD_FONT_LISTS = [
    '-apple-system, "PingFang SC", "Helvetica Neue", "Microsoft YaHei", sans-serif',
    "微软雅黑, 'Noto Sans CJK SC', Helvetica Neue,sans-serif",
    "  Georgia ,serif  ",
    '"Font-Name_2 (Bold)", system-ui',
]
BAD_FONT_LISTS = [
    PAYLOAD,
    "Arial; color: red",
    "Arial }",
    '"Arial',
    "Arial, url(https://evil.example/x)",
    '"a\\" ; }"',
    "Arial\n}",
    "Arial /* x */",
    "",
    "Arial,",
    "@import x",
    "Arial !important",
]


@pytest.mark.parametrize("value", GOOD_FONT_LISTS)
def test_font_lists_designers_write_are_accepted(value: str) -> None:
    assert check_font_list(value) == value


@pytest.mark.parametrize("value", BAD_FONT_LISTS)
def test_anything_else_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a font list"):
        check_font_list(value)


def test_the_pattern_re_runs_is_the_json_schemas() -> None:
    """`re` checks font lists with an identifier written for fast compiling; it takes the same characters
    as the JSON Schema's, first and after the first, over every code point."""
    schema_ident, re_ident = re.compile(values._IDENT), re.compile(values._IDENT_FOR_RE)
    for code in range(sys.maxunicode + 1):
        for text in (chr(code), f"a{chr(code)}"):
            assert bool(schema_ident.fullmatch(text)) == bool(re_ident.fullmatch(text)), hex(code)
    assert values._FONT_LIST.pattern == values._font_list_pattern(values._IDENT_FOR_RE)
    assert values.FONT_LIST_PATTERN == values._font_list_pattern(values._IDENT)


def accepted(value: str) -> bool:
    try:
        check_font_list(value)
    except ValueError:
        return False
    return True


font_lists = st.one_of(
    st.from_regex(FONT_LIST_PATTERN, fullmatch=True),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).filter(accepted),
    st.lists(st.sampled_from(GOOD_FONT_LISTS + ['"', "'", ";", "}", "{", ",", " ", "x"]), max_size=6)
    .map("".join)
    .filter(accepted),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=font_lists)
def test_an_accepted_font_list_stays_one_declaration_in_chromium(page, value: str) -> None:
    """Chromium's CSS parser is the oracle: the value is one declaration and the rule after it survives."""
    css = f":root {{ --font-family: {value}; }}\n.after {{ color: red }}"
    found = page.evaluate(
        """css => {
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(css);
            const rules = [...sheet.cssRules];
            return {count: rules.length, names: rules.map(r => r.selectorText),
                    value: rules[0].style.getPropertyValue('--font-family'), props: rules[0].style.length};
        }""",
        css,
    )
    assert found["count"] == 2 and found["names"] == [":root", ".after"], found
    assert found["props"] == 1 and found["value"].strip() == value.strip(), found


def test_accepted_font_lists_compile_in_wxss(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(TINY, site, ignore=shutil.ignore_patterns("dist", ".mpgen-cache"))
    with (site / "site.yaml").open("a", encoding="utf-8") as out:
        out.write(f"theme:\n  typography:\n    font_family: {json.dumps(GOOD_FONT_LISTS[1], ensure_ascii=False)}\n")
    build(site, tmp_path / "dist")
    wxss = (tmp_path / "dist" / "miniprogram" / "app.wxss").read_text(encoding="utf-8")
    assert f"--font-family: {GOOD_FONT_LISTS[1]};" in wxss
    extra = "".join(f".f{i} {{ --font-family: {value}; }}\n" for i, value in enumerate(GOOD_FONT_LISTS))
    (tmp_path / "dist" / "miniprogram" / "app.wxss").write_text(wxss + extra, encoding="utf-8")
    assert_mpcheck_clean(tmp_path / "dist" / "miniprogram")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).filter(lambda n: "*/" not in n))
def test_an_accepted_theme_name_stays_inside_its_css_comment(page, name: str) -> None:
    """The name is written into the first comment of app.wxss and site.css; nothing in it ends the comment."""
    css = f'/* Theme "{name}": tokens */\n.after {{ color: red }}'
    rules = page.evaluate(
        "css => { const s = new CSSStyleSheet(); s.replaceSync(css); return [...s.cssRules].map(r => r.cssText); }",
        css,
    )
    assert rules == [".after { color: red; }"]
