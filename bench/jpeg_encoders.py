"""Pillow vs a mozjpeg-class encoder (pyvips + its binary wheel) at EQUAL SSIM on the wallpaper corpus.

    python bench/jpeg_encoders.py [--corpus DIR] [--out FILE] [--wheel PATH_TO_pyvips_binary.whl]

Question: would swapping Pillow's libjpeg-turbo for mozjpeg (libvips as bundled by `pyvips[binary]`) make our JPEGs
at least 10% smaller at the same quality, and what does it cost in encode time and dependency weight?

Per opaque source image (those with any alpha < 255 are skipped): open with Pillow, `ImageOps.exif_transpose`,
convert to RGB, resize to 1500 px wide (BICUBIC, reducing_gap=2.0, never upscaled). That is the reference.

1. Pillow baseline, as mpgen encodes in the common case: quality 85, optimize, progressive, 4:2:0.
2. pyvips / mozjpeg: the same pixels through `jpegsave_buffer(optimize_coding, interlace, trellis_quant,
   overshoot_deringing, optimize_scans, quant_table=3, subsample_mode="on")`; Q (40..95) is searched for the smallest
   file whose SSIM is at least the Pillow baseline's SSIM for that image. Also with quant_table=0 (the JPEG Annex K
   tables Pillow uses), which isolates mozjpeg's coder (trellis, scan optimisation) from its quantisation table.
3. Reference, dependency-free: Pillow with mozjpeg's table 3 (the ImageMagick table) scaled as libjpeg does, searched
   the same way; and Pillow q85 at 4:4:4.

SSIM is `tests.imagetools.ssim`: luma, 8x8 windows aligned with the JPEG blocks. Aligned windows cannot see block
edges, so every search is repeated with the same SSIM formula over all 8x8 windows (stride 1, "sliding"), which can.
Luma cannot see chroma: the Cb/Cr SSIM of the chosen encodes is reported beside. Chroma is 4:2:0 everywhere (libvips
would switch to 4:4:4 from Q 90 on its own), so the luma SSIM compares like with like.

Encode times are the best of a few runs of ONE encode at the chosen quality (not the search), pixels already in memory;
the pyvips time includes handing Pillow's pixels to libvips (`tobytes` + `new_from_memory`). libvips may use both
cores; the mozjpeg encode itself is single-threaded, as Pillow's.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageOps, features

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.imagetools import ssim  # noqa: E402

try:
    import pyvips
except ImportError:  # the benchmark needs it, mpgen does not
    sys.exit("pyvips is not installed: pip install 'pyvips[binary]'")

WIDTH = 1500
PILLOW_QUALITY = 85
Q_LOW, Q_HIGH = 40, 95
REPEATS = 5
SAVING_BAR = 0.10  # the question's bar: at least 10% fewer bytes at equal SSIM

VIPS_OPTIONS: dict[str, object] = {
    "optimize_coding": True,
    "interlace": True,
    "trellis_quant": True,
    "overshoot_deringing": True,
    "optimize_scans": True,
    "quant_table": 3,
    "subsample_mode": "on",  # always 4:2:0, as Pillow; libvips' "auto" turns it off from Q 90
    "keep": 0,  # no metadata: the pixels only, as the Pillow encode
}

# mozjpeg's quant_table 3 (jcparam.c: the ImageMagick table by N. Robidoux), natural order; it is used for luma and
# chroma alike. Checked against what libvips writes at run time (check_imagemagick_table).
IMAGEMAGICK_TABLE = (
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
)  # fmt: skip


def pillow_jpeg(image: Image.Image, quality: int, subsampling: str = "4:2:0") -> bytes:
    """mpgen's encode (generator/assets/images.py `_jpeg_bytes`)."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True, subsampling=subsampling)
    return out.getvalue()


