"""Theme stage: designers' token YAML (`extends:` chains, site overrides) resolved into one `Theme`."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from ..errors import Position, Problem, SpecError, format_path
from ..load.messages import problems_from_validation
from ..load.source import Document, SourceMap, SpecPath, read_yaml
from ..resources import builtin_themes_dir
from ..spec.model import HexColor, SpecModel
from .color import contrast_ratio as contrast_ratio
from .color import expand_hex as expand_hex
from .color import navigation_text_style as navigation_text_style
from .color import relative_luminance as relative_luminance
from .color import rgb as rgb
from .color import text_color_on as text_color_on
from .contrast import contrast_warnings
from .derive import derive_tokens, get_path
from .values import THEME_NAME_PATTERN, DisplayName, FontList, ThemeName

# --- the complete token set -------------------------------------------------------------

SITE_THEMES = "themes"
"""The site's own theme files: SITE/themes/<name>.yaml."""


class Colors(SpecModel):
    primary: HexColor
    """Brand color: navigation bar, buttons, prices."""
    on_primary: HexColor
    """Text and icons drawn on the brand color."""
    background: HexColor
    """Page background."""
    surface: HexColor
    """Cards, sheets and the tab bar background."""
    text: HexColor
    """Body text."""
    muted: HexColor
    """Secondary text: captions, original prices, hints."""
    border: HexColor
    """Hairlines and input borders."""
    danger: HexColor
    """Errors, sold-out labels, discounts."""
    success: HexColor
    """Success messages and in-stock labels."""


class Typography(SpecModel):
    font_family: FontList
    """CSS font stack; the system font is used in the mini-program when a font is not installed."""
    base_size: int = Field(ge=12, le=22)
    """Body text size in px at a 375 px wide screen (doubled to rpx in the mini-program)."""
    scale: Decimal = Field(ge=Decimal("1.05"), le=Decimal("1.6"))
    """Ratio between heading levels (e.g. 1.25: each heading 25% larger than the next smaller)."""
    line_height: Decimal = Field(ge=Decimal("1.0"), le=Decimal("2.2"))
    """Unitless line height of body text."""


class Radius(SpecModel):
    small: int = Field(ge=0, le=64)
    """Corner radius of tags and inputs, px."""
    medium: int = Field(ge=0, le=64)
    """Corner radius of cards and buttons, px."""
    large: int = Field(ge=0, le=64)
    """Corner radius of banners and sheets, px."""


class Spacing(SpecModel):
    unit: int = Field(ge=2, le=16)
    """Base spacing step in px; paddings and gaps are multiples of it."""


class TabBarColors(SpecModel):
    color: HexColor
    """Tab label and icon color when not selected."""
    selected_color: HexColor
    """Tab label and icon color when selected."""
    background: HexColor
    """Tab bar background."""
    border: Literal["black", "white"]
    """Top border of the tab bar (WeChat allows only black or white)."""


class DarkVariant(SpecModel):
    colors: Colors
    """All colors of the dark variant."""
    tab_bar: TabBarColors
    """Tab bar colors of the dark variant."""


class Theme(SpecModel):
    """A resolved theme: every token present."""

    name: DisplayName
    description: str = ""
    colors: Colors
    typography: Typography
    radius: Radius
    spacing: Spacing
    tab_bar: TabBarColors
    dark: DarkVariant | None = None


# --- partial layers, as designers write them ----------------------------------------------


class ColorsLayer(SpecModel):
    primary: HexColor | None = None
    """Brand color: navigation bar, buttons, prices."""
    on_primary: HexColor | None = None
    """Text and icons drawn on the brand color."""
    background: HexColor | None = None
    """Page background."""
    surface: HexColor | None = None
    """Cards, sheets and the tab bar background."""
    text: HexColor | None = None
    """Body text."""
    muted: HexColor | None = None
    """Secondary text: captions, original prices, hints."""
    border: HexColor | None = None
    """Hairlines and input borders."""
    danger: HexColor | None = None
    """Errors, sold-out labels, discounts."""
    success: HexColor | None = None
    """Success messages and in-stock labels."""


