"""Built-in tab bar icons, drawn with Pillow as 81x81 PNGs in the theme's tab colors."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw

from ..theme.color import rgb
from .images import TAB_ICON_SIZE

SIZE = TAB_ICON_SIZE
_SUPER = 4  # draw at 4x and scale down for smooth edges
_S = SIZE * _SUPER
_W = 6 * _SUPER  # stroke width

Draw = ImageDraw.ImageDraw


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
    """Coordinates on an 81-unit grid -> the supersampled canvas."""
    return (round(x0 * _SUPER), round(y0 * _SUPER), round(x1 * _SUPER), round(y1 * _SUPER))


def _pts(*points: tuple[float, float]) -> list[tuple[int, int]]:
    return [(round(x * _SUPER), round(y * _SUPER)) for x, y in points]


def _home(d: Draw, c: tuple[int, int, int]) -> None:
    d.line(_pts((12, 40), (40.5, 14), (69, 40)), fill=c, width=_W, joint="curve")
    d.line(_pts((20, 34), (20, 68), (61, 68), (61, 34)), fill=c, width=_W, joint="curve")
    d.rectangle(_box(35, 48, 46, 68), fill=c)


def _category(d: Draw, c: tuple[int, int, int]) -> None:
    for x, y in ((14, 14), (44, 14), (14, 44), (44, 44)):
        d.rounded_rectangle(_box(x, y, x + 23, y + 23), radius=5 * _SUPER, outline=c, width=_W)


def _cart(d: Draw, c: tuple[int, int, int]) -> None:
    d.line(_pts((8, 16), (18, 16), (26, 52), (64, 52), (71, 26), (21, 26)), fill=c, width=_W, joint="curve")
    for x in (30, 60):
        d.ellipse(_box(x - 5, 59, x + 5, 69), fill=c)


def _user(d: Draw, c: tuple[int, int, int]) -> None:
    d.ellipse(_box(27, 10, 54, 37), outline=c, width=_W)
    d.arc(_box(14, 44, 67, 96), start=180, end=360, fill=c, width=_W)
    d.line(_pts((14, 70), (67, 70)), fill=c, width=_W)


def _star(d: Draw, c: tuple[int, int, int]) -> None:
    points = []
    for i in range(10):
        radius = 30 if i % 2 == 0 else 13
        angle = math.pi / 2 + i * math.pi / 5
        points.append((40.5 + radius * math.cos(angle), 43 - radius * math.sin(angle)))
    outline = _pts(*points)
    d.line([*outline, outline[0], outline[1]], fill=c, width=_W, joint="curve")


def _heart(d: Draw, c: tuple[int, int, int]) -> None:
    points = []
    for i in range(64):
        t = 2 * math.pi * i / 64
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((40.5 + x * 1.8, 38 - y * 1.8))
    d.polygon(_pts(*points), outline=c, width=_W)


def _bag(d: Draw, c: tuple[int, int, int]) -> None:
    d.rounded_rectangle(_box(14, 26, 67, 70), radius=6 * _SUPER, outline=c, width=_W)
    d.arc(_box(28, 10, 53, 40), start=180, end=360, fill=c, width=_W)


def _article(d: Draw, c: tuple[int, int, int]) -> None:
    d.rounded_rectangle(_box(16, 10, 65, 71), radius=5 * _SUPER, outline=c, width=_W)
    for y in (26, 38, 50):
        d.line(_pts((26, y), (55 if y < 50 else 44, y)), fill=c, width=_W)


def _phone(d: Draw, c: tuple[int, int, int]) -> None:
    d.rounded_rectangle(_box(23, 8, 58, 73), radius=7 * _SUPER, outline=c, width=_W)
    d.ellipse(_box(37, 60, 44, 67), fill=c)


def _gift(d: Draw, c: tuple[int, int, int]) -> None:
    d.rectangle(_box(12, 28, 69, 42), outline=c, width=_W)
    d.rectangle(_box(17, 42, 64, 70), outline=c, width=_W)
    d.line(_pts((40.5, 28), (40.5, 70)), fill=c, width=_W)
    d.arc(_box(24, 12, 41, 30), start=150, end=360, fill=c, width=_W)
    d.arc(_box(40, 12, 57, 30), start=180, end=30, fill=c, width=_W)


def _search(d: Draw, c: tuple[int, int, int]) -> None:
    d.ellipse(_box(12, 12, 52, 52), outline=c, width=_W)
    d.line(_pts((47, 47), (68, 68)), fill=c, width=_W + 2 * _SUPER)


def _service(d: Draw, c: tuple[int, int, int]) -> None:
    d.arc(_box(14, 12, 67, 64), start=180, end=360, fill=c, width=_W)
    d.rounded_rectangle(_box(10, 38, 24, 60), radius=4 * _SUPER, fill=c)
    d.rounded_rectangle(_box(57, 38, 71, 60), radius=4 * _SUPER, fill=c)
    d.line(_pts((64, 60), (64, 68), (46, 70)), fill=c, width=_W // 2 * 2, joint="curve")


ICONS: dict[str, Callable[[Draw, tuple[int, int, int]], None]] = {
    "home": _home,
    "category": _category,
    "cart": _cart,
    "user": _user,
    "star": _star,
    "heart": _heart,
    "bag": _bag,
    "article": _article,
    "phone": _phone,
    "gift": _gift,
    "search": _search,
    "service": _service,
}


@functools.lru_cache(maxsize=256)  # the dev server rebuilds often with the same icons
def render_icon(name: str, color: str) -> bytes:
    """The built-in icon `name` in `color` as PNG bytes (transparent background, deterministic)."""
    canvas = Image.new("RGBA", (_S, _S), (0, 0, 0, 0))
    ICONS[name](ImageDraw.Draw(canvas), rgb(color))
    # One colour, antialiased by alpha alone: resampling the colour too leaves rounding noise on the
    # edges that costs a palette entry per pixel (user icon: 349 colours -> 159, 3.7 -> 1.9 KB).
    icon = Image.new("RGBA", (SIZE, SIZE), (*rgb(color), 0))
    icon.putalpha(canvas.getchannel("A").resize((SIZE, SIZE), Image.Resampling.LANCZOS))
    return _png(icon)


@functools.lru_cache(maxsize=16)
def render_badge(color: str) -> bytes:
    """A round badge in the brand colour: the H5 site's icon when the spec has no logo."""
    canvas = Image.new("RGBA", (_S, _S), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).ellipse(_box(4, 4, 77, 77), fill=rgb(color))
    return _png(canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS))


def _png(image: Image.Image) -> bytes:
    """PNG bytes, as an exact palette with per-entry alpha when the image has at most 256 RGBA values
    (a one-colour antialiased glyph does): about a third of the bytes of full RGBA, pixel for pixel."""
    out = io.BytesIO()
    colours = image.getcolors(maxcolors=256)
    if colours is None:
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    values: list[tuple[int, ...]] = sorted(value for _, value in colours)  # type: ignore[misc]
    index = {bytes(value): i for i, value in enumerate(values)}
    raw = image.tobytes()
    indexed = Image.frombytes("P", image.size, bytes(index[raw[i : i + 4]] for i in range(0, len(raw), 4)))
    indexed.putpalette([channel for value in values for channel in value[:3]])
    indexed.save(out, format="PNG", optimize=True, transparency=bytes(value[3] for value in values))
    return out.getvalue()
