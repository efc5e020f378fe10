#!/usr/bin/env python3
"""Draw the placeholder images of the demo sites (sites/beibei, sites/anxin).

The sites have no real photography, so this script paints soft "product photos", banners,
category icons, article covers and logos with Pillow: pastel gradients, a soft floor shadow
and simple drawn objects (bottles, cups, toys, clothes, documents, charts). No text is drawn.

Deterministic: the same Pillow version gives byte-identical files on every run.

    python scripts/make_demo_images.py            # regenerate every image of both sites
    python scripts/make_demo_images.py beibei     # only one site
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "sites"
SS = 2  # supersampling factor: draw at 2x, then downsample for smooth edges

RGB = tuple[int, int, int]


# --- colour helpers ----------------------------------------------------------------------------------


def rgb(hex_color: str) -> RGB:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def light(c: RGB, t: float) -> RGB:
    return mix(c, (255, 255, 255), t)


def dark(c: RGB, t: float) -> RGB:
    return mix(c, (0, 0, 0), t)


def alpha(c: RGB, a: int) -> tuple[int, int, int, int]:
    return (c[0], c[1], c[2], a)


WHITE: RGB = (255, 255, 255)


# --- canvas ------------------------------------------------------------------------------------------------


def gradient(size: tuple[int, int], top: RGB, bottom: RGB, diagonal: bool = False) -> Image.Image:
    """Vertical (or top-left to bottom-right) two-colour gradient."""
    w, h = size
    if diagonal:
        d = int(math.hypot(w, h)) + 2
        mask = Image.linear_gradient("L").resize((d, d), Image.BILINEAR).rotate(45, resample=Image.BILINEAR)
        mask = mask.crop(((d - w) // 2, (d - h) // 2, (d - w) // 2 + w, (d - h) // 2 + h))
    else:
        mask = Image.linear_gradient("L").resize((w, h), Image.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def soft_blobs(img: Image.Image, rng: random.Random, color: RGB, count: int, strength: int = 90) -> None:
    """Large blurred light circles: the 'studio light' of the background."""
    w, h = img.size
    mask = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(mask)
    for _ in range(count):
        r = rng.uniform(0.18, 0.38) * min(w, h)
        x, y = rng.uniform(0, w), rng.uniform(0, h * 0.8)
        d.ellipse([x - r, y - r, x + r, y + r], fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(min(w, h) * 0.06))
    img.paste(Image.new("RGB", img.size, color), (0, 0), mask)


def floor_shadow(img: Image.Image, cx: float, cy: float, rx: float, ry: float, color: RGB, strength: int = 110) -> None:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(ry * 0.6))
    img.paste(Image.new("RGB", img.size, color), (0, 0), mask)


def confetti(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    size: tuple[int, int],
    colors: list[RGB],
    count: int,
    avoid: tuple[float, float, float] | None = None,
) -> None:
    """Small translucent dots and rings scattered over the background, away from the object."""
    w, h = size
    placed = 0
    tries = 0
    while placed < count and tries < count * 30:
        tries += 1
        x, y = rng.uniform(0.04, 0.96) * w, rng.uniform(0.04, 0.96) * h
        if avoid and math.hypot(x - avoid[0], y - avoid[1]) < avoid[2]:
            continue
        r = rng.uniform(0.006, 0.018) * min(w, h)
        c = rng.choice(colors)
        if rng.random() < 0.35:
            ring = r * 1.4
            draw.ellipse([x - ring, y - ring, x + ring, y + ring], outline=alpha(c, 150), width=max(2, int(r * 0.45)))
        else:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=alpha(c, 140))
        placed += 1


class Pen:
    """Draws in object units: the object is designed in a box of about -50..50, mapped to pixels."""

    def __init__(self, draw: ImageDraw.ImageDraw, cx: float, cy: float, scale: float) -> None:
        self.d, self.cx, self.cy, self.s = draw, cx, cy, scale

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (self.cx + x * self.s, self.cy + y * self.s)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        a, b = self.p(x0, y0), self.p(x1, y1)
        return [min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])]

    def w(self, units: float) -> int:
        return max(1, round(units * self.s))

    def rect(self, x0, y0, x1, y1, fill=None, r=0.0, outline=None, width=0.0):
        self.d.rounded_rectangle(
            self.box(x0, y0, x1, y1),
            radius=r * self.s,
            fill=fill,
            outline=outline,
            width=self.w(width) if outline else 0,
        )

    def ellipse(self, x0, y0, x1, y1, fill=None, outline=None, width=0.0):
        self.d.ellipse(self.box(x0, y0, x1, y1), fill=fill, outline=outline, width=self.w(width) if outline else 0)

    def circle(self, x, y, r, fill=None, outline=None, width=0.0):
        self.ellipse(x - r, y - r, x + r, y + r, fill=fill, outline=outline, width=width)

    def poly(self, pts, fill=None, outline=None, width=0.0):
        self.d.polygon(
            [self.p(x, y) for x, y in pts], fill=fill, outline=outline, width=self.w(width) if outline else 0
        )

    def line(self, pts, fill, width=1.0, joint=True):
        self.d.line([self.p(x, y) for x, y in pts], fill=fill, width=self.w(width), joint="curve" if joint else None)
        r = width / 2  # round caps
        for x, y in (pts[0], pts[-1]):
            self.circle(x, y, r, fill=fill)

    def arc(self, x0, y0, x1, y1, start, end, fill, width=1.0):
        self.d.arc(self.box(x0, y0, x1, y1), start, end, fill=fill, width=self.w(width))

    def pie(self, x0, y0, x1, y1, start, end, fill):
        self.d.pieslice(self.box(x0, y0, x1, y1), start, end, fill=fill)

    def chord(self, x0, y0, x1, y1, start, end, fill):
        self.d.chord(self.box(x0, y0, x1, y1), start, end, fill=fill)


def curve(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> list[tuple[float, float]]:
    """Points along an ellipse arc (degrees, 0 = right, clockwise on screen)."""
    return [
        (
            cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
            cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n)),
        )
        for i in range(n + 1)
    ]


def gloss(pen: Pen, x0, y0, x1, y1, r=3.0, a=90):
    pen.rect(x0, y0, x1, y1, fill=(255, 255, 255, a), r=r)


# --- mother-and-baby objects (all sit on a floor at y = 46) ----------------------------------------------


def draw_bottle(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.ellipse(-9, -50, 9, -30, fill=light(acc, 0.55))  # teat
    pen.rect(-5, -52, 5, -44, fill=light(acc, 0.55), r=4)
    pen.rect(-19, -34, 19, -20, fill=acc, r=4)  # collar
    pen.rect(-17, -31, 17, -28, fill=light(acc, 0.35), r=1.5)
    pen.rect(-21, -22, 21, 46, fill=light(main, 0.82), r=12)  # body
    pen.rect(-21, 6, 21, 46, fill=light((255, 236, 200), 0.2), r=12)  # milk
    pen.rect(-21, 6, 21, 14, fill=light((255, 236, 200), 0.2))
    for i, y in enumerate(range(-14, 40, 9)):
        pen.line([(8, y), (16 if i % 2 else 12, y)], fill=alpha(dark(main, 0.2), 170), width=1.6)
    pen.circle(-6, 24, 6, fill=alpha(main, 170))
    gloss(pen, -16, -18, -11, 38, r=2.5, a=120)


def draw_sippy_cup(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.line([(-28, -6), (-38, -4), (-38, 18), (-26, 22)], fill=acc, width=7)  # handles
    pen.line([(28, -6), (38, -4), (38, 18), (26, 22)], fill=acc, width=7)
    pen.rect(-26, -14, 26, 46, fill=main, r=12)
    pen.rect(-26, 10, 26, 20, fill=light(main, 0.45))
    pen.rect(-28, -24, 28, -10, fill=light(acc, 0.2), r=5)  # lid
    pen.line([(6, -24), (10, -44), (16, -50)], fill=light(acc, 0.5), width=5)  # straw
    pen.circle(-9, 30, 5, fill=light(main, 0.6))
    pen.circle(5, 32, 3.5, fill=light(main, 0.6))
    gloss(pen, -21, -8, -16, 40, a=100)


def draw_bowl(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.line([(18, -8), (34, -42)], fill=light(acc, 0.15), width=5)  # spoon handle
    pen.ellipse(30, -52, 42, -36, fill=light(acc, 0.15))
    pen.rect(-18, 36, 18, 46, fill=dark(main, 0.08), r=3)  # foot / suction base
    pen.chord(-44, -30, 44, 42, 0, 180, fill=main)
    pen.ellipse(-44, -2, 44, 14, fill=light(main, 0.5))
    pen.ellipse(-38, 0, 38, 12, fill=(255, 226, 160))  # porridge
    pen.circle(-12, 5, 3, fill=(236, 120, 80))
    pen.circle(8, 6, 2.5, fill=(120, 180, 90))
    pen.arc(-36, 14, 36, 36, 20, 160, fill=light(main, 0.55), width=3)


def draw_bib(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    outer = curve(0, 0, 40, 46, -200, 20, 40)
    pen.poly([(-30, -40), *outer, (30, -40), *reversed(curve(0, -30, 18, 18, -200, 20, 20))], fill=main)
    pen.ellipse(-16, -48, 16, -20, fill=None, outline=acc, width=4)
    pen.circle(-29, -38, 5, fill=acc)  # snap
    pen.circle(29, -38, 5, fill=acc)
    pen.rect(-24, 18, 24, 40, fill=light(main, 0.45), r=9)  # pocket
    for x in range(-18, 24, 12):
        for y in (-6, 8):
            pen.circle(x + (6 if y == 8 else 0), y, 3, fill=light(acc, 0.3))


def _onesie_outline() -> list[tuple[float, float]]:
    pts = [
        (-14, -44),
        (-46, -30),
        (-40, -12),
        (-26, -18),
        (-26, 30),
        (-18, 46),
        (-6, 46),
        (0, 36),
        (6, 46),
        (18, 46),
        (26, 30),
        (26, -18),
        (40, -12),
        (46, -30),
        (14, -44),
    ]
    neck = curve(0, -44, 14, 10, 0, 180, 16)
    return pts + neck[1:-1]


def draw_onesie(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.poly(_onesie_outline(), fill=main)
    pen.arc(-14, -54, 14, -34, 0, 180, fill=acc, width=3)
    for y in (-26, -12, 2):
        pen.circle(0, y, 2.6, fill=light(acc, 0.2))
    pen.line([(-40, -12), (-46, -30)], fill=light(acc, 0.2), width=3)
    pen.line([(40, -12), (46, -30)], fill=light(acc, 0.2), width=3)
    pen.circle(-13, 16, 7, fill=light(main, 0.5))  # little heart-ish patch
    pen.circle(-7, 16, 7, fill=light(main, 0.5))
    pen.poly([(-20, 18), (-10, 30), (0, 18)], fill=light(main, 0.5))


def draw_sleeping_bag(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-30, -40, 30, 46, fill=main, r=22)
    pen.chord(-20, -58, 20, -22, 0, 180, fill=light(main, 0.3))  # neck opening
    pen.rect(-30, -40, -16, -28, fill=acc, r=5)  # shoulder snaps
    pen.rect(16, -40, 30, -28, fill=acc, r=5)
    pen.line([(10, -24), (10, 38)], fill=light(main, 0.55), width=2.5)  # zipper
    pen.rect(7, -24, 13, -16, fill=acc, r=2)
    for y in range(-10, 40, 14):
        pen.line([(-24, y), (-2, y + 4)], fill=alpha(light(acc, 0.3), 200), width=2)
    gloss(pen, -26, -20, -22, 30, a=70)


def _sock(pen: Pen, dx: float, main: RGB, acc: RGB) -> None:
    pen.poly(
        [(dx - 10, -44), (dx + 10, -44), (dx + 10, 14), (dx + 30, 22), (dx + 30, 40), (dx - 4, 40), (dx - 10, 28)],
        fill=main,
    )
    pen.circle(dx + 28, 31, 10, fill=main)
    pen.circle(dx - 1, 28, 12, fill=main)
    pen.rect(dx - 11, -48, dx + 11, -34, fill=acc, r=3)  # cuff
    pen.circle(dx + 28, 31, 6, fill=light(acc, 0.35))  # toe
    pen.circle(dx - 2, 31, 6, fill=light(acc, 0.35))  # heel
    pen.line([(dx - 9, -20), (dx + 9, -20)], fill=light(acc, 0.2), width=3)


def draw_socks(pen: Pen, c: dict) -> None:
    _sock(pen, -24, c["main"], c["accent"])
    _sock(pen, 6, light(c["main"], 0.25), c["accent"])


def draw_hat(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.chord(-40, -36, 40, 44, 180, 360, fill=main)
    pen.rect(-42, 0, 42, 22, fill=acc, r=6)
    for x in range(-34, 40, 10):
        pen.line([(x, 3), (x, 19)], fill=light(acc, 0.3), width=2.5)
    pen.circle(0, -40, 11, fill=light(acc, 0.3))  # pompom
    pen.circle(-28, -20, 9, fill=main)  # bear ears
    pen.circle(28, -20, 9, fill=main)
    pen.circle(-28, -20, 5, fill=light(main, 0.5))
    pen.circle(28, -20, 5, fill=light(main, 0.5))


def draw_jacket(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.poly(
        [(-16, -42), (-46, -26), (-38, 6), (-28, 2), (-28, 44), (28, 44), (28, 2), (38, 6), (46, -26), (16, -42)],
        fill=main,
    )
    pen.chord(-20, -54, 20, -28, 0, 180, fill=light(main, 0.35))  # hood edge
    pen.arc(-20, -54, 20, -28, 0, 180, fill=acc, width=3)
    pen.line([(0, -30), (0, 44)], fill=acc, width=2.5)
    pen.rect(-22, 16, -8, 32, fill=light(main, 0.3), r=3)
    pen.rect(8, 16, 22, 32, fill=light(main, 0.3), r=3)
    pen.rect(-28, 38, 28, 44, fill=acc, r=2)
    pen.line([(-38, 6), (-28, 2)], fill=acc, width=3)
    pen.line([(38, 6), (28, 2)], fill=acc, width=3)


def draw_rattle(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.line([(10, 8), (30, 40)], fill=light(acc, 0.2), width=9)  # handle
    pen.circle(31, 42, 8, fill=acc)
    pen.circle(-6, -16, 27, fill=main)  # head
    pen.ellipse(-33, -22, 21, -10, fill=light(main, 0.35))
    for a in range(0, 360, 60):
        pen.circle(-6 + 16 * math.cos(math.radians(a)), -16 + 16 * math.sin(math.radians(a)), 3.5, fill=light(acc, 0.4))
    pen.circle(-6, -16, 6, fill=acc)
    pen.arc(-2, 0, 22, 22, 0, 360, fill=light(main, 0.2), width=4)  # ring
    gloss(pen, -24, -34, -18, -22, r=3, a=110)


def _cube(pen: Pen, x: float, y: float, size: float, col: RGB, sym: str, sym_col: RGB) -> None:
    pen.rect(x, y, x + size, y + size, fill=col, r=size * 0.12)
    pen.rect(x + size * 0.08, y + size * 0.08, x + size * 0.92, y + size * 0.92, fill=light(col, 0.22), r=size * 0.08)
    m = size / 2
    if sym == "circle":
        pen.circle(x + m, y + m, size * 0.24, fill=sym_col)
    elif sym == "tri":
        pen.poly(
            [(x + m, y + size * 0.22), (x + size * 0.78, y + size * 0.74), (x + size * 0.22, y + size * 0.74)],
            fill=sym_col,
        )
    elif sym == "star":
        pts = []
        for i in range(10):
            r = size * (0.3 if i % 2 == 0 else 0.13)
            a = math.radians(-90 + i * 36)
            pts.append((x + m + r * math.cos(a), y + m + r * math.sin(a)))
        pen.poly(pts, fill=sym_col)
    else:
        pen.rect(x + size * 0.26, y + size * 0.26, x + size * 0.74, y + size * 0.74, fill=sym_col, r=size * 0.05)


def draw_blocks(pen: Pen, c: dict) -> None:
    cols = c.get("colors") or [c["main"], c["accent"], light(c["main"], 0.3)]
    _cube(pen, -46, 10, 36, cols[0], "square", WHITE)
    _cube(pen, -6, 10, 36, cols[1], "circle", WHITE)
    _cube(pen, -26, -28, 36, cols[2], "star", WHITE)
    _cube(pen, 32, 22, 24, light(cols[0], 0.2), "tri", WHITE)


def draw_cloth_book(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.poly(
        [(0, -30), *curve(-22, -30, 22, 8, 0, -180, 12)[1:], (-46, 34), (-22, 30), (0, 38)], fill=light(main, 0.15)
    )
    pen.poly([(0, -30), *curve(22, -30, 22, 8, 180, 360, 12)[1:], (46, 34), (22, 30), (0, 38)], fill=light(acc, 0.2))
    pen.poly([(0, -26), (-42, -32), (-42, 30), (0, 34)], fill=light(main, 0.6))
    pen.poly([(0, -26), (42, -32), (42, 30), (0, 34)], fill=light(acc, 0.6))
    pen.circle(-22, -4, 11, fill=acc)  # sun
    pen.chord(-38, 10, -6, 34, 180, 360, fill=main)  # hill
    pen.ellipse(10, -12, 34, 8, fill=main)  # fish
    pen.poly([(32, -2), (40, -10), (40, 6)], fill=main)
    pen.circle(16, -3, 2, fill=WHITE)
    pen.line([(0, -28), (0, 36)], fill=dark(acc, 0.1), width=2)


def draw_duck(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.ellipse(-40, -6, 36, 42, fill=main)  # body
    pen.poly([(22, 0), (44, -14), (40, 12)], fill=main)  # tail
    pen.circle(-14, -22, 20, fill=main)  # head
    pen.ellipse(-46, -20, -28, -10, fill=acc)  # beak
    pen.circle(-18, -26, 3.5, fill=(50, 40, 40))
    pen.circle(-17, -27, 1.2, fill=WHITE)
    pen.ellipse(-6, 6, 24, 26, fill=dark(main, 0.07))  # wing
    pen.circle(-6, -16, 4, fill=alpha((255, 140, 140), 140))  # cheek
    gloss(pen, -30, -36, -24, -28, a=120)
    for x, r in ((26, 4), (34, 3), (20, 2.5)):
        pen.circle(x, -34 - r * 3, r, outline=alpha(WHITE, 220), width=1.2)


def draw_bead_maze(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-46, 34, 46, 46, fill=(214, 170, 120), r=4)
    cols = [main, acc, light(main, 0.35), (120, 190, 170), (250, 200, 90)]
    wires = [
        [(-40, 34), (-40, -30), (0, -40), (40, -20), (40, 34)],
        [(-28, 34), (-28, -10), (10, -20), (28, 0), (28, 34)],
        [(-14, 34), (-14, 8), (14, 4), (14, 34)],
    ]
    for w in wires:
        pen.line(w, fill=(170, 170, 180), width=2.5)
    beads = [
        (-40, -4),
        (-40, 16),
        (-22, -36),
        (14, -34),
        (34, -23),
        (-28, 10),
        (-10, -17),
        (18, -12),
        (28, 18),
        (-14, 22),
        (2, 6),
        (14, 22),
    ]
    for i, (x, y) in enumerate(beads):
        pen.circle(x, y, 6.5, fill=cols[i % len(cols)])
        pen.circle(x - 2, y - 2, 1.8, fill=alpha(WHITE, 150))


def draw_pump_bottle(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-6, -48, 22, -40, fill=acc, r=3)  # nozzle
    pen.rect(-6, -48, 4, -26, fill=acc, r=2)
    pen.rect(-14, -30, 14, -18, fill=light(acc, 0.2), r=3)
    pen.rect(-26, -20, 26, 46, fill=main, r=10)
    pen.rect(-20, -2, 20, 30, fill=light(main, 0.6), r=5)  # label
    pen.circle(0, 10, 7, fill=light(acc, 0.35))
    pen.line([(-12, 22), (12, 22)], fill=light(acc, 0.35), width=2)
    gloss(pen, -22, -14, -17, 40, a=100)


def draw_cream_jar(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-38, 0, 38, 46, fill=light(main, 0.15), r=10)
    pen.rect(-40, -18, 40, 4, fill=acc, r=7)  # lid
    pen.rect(-40, -6, 40, 4, fill=dark(acc, 0.06), r=2)
    pen.rect(-26, 12, 26, 36, fill=light(main, 0.65), r=5)
    pen.circle(0, 24, 6, fill=light(acc, 0.3))
    gloss(pen, -34, 6, -29, 40, a=100)
    pen.ellipse(-18, -34, 18, -24, fill=WHITE)  # a dab of cream
    pen.ellipse(-8, -40, 8, -30, fill=WHITE)


def draw_tube(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.poly([(-26, -46), (26, -46), (16, 30), (-16, 30)], fill=main)
    pen.rect(-28, -50, 28, -42, fill=dark(main, 0.08), r=2)  # crimp
    pen.rect(-14, 28, 14, 46, fill=acc, r=4)  # cap
    pen.rect(-14, -24, 14, 6, fill=light(main, 0.6), r=4)
    pen.circle(0, -9, 6, fill=light(acc, 0.3))
    gloss(pen, -19, -38, -15, 20, a=100)


def draw_wipes(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-48, -16, 48, 46, fill=main, r=18)
    pen.rect(-48, -16, 48, 10, fill=light(main, 0.2), r=18)
    pen.ellipse(-26, -30, 26, 2, fill=acc)  # flip lid
    pen.ellipse(-20, -26, 20, -4, fill=light(acc, 0.3))
    pen.poly([(-6, -22), (6, -22), (10, -40), (-8, -42)], fill=WHITE)  # wipe peeking out
    for x in range(-36, 40, 14):
        pen.circle(x, 30, 3, fill=light(acc, 0.4))


def draw_bathtub(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    for x, y, r in ((-30, -26, 9), (-14, -34, 12), (6, -30, 10), (24, -36, 8), (34, -24, 6), (-22, -44, 5)):
        pen.circle(x, y, r, fill=alpha(WHITE, 210), outline=alpha(light(acc, 0.4), 220), width=1)
    pen.chord(-50, -50, 50, 42, 0, 180, fill=main)
    pen.rect(-52, -8, 52, 2, fill=light(main, 0.35), r=4)
    pen.rect(-30, 38, -20, 46, fill=acc, r=2)
    pen.rect(20, 38, 30, 46, fill=acc, r=2)
    pen.circle(-26, 18, 4, fill=light(main, 0.5))


def draw_stroller(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    frame = dark(acc, 0.25)
    pen.line([(20, 10), (40, -40), (48, -44)], fill=frame, width=3.5)  # push bar
    pen.line([(-30, 20), (-30, 34)], fill=frame, width=3)
    pen.line([(20, 20), (26, 34)], fill=frame, width=3)
    pen.chord(-42, -32, 30, 30, 0, 180, fill=main)  # basket
    pen.pie(-44, -38, 28, 34, 180, 282, fill=acc)  # canopy
    pen.pie(-38, -32, 22, 28, 186, 276, fill=light(acc, 0.25))
    pen.rect(-42, -2, 30, 4, fill=light(main, 0.3), r=2)
    for x in (-30, 26):
        pen.circle(x, 36, 10, fill=(70, 70, 80))
        pen.circle(x, 36, 4, fill=(200, 200, 210))


def draw_carrier(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    strap = light(acc, 0.2)
    pen.line([(-20, -26), (-28, -44), (-40, -50)], fill=strap, width=8)  # padded shoulder straps
    pen.line([(20, -26), (28, -44), (40, -50)], fill=strap, width=8)
    pen.rect(-24, 26, 24, 46, fill=dark(main, 0.12), r=9)  # hip seat
    pen.rect(-30, -36, 30, 30, fill=main, r=16)  # body panel
    pen.chord(-22, -50, 22, -22, 180, 360, fill=light(main, 0.3))  # head support
    pen.rect(-17, -12, 17, 10, fill=light(main, 0.35), r=5)  # front pocket
    pen.line([(-22, -24), (-22, 22)], fill=light(main, 0.45), width=1.5)  # stitching
    pen.line([(22, -24), (22, 22)], fill=light(main, 0.45), width=1.5)
    pen.rect(-50, 18, 50, 32, fill=strap, r=7)  # waist belt
    pen.rect(-50, 22, 50, 24, fill=light(strap, 0.3))
    pen.rect(-7, 17, 7, 33, fill=light(acc, 0.6), r=3)  # buckle
    gloss(pen, -26, -26, -23, 20, a=60)


def draw_backpack(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.arc(-14, -54, 14, -28, 180, 360, fill=dark(main, 0.15), width=5)  # handle
    pen.rect(-36, -40, 36, 46, fill=main, r=16)
    pen.chord(-36, -40, 36, 0, 180, 360, fill=dark(main, 0.07))  # flap
    pen.rect(-26, 6, 26, 38, fill=light(main, 0.3), r=8)  # pocket
    pen.line([(-26, 14), (26, 14)], fill=acc, width=2)
    pen.rect(-4, -12, 4, 0, fill=acc, r=2)
    pen.rect(-44, 10, -36, 34, fill=light(acc, 0.3), r=3)  # side pockets
    pen.rect(36, 10, 44, 34, fill=light(acc, 0.3), r=3)
    gloss(pen, -31, -30, -27, 30, a=60)


def draw_thermos(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-20, -48, 20, -30, fill=acc, r=6)  # cup lid
    pen.rect(-22, -30, 22, -26, fill=dark(acc, 0.1), r=1)
    pen.rect(-20, -26, 20, 46, fill=main, r=8)
    pen.rect(-20, 30, 20, 36, fill=dark(main, 0.08))
    pen.rect(-20, -16, 20, 8, fill=light(main, 0.4))
    pen.circle(0, -4, 6, fill=light(acc, 0.4))
    pen.line([(20, -18), (30, -16), (30, 8), (20, 10)], fill=dark(acc, 0.1), width=4)  # strap
    gloss(pen, -16, -22, -12, 40, a=110)


def draw_pregnancy_pillow(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.arc(-44, -44, 44, 44, 70, 290, fill=main, width=26)
    pen.circle(15, -41, 13, fill=main)
    pen.circle(15, 41, 13, fill=main)
    pen.arc(-36, -36, 36, 36, 90, 270, fill=light(main, 0.35), width=3)
    for a in range(100, 280, 30):
        x, y = 31 * math.cos(math.radians(a)), 31 * math.sin(math.radians(a))
        pen.circle(x, y, 2.5, fill=light(acc, 0.4))


def draw_storage_bags(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    for dx, col in ((-18, light(main, 0.15)), (12, main)):
        pen.rect(dx - 18, -44, dx + 18, 46, fill=alpha(light(col, 0.55), 235), r=6)
        pen.rect(dx - 18, -44, dx + 18, -32, fill=col, r=4)
        pen.rect(dx - 16, -6, dx + 16, 44, fill=(255, 246, 226), r=5)  # milk
        for y in range(-24, 40, 10):
            pen.line([(dx + 8, y), (dx + 14, y)], fill=dark(acc, 0.05), width=1.4)
        pen.rect(dx - 14, -26, dx - 2, -14, fill=light(acc, 0.2), r=2)


def draw_diapers(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-42, -38, 42, 46, fill=main, r=12)
    pen.rect(-30, -46, 30, -36, fill=light(main, 0.2), r=4)  # handle
    pen.chord(-60, -2, 60, 70, 180, 360, fill=light(main, 0.55))  # wave
    pen.circle(0, 14, 15, fill=(255, 226, 200))  # baby face
    pen.circle(-5, 11, 1.8, fill=(70, 50, 50))
    pen.circle(5, 11, 1.8, fill=(70, 50, 50))
    pen.arc(-5, 12, 5, 20, 20, 160, fill=(200, 100, 90), width=1.5)
    pen.circle(-24, -20, 6, fill=acc)
    pen.circle(-10, -22, 3.5, fill=light(acc, 0.3))


def draw_teether(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.arc(-40, -40, 40, 40, 0, 360, fill=main, width=16)
    for a in range(0, 360, 30):
        x, y = 32 * math.cos(math.radians(a)), 32 * math.sin(math.radians(a))
        pen.circle(x, y, 4, fill=light(main, 0.35))
    pen.ellipse(-22, -22, 22, 22, fill=light(acc, 0.3))  # centre animal
    pen.circle(-14, -18, 7, fill=light(acc, 0.3))
    pen.circle(14, -18, 7, fill=light(acc, 0.3))
    pen.circle(-7, -3, 2.5, fill=(60, 50, 50))
    pen.circle(7, -3, 2.5, fill=(60, 50, 50))
    pen.ellipse(-6, 4, 6, 12, fill=acc)


def draw_bear(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.ellipse(-28, 2, 28, 46, fill=main)  # body
    pen.circle(-30, 38, 11, fill=main)
    pen.circle(30, 38, 11, fill=main)
    pen.circle(-30, 38, 6, fill=light(main, 0.45))
    pen.circle(30, 38, 6, fill=light(main, 0.45))
    pen.circle(-22, -38, 10, fill=main)  # ears
    pen.circle(22, -38, 10, fill=main)
    pen.circle(-22, -38, 5, fill=light(main, 0.45))
    pen.circle(22, -38, 5, fill=light(main, 0.45))
    pen.circle(0, -18, 26, fill=main)  # head
    pen.ellipse(-10, -14, 10, 2, fill=light(main, 0.5))
    pen.circle(0, -10, 3.5, fill=(60, 45, 40))
    pen.circle(-10, -22, 2.8, fill=(60, 45, 40))
    pen.circle(10, -22, 2.8, fill=(60, 45, 40))
    pen.poly([(-12, 6), (0, 12), (12, 6), (6, 16), (0, 12), (-6, 16)], fill=acc)  # bow
    pen.circle(0, 10, 3.5, fill=dark(acc, 0.1))
    pen.ellipse(-14, 18, 14, 38, fill=light(main, 0.4))


def draw_nursing_cover(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.poly([(-44, -30), (44, -30), (36, 46), (-36, 46)], fill=main)  # drape
    for x in (-24, -4, 16, 34):
        pen.line([(x, -26), (x - 4, 44)], fill=dark(main, 0.06), width=2)
    pen.arc(-30, -52, 30, -10, 180, 360, fill=acc, width=4)  # rigid neckline
    for x in range(-30, 34, 14):
        for y in (-12, 8, 28):
            pen.circle(x + (7 if y == 8 else 0), y, 3.2, fill=light(acc, 0.35))


DRAWERS: dict[str, Callable[[Pen, dict], None]] = {
    name.removeprefix("draw_"): fn for name, fn in globals().items() if name.startswith("draw_") and callable(fn)
}


# --- service-company objects (anxin) ------------------------------------------------------------------------


def obj_document(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-28, -40, 32, 46, fill=light(main, 0.85), r=4)  # back sheet
    pen.poly([(-36, -46), (14, -46), (28, -32), (28, 40), (-36, 40)], fill=WHITE)
    pen.poly([(14, -46), (14, -32), (28, -32)], fill=light(main, 0.7))
    pen.rect(-28, -36, 0, -30, fill=main, r=2)
    for y in range(-20, 30, 9):
        pen.rect(-28, y, 20 if y % 2 else 12, y + 3, fill=light(main, 0.7), r=1.5)
    pen.circle(24, 32, 14, fill=acc)  # approval badge
    pen.line([(17, 32), (22, 38), (31, 26)], fill=WHITE, width=3.5)


def obj_calculator(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-30, -46, 30, 46, fill=main, r=7)
    pen.rect(-22, -38, 22, -20, fill=light(acc, 0.75), r=3)
    pen.rect(4, -34, 18, -24, fill=light(acc, 0.35), r=1.5)
    for row in range(4):
        for col in range(3):
            x, y = -20 + col * 15, -10 + row * 13
            fill = acc if (row, col) == (3, 2) else light(main, 0.3)
            pen.rect(x, y, x + 10, y + 9, fill=fill, r=2)


def obj_bar_chart(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.line([(-44, -44), (-44, 44), (46, 44)], fill=light(main, 0.3), width=2.5, joint=False)
    for i, hgt in enumerate((28, 46, 38, 62, 76)):
        x = -36 + i * 16
        pen.rect(x, 42 - hgt, x + 11, 42, fill=acc if i == 4 else light(main, 0.25 + 0.1 * (i % 2)), r=2)
    pen.line([(-32, 8), (-14, -10), (2, -2), (18, -26), (36, -40)], fill=light(acc, 0.15), width=2.5)
    pen.circle(36, -40, 4, fill=light(acc, 0.15))


def obj_pie_chart(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.pie(-40, -40, 40, 40, -90, 130, fill=main)
    pen.pie(-40, -40, 40, 40, 130, 230, fill=light(main, 0.45))
    pen.pie(-34, -46, 46, 34, 230, 270, fill=acc)
    pen.circle(0, 0, 14, fill=WHITE)


def obj_calendar(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-40, -36, 40, 44, fill=WHITE, r=6)
    pen.rect(-40, -36, 40, -18, fill=main, r=6)
    pen.rect(-40, -24, 40, -18, fill=main)
    for x in (-22, 22):
        pen.rect(x - 3, -46, x + 3, -28, fill=dark(main, 0.2), r=3)
    for row in range(4):
        for col in range(5):
            x, y = -32 + col * 14, -10 + row * 13
            fill = acc if (row, col) == (2, 3) else light(main, 0.78)
            pen.rect(x, y, x + 9, y + 8, fill=fill, r=1.5)


def obj_magnifier(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.line([(14, 14), (40, 40)], fill=dark(main, 0.1), width=11)
    pen.circle(-8, -8, 30, fill=alpha(light(acc, 0.7), 200))
    pen.arc(-38, -38, 22, 22, 0, 360, fill=main, width=7)
    pen.arc(-28, -28, 12, 12, 200, 250, fill=WHITE, width=3)


def obj_coins(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    for stack, (x0, n) in enumerate(((-40, 4), (-6, 6), (28, 3))):
        for i in range(n):
            y = 38 - i * 9
            col = acc if (i + stack) % 2 == 0 else light(acc, 0.2)
            pen.ellipse(x0 - 2, y - 6, x0 + 24, y + 6, fill=dark(col, 0.12))
            pen.ellipse(x0 - 2, y - 9, x0 + 24, y + 3, fill=col)
    pen.line([(-44, -30), (-16, -20), (8, -34), (40, -46)], fill=main, width=3)
    pen.poly([(40, -46), (30, -46), (38, -38)], fill=main)


def obj_briefcase(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-14, -38, 14, -24, fill=None, outline=dark(main, 0.1), width=4, r=4)
    pen.rect(-44, -26, 44, 40, fill=main, r=8)
    pen.rect(-44, -6, 44, 0, fill=dark(main, 0.15))
    pen.rect(-7, -10, 7, 4, fill=acc, r=2)
    gloss(pen, -38, -20, -33, 34, a=50)


def obj_shield(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    outline = [(0, -48), (38, -34), (34, 10), (0, 46), (-34, 10), (-38, -34)]
    pen.poly(outline, fill=main)
    pen.poly([(0, -40), (30, -29), (27, 7), (0, 36)], fill=light(main, 0.15))
    pen.line([(-14, -2), (-3, 10), (18, -14)], fill=acc, width=6)


def obj_seal(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-10, -46, 10, -14, fill=dark(main, 0.05), r=5)  # stamp handle
    pen.circle(0, -46, 12, fill=main)
    pen.rect(-24, -16, 24, 0, fill=main, r=3)
    pen.ellipse(-40, 14, 40, 46, fill=None, outline=acc, width=4)  # impression
    pen.ellipse(-32, 19, 32, 41, fill=None, outline=alpha(acc, 170), width=1.5)
    for i in range(5):
        a = math.radians(-90 + i * 72)
        pen.circle(16 * math.cos(a), 30 + 6 * math.sin(a), 2, fill=acc)


def obj_building(pen: Pen, c: dict) -> None:
    main, acc = c["main"], c["accent"]
    pen.rect(-40, -10, -8, 46, fill=light(main, 0.3), r=2)
    pen.rect(-8, -46, 30, 46, fill=main, r=2)
    pen.rect(30, 6, 46, 46, fill=light(main, 0.5), r=2)
    for row in range(8):
        for col in range(3):
            pen.rect(
                -2 + col * 11,
                -38 + row * 10,
                4 + col * 11,
                -33 + row * 10,
                fill=light(acc, 0.4) if (row + col) % 3 == 0 else light(main, 0.5),
            )
    for row in range(5):
        pen.rect(-34, -2 + row * 9, -14, 2 + row * 9, fill=light(main, 0.7))


OBJECTS: dict[str, Callable[[Pen, dict], None]] = {
    name.removeprefix("obj_"): fn for name, fn in globals().items() if name.startswith("obj_") and callable(fn)
}
SHAPES = {**DRAWERS, **OBJECTS}


# --- compositions ------------------------------------------------------------------------------------------


def save(img: Image.Image, path: Path, quality: int = 84) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        img.save(path, optimize=True)
    else:
        img.convert("RGB").save(path, quality=quality, optimize=True, progressive=True, subsampling="4:2:0")


def product_photo(
    path: Path,
    shape: str,
    bg: tuple[str, str],
    main: str,
    accent: str,
    seed: int,
    size: int = 800,
    extra: list[str] | None = None,
) -> None:
    rng = random.Random(seed)
    n = size * SS
    top, bottom = rgb(bg[0]), rgb(bg[1])
    img = gradient((n, n), top, bottom, diagonal=seed % 2 == 0)
    soft_blobs(img, rng, light(top, 0.55), 3, 80)
    # a pale "table" in the lower part of the photo
    table = Image.new("L", (n, n), 0)
    ImageDraw.Draw(table).rectangle([0, int(n * 0.74), n, n], fill=70)
    img.paste(Image.new("RGB", (n, n), light(bottom, 0.5)), (0, 0), table.filter(ImageFilter.GaussianBlur(n * 0.02)))
    cx, cy, scale = n * 0.5, n * 0.46, n * 0.0068
    floor_shadow(img, cx, cy + 46 * scale, 44 * scale, 7 * scale, dark(bottom, 0.25), 120)
    draw = ImageDraw.Draw(img, "RGBA")
    colors = {"main": rgb(main), "accent": rgb(accent)}
    if extra:
        colors["colors"] = [rgb(x) for x in extra]
    confetti(draw, rng, (n, n), [light(rgb(main), 0.4), light(rgb(accent), 0.4), WHITE], 14, (cx, cy, 62 * scale))
    SHAPES[shape](Pen(draw, cx, cy, scale), colors)
    save(img.resize((size, size), Image.LANCZOS), path, quality=82)


def icon(path: Path, shape: str, circle: str, main: str, accent: str, size: int = 240, page: str = "#FFFFFF") -> None:
    """Category icon: the object on a pastel disc, on a plain (page-coloured) square."""
    n = size * SS
    img = Image.new("RGB", (n, n), rgb(page))
    draw = ImageDraw.Draw(img, "RGBA")
    draw.ellipse([n * 0.04, n * 0.04, n * 0.96, n * 0.96], fill=rgb(circle))
    SHAPES[shape](Pen(draw, n * 0.5, n * 0.5, n * 0.0068), {"main": rgb(main), "accent": rgb(accent)})
    save(img.resize((size, size), Image.LANCZOS), path, quality=86)


def banner(
    path: Path,
    bg: tuple[str, str],
    items: list[tuple[str, float, float, float, str, str]],
    seed: int,
    size: tuple[int, int] = (1500, 720),
    dots: list[str] | None = None,
) -> None:
    """Wide banner: gradient, soft light, objects on the right; the left stays calm for the caption."""
    rng = random.Random(seed)
    w, h = size[0] * SS, size[1] * SS
    top, bottom = rgb(bg[0]), rgb(bg[1])
    img = gradient((w, h), top, bottom, diagonal=True)
    soft_blobs(img, rng, light(top, 0.5), 4, 90)
    draw = ImageDraw.Draw(img, "RGBA")
    # a large translucent disc behind the group of objects
    gx = w * 0.7
    draw.ellipse([gx - h * 0.46, h * 0.06, gx + h * 0.46, h * 0.98], fill=alpha(WHITE, 70))
    confetti(draw, rng, (w, h), [rgb(x) for x in (dots or [])] or [WHITE], 22, (gx, h * 0.52, h * 0.5))
    for shape, fx, fy, fscale, main, accent in items:
        cx, cy, scale = w * fx, h * fy, h * fscale
        floor_shadow(img, cx, cy + 46 * scale, 40 * scale, 6 * scale, dark(bottom, 0.3), 110)
        draw = ImageDraw.Draw(img, "RGBA")
        SHAPES[shape](Pen(draw, cx, cy, scale), {"main": rgb(main), "accent": rgb(accent)})
    save(img.resize(size, Image.LANCZOS), path, quality=80)


def cover(
    path: Path,
    bg: tuple[str, str],
    items: list[tuple[str, float, float, float, str, str]],
    seed: int,
    size: tuple[int, int] = (960, 480),
) -> None:
    banner(path, bg, items, seed, size)


# --- beibei: 贝贝暖 母婴生活馆 -------------------------------------------------------------------------------

CORAL, SKY, BUTTER = "#F08A6C", "#9CC8EE", "#F7D77A"

# image name -> (shape, background top/bottom, main colour, accent colour)
BEIBEI_PRODUCTS: dict[str, tuple[str, tuple[str, str], str, str]] = {
    # 喂养用品
    "ppsu-bottle": ("bottle", ("#FFF1E6", "#FFD9C4"), "#F4A08A", "#F08A6C"),
    "glass-bottle": ("bottle", ("#EAF6FF", "#CFE6F7"), "#8CBDE6", "#5F9FD3"),
    "sippy-cup": ("sippy_cup", ("#F1FBF6", "#CDEEDF"), "#7CCFB0", "#F3B45E"),
    "suction-bowl": ("bowl", ("#FFF8E7", "#FBE6B6"), "#F7B267", "#E07A5F"),
    "silicone-bib": ("bib", ("#F6F1FF", "#E2D6F5"), "#B9A4E3", "#8D74C9"),
    "teether-ring": ("teether", ("#FFF0F3", "#F9D3DC"), "#F4A7B9", "#E98AA0"),
    # 童装服饰
    "cotton-onesie": ("onesie", ("#FFF4EE", "#FBDCCD"), "#FBC4AB", "#E8613C"),
    "gauze-sleeping-bag": ("sleeping_bag", ("#EEF7FF", "#D3E7F8"), "#A9CDEB", "#6A9FCB"),
    "baby-socks": ("socks", ("#FFFBEA", "#F6EAB8"), "#F6D365", "#E29C45"),
    "knit-hat": ("hat", ("#F3F7EE", "#DCE9CF"), "#B7D59A", "#7FA86A"),
    "hooded-jacket": ("jacket", ("#F7F0FF", "#E6DAF8"), "#C3ABE6", "#8F6FC4"),
    # 益智玩具
    "rattle-set": ("rattle", ("#FFF3E8", "#FFDCC0"), "#FFB37A", "#5FB7A4"),
    "wooden-blocks": ("blocks", ("#EEF8F5", "#CFEDE4"), "#F08A6C", "#6CB6E0"),
    "cloth-book": ("cloth_book", ("#FFF8EC", "#F8E3C2"), "#8BC7A7", "#F2A65A"),
    "bath-duck": ("duck", ("#EAF5FF", "#C9E2F7"), "#FFD45C", "#F28B3B"),
    "bead-maze": ("bead_maze", ("#FDF2F6", "#F5D5E2"), "#E98AA0", "#6FA8DC"),
    "plush-bear": ("bear", ("#FFF6EE", "#F3E0CF"), "#D9A57B", "#E8613C"),
    # 洗护用品
    "baby-wash": ("pump_bottle", ("#EFF9F7", "#D0EEE8"), "#8FD3C4", "#3E9C8A"),
    "diaper-cream": ("cream_jar", ("#FFF5F0", "#FADFD3"), "#FFFFFF", "#F08A6C"),
    "baby-lotion": ("tube", ("#F4F9FF", "#D9E8F9"), "#B5D3F2", "#5C8FC7"),
    "water-wipes": ("wipes", ("#F2FAF3", "#D6EED9"), "#A8DBB0", "#5DAA6C"),
    "foldable-tub": ("bathtub", ("#EDF6FF", "#CDE3F6"), "#7FB8E6", "#F08A6C"),
    "diapers-m": ("diapers", ("#F3F1FF", "#DCD8F5"), "#9C95DB", "#F5B94E"),
    # 出行装备
    "light-stroller": ("stroller", ("#F0F4F8", "#D7E1EA"), "#7E9BB8", "#E8613C"),
    "baby-carrier": ("carrier", ("#F1F6F2", "#D8E6DC"), "#9FB7A8", "#5E7A6B"),
    "diaper-backpack": ("backpack", ("#FFF2EC", "#F8D9CB"), "#E9967A", "#7A5C4F"),
    "thermos-bottle": ("thermos", ("#EEF7F4", "#D3E9E2"), "#6FB5A0", "#2F6E5E"),
    # 孕妈专区
    "u-pillow": ("pregnancy_pillow", ("#FFF4F6", "#F8DCE2"), "#F2B5C4", "#D9738D"),
    "milk-storage-bags": ("storage_bags", ("#F2F8FF", "#D9E8F8"), "#8FBCE8", "#4E84BD"),
    "nursing-cover": ("nursing_cover", ("#F6F3FB", "#E4DCF1"), "#BFAEDF", "#F08A6C"),
    "belly-cream": ("cream_jar", ("#F4FAF1", "#DDEFD5"), "#F3F8EE", "#8BBF7A"),
}

BEIBEI_CATEGORIES = {
    "cat-feeding": ("bottle", "#FFE3D6", "#F4A08A", "#F08A6C"),
    "cat-clothing": ("onesie", "#FFF0C9", "#F6C36B", "#E8613C"),
    "cat-toys": ("duck", "#DDF0FB", "#FFD45C", "#F28B3B"),
    "cat-care": ("pump_bottle", "#D9F2EC", "#8FD3C4", "#3E9C8A"),
    "cat-outdoor": ("stroller", "#E6E9F5", "#7E9BB8", "#E8613C"),
    "cat-mom": ("pregnancy_pillow", "#FBE1E7", "#F2B5C4", "#D9738D"),
}


def beibei_logo(path: Path) -> None:
    """A coral disc with a cream bear face and a small heart."""
    n = 512 * SS
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img, "RGBA")
    draw.ellipse([0, 0, n - 1, n - 1], fill=rgb("#E8613C"))
    pen = Pen(draw, n * 0.5, n * 0.53, n * 0.0072)
    cream, brown = rgb("#FFF3E6"), rgb("#6B4336")
    pen.circle(-30, -30, 15, fill=cream)
    pen.circle(30, -30, 15, fill=cream)
    pen.circle(-30, -30, 8, fill=rgb("#F7B9A3"))
    pen.circle(30, -30, 8, fill=rgb("#F7B9A3"))
    pen.circle(0, 2, 42, fill=cream)
    pen.circle(-15, -6, 4.5, fill=brown)
    pen.circle(15, -6, 4.5, fill=brown)
    pen.ellipse(-13, 6, 13, 24, fill=rgb("#FFE2CF"))
    pen.ellipse(-5, 7, 5, 14, fill=brown)
    pen.arc(-8, 10, 0, 20, 20, 160, fill=brown, width=2)
    pen.arc(0, 10, 8, 20, 20, 160, fill=brown, width=2)
    pen.circle(-26, 12, 6, fill=(247, 160, 140, 160))
    pen.circle(26, 12, 6, fill=(247, 160, 140, 160))
    # heart on the forehead
    pen.circle(-4, -26, 4.5, fill=rgb("#E8613C"))
    pen.circle(4, -26, 4.5, fill=rgb("#E8613C"))
    pen.poly([(-8.6, -24.5), (0, -15), (8.6, -24.5)], fill=rgb("#E8613C"))
    save(img.resize((256, 256), Image.LANCZOS), path)


def make_beibei() -> list[Path]:
    out = SITES / "beibei" / "images"
    made: list[Path] = []
    for i, (name, (shape, bg, main, accent)) in enumerate(BEIBEI_PRODUCTS.items()):
        p = out / "products" / f"{name}.jpg"
        extra = [CORAL, SKY, BUTTER] if shape == "blocks" else None
        product_photo(p, shape, bg, main, accent, seed=100 + i, extra=extra)
        made.append(p)
    for name, (shape, circle, main, accent) in BEIBEI_CATEGORIES.items():
        p = out / "categories" / f"{name}.jpg"
        icon(p, shape, circle, main, accent)
        made.append(p)
    banners = {
        "banner-feeding": (
            ("#FFE9DC", "#FFC6AE"),
            [
                ("bottle", 0.62, 0.50, 0.0058, "#F4A08A", "#F08A6C"),
                ("sippy_cup", 0.78, 0.58, 0.0045, "#7CCFB0", "#F3B45E"),
                ("bowl", 0.9, 0.68, 0.0030, "#F7B267", "#E07A5F"),
            ],
        ),
        "banner-summer": (
            ("#E3F3FF", "#B9DDF6"),
            [
                ("onesie", 0.64, 0.48, 0.0056, "#FBC4AB", "#E8613C"),
                ("hat", 0.82, 0.62, 0.0040, "#B7D59A", "#7FA86A"),
                ("socks", 0.92, 0.74, 0.0026, "#F6D365", "#E29C45"),
            ],
        ),
        "banner-toys": (
            ("#FFF6D9", "#FBE0A0"),
            [
                ("blocks", 0.59, 0.56, 0.0050, "#F08A6C", "#6CB6E0"),
                ("duck", 0.77, 0.60, 0.0042, "#FFD45C", "#F28B3B"),
                ("bear", 0.92, 0.66, 0.0034, "#D9A57B", "#E8613C"),
            ],
        ),
    }
    for i, (name, (bg, items)) in enumerate(banners.items()):
        p = out / f"{name}.jpg"
        banner(p, bg, items, seed=200 + i, dots=[CORAL, "#FFFFFF", BUTTER])
        made.append(p)
    covers = {
        "cover-sleep": (
            ("#E9EEFB", "#C9D4F0"),
            [
                ("sleeping_bag", 0.66, 0.5, 0.0056, "#A9CDEB", "#6A9FCB"),
                ("bear", 0.84, 0.6, 0.0040, "#D9A57B", "#E8613C"),
            ],
        ),
        "cover-weaning": (
            ("#FFF3E2", "#FADDB6"),
            [("bowl", 0.66, 0.56, 0.0056, "#F7B267", "#E07A5F"), ("bib", 0.85, 0.56, 0.0042, "#B9A4E3", "#8D74C9")],
        ),
        "cover-bath": (
            ("#E6F6F3", "#C3E8E0"),
            [("bathtub", 0.66, 0.56, 0.0056, "#7FB8E6", "#F08A6C"), ("duck", 0.86, 0.62, 0.0036, "#FFD45C", "#F28B3B")],
        ),
        "store-front": (
            ("#FFEFE5", "#F6D2BF"),
            [
                ("backpack", 0.58, 0.56, 0.0048, "#E9967A", "#7A5C4F"),
                ("stroller", 0.76, 0.56, 0.0052, "#7E9BB8", "#E8613C"),
                ("bear", 0.91, 0.64, 0.0034, "#D9A57B", "#E8613C"),
            ],
        ),
    }
    for i, (name, (bg, items)) in enumerate(covers.items()):
        p = out / f"{name}.jpg"
        cover(p, bg, items, seed=300 + i)
        made.append(p)
    p = out / "logo.png"
    beibei_logo(p)
    made.append(p)
    return made


# --- anxin: 安信财税 ---------------------------------------------------------------------------------------

NAVY, TEAL, GOLD, SLATE = "#1F3A5F", "#2A9D8F", "#D9A441", "#5B6B82"


def anxin_logo(path: Path) -> None:
    """A navy rounded square with a white shield and rising teal bars."""
    n = 512 * SS
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img, "RGBA")
    draw.rounded_rectangle([0, 0, n - 1, n - 1], radius=n * 0.2, fill=rgb(NAVY))
    pen = Pen(draw, n * 0.5, n * 0.5, n * 0.0068)
    pen.poly([(0, -50), (40, -36), (36, 12), (0, 50), (-36, 12), (-40, -36)], fill=WHITE)
    for i, h in enumerate((16, 28, 40)):
        x = -22 + i * 16
        pen.rect(x, 22 - h, x + 11, 22, fill=rgb(TEAL) if i == 2 else rgb("#9FB3C8"), r=2)
    save(img.resize((256, 256), Image.LANCZOS), path)


def make_anxin() -> list[Path]:
    out = SITES / "anxin" / "images"
    made: list[Path] = []
    banners = {
        "banner-bookkeeping": (
            ("#E8EEF6", "#C9D6E6"),
            [
                ("document", 0.60, 0.5, 0.0056, NAVY, TEAL),
                ("calculator", 0.77, 0.56, 0.0046, SLATE, TEAL),
                ("coins", 0.91, 0.68, 0.0030, NAVY, GOLD),
            ],
        ),
        "banner-tax": (
            ("#E5F3F1", "#C2E1DC"),
            [
                ("calendar", 0.59, 0.5, 0.0054, NAVY, TEAL),
                ("bar_chart", 0.795, 0.55, 0.0046, NAVY, TEAL),
                ("magnifier", 0.93, 0.70, 0.0026, NAVY, TEAL),
            ],
        ),
        "banner-company": (
            ("#EEF0F5", "#D3D8E4"),
            [
                ("building", 0.63, 0.5, 0.0058, NAVY, GOLD),
                ("seal", 0.80, 0.58, 0.0044, SLATE, "#C0392B"),
                ("briefcase", 0.92, 0.70, 0.0028, "#8A6A4A", GOLD),
            ],
        ),
    }
    for i, (name, (bg, items)) in enumerate(banners.items()):
        p = out / f"{name}.jpg"
        banner(p, bg, items, seed=500 + i, dots=["#FFFFFF", "#9FB3C8"])
        made.append(p)
    covers = {
        "cover-small-taxpayer": (
            ("#EAF1F8", "#CFDDEC"),
            [("pie_chart", 0.66, 0.52, 0.0056, NAVY, TEAL), ("document", 0.86, 0.58, 0.0042, NAVY, TEAL)],
        ),
        "cover-deductions": (
            ("#EEF6F2", "#D1E7DD"),
            [("calendar", 0.66, 0.52, 0.0054, TEAL, GOLD), ("coins", 0.86, 0.62, 0.0040, NAVY, GOLD)],
        ),
        "cover-invoice": (
            ("#F3F1EC", "#E2DCCF"),
            [("document", 0.66, 0.52, 0.0056, SLATE, "#C0392B"), ("shield", 0.86, 0.58, 0.0042, NAVY, TEAL)],
        ),
        "cover-startup": (
            ("#ECEFF6", "#D0D6E6"),
            [("building", 0.66, 0.52, 0.0056, NAVY, TEAL), ("seal", 0.86, 0.6, 0.0040, SLATE, "#C0392B")],
        ),
        "cover-annual-report": (
            ("#E9F3F6", "#C8E0E8"),
            [("bar_chart", 0.66, 0.52, 0.0056, NAVY, TEAL), ("magnifier", 0.86, 0.62, 0.0036, NAVY, TEAL)],
        ),
        "office": (
            ("#EDF1F6", "#D4DCE7"),
            [
                ("briefcase", 0.62, 0.58, 0.0052, NAVY, GOLD),
                ("calculator", 0.78, 0.56, 0.0046, SLATE, TEAL),
                ("document", 0.91, 0.62, 0.0036, NAVY, TEAL),
            ],
        ),
    }
    for i, (name, (bg, items)) in enumerate(covers.items()):
        p = out / f"{name}.jpg"
        cover(p, bg, items, seed=600 + i)
        made.append(p)
    p = out / "logo.png"
    anxin_logo(p)
    made.append(p)
    return made


def main(argv: list[str]) -> int:
    wanted = argv or ["beibei", "anxin"]
    makers = {"beibei": make_beibei, "anxin": make_anxin}
    unknown = [w for w in wanted if w not in makers]
    if unknown:
        print(f"unknown site(s): {', '.join(unknown)}; choose from {', '.join(makers)}", file=sys.stderr)
        return 2
    for site in wanted:
        made = makers[site]()
        total = sum(p.stat().st_size for p in made)
        biggest = max(made, key=lambda p: p.stat().st_size)
        print(
            f"{site}: {len(made)} images, {total / 1024:.0f} KB in total, "
            f"largest {biggest.relative_to(SITES)} {biggest.stat().st_size / 1024:.0f} KB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
