"""The predicted JPEG quality: within the budget, as high as an exhaustive search finds, in about one full encode."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from generator.assets import jpeg_quality
from generator.assets.jpeg_quality import (
    JPEG_FLOOR_QUALITY,
    JPEG_MIN_QUALITY_FOR_WARN,
    JPEG_START_QUALITY,
    encode_jpeg,
    jpeg_bytes,
)

from .imagetools import noise, photo


def gradient(width: int, height: int) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def soft_noise(width: int, height: int) -> Image.Image:
    return noise(width, height, seed=7).filter(ImageFilter.GaussianBlur(1.5))


def half_busy(width: int, height: int) -> Image.Image:
    """Detail in the top half only: a sample that missed it would be far off."""
    image = gradient(width, height)
    image.paste(noise(width, height // 2, seed=3), (0, 0))
    return image


IMAGES = {
    "photo": lambda: photo(1500, 1000, seed=3),
    "tall photo": lambda: photo(1000, 1800, seed=8),
    "noise": lambda: noise(1200, 900),
    "soft noise": lambda: soft_noise(1500, 1000),
    "gradient": lambda: gradient(1500, 1000),
    "half busy": lambda: half_busy(1500, 1000),
    "small": lambda: photo(400, 300, seed=2),
}


def best_quality(image: Image.Image, target: int, low: int) -> int | None:
    """The exhaustive answer: the highest quality in [low, 85] whose encode is at most `target`."""
    for quality in range(JPEG_START_QUALITY, low - 1, -1):
        if len(jpeg_bytes(image, quality)) <= target:
            return quality
    return None


@pytest.mark.parametrize("name", IMAGES)
@pytest.mark.parametrize("share", [0.97, 0.85, 0.7])
def test_warning_size_is_met_at_the_highest_quality_that_meets_it(name: str, share: float) -> None:
    image = IMAGES[name]()
    at_start = len(jpeg_bytes(image, JPEG_START_QUALITY))
    warn = int(at_start * share)
    best = best_quality(image, warn, JPEG_MIN_QUALITY_FOR_WARN)
    result = encode_jpeg(image, limit=at_start * 2, warn=warn)
    assert result.fits
    if best is None:  # out of reach above quality 70: quality 85 within the limit
        assert (result.quality, len(result.data)) == (JPEG_START_QUALITY, at_start)
    else:
        assert len(result.data) <= warn and result.data == jpeg_bytes(image, result.quality)
        assert best - 1 <= result.quality <= best


@pytest.mark.parametrize("name", IMAGES)
@pytest.mark.parametrize("floor_share", [1.05, 1.5])
def test_hard_limit_is_met_at_the_highest_quality_that_meets_it(name: str, floor_share: float) -> None:
    image = IMAGES[name]()
    limit = int(len(jpeg_bytes(image, JPEG_FLOOR_QUALITY)) * floor_share)
    best = best_quality(image, limit, JPEG_FLOOR_QUALITY)
    result = encode_jpeg(image, limit=limit, warn=limit // 4)
    assert result.fits and len(result.data) <= limit
    assert best is not None and best - 1 <= result.quality <= best


def test_an_image_over_the_limit_at_the_floor_quality_does_not_fit() -> None:
    image = noise(800, 800)
    limit = len(jpeg_bytes(image, JPEG_FLOOR_QUALITY)) - 1
    result = encode_jpeg(image, limit=limit, warn=limit)
    assert not result.fits and result.quality == JPEG_FLOOR_QUALITY and len(result.data) == limit + 1


def test_a_search_takes_about_one_full_encode_beside_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    image = photo(1500, 1000, seed=4)
    at_start = len(jpeg_bytes(image, JPEG_START_QUALITY))
    full: list[int] = []
    real = jpeg_quality.jpeg_bytes

    def counting(encoded: Image.Image, quality: int) -> bytes:
        if encoded.size == image.size:
            full.append(quality)
        return real(encoded, quality)

    monkeypatch.setattr(jpeg_quality, "jpeg_bytes", counting)
    result = encode_jpeg(image, limit=at_start * 2, warn=int(at_start * 0.8))
    assert JPEG_MIN_QUALITY_FOR_WARN <= result.quality < JPEG_START_QUALITY
    assert full[0] == JPEG_START_QUALITY and len(full) <= 3  # 85, the predicted quality, rarely a correction
    assert result.encodes <= 8
