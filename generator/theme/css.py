"""Design tokens as CSS custom properties, in rpx for the mini-program and px for the H5 site."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from .theme import Colors, Theme, expand_hex

Unit = Literal["rpx", "px"]
RPX_PER_PX = 2  # 750 rpx span a 375 px wide screen


def _length(px: Decimal | int, unit: Unit) -> str:
    value = Decimal(px) * (RPX_PER_PX if unit == "rpx" else 1)
    return f"{value.quantize(Decimal('1'), rounding=ROUND_HALF_UP)}{unit}"


def color_variables(colors: Colors) -> list[tuple[str, str]]:
    return [(f"--color-{name.replace('_', '-')}", expand_hex(value)) for name, value in colors.model_dump().items()]


def css_variables(theme: Theme, unit: Unit) -> list[tuple[str, str]]:
    """Every token of the theme as (name, value), in a stable order."""
    type_ = theme.typography
    base = Decimal(type_.base_size)
    scale = type_.scale
    sizes = {
        "xs": base - 4,
        "sm": base - 2,
        "base": base,
        "lg": base * scale,
        "xl": base * scale * scale,
        "xxl": base * scale * scale * scale,
    }
    out = color_variables(theme.colors)
    out.append(("--font-family", type_.font_family))
    out.extend((f"--font-size-{name}", _length(size, unit)) for name, size in sizes.items())
    out.append(("--line-height", str(type_.line_height)))
    radius = theme.radius
    out.extend(
        [
            ("--radius-sm", _length(radius.small, unit)),
            ("--radius-md", _length(radius.medium, unit)),
            ("--radius-lg", _length(radius.large, unit)),
        ]
    )
    out.extend((f"--space-{step}", _length(theme.spacing.unit * step, unit)) for step in range(1, 7))
    return out


def declarations(variables: list[tuple[str, str]], indent: str = "  ") -> str:
    return "\n".join(f"{indent}{name}: {value};" for name, value in variables)
