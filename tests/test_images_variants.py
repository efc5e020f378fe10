"""Variants of one source share one decode; `--jobs 1` processes images without a pool, to the same bytes."""

from __future__ import annotations

import concurrent.futures
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from generator.assets import images
from generator.assets.images import ImageCache, ImageJob, ImageSettings, process_images
from generator.build import build

from .imagetools import photo

SITES = Path(__file__).parent / "sites"
SETTINGS = ImageSettings(image_kb=500, warn_kb=200, tab_icon_kb=40)


def variants(source: Path, width: int = 750) -> list[ImageJob]:
    """What a build asks of one photo: the mini-program's image, the H5 1x fallback, WebP at 2x and 1x."""
    half = width // 2
    return [
        ImageJob(source, width),
        ImageJob(source, half),
        ImageJob(source, width, "photo", "webp"),
        ImageJob(source, half, "photo", "webp"),
    ]


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the decodes made in this process (use workers=1)."""
    calls: list[int] = []
    real = images._decode

    def counting(raw: bytes, width: int) -> Image.Image:
        calls.append(width)
        return real(raw, width)

    monkeypatch.setattr(images, "_decode", counting)
    return calls


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)


def sources(folder: Path, count: int = 3) -> list[Path]:
    paths = []
    for seed in range(count):
        path = folder / f"p{seed}.jpg"
        photo(1600, 1000, seed=seed).save(path, quality=92)
        paths.append(path)
    return paths


def test_every_variant_of_a_source_comes_from_one_decode(tmp_path: Path, decodes: list[int], no_pool: None) -> None:
    paths = sources(tmp_path)
    jobs = [job for path in paths for job in variants(path)]
    outcomes, stats = process_images(jobs, SETTINGS, ImageCache(None), workers=1)
    assert len(decodes) == len(paths)
    assert decodes == [750] * len(paths)  # decoded for the widest variant
    assert stats.processed == len(jobs)
    for path in paths:
        made = [outcomes[job].image for job in variants(path)]
        assert [(m.format, m.width) for m in made if m] == [("jpg", 750), ("jpg", 375), ("webp", 750), ("webp", 375)]


def test_a_cache_miss_on_some_variants_decodes_once_for_all_of_them(
    tmp_path: Path, decodes: list[int], no_pool: None
) -> None:
    (path,) = sources(tmp_path, 1)
    cache = ImageCache(tmp_path / "cache")
    process_images(variants(path)[:1], SETTINGS, cache, workers=1)
    assert len(decodes) == 1
    _, stats = process_images(variants(path), SETTINGS, cache, workers=1)
    assert (stats.cache_hits, stats.processed, len(decodes)) == (1, 3, 2)
    _, stats = process_images(variants(path), SETTINGS, cache, workers=1)
    assert (stats.cache_hits, stats.processed, len(decodes)) == (4, 0, 2)  # an unchanged variant is never redone


def test_a_narrow_variant_looks_like_the_source(tmp_path: Path) -> None:
    from .imagetools import ssim

    source_image = photo(3000, 2000, seed=4)
    path = tmp_path / "big.png"
    source_image.save(path)
    outcomes, _ = process_images(variants(path, 1500), SETTINGS, ImageCache(None), workers=1)
    narrow = outcomes[ImageJob(path, 750)].image
    assert narrow is not None and narrow.width == 750
    decoded = Image.open(io.BytesIO(narrow.data))
    assert ssim(decoded, source_image.resize(decoded.size, Image.Resampling.LANCZOS)) >= 0.95


def test_one_worker_gives_the_same_bytes_as_the_pool(tmp_path: Path) -> None:
    paths = sources(tmp_path)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    jobs = [job for path in [*paths, broken] for job in variants(path)]
    alone, _ = process_images(jobs, SETTINGS, ImageCache(None), workers=1)
    pooled, _ = process_images(jobs, SETTINGS, ImageCache(None), workers=2)
    assert {j: (o.image.data if o.image else o.error) for j, o in alone.items()} == {
        j: (o.image.data if o.image else o.error) for j, o in pooled.items()
    }
    assert all(alone[job].error and "is not an image" in alone[job].error for job in variants(broken))


def test_build_with_one_job_starts_no_pool(no_pool: None, tmp_path: Path) -> None:
    site = shutil.copytree(SITES / "full", tmp_path / "site")
    result = build(site, tmp_path / "out", jobs=1, use_cache=False)
    assert result.images.processed > 1


def test_build_with_jobs_hands_them_to_the_image_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int | None] = []
    real = images.process_images

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(args[4] if len(args) > 4 else kwargs.get("workers"))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    import generator.build

    monkeypatch.setattr(generator.build, "process_images", spy)
    build(shutil.copytree(SITES / "tiny", tmp_path / "site"), use_cache=False, jobs=3, write=False)
    assert seen == [3]


ADOBE_RGB = Path(__file__).parent / "images" / "compatibleWithAdobeRGB1998.icc"


@pytest.mark.parametrize("alpha", [None, 160], ids=["opaque", "one-colour overlay"])
def test_every_variant_of_a_tagged_source_is_converted_to_srgb_once(tmp_path: Path, alpha: int | None) -> None:
    from PIL import ImageCms

    srgb = Image.new("RGB", (1600, 1000), (200, 40, 60))
    adobe = ImageCms.ImageCmsProfile(str(ADOBE_RGB))
    tagged = ImageCms.profileToProfile(srgb, ImageCms.createProfile("sRGB"), adobe, outputMode="RGB")
    assert tagged is not None
    if alpha is not None:
        tagged.putalpha(Image.linear_gradient("L").resize(tagged.size).point(lambda v: min(v, alpha)))
    path = tmp_path / "adobe.png"
    tagged.save(path, icc_profile=adobe.tobytes())
    outcomes, _ = process_images(variants(path, 1500), SETTINGS, ImageCache(None), workers=1)
    for job in variants(path, 1500):
        made = outcomes[job].image
        assert made is not None and made.width == job.width
        pixel = Image.open(io.BytesIO(made.data)).convert("RGBA").getpixel((made.width // 2, made.height - 1))
        assert all(abs(a - b) <= 3 for a, b in zip(pixel[:3], (200, 40, 60), strict=True)), (job, pixel)


def test_a_worker_that_dies_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from generator.errors import GenError

    parent = os.getpid()
    real = images._decode

    def dies_in_a_worker(raw: bytes, width: int) -> Image.Image:
        if os.getpid() != parent:
            os._exit(9)  # as the kernel's out-of-memory killer ends a worker
        return real(raw, width)

    monkeypatch.setattr(images, "_decode", dies_in_a_worker)  # the forked workers inherit it
    # a pool of processes even where this test process runs a thread already (another test's browser)
    monkeypatch.setattr(images.threading, "active_count", lambda: 1)
    jobs = [job for path in sources(tmp_path) for job in variants(path)]
    with pytest.raises(GenError, match="an image worker process stopped.*--jobs 1"):
        process_images(jobs, SETTINGS, ImageCache(None), workers=2)


def test_a_process_with_threads_processes_images_in_threads_to_the_same_bytes(no_pool: None, tmp_path: Path) -> None:
    import threading

    jobs = [job for path in sources(tmp_path) for job in variants(path)]
    alone, _ = process_images(jobs, SETTINGS, ImageCache(None), workers=1)
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)  # as gen dev's server runs: forking now would be unsafe
    server.start()
    try:
        threaded, stats = process_images(jobs, SETTINGS, ImageCache(None), workers=2)  # no_pool: no processes
    finally:
        stop.set()
        server.join()
    assert stats.processed == len(jobs)
    assert {job: outcome.image.data for job, outcome in threaded.items() if outcome.image} == {
        job: outcome.image.data for job, outcome in alone.items() if outcome.image
    }
