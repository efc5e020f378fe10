"""Test helpers for images: synthetic photos, SSIM (numpy), EXIF/GPS writers."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like RGB image: smooth gradients, shapes and fine grain (hard to compress, like a real one)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            128 + 90 * np.sin(x / (width / 3.1) + seed),
            128 + 90 * np.cos(y / (height / 2.3)),
            128 + 60 * np.sin((x + y) / (width / 1.7)),
        ],
        axis=-1,
    )
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        r = int(rng.integers(width // 30, width // 6))
        draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = rng.normal(0, 3, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + grain, 0, 255).astype(np.uint8))


def noise(width: int, height: int, seed: int = 2) -> Image.Image:
    """Pure noise: no encoder can make it small."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean structural similarity of the luma of two same-size images (8x8 windows)."""
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    assert x.shape == y.shape, (x.shape, y.shape)

    def windows(m: np.ndarray) -> np.ndarray:
        h, w = (m.shape[0] // 8) * 8, (m.shape[1] // 8) * 8
        return m[:h, :w].reshape(h // 8, 8, w // 8, 8).swapaxes(1, 2).reshape(-1, 64)

    wx, wy = windows(x), windows(y)
    mx, my = wx.mean(1), wy.mean(1)
    vx, vy = wx.var(1), wy.var(1)
    cov = ((wx - mx[:, None]) * (wy - my[:, None])).mean(1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(values.mean())


def jpeg_with_exif(image: Image.Image, orientation: int = 1, gps: bool = False, quality: int = 92) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()
