"""Tokens that draw the brand follow `colors.primary`: a layer that sets the primary but not them derives them.

A designer who overrides only the primary (in a site theme or under `theme:` in site.yaml) sees the
brand everywhere: the text on it, the selected tab, and the dark variant. A token set in the same
layer as the primary, or in a later one, is kept as written.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..load.source import SourceMap, SpecPath
from ..spec.model import HEX_COLOR_PATTERN
from .color import AA_NORMAL_TEXT, contrast_ratio, expand_hex, relative_luminance, text_color_on

PRIMARY: SpecPath = ("colors", "primary")
DARK_PRIMARY: SpecPath = ("dark", "colors", "primary")
DARK_SURFACES: tuple[SpecPath, ...] = (("colors", "background"), ("colors", "surface"), ("tab_bar", "background"))
"""What the dark variant's primary is drawn on (prices, links, the selected tab)."""

# (token, the token it follows, how it is computed from that one and the merged theme)
DERIVED: tuple[tuple[SpecPath, SpecPath, Callable[[str, dict[str, Any]], str | None]], ...] = (
    (("colors", "on_primary"), PRIMARY, lambda primary, _: text_color_on(primary)),
    (("tab_bar", "selected_color"), PRIMARY, lambda primary, _: primary),
    (DARK_PRIMARY, PRIMARY, lambda primary, theme: _dark_primary(primary, theme)),
    (("dark", "colors", "on_primary"), DARK_PRIMARY, lambda primary, _: text_color_on(primary)),
    (("dark", "tab_bar", "selected_color"), DARK_PRIMARY, lambda primary, _: primary),
)


@dataclass(frozen=True)
class Derivation:
    levels: dict[SpecPath, int]
    """Every token path a layer set or that was derived -> the index of the layer it comes from."""
    follows: dict[SpecPath, SpecPath]
    """Each derived token -> the token it was derived from."""

    def origin(self, path: SpecPath) -> SpecPath:
        """The token a designer wrote that `path` comes from (itself unless derived)."""
        while path in self.follows:
            path = self.follows[path]
        return path


def derive_tokens(layers: list[dict[str, Any]], merged: dict[str, Any], source: SourceMap) -> Derivation:
    """Fill in the derived tokens of `merged` (in place, with the primary's position in `source`).

    `layers` are the theme's layers, the base first.
    """
    levels: dict[SpecPath, int] = {}
    follows_map: dict[SpecPath, SpecPath] = {}
    for index, layer in enumerate(layers):
        for path in _leaf_paths(layer):
            levels[path] = index
    for token, follows, compute in DERIVED:
        if token[0] == "dark" and not isinstance(merged.get("dark"), dict):
            continue  # no dark variant to derive into
        level = levels.get(follows, -1)
        value = get_path(merged, follows)
        if level <= levels.get(token, -1) or not _is_color(value):
            continue
        derived = compute(value, merged)
        if derived is None:
            continue
        _set(merged, token, derived)
        levels[token] = level
        follows_map[token] = follows
        source.values[token] = source.value(follows)
    return Derivation(levels, follows_map)


def adjust_for_contrast(color: str, *backgrounds: str, target: float = AA_NORMAL_TEXT) -> str:
    """`color` with its lightness moved away from the backgrounds until it reaches `target` on each (same hue).

    The backgrounds are all dark or all light (a variant's surfaces): the colour is lightened on dark
    ones and darkened on light ones.
    """

    def readable(candidate: str) -> bool:
        return all(contrast_ratio(candidate, background) >= target for background in backgrounds)

    if readable(color):
        return color
    r, g, b = (int(expand_hex(color)[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    lighter = max(relative_luminance(background) for background in backgrounds) < 0.18
    candidate = color
    for step in range(1, 101):
        value = min(1.0, lightness + step / 100) if lighter else max(0.0, lightness - step / 100)
        candidate = "#" + "".join(f"{round(c * 255):02X}" for c in colorsys.hls_to_rgb(hue, value, saturation))
        if readable(candidate):
            break
    return candidate


def _dark_primary(primary: str, theme: dict[str, Any]) -> str | None:
    """The brand colour for the dark variant: the primary, lightened until it reads on the dark surfaces."""
    surfaces = [get_path(theme, ("dark", *path)) for path in DARK_SURFACES]
    colors = [c for c in surfaces if _is_color(c)]
    if not colors:
        return None
    return adjust_for_contrast(expand_hex(primary), *colors)


def _leaf_paths(data: Any, prefix: SpecPath = ()) -> list[SpecPath]:
    if not isinstance(data, dict):
        return [prefix]
    return [path for key, value in data.items() for path in _leaf_paths(value, prefix + (key,))]


def get_path(data: Any, path: SpecPath) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _set(data: dict[Any, Any], path: SpecPath, value: str) -> None:
    for part in path[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[path[-1]] = value


def _is_color(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(HEX_COLOR_PATTERN, value) is not None