def imagemagick_qtable(quality: int) -> list[int]:
    """mozjpeg's table 3 scaled for a quality as jpeg_set_quality does (force_baseline: values clamped to 1..255)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (value * scale + 50) // 100)) for value in IMAGEMAGICK_TABLE]


def pillow_table3_jpeg(image: Image.Image, quality: int) -> bytes:
    table = imagemagick_qtable(quality)
    out = io.BytesIO()
    image.save(out, format="JPEG", qtables=[table, table], optimize=True, progressive=True, subsampling="4:2:0")
    return out.getvalue()


def vips_jpeg(image: Image.Image, quality: int, quant_table: int = 3) -> bytes:
    vips_image = pyvips.Image.new_from_memory(image.tobytes(), image.width, image.height, 3, "uchar")
    return vips_image.jpegsave_buffer(Q=quality, **{**VIPS_OPTIONS, "quant_table": quant_table})


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    encode: Callable[[Image.Image, int], bytes]


CONTENDERS = (
    Contender("vips3", "pyvips/mozjpeg, quant_table=3 (its default)", vips_jpeg),
    Contender("vips0", "pyvips/mozjpeg, quant_table=0 (Annex K, as Pillow)", lambda im, q: vips_jpeg(im, q, 0)),
    Contender("table3", "Pillow + mozjpeg's table 3 (no new dependency)", pillow_table3_jpeg),
)


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as decoded:
        return decoded.convert("RGB")


def sliding_ssim(a: Image.Image, b: Image.Image) -> float:
    """tests.imagetools.ssim's formula over every 8x8 window (stride 1), so windows straddle the block edges too."""
    x = np.asarray(a.convert("L"), dtype=np.float64) - 128
    y = np.asarray(b.convert("L"), dtype=np.float64) - 128

    def box(m: np.ndarray) -> np.ndarray:
        c = np.pad(m, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        return (c[8:, 8:] - c[:-8, 8:] - c[8:, :-8] + c[:-8, :-8]) / 64

    mx, my = box(x), box(y)
    vx, vy, cov = box(x * x) - mx**2, box(y * y) - my**2, box(x * y) - mx * my
    mx, my = mx + 128, my + 128
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(values.mean())


def chroma_ssim(reference: Image.Image, data: bytes) -> float:
    """Mean SSIM of the Cb and Cr planes (tests.imagetools.ssim on single-band images)."""
    ref, out = reference.convert("YCbCr"), decode(data).convert("YCbCr")
    return (ssim(ref.getchannel("Cb"), out.getchannel("Cb")) + ssim(ref.getchannel("Cr"), out.getchannel("Cr"))) / 2


METRICS: dict[str, Callable[[Image.Image, Image.Image], float]] = {"aligned": ssim, "sliding": sliding_ssim}


@dataclass
class Encode:
    quality: int
    data: bytes
    score: float  # SSIM under the metric it was searched with


@dataclass
class Row:
    name: str
    size: tuple[int, int]
    pillow: Encode  # aligned SSIM
    pillow_sliding: float
    pillow_ms: float
    pillow_chroma: float
    pillow_444_bytes: int
    found: dict[tuple[str, str], Encode | None] = field(default_factory=dict)  # (contender, metric) -> best encode
    ms: dict[str, float] = field(default_factory=dict)  # contender -> one encode at its aligned-SSIM quality
    chroma: dict[str, float] = field(default_factory=dict)  # contender -> Cb/Cr SSIM at its aligned-SSIM quality
    probes: int = 0  # encodes the aligned search of vips3 took


def best_ms(run: Callable[[], object]) -> float:
    """Fastest of REPEATS runs, in milliseconds: the least disturbed by whatever else the machine does."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def load_reference(path: Path) -> Image.Image | None:
    """The resized RGB reference, or None for a source with any transparent pixel."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        if has_alpha and image.convert("RGBA").getchannel("A").getextrema()[0] < 255:
            return None
        image = image.convert("RGB")
    if image.width > WIDTH:
        height = max(1, round(image.height * WIDTH / image.width))
        image = image.resize((WIDTH, height), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return image


def equal_ssim_search(
    reference: Image.Image,
    encode: Callable[[Image.Image, int], bytes],
    metric: Callable[[Image.Image, Image.Image], float],
    target: float,
) -> tuple[Encode | None, int]:
    """Smallest encode in Q_LOW..Q_HIGH whose SSIM >= target, and how many encodes the search took.

    Binary search for the lowest passing quality (SSIM rises with quality, nearly always), then a look at the two
    qualities below it in case trellis quantisation made the curve wobble; the smallest passing file of all wins.
    """
    tried: dict[int, Encode] = {}

    def probe(quality: int) -> Encode:
        if quality not in tried:
            data = encode(reference, quality)
            tried[quality] = Encode(quality, data, metric(reference, decode(data)))
        return tried[quality]

    low, high, found = Q_LOW, Q_HIGH, None
    while low <= high:
        middle = (low + high) // 2
        if probe(middle).score >= target:
            found, high = middle, middle - 1
        else:
            low = middle + 1
    if found is not None:
        for quality in range(max(Q_LOW, found - 2), found):
            probe(quality)
    passing = [e for e in tried.values() if e.score >= target]
    return (min(passing, key=lambda e: len(e.data)) if passing else None), len(tried)


def measure(path: Path, reference: Image.Image, corpus: Path) -> Row:
    baseline = pillow_jpeg(reference, PILLOW_QUALITY)
    decoded = decode(baseline)
    row = Row(
        name=str(path.relative_to(corpus)).removeprefix("usr/share/backgrounds/"),
        size=reference.size,
        pillow=Encode(PILLOW_QUALITY, baseline, ssim(reference, decoded)),
        pillow_sliding=sliding_ssim(reference, decoded),
        pillow_ms=best_ms(lambda: pillow_jpeg(reference, PILLOW_QUALITY)),
        pillow_chroma=chroma_ssim(reference, baseline),
        pillow_444_bytes=len(pillow_jpeg(reference, PILLOW_QUALITY, "4:4:4")),
    )
    targets = {"aligned": row.pillow.score, "sliding": row.pillow_sliding}
    for contender in CONTENDERS:
        for name, metric in METRICS.items():
            best, probes = equal_ssim_search(reference, contender.encode, metric, targets[name])
            row.found[contender.key, name] = best
            if (contender.key, name) == ("vips3", "aligned"):
                row.probes = probes
        chosen = row.found[contender.key, "aligned"]
        quality = chosen.quality if chosen else Q_HIGH
        row.ms[contender.key] = best_ms(lambda: contender.encode(reference, quality))  # noqa: B023 - called here
        data = chosen.data if chosen else contender.encode(reference, Q_HIGH)
        row.chroma[contender.key] = chroma_ssim(reference, data)
    return row


def check_mozjpeg(sample: Image.Image) -> tuple[int, int]:
    """Bytes at Q 80 without and with trellis quantisation: they differ only if libvips was built with mozjpeg."""
    vips_image = pyvips.Image.new_from_memory(sample.tobytes(), sample.width, sample.height, 3, "uchar")
    options = {**VIPS_OPTIONS, "Q": 80}
    without = len(vips_image.jpegsave_buffer(**{**options, "trellis_quant": False}))
    return without, len(vips_image.jpegsave_buffer(**options))


def check_helpers(sample: Image.Image) -> None:
    """The table given to Pillow is the one libvips/mozjpeg writes at every searched quality, and the sliding SSIM
    sampled on the block grid is tests.imagetools.ssim."""
    for quality in range(Q_LOW, Q_HIGH + 1):
        with Image.open(io.BytesIO(vips_jpeg(sample, quality))) as written:
            tables = written.quantization
        expected = imagemagick_qtable(quality)
        assert all(list(tables[i]) == expected for i in tables), (quality, tables)
    decoded = decode(pillow_jpeg(sample, 60))
    w, h = (sample.width // 8) * 8, (sample.height // 8) * 8
    a, b = sample.crop((0, 0, w, h)), decoded.crop((0, 0, w, h))
    # same formula: SSIM of one aligned 8x8 block equals the sliding map at that block's corner
    block_a, block_b = a.crop((8, 8, 16, 16)), b.crop((8, 8, 16, 16))
    assert abs(sliding_ssim(block_a, block_b) - ssim(block_a, block_b)) < 1e-9


def package_facts(wheel: Path | None) -> dict[str, str]:
    """Versions, licences and sizes of what the dependency would bring."""
    binary = importlib.metadata.distribution("pyvips-binary")
    files = list(binary.files or [])
    installed = sum(f.size or 0 for f in files)
    library = next((f.locate() for f in files if f.name.startswith("libvips")), None)
    mozjpeg = "mozjpeg (version string not found)"
    if library is not None:
        found = re.search(rb"mozjpeg version [0-9.]+", Path(library).read_bytes())
        mozjpeg = found.group().decode() if found else mozjpeg
    pyvips_meta = importlib.metadata.metadata("pyvips")
    licence_file = next((f for f in files if "licenses/" in str(f)), None)
    licence_head = licence_file.read_text().strip().splitlines()[0] if licence_file else "?"
    return {
        "pyvips": f"{pyvips_meta['Version']} ({pyvips_meta.get('License-Expression') or pyvips_meta.get('License')})",
        "pyvips-binary": f"{binary.metadata['Version']} (licence metadata: {binary.metadata.get('License')}; "
        f"its LICENSE file, for the packaging scripts: {licence_head})",
        "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
        "mozjpeg": mozjpeg,
        "installed": f"{installed / 1e6:.1f} MB",
        "wheel": f"{wheel.stat().st_size / 1e6:.1f} MB" if wheel else "n/a (pass --wheel)",
        "wheel_name": wheel.name if wheel else "",
    }


def render(rows: list[Row], skipped: list[str], facts: dict[str, str], trellis: tuple[int, int], elapsed: float) -> str:
    def total(key: str, metric: str) -> int:
        return sum(len(e.data) if (e := r.found[key, metric]) else len(r.pillow.data) for r in rows)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    def reached(key: str, metric: str) -> int:
        return sum(r.found[key, metric] is not None for r in rows)

    pillow_total = sum(len(r.pillow.data) for r in rows)
    pillow_ms = sum(r.pillow_ms for r in rows)
    ratio = {(c.key, m): total(c.key, m) / pillow_total for c in CONTENDERS for m in METRICS}
    head = ratio["vips3", "aligned"]
    best_vips = min(("vips3", "vips0"), key=lambda k: ratio[k, "aligned"])
    best_saving = 1 - ratio[best_vips, "aligned"]
    per_image = sorted(1 - len(e.data) / len(r.pillow.data) for r in rows if (e := r.found[best_vips, "aligned"]))
    vips_ms = {k: sum(r.ms[k] for r in rows) for k in ("vips3", "vips0", "table3")}

    lines = [
        "# JPEG encoders at equal SSIM: Pillow vs pyvips (mozjpeg)",
        "",
        "Written by `python bench/jpeg_encoders.py` (method in its docstring). "
        f"Python {platform.python_version()}, Pillow {PIL.__version__} "
        f"(libjpeg-turbo {features.version('libjpeg_turbo') or '?'}), pyvips {facts['pyvips']}, "
        f"pyvips-binary {facts['pyvips-binary']}, libvips {facts['libvips']} with {facts['mozjpeg']}. "
        f"{len(rows)} opaque images at {WIDTH} px wide; {len(skipped)} skipped for transparency "
        f"({', '.join(skipped) or 'none'}). Run took {elapsed:.0f} s on {platform.machine()}.",
        "",
        f"mozjpeg check: Q 80 with the options below is {trellis[0]:,} B without trellis_quant and {trellis[1]:,} B "
        "with it (libjpeg-turbo would ignore the flag). Options, all accepted by this libvips: "
        + ", ".join(f"`{k}={v}`" for k, v in VIPS_OPTIONS.items())
        + ".",
        "",
        "## Totals",
        "",
        "Bytes at equal SSIM: for each image, the smallest file of that encoder whose SSIM is at least Pillow q85's. "
        "*aligned* = `tests.imagetools.ssim` (8x8 windows on the JPEG block grid: the question's metric); "
        "*sliding* = the same formula over every 8x8 window (sees block edges). "
        "Times and Cb/Cr SSIM are for one encode at the aligned-SSIM quality.",
        "",
        "| encoder | bytes, aligned SSIM | vs Pillow | reached | bytes, sliding SSIM | vs Pillow | mean Cb/Cr SSIM "
        "| encode time, all images |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| Pillow q85 4:2:0 progressive+optimize (mpgen) | {pillow_total:,} | 1.000 | | {pillow_total:,} | 1.000 "
        f"| {mean([r.pillow_chroma for r in rows]):.4f} | {pillow_ms:.0f} ms |",
    ]
    for c in CONTENDERS:
        slower = vips_ms[c.key] / pillow_ms
        lines.append(
            f"| {c.label} | {total(c.key, 'aligned'):,} | {ratio[c.key, 'aligned']:.3f} "
            f"| {reached(c.key, 'aligned')}/{len(rows)} | {total(c.key, 'sliding'):,} | {ratio[c.key, 'sliding']:.3f} "
            f"| {mean([r.chroma[c.key] for r in rows]):.4f} | {vips_ms[c.key]:.0f} ms ({slower:.1f}x) |"
        )

    def mean_score(key: str) -> float:
        return mean([e.score if (e := r.found[key, "aligned"]) else r.pillow.score for r in rows])

    lines += [
        f"| Pillow q85 4:4:4 (same luma, full chroma) | {sum(r.pillow_444_bytes for r in rows):,} "
        f"| {sum(r.pillow_444_bytes for r in rows) / pillow_total:.3f} | | | | | |",
        "",
        f"Mean SSIM, aligned: Pillow {mean([r.pillow.score for r in rows]):.4f}, pyvips table 3 "
        f"{mean_score('vips3'):.4f}, pyvips table 0 {mean_score('vips0'):.4f}, Pillow + table 3 "
        f"{mean_score('table3'):.4f}. "
        f"Sliding: Pillow {mean([r.pillow_sliding for r in rows]):.4f}. An image where an encoder never reached "
        f"Pillow's SSIM up to Q {Q_HIGH} counts at Pillow's bytes. The pyvips search took "
        f"{mean([r.probes for r in rows]):.1f} encodes per image.",
        "",
        f"Dependency: `pyvips-binary` wheel {facts['wheel']} ({facts['wheel_name']}), {facts['installed']} installed "
        "(one bundled libvips .so with mozjpeg and its other codecs), plus `pyvips` (pure Python, MIT) and `cffi`.",
        "",
        "## Per image",
        "",
        "Ratios are bytes / Pillow q85 bytes at equal SSIM (below 1 = smaller); `-` = never reached Pillow's SSIM.",
        "",
        "| image | size | Pillow B | SSIM | ms | vips t3 Q | vips t3 B | ratio | ms | vips t0 Q | ratio | ms "
        "| Pillow+t3 ratio | sliding: vips t3 | vips t0 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cell(r: Row, key: str, metric: str) -> str:
        e = r.found[key, metric]
        return f"{len(e.data) / len(r.pillow.data):.3f}" if e else "-"

    for r in rows:
        v3, v0 = r.found["vips3", "aligned"], r.found["vips0", "aligned"]
        lines.append(
            f"| {r.name} | {r.size[0]}x{r.size[1]} | {len(r.pillow.data):,} | {r.pillow.score:.4f} | {r.pillow_ms:.0f} "
            f"| {v3.quality if v3 else '-'} | {f'{len(v3.data):,}' if v3 else '-'} | {cell(r, 'vips3', 'aligned')} "
            f"| {r.ms['vips3']:.0f} | {v0.quality if v0 else '-'} | {cell(r, 'vips0', 'aligned')} "
            f"| {r.ms['vips0']:.0f} "
            f"| {cell(r, 'table3', 'aligned')} | {cell(r, 'vips3', 'sliding')} | {cell(r, 'vips0', 'sliding')} |"
        )
    verdict = "clears" if best_saving >= SAVING_BAR else "misses"
    best_label = next(c.label for c in CONTENDERS if c.key == best_vips)
    sliding_best = 1 - min(ratio["vips3", "sliding"], ratio["vips0", "sliding"])
    lines += [
        "",
        "## Conclusion",
        "",
        f"With the question's settings (quant_table=3) pyvips/mozjpeg needs {head:.3f}x Pillow's bytes at equal SSIM. "
        f"Its best setting here, {best_label}, saves {best_saving:.1%} over the corpus (per image "
        f"{per_image[0]:.1%} .. {per_image[-1]:.1%}, median {per_image[len(per_image) // 2]:.1%}): "
        f"it **{verdict} the 10% bar**. With sliding windows (block edges counted) the best saving is "
        f"{sliding_best:.1%}. One encode costs {vips_ms[best_vips] / pillow_ms:.1f}x Pillow's time "
        f"({vips_ms[best_vips] / len(rows):.0f} vs {pillow_ms / len(rows):.0f} ms per image).",
        "",
        f"Under this luma metric mozjpeg's own table 3 is what costs bytes (Pillow with the same table: "
        f"{ratio['table3', 'aligned']:.3f}x); part of them buy chroma the metric does not see (Cb/Cr SSIM "
        f"{mean([r.chroma['vips3'] for r in rows]):.4f} vs Pillow's {mean([r.pillow_chroma for r in rows]):.4f}). "
        f"mozjpeg's coder alone (trellis, scan optimisation, deringing, on Pillow's tables) is the "
        f"{1 - ratio['vips0', 'aligned']:.1%}.",
        "",
        (
            "Worth a dependency by the bar, as an optional one (used when importable): it brings a "
            f"{facts['wheel']} binary wheel of LGPL-3.0-or-later native code and a slower encode."
            if best_saving >= SAVING_BAR
            else "Not worth a dependency by the bar: it would bring a "
            f"{facts['wheel']} binary wheel of LGPL-3.0-or-later native code (dynamically linked, usable from MIT "
            "code, but one more native stack beside Pillow) and a slower encode, for less than 10%."
        ),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "bench" / ".corpus")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results-encoders.md")
    parser.add_argument("--wheel", type=Path, default=None, help="the downloaded pyvips-binary wheel, for its size")
    args = parser.parse_args()

    pyvips.cache_set_max(0)  # no operation cache: every timed encode really encodes
    started = time.perf_counter()
    paths = sorted(p for p in args.corpus.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    rows: list[Row] = []
    skipped: list[str] = []
    trellis: tuple[int, int] | None = None
    for path in paths:
        reference = load_reference(path)
        if reference is None:
            skipped.append(path.name)
            print(f"skip {path.name}: transparent", file=sys.stderr)
            continue
        if trellis is None:
            trellis = check_mozjpeg(reference)
            assert trellis[0] != trellis[1], "trellis_quant changed nothing: this libvips is not built with mozjpeg"
            check_helpers(reference)
        row = measure(path, reference, args.corpus)
        rows.append(row)
        summary = ", ".join(
            f"{c.key} {len(e.data) / len(row.pillow.data):.3f}" if (e := row.found[c.key, "aligned"]) else f"{c.key} -"
            for c in CONTENDERS
        )
        print(f"{row.name}: Pillow {len(row.pillow.data):,} B ssim {row.pillow.score:.4f}; {summary}", file=sys.stderr)
    if not rows or trellis is None:
        sys.exit(f"no opaque images under {args.corpus}")
    report = render(rows, skipped, package_facts(args.wheel), trellis, time.perf_counter() - started)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
