"""Themes: extends chains, site themes and overrides, errors with the theme file's line, contrast."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import build, load
from generator.errors import Position, SpecError
from generator.load.source import Document, parse_yaml
from generator.theme.derive import DARK_SURFACES
from generator.theme.theme import contrast_ratio, expand_hex, load_theme, navigation_text_style

from .conftest import MINIMAL_SITE, REPO


def with_theme(name: str) -> str:
    return MINIMAL_SITE.replace("  name: 小店", f"  name: 小店\n  theme: {name}")


def test_site_theme_extends_a_builtin_and_site_overrides_win(make_site) -> None:
    site = make_site(with_theme("brand") + "theme:\n  radius: {medium: 20}\n")
    (site / "themes").mkdir()
    (site / "themes" / "brand.yaml").write_text('extends: calm\ncolors:\n  primary: "#0A7"\n', encoding="utf-8")
    theme = load(site)[1]
    assert theme.colors.primary == "#0A7"  # from the site theme
    assert theme.colors.background == "#F4F6F9"  # inherited from calm
    assert theme.radius.medium == 20  # site.yaml override
    assert theme.radius.small == 4


def test_error_in_a_theme_file_names_that_file_and_line(make_site) -> None:
    site = make_site(with_theme("brand"))
    (site / "themes").mkdir()
    (site / "themes" / "brand.yaml").write_text(
        'extends: warm\ncolors:\n  primary: "#12"\n  primery: "#123"\n', encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        load(site)
    text = str(caught.value)
    assert "themes/brand.yaml:3:12  colors.primary: '#12' is not a hex color" in text
    assert "themes/brand.yaml:4:3  colors.primery: unknown key 'primery' (did you mean 'primary'?)" in text


def test_extends_loop_is_reported(make_site) -> None:
    site = make_site(with_theme("a"))
    (site / "themes").mkdir()
    (site / "themes" / "a.yaml").write_text("extends: b\n", encoding="utf-8")
    (site / "themes" / "b.yaml").write_text("extends: a\n", encoding="utf-8")
    with pytest.raises(SpecError, match="loop"):
        load(site)


def test_incomplete_theme_lists_the_missing_tokens(make_site) -> None:
    site = make_site(with_theme("bare"))
    (site / "themes").mkdir()
    (site / "themes" / "bare.yaml").write_text('colors:\n  primary: "#123456"\n', encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load(site)
    text = str(caught.value)
    assert "colors.background: is required; add it to the theme" in text
    assert "typography: is required" in text
    assert "on_primary" not in text and "selected_color" not in text  # derived from the primary


def test_navigation_text_style_follows_wcag_contrast() -> None:
    assert navigation_text_style("#FFFFFF") == "black"
    assert navigation_text_style("#000000") == "white"
    assert navigation_text_style("#1F3A5F") == "white"  # navy: white title
    assert navigation_text_style("#FFE14D") == "black"  # yellow: black title
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0


@pytest.mark.parametrize("name", ["warm", "calm", "night"])
def test_builtin_themes_keep_body_text_readable(name: str, make_site) -> None:
    theme = load(make_site(with_theme(name)))[1]
    assert contrast_ratio(theme.colors.text, theme.colors.background) >= 7
    assert contrast_ratio(theme.colors.on_primary, theme.colors.primary) >= 3
    if theme.dark:
        assert contrast_ratio(theme.dark.colors.text, theme.dark.colors.background) >= 7


# --- tokens that follow the primary -----------------------------------------------------------------------


def overrides(text: str) -> Document:
    """`theme:` overrides as load_spec hands them over (positions in site.yaml)."""
    doc = parse_yaml("theme:\n" + text, "site.yaml")
    source = type(doc.source)()
    source.merge(doc.source)
    source.values = {path[1:]: pos for path, pos in doc.source.values.items() if path[:1] == ("theme",)}
    source.keys = {path[1:]: pos for path, pos in doc.source.keys.items() if path[:1] == ("theme",)}
    return Document(doc.data["theme"], source)


def test_overriding_only_the_primary_brings_the_brand_everywhere(make_site, tmp_path) -> None:
    site = make_site(with_theme("warm") + 'theme:\n  colors: {primary: "#0A5FD6"}\n')
    theme = load(site)[1]
    assert theme.colors.primary == "#0A5FD6"
    assert theme.colors.on_primary == "#FFFFFF"  # chosen by contrast
    assert theme.tab_bar.selected_color == "#0A5FD6"
    assert theme.dark is not None
    dark = theme.dark
    assert dark.colors.primary != "#F07A55"  # warm's own dark brand colour is gone
    assert contrast_ratio(dark.colors.primary, dark.colors.surface) >= 4.5
    assert dark.tab_bar.selected_color == dark.colors.primary
    assert dark.colors.on_primary in ("#000000", "#FFFFFF")
    assert contrast_ratio(dark.colors.on_primary, dark.colors.primary) >= 4.5
    build(site, tmp_path / "dist")
    mp = tmp_path / "dist" / "miniprogram"
    variants = json.loads((mp / "theme.json").read_text(encoding="utf-8"))
    assert variants["light"]["tabSelectedColor"] == "#0A5FD6"
    assert variants["dark"]["navBackground"] == expand_hex(dark.colors.primary)
    assert variants["dark"]["tabSelectedColor"] == expand_hex(dark.colors.primary)
    wxss = (mp / "app.wxss").read_text(encoding="utf-8")
    assert "#C8472A" not in wxss and "#F07A55" not in wxss  # warm's brand colours, light and dark
    css = (tmp_path / "dist" / "h5" / "assets" / "site.css").read_text(encoding="utf-8")
    assert "#C8472A" not in css and "#F07A55" not in css


def test_explicit_values_win_over_derived_ones(make_site) -> None:
    site = make_site(
        with_theme("warm")
        + 'theme:\n  colors: {primary: "#0A5FD6", on_primary: "#FFFFEE"}\n'
        + '  tab_bar: {selected_color: "#333333"}\n  dark: {colors: {primary: "#88BBFF"}}\n'
    )
    theme = load(site)[1]
    assert theme.colors.on_primary == "#FFFFEE" and theme.tab_bar.selected_color == "#333333"
    assert theme.dark is not None and theme.dark.colors.primary == "#88BBFF"
    assert theme.dark.tab_bar.selected_color == "#88BBFF"  # follows the dark primary it was given
    assert theme.dark.colors.on_primary == "#000000"


def test_a_later_layer_that_sets_a_token_keeps_it(make_site) -> None:
    """A site theme sets the primary; site.yaml sets only the selected tab colour: that colour stays."""
    site = make_site(with_theme("brand") + 'theme:\n  tab_bar: {selected_color: "#444444"}\n')
    (site / "themes").mkdir()
    (site / "themes" / "brand.yaml").write_text('extends: calm\ncolors:\n  primary: "#FFD500"\n', encoding="utf-8")
    theme = load(site)[1]
    assert theme.colors.on_primary == "#000000"  # calm's white would be 1.4:1 on yellow
    assert theme.tab_bar.selected_color == "#444444"


@pytest.mark.parametrize("name", ["warm", "calm", "night"])
def test_builtin_themes_are_exactly_as_written(name: str) -> None:
    written = yaml.safe_load((REPO / "themes" / f"{name}.yaml").read_text(encoding="utf-8"))
    theme = load_theme(name, None, None, Position("site.yaml")).theme
    dumped = json.loads(theme.model_dump_json(exclude_none=True))
    for section in ("colors", "tab_bar"):
        assert dumped[section] == written[section]
    if "dark" in written:
        assert dumped["dark"] == written["dark"]


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"#[0-9A-F]{6}", fullmatch=True))
def test_any_primary_gets_readable_derived_tokens(primary: str) -> None:
    theme = load_theme("warm", overrides(f'  colors: {{primary: "{primary}"}}\n'), None, Position("site.yaml")).theme
    assert contrast_ratio(theme.colors.on_primary, primary) >= 4.5
    assert theme.dark is not None
    dark = theme.dark
    for surface in DARK_SURFACES:
        section = dark.colors if surface[0] == "colors" else dark.tab_bar
        assert contrast_ratio(dark.colors.primary, getattr(section, surface[1])) >= 4.5, surface
    assert contrast_ratio(dark.colors.on_primary, dark.colors.primary) >= 4.5