class TypographyLayer(SpecModel):
    font_family: FontList | None = None
    """CSS font stack."""
    base_size: int | None = Field(default=None, ge=12, le=22)
    """Body text size in px at a 375 px wide screen."""
    scale: Decimal | None = Field(default=None, ge=Decimal("1.05"), le=Decimal("1.6"))
    """Ratio between heading levels."""
    line_height: Decimal | None = Field(default=None, ge=Decimal("1.0"), le=Decimal("2.2"))
    """Unitless line height of body text."""


class RadiusLayer(SpecModel):
    small: int | None = Field(default=None, ge=0, le=64)
    """Corner radius of tags and inputs, px."""
    medium: int | None = Field(default=None, ge=0, le=64)
    """Corner radius of cards and buttons, px."""
    large: int | None = Field(default=None, ge=0, le=64)
    """Corner radius of banners and sheets, px."""


class SpacingLayer(SpecModel):
    unit: int | None = Field(default=None, ge=2, le=16)
    """Base spacing step in px."""


class TabBarLayer(SpecModel):
    color: HexColor | None = None
    """Tab label and icon color when not selected."""
    selected_color: HexColor | None = None
    """Tab label and icon color when selected."""
    background: HexColor | None = None
    """Tab bar background."""
    border: Literal["black", "white"] | None = None
    """Top border of the tab bar: black or white."""


class DarkLayer(SpecModel):
    colors: ColorsLayer | None = None
    """Colors of the dark variant (missing ones are an error once resolved)."""
    tab_bar: TabBarLayer | None = None
    """Tab bar colors of the dark variant."""


class ThemeLayer(SpecModel):
    """A theme file or a site's `theme:` overrides: any subset of the tokens."""

    extends: ThemeName | None = None
    """Name of the theme this one starts from (site `themes/` folder first, then built-in)."""
    name: DisplayName | None = None
    """Display name."""
    description: str | None = None
    """One line for designers: the character of the theme."""
    colors: ColorsLayer | None = None
    """Color tokens."""
    typography: TypographyLayer | None = None
    """Type tokens."""
    radius: RadiusLayer | None = None
    """Corner radii."""
    spacing: SpacingLayer | None = None
    """Spacing scale."""
    tab_bar: TabBarLayer | None = None
    """Tab bar colors."""
    dark: DarkLayer | None = None
    """Optional dark variant: the package declares darkmode, the H5 site follows prefers-color-scheme."""


# --- resolution -------------------------------------------------------------------------------


def theme_file(name: str, site_dir: Path | None) -> Path | None:
    """A site's own `themes/<name>.yaml` wins over the built-in theme of that name; a name is never a path."""
    if not re.fullmatch(THEME_NAME_PATTERN, name):
        return None
    candidates = []
    if site_dir is not None:
        candidates.append(site_dir / SITE_THEMES / f"{name}.yaml")
    candidates.append(builtin_themes_dir() / f"{name}.yaml")
    return next((c for c in candidates if c.is_file() or c.is_symlink()), None)


def _outside_problem(path: Path, site_dir: Path | None) -> str:
    """Why a site's theme file cannot be read ('' when it can): it must resolve to a file in the site folder."""
    if site_dir is None or not path.is_relative_to(site_dir):
        return ""  # a built-in theme
    display = path.relative_to(site_dir).as_posix()
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop (Python 3.13 raises OSError ELOOP instead)
        return f"{display} is a symbolic link that points back at itself; fix or remove the link"
    if not resolved.is_relative_to(site_dir.resolve()):
        return f"{display} is a link to a file outside the site folder; copy the theme into the site's themes/ folder"
    if not resolved.is_file():
        return f"{display} is a link to a missing file or a folder; make it a theme file"
    return ""


