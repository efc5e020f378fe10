"""Themes: extends chains, site themes and overrides, errors with the theme file's line, contrast."""

from __future__ import annotations

import pytest

from generator.build import load
from generator.errors import SpecError
from generator.theme import contrast_ratio, navigation_text_style

from .conftest import MINIMAL_SITE


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
    assert "colors.on_primary: is required; add it to the theme" in text
    assert "typography: is required" in text


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
