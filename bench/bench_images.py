"""Benchmark the image pipeline on the example shop's images against a naive Pillow loop.

    python bench/bench_images.py [SITE]        (default sites/beibei; writes bench/results.md)

Naive loop, per image: open -> thumbnail to the slot width -> save JPEG at quality 95, lowering the
quality by 5 until the file is at most 500 KB. mpgen: the real pipeline (cache off) for the same
images and slots. Quality is the SSIM of each output against the source resized with LANCZOS.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.assets import ImageCache, ImageJob, ImageSettings, process_images  # noqa: E402
from generator.build import build, load  # noqa: E402
from generator.plan import Planner  # noqa: E402
from tests.imagetools import ssim  # noqa: E402

REPEATS = 3


def best_of(run: Callable[[], object]) -> float:
    """Fastest of a few runs: the least disturbed by whatever else the machine does."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def naive(job: ImageJob) -> bytes:
    image = Image.open(job.source)
    image.thumbnail((job.width, job.width * 10))
    image = image.convert("RGB")
    quality = 95
    while True:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        if out.tell() <= 500 * 1024 or quality <= 10:
            return out.getvalue()
        quality -= 5


def reference(job: ImageJob, size: tuple[int, int]) -> Image.Image:
    image = ImageOps.exif_transpose(Image.open(job.source))
    return image.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def main() -> None:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "sites" / "beibei").resolve()
    loaded, theme = load(site)
    needs = Planner(loaded.spec, theme, site).image_needs()
    jobs = [ImageJob((site / n.spec_path).resolve(), n.width, n.kind) for n in needs if n.kind == "photo"]
    settings = ImageSettings(500, 200, 40)
    source_bytes = sum(j.source.stat().st_size for j in jobs)

    naive_seconds = best_of(lambda: [naive(job) for job in jobs])
    naive_out = {job: naive(job) for job in jobs}
    timings = {
        workers: best_of(lambda w=workers: process_images(jobs, settings, ImageCache(None), workers=w))
        for workers in (1, os.cpu_count() or 1)
    }
    outcomes, _ = process_images(jobs, settings, ImageCache(None))

    ours_bytes = naive_bytes = 0
    ours_ssim, naive_ssim = [], []
    for job in jobs:
        if outcomes[job].image.format == "png":
            continue  # transparent sources: the naive loop drops their alpha, so SSIM would flatter us
        ours = Image.open(io.BytesIO(outcomes[job].image.data))
        theirs = Image.open(io.BytesIO(naive_out[job]))
        ours_bytes += len(outcomes[job].image.data)
        naive_bytes += len(naive_out[job])
        ours_ssim.append(ssim(ours.convert("RGB"), reference(job, ours.size)))
        naive_ssim.append(ssim(theirs, reference(job, theirs.size)))

    cold_runs, warm_runs = [], []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            started = time.perf_counter()
            cold = build(site, Path(tmp) / "a", cache_dir=cache)
            cold_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            warm = build(site, Path(tmp) / "b", cache_dir=cache)
            warm_runs.append(time.perf_counter() - started)
            shutil.rmtree(cache)
    cold_seconds, warm_seconds = min(cold_runs), min(warm_runs)

    lines = [
        f"# Image pipeline benchmark: {site.name}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Pillow {Image.__version__}. Run: `python bench/bench_images.py`.",
        "",
        f"{len(jobs)} photo jobs (image x slot), {source_bytes / 1024 / 1024:.1f} MB of sources.",
        "",
        "Times are the best of 3 runs. SSIM (luma, 8x8 windows) against the source resized with Lanczos,",
        "over the JPEG outputs (transparent PNG sources are left out: the naive loop drops their alpha).",
        "",
        "| | time | output | mean SSIM | min SSIM |",
        "|---|---|---|---|---|",
        f"| naive loop (q95 down to 500 KB), 1 process | {naive_seconds:.2f} s | {naive_bytes / 1024:.0f} KB | "
        f"{np.mean(naive_ssim):.4f} | {min(naive_ssim):.4f} |",
        f"| mpgen, 1 worker | {timings[1]:.2f} s | {ours_bytes / 1024:.0f} KB | {np.mean(ours_ssim):.4f} | "
        f"{min(ours_ssim):.4f} |",
        f"| mpgen, {os.cpu_count()} workers | {timings[max(timings)]:.2f} s | | | |",
        "",
        "Whole `gen build` of the site: pages, icons, the mini-program images above and, for the H5 site,",
        "a 1x fallback and WebP at 1x and 2x of each (four times the image work of the rows above):",
        "",
        "| build | time | images processed | encodes | from cache |",
        "|---|---|---|---|---|",
        f"| cold (empty cache) | {cold_seconds:.2f} s | {cold.images.processed} | {cold.images.encodes} | "
        f"{cold.images.cache_hits} |",
        f"| warm (nothing changed) | {warm_seconds:.2f} s | {warm.images.processed} | {warm.images.encodes} | "
        f"{warm.images.cache_hits} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (REPO / "bench" / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