def available_themes(site_dir: Path | None) -> list[str]:
    dirs = [builtin_themes_dir()] + ([site_dir / SITE_THEMES] if site_dir else [])
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.yaml")})


@dataclass(frozen=True)
class ResolvedTheme:
    theme: Theme
    files: list[Path]
    """The theme files read, the named one first."""
    warnings: tuple[Problem, ...]
    """Advice that does not stop the build: colour pairs below WCAG AA."""


def resolve_theme(
    name: str, overrides: Document | None, site_dir: Path | None, name_position: Position
) -> tuple[Theme, list[Path]]:
    """Resolve `name` through its `extends:` chain, apply site overrides; return the theme and its files."""
    resolved = load_theme(name, overrides, site_dir, name_position)
    return resolved.theme, resolved.files


def load_theme(name: str, overrides: Document | None, site_dir: Path | None, name_position: Position) -> ResolvedTheme:
    """`resolve_theme` with the theme's contrast warnings."""
    layers: list[tuple[dict[str, Any], SourceMap, SpecPath]] = []
    files: list[Path] = []
    seen: list[str] = []
    current: str | None = name
    ref_position = name_position
    while current is not None:
        if current in seen:
            chain = " -> ".join([*seen, current])
            raise SpecError(
                [Problem(ref_position, "extends", f"themes extend each other in a loop ({chain}); break the loop")]
            )
        seen.append(current)
        path = theme_file(current, site_dir)
        if path is None:
            known = ", ".join(available_themes(site_dir))
            raise SpecError(
                [
                    Problem(
                        ref_position,
                        "site.theme" if len(seen) == 1 else "extends",
                        f"no theme named {current!r}; use one of: {known}, or add themes/{current}.yaml to the site",
                    )
                ]
            )
        refused = _outside_problem(path, site_dir)
        if refused:
            raise SpecError([Problem(ref_position, "site.theme" if len(seen) == 1 else "extends", refused)])
        display = _display_name(path, site_dir)
        doc = read_yaml(path, display)
        layer = _validate_layer(doc, display)
        layers.append((doc.data, doc.source, ()))
        files.append(path)
        current = layer.extends
        ref_position = doc.source.value(("extends",))
    layers.reverse()
    if overrides is not None:
        _validate_layer(overrides, overrides.source.value(()).file, prefix=("theme",))
        layers.append((overrides.data, overrides.source, ("theme",)))
    merged: dict[str, Any] = {}
    source = SourceMap()
    for data, layer_source, _ in layers:
        merged = _deep_merge(merged, {k: v for k, v in data.items() if k != "extends"})
        source.merge(layer_source)
    merged = copy.deepcopy(merged)  # derived tokens are written into it, never into the layers' data
    derivation = derive_tokens([data for data, _, _ in layers], merged, source)
    merged.setdefault("name", name)
    try:
        theme = Theme.model_validate(merged)
    except ValidationError as exc:
        raise SpecError(
            problems_from_validation(exc, merged, source, Theme, missing_hint="add it to the theme")
        ) from None

    def token(path: SpecPath) -> str | None:
        value = get_path(merged, path)
        return value if isinstance(value, str) else None

    def shown_path(path: SpecPath) -> str:
        return format_path(layers[derivation.levels.get(path, 0)][2] + path)

    warnings = contrast_warnings(token, theme.dark is not None, derivation, source.value, shown_path)
    return ResolvedTheme(theme, files, tuple(warnings))


def _validate_layer(doc: Document, display: str, prefix: tuple[str, ...] = ()) -> ThemeLayer:
    try:
        return ThemeLayer.model_validate(doc.data)
    except ValidationError as exc:
        raise SpecError(problems_from_validation(exc, doc.data, doc.source, ThemeLayer, prefix=prefix)) from None


def _display_name(path: Path, site_dir: Path | None) -> str:
    if site_dir is not None:
        try:
            return str(path.relative_to(site_dir))
        except ValueError:
            pass
    return f"themes/{path.name} (built-in)"


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
