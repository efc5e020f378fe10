"""Colour math for themes: hex forms, WCAG 2 contrast, and black-or-white text on a colour."""

from __future__ import annotations

from typing import Literal

AA_NORMAL_TEXT = 4.5
"""WCAG 2 AA minimum contrast for body-sized text."""


def expand_hex(color: str) -> str:
    """`#abc` -> `#AABBCC` (WeChat's window colors want the long form)."""
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


def rgb(color: str) -> tuple[int, int, int]:
    digits = expand_hex(color)[1:]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colors, 1.0 to 21.0."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def navigation_text_style(background: str) -> Literal["black", "white"]:
    """WeChat allows only black or white title text: pick the one with more contrast."""
    return "white" if contrast_ratio(background, "#FFFFFF") >= contrast_ratio(background, "#000000") else "black"


def text_color_on(background: str) -> str:
    """`#FFFFFF` or `#000000`, whichever reads better on `background` (the rule of WeChat's title bar)."""
    return "#FFFFFF" if navigation_text_style(background) == "white" else "#000000"
