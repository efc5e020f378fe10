"""The theme's text/background pairs against WCAG AA: build warnings with the line of the colour to change."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import Position, Problem, format_path
from ..load.source import SpecPath
from .color import AA_NORMAL_TEXT, contrast_ratio, expand_hex, text_color_on
from .derive import Derivation, adjust_for_contrast

# (text token, background token, where the pair is seen), within `colors`/`tab_bar` of a variant
PAIRS: tuple[tuple[SpecPath, SpecPath, str], ...] = (
    (("colors", "text"), ("colors", "background"), "body text"),
    (("colors", "text"), ("colors", "surface"), "text on cards"),
    (("colors", "muted"), ("colors", "background"), "captions"),
    (("colors", "muted"), ("colors", "surface"), "captions on cards"),
    (("colors", "on_primary"), ("colors", "primary"), "buttons, H5 notices"),
    (("colors", "primary"), ("colors", "surface"), "prices, links"),
    (("colors", "danger"), ("colors", "surface"), "errors, discounts"),
    (("colors", "success"), ("colors", "surface"), "success messages"),
    (("tab_bar", "color"), ("tab_bar", "background"), "tab labels"),
    (("tab_bar", "selected_color"), ("tab_bar", "background"), "the selected tab"),
)


def contrast_warnings(
    tokens: Callable[[SpecPath], str | None],
    has_dark: bool,
    derivation: Derivation,
    position: Callable[[SpecPath], Position],
    shown_path: Callable[[SpecPath], str],
) -> list[Problem]:
    """One warning per pair below AA, placed at whichever of the two colours was set last.

    `tokens(path)` is a resolved colour; `position`/`shown_path` say where a designer wrote a token.
    """
    level = derivation.levels.get
    warnings = []
    for prefix in [()] + ([("dark",)] if has_dark else []):
        for fg_path, bg_path, seen in PAIRS:
            fg_token, bg_token = prefix + fg_path, prefix + bg_path
            foreground, background = tokens(fg_token), tokens(bg_token)
            if foreground is None or background is None:
                continue
            ratio = contrast_ratio(foreground, background)
            if ratio >= AA_NORMAL_TEXT:
                continue
            blame = bg_token if level(bg_token, -1) > level(fg_token, -1) else fg_token
            fix = _suggestion(fg_token, foreground, background, blame == bg_token)
            message = (
                f"{_name(fg_token, derivation)} {expand_hex(foreground)} on {_name(bg_token, derivation)} "
                f"{expand_hex(background)} ({seen}) has a contrast of {ratio:.2f}:1, below WCAG AA "
                f"{AA_NORMAL_TEXT}:1; {fix}"
            )
            origin = derivation.origin(blame)
            warnings.append(Problem(position(origin), shown_path(origin), message))
    return warnings


def _name(token: SpecPath, derivation: Derivation) -> str:
    origin = derivation.origin(token)
    return format_path(token) + (f" (follows {format_path(origin)})" if origin != token else "")


def _suggestion(fg_token: SpecPath, foreground: str, background: str, background_changed: bool) -> str:
    if fg_token[-1] == "on_primary":
        better = text_color_on(background)
        ratio = contrast_ratio(better, background)
        return f"set {format_path(fg_token)} to {better} ({ratio:.1f}:1), or leave it out to have it chosen by contrast"
    better = adjust_for_contrast(expand_hex(foreground), background)
    if background_changed:
        return f"choose a background that keeps the text readable, or set {format_path(fg_token)} to e.g. {better}"
    return f"use e.g. {better} ({contrast_ratio(better, background):.1f}:1)"
