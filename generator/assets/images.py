"""Assets stage: spec images decoded safely, normalised to sRGB, sized to their slot, encoded to fit the budget.

Every variant of a source (widths, the mini-program's format and the H5 site's WebP) is made from one
decode. Results are cached per variant by content hash (source bytes + settings + pipeline version),
so an unchanged image is never decoded or encoded again; cache misses run in parallel across cores
(or in this process: `--jobs 1`). JPEG and PNG encoding live in jpeg_quality.py and png_encode.py.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from PIL import Image, ImageChops, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import GenError
from .jpeg_quality import JPEG_FLOOR_QUALITY, encode_jpeg
from .png_encode import encode_png, one_colour

PIPELINE_VERSION = "11"
"""Part of every cache key: bump it when the output of the pipeline changes."""

MAX_PIXELS = 60_000_000
"""Largest source decoded (a 48 MP phone photo fits); anything larger is treated as a decompression bomb."""

TAB_ICON_SIZE = 81

Kind = Literal["photo", "tab-icon"]
ImageFormat = Literal["jpg", "png", "gif", "svg", "webp"]


@dataclass(frozen=True)
class ImageSettings:
    """Budgets that shape the encoding (part of the cache key)."""

    image_kb: int
    warn_kb: int
    tab_icon_kb: int


@dataclass(frozen=True)
class ImageJob:
    """One image to produce: a source file at a pixel width for a kind of slot."""

    source: Path
    width: int  # device pixels (at 2x, one per rpx of the slot)
    kind: Kind = "photo"
    web_format: Literal["auto", "webp"] = "auto"
    """`auto`: the mini-program's choice (JPEG or PNG); `webp`: a WebP copy for the H5 site's <picture>."""


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    format: ImageFormat
    width: int
    height: int
    quality: int | None  # JPEG quality chosen by the search; None for lossless formats
    source_bytes: int
    fits: bool  # False: over the hard budget even at the lowest acceptable quality
    note: str = ""  # why it does not fit, or what was given up


class ImageDecodeError(Exception):
    """The source is not a usable image; the message says what to do."""


@dataclass
class AssetStats:
    encodes: int = 0
    cache_hits: int = 0
    processed: int = 0


# --- the pipeline for one image ------------------------------------------------------------------------


def process_image(job: ImageJob, settings: ImageSettings) -> tuple[ProcessedImage, int]:
    """Produce one image; returns it and the number of encodes it took."""
    return process_variants([job], settings)[0]


def process_variants(jobs: Sequence[ImageJob], settings: ImageSettings) -> list[tuple[ProcessedImage, int]]:
    """Every variant of one source (its jobs share `source`) from a single read and decode: each image
    with the number of encodes it took, in the order of `jobs`. A bad source raises ImageDecodeError."""
    source = jobs[0].source
    raw = source.read_bytes()
    if source.suffix.lower() == ".svg":
        return [(_svg(raw, job, settings), 0) for job in jobs]
    image = _decode(raw, max(job.width for job in jobs))
    frames = int(getattr(image, "n_frames", 1))
    still: _Still | None = _Still(image) if frames == 1 else None
    results: dict[int, tuple[ProcessedImage, int]] = {}
    # Widest first: a narrower variant is then resized from a wider one already made (see _Still.sized).
    for index in sorted(range(len(jobs)), key=lambda i: -jobs[i].width):
        job, extra, why_still = jobs[index], 0, ""
        if frames > 1 and job.kind == "photo" and image.format in ANIMATION_FORMATS:
            animation, why_still = _animation(image, frames, job, settings, len(raw))
            if animation is not None:
                results[index] = (animation, 1)
                continue
            extra = 1
        if still is None:
            still = _Still(_first_frame(image))
        made, encodes = still.encode(job, settings, len(raw))
        if why_still:
            made = replace(made, note="; ".join(filter(None, [made.note, why_still])))
        results[index] = (made, encodes + extra)
    return [results[index] for index in range(len(jobs))]


class _Still:
    """One decoded still picture, normalised once, with its sizes made on demand and kept for the other
    variants of the same source."""

    def __init__(self, image: Image.Image) -> None:
        self.image, self.icc = _normalise(image)
        self._sized: dict[int, Image.Image] = {}
        self._tint = one_colour(self.image) if self.image.mode == "RGBA" else None
        """One colour whose alpha draws the picture (an overlay): only the alpha needs resizing, and it
        stays one colour (resizing all four bands leaves rounding noise in the colour of faint pixels)."""

    def sized(self, width: int) -> Image.Image:
        """The picture at `width` (never upscaled), in sRGB. From a variant at least DRAFT_GAP times as
        wide when there is one: the same look as from the source (the draft-decoding argument), for a
        fraction of the pixels."""
        if width not in self._sized:
            wider = [w for w in self._sized if w >= width * DRAFT_GAP]
            if self._tint is not None:
                alpha = self._sized[min(wider)] if wider else self.image
                sized = _resize_to_width(alpha.getchannel("A"), width)
                tinted = Image.new("RGBA", sized.size, self._srgb_tint(self._tint))
                tinted.putalpha(sized)
                self._sized[width] = tinted
            elif wider:
                self._sized[width] = _resize_to_width(self._sized[min(wider)], width)
            else:
                # Colour-manage after resizing: the same look, on a fraction of the pixels of a big source.
                self._sized[width] = _to_srgb(_resize_to_width(self.image, width), self.icc)
        return self._sized[width]

    def _srgb_tint(self, tint: tuple[int, int, int]) -> tuple[int, int, int]:
        pixel = _to_srgb(Image.new("RGB", (1, 1), tint), self.icc).convert("RGB").getpixel((0, 0))
        return pixel  # type: ignore[return-value]

    def encode(self, job: ImageJob, settings: ImageSettings, source_bytes: int) -> tuple[ProcessedImage, int]:
        if job.kind == "tab-icon":
            return _tab_icon(_to_srgb(self.image, self.icc), settings, source_bytes)
        image = self.sized(job.width)
        if job.web_format == "webp":
            return _encode_webp(image, settings, source_bytes)
        return _encode(image, settings, source_bytes)


def _decode(raw: bytes, width: int) -> Image.Image:
    """The source's pixels, JPEGs scaled down while decoding to no less than DRAFT_GAP times `width`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(raw)
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            if image.format == "JPEG":
                _draft_for_width(image, width * DRAFT_GAP)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageDecodeError(
            f"is too large to decode safely (more than {MAX_PIXELS // 1_000_000} megapixels; a decompression bomb?);"
            " export it at a normal size, e.g. 2000 px wide"
        ) from None
    except UnidentifiedImageError:
        raise ImageDecodeError(
            "is not an image this pipeline can read (a renamed file?); export it as JPEG or PNG"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDecodeError(f"is damaged or truncated ({exc}); export it again from the original") from None
    return image


HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"})


def _open(raw: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(raw))
    except UnidentifiedImageError:
        if raw[4:8] != b"ftyp" or raw[8:12] not in HEIF_BRANDS or not _register_heif():
            raise
    try:
        return Image.open(io.BytesIO(raw))
    except UnidentifiedImageError:
        raise ImageDecodeError(
            "is a HEIC/HEIF photo that cannot be read (damaged or truncated?); export it again from the original"
        ) from None


@functools.cache
def _register_heif() -> bool:
    """Teach Pillow HEIC/HEIF (iPhone photos) the first time one comes: pillow-heif's import (25 ms or
    more on top of Pillow's, and libheif's start) would otherwise be paid by every `gen` start."""
    try:
        import pillow_heif
    except ImportError:
        return False
    # Only the main picture is wanted: not the thumbnails, depth maps and auxiliary images a phone adds.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    return True


DRAFT_GAP = 2
"""Scale JPEGs while decoding only down to twice the output width (what Pillow's thumbnail() does):
libjpeg's scaled IDCT blurs fine texture (an elephant's skin lost 0.016 SSIM decoded at 1/2 straight
to 1.28x the width); the resize from 2x is indistinguishable from a full decode."""


def _draft_for_width(image: Image.Image, width: int) -> None:
    """Let the JPEG decoder scale down by 1/2..1/8 while decoding: most of the time on huge photos."""
    orientation = image.getexif().get(0x0112, 1)
    stored_w, stored_h = image.size
    display_w = stored_h if orientation in (5, 6, 7, 8) else stored_w
    if display_w <= width:
        return
    scale = width / display_w
    image.draft(image.mode, (int(stored_w * scale) + 1, int(stored_h * scale) + 1))


_SRGB = ImageCms.createProfile("sRGB")


def _normalise(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    """Upright, 8-bit, RGB/RGBA/L, no metadata carried along; returns the ICC profile to convert from."""
    ImageOps.exif_transpose(image, in_place=True)
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA")
    if icc and image.mode not in ("RGB", "RGBA", "L"):
        image = _to_srgb(image, icc)  # CMYK and friends: convert now, so resizing sees RGB
        icc = None
    elif image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")  # CMYK without a profile, YCbCr, LAB...
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # alpha that is fully opaque is no transparency
    image.info.clear()  # no EXIF, GPS, comments or profiles travel into the output
    if icc and image.mode in ("RGB", "RGBA") and _is_srgb(icc):
        icc = None  # most tagged sources are sRGB already: the transform would cost 50 ms and change nothing
    return image, icc or None


SRGB_TOLERANCE = 1
"""A profile is taken for sRGB when it maps the test card to within this many levels of itself: lcms's
own rounding (an sRGB v4 profile converted to Pillow's sRGB moves some reds by 1)."""


@functools.cache
def _is_srgb(icc: bytes) -> bool:
    """Whether an RGB profile is sRGB in effect: a test card of 4,096 colours and the 256 greys comes
    back through it within SRGB_TOLERANCE. Decided by what the profile does, not by its name."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.profile.xcolor_space.strip() != "RGB":
            return False
        card = _test_card()
        converted = ImageCms.profileToProfile(card, profile, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False  # a broken profile: _to_srgb falls back to the plain numbers, the same pixels
    if converted is None:
        return False
    bands: tuple[tuple[int, int], ...] = ImageChops.difference(converted, card).getextrema()  # type: ignore[assignment]
    return max(high for _, high in bands) <= SRGB_TOLERANCE


@functools.cache
def _test_card() -> Image.Image:
    steps = range(0, 256, 17)
    colours = [(r, g, b) for r in steps for g in steps for b in steps] + [(v, v, v) for v in range(256)]
    card = Image.new("RGB", (len(colours), 1))
    card.putdata(colours)
    return card


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc:
        return image
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    colour = image.convert("RGB") if alpha is not None else image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "L" if colour.mode == "L" else "RGB"
        converted = ImageCms.profileToProfile(colour, profile, _SRGB, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        converted = None  # a broken profile: fall back to the plain numbers
    if converted is None:
        converted = colour.convert("RGB") if colour.mode not in ("RGB", "L") else colour
    if alpha is not None:
        converted = converted.convert("RGB")
        converted.putalpha(alpha)
    converted.info.clear()  # the sRGB profile lcms attaches is the default anyway
    return converted


def _resize_to_width(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image  # never upscale
    height = max(1, round(image.height * width / image.width))
    # A box reduction by the whole factor, then Lanczos for the rest. Against bicubic with thumbnail()'s
    # reducing gap of 2, on the benchmark corpus: 4% less CPU for the whole pipeline and a mean SSIM of
    # 0.9815 against 0.9813 (a full Lanczos resize is the reference), for 1.7% more bytes.
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=1.0)


def _encode(image: Image.Image, settings: ImageSettings, source_bytes: int) -> tuple[ProcessedImage, int]:
    limit, warn = settings.image_kb * 1024, settings.warn_kb * 1024
    if image.mode == "RGBA" or image.getcolors(maxcolors=256) is not None:
        return _encode_png(image, limit, source_bytes, warn)
    return _encode_jpeg(image, limit, warn, source_bytes)


def _encode_png(
    image: Image.Image, limit: int, source_bytes: int, exact_within: int | None = None
) -> tuple[ProcessedImage, int]:
    data, encodes = encode_png(image, limit, exact_within)
    fits = len(data) <= limit
    note = "" if fits else f"{len(data) // 1024} KB as PNG even with 256 colours"
    return ProcessedImage(data, "png", image.width, image.height, None, source_bytes, fits, note), encodes


def _encode_jpeg(image: Image.Image, limit: int, warn: int, source_bytes: int) -> tuple[ProcessedImage, int]:
    jpeg = encode_jpeg(image, limit, warn)
    note = "" if jpeg.fits else f"{len(jpeg.data) // 1024} KB even at quality {JPEG_FLOOR_QUALITY}"
    result = ProcessedImage(jpeg.data, "jpg", image.width, image.height, jpeg.quality, source_bytes, jpeg.fits, note)
    return result, jpeg.encodes


WEBP_QUALITY = 80  # about the look of JPEG 85 at two thirds of the bytes


def _encode_webp(image: Image.Image, settings: ImageSettings, source_bytes: int) -> tuple[ProcessedImage, int]:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=2)  # method 4+ costs 2-4x for 5% fewer bytes
    data = out.getvalue()
    fits = len(data) <= settings.image_kb * 1024
    note = "" if fits else f"{len(data) // 1024} KB as WebP"
    return ProcessedImage(data, "webp", image.width, image.height, WEBP_QUALITY, source_bytes, fits, note), 1


def _tab_icon(image: Image.Image, settings: ImageSettings, source_bytes: int) -> tuple[ProcessedImage, int]:
    image = image.convert("RGBA")
    image.thumbnail((TAB_ICON_SIZE, TAB_ICON_SIZE), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (TAB_ICON_SIZE, TAB_ICON_SIZE), (0, 0, 0, 0))
    canvas.paste(image, ((TAB_ICON_SIZE - image.width) // 2, (TAB_ICON_SIZE - image.height) // 2))
    processed, encodes = _encode_png(canvas, settings.tab_icon_kb * 1024, source_bytes)
    return processed, encodes


def _svg(raw: bytes, job: ImageJob, settings: ImageSettings) -> ProcessedImage:
    """The SVG rebuilt from its static drawing (see generator.assets.svg), sized like the slot it is shown in."""
    from .svg import SvgError, sanitise_svg

    try:
        clean = sanitise_svg(raw, MAX_PIXELS)
    except SvgError as exc:
        raise ImageDecodeError(str(exc)) from None
    height = max(1, round(job.width * clean.aspect)) if clean.aspect else job.width
    fits = len(clean.data) <= settings.image_kb * 1024
    notes = [] if fits else [f"{len(clean.data) // 1024} KB of SVG"]
    if clean.removed:
        notes.append("removed from the SVG: " + ", ".join(clean.removed))
    return ProcessedImage(clean.data, "svg", job.width, height, None, len(raw), fits, "; ".join(notes))


ANIMATION_FORMATS = frozenset({"GIF", "WEBP", "PNG"})
"""Multi-frame sources that are animations (APNG for PNG). Other multi-frame files show their first frame:
a TIFF's later pages are often a reduced preview, an MPO's are stereo or depth pictures."""


def _first_frame(image: Image.Image) -> Image.Image:
    image.seek(0)
    return ImageOps.exif_transpose(image)  # a single-frame copy, upright, with the frame's ICC profile


def _animation(
    image: Image.Image, count: int, job: ImageJob, settings: ImageSettings, source_bytes: int
) -> tuple[ProcessedImage | None, str]:
    """A real GIF of every frame at the slot's width, colour-managed, with no metadata (EXIF, GPS, XMP,
    comments); None, and why, when it does not fit the image budget (the caller ships the first frame)."""
    if count * image.width * image.height > MAX_PIXELS:
        return None, f"an animation of {count} frames, too many pixels to convert; its first frame is shown"
    icc, loop = image.info.get("icc_profile"), image.info.get("loop")
    frames: list[Image.Image] = []
    durations: list[int] = []
    try:
        for index in range(count):
            image.seek(index)
            frame = ImageOps.exif_transpose(image.convert("RGBA"))  # each frame is whole, already composited
            durations.append(int(image.info.get("duration") or 100))  # WebP tells it once the frame is loaded
            frame = _to_srgb(_resize_to_width(frame, job.width), icc)
            frame.info.clear()
            frames.append(frame)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDecodeError(f"is damaged or truncated ({exc}); export it again from the original") from None
    transparent = any(frame.getchannel("A").getextrema()[0] != 255 for frame in frames)
    options: dict[str, object] = {"loop": loop} if loop is not None else {}  # no loop: it plays once
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        disposal=2 if transparent else 1,  # a pixel that turns transparent must not show the frame before
        optimize=True,
        **options,
    )
    data = out.getvalue()
    width, height = frames[0].size
    if len(data) <= settings.image_kb * 1024:
        return ProcessedImage(data, "gif", width, height, None, source_bytes, True), ""
    return None, (
        f"an animation of {count} frames, {len(data) // 1024} KB as GIF; its first frame is shown"
        " (shorten it, or use a video, to keep it moving)"
    )


# --- cache and parallel driver ----------------------------------------------------------------------------


def cache_key(raw: bytes, job: ImageJob, settings: ImageSettings) -> str:
    recipe = json.dumps(
        {
            "v": PIPELINE_VERSION,
            "width": job.width,
            "kind": job.kind,
            "format": job.web_format,
            "suffix": job.source.suffix.lower(),
            **asdict(settings),
        },
        sort_keys=True,
    )
    return hashlib.sha256(recipe.encode() + b"\0" + raw).hexdigest()


class ImageCache:
    """Processed images on disk, one data file and one metadata file per cache key."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _paths(self, key: str) -> tuple[Path, Path]:
        assert self.folder is not None
        base = self.folder / key[:2] / key
        return base.with_suffix(".bin"), base.with_suffix(".json")

    def get(self, key: str) -> ProcessedImage | None:
        if self.folder is None:
            return None
        data_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != meta.pop("sha256", None):
            return None  # a damaged entry is recomputed
        return ProcessedImage(data=data, **meta)

    def put(self, key: str, image: ProcessedImage) -> None:
        """Keep `image`; a cache that cannot be written (a full or read-only disk) only costs time."""
        if self.folder is None:
            return
        data_path, meta_path = self._paths(key)
        meta = {k: v for k, v in asdict(image).items() if k != "data"}
        meta["sha256"] = hashlib.sha256(image.data).hexdigest()
        tmp = data_path.with_suffix(f".tmp{os.getpid()}")
        try:
            data_path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(image.data)
            tmp.replace(data_path)  # the metadata goes last: an entry without it is a miss
            meta_path.write_text(json.dumps(meta), encoding="utf-8")
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class JobOutcome:
    image: ProcessedImage | None
    error: str | None


_Group = tuple[tuple[ImageJob, ...], ImageSettings]
_GroupResult = list[tuple[JobOutcome, int]]


def _run_group(args: _Group) -> _GroupResult:
    """The outcome of every job of one source (and its encodes): one decode for all of them."""
    jobs, settings = args
    try:
        made = process_variants(jobs, settings)
    except ImageDecodeError as exc:
        return [(JobOutcome(None, str(exc)), 0) for _ in jobs]
    return [(JobOutcome(image, None), encodes) for image, encodes in made]


def process_images(
    jobs: Iterable[ImageJob],
    settings: ImageSettings,
    cache: ImageCache,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> tuple[dict[ImageJob, JobOutcome], AssetStats]:
    """Every job's outcome (image or decode error), from the cache when possible, else in parallel.

    The cache is per job (variant); the cache misses of one source go to a worker together, so the
    source is decoded once for all of them. Misses go to the worker processes as soon as a source's
    are known, biggest sources first (the workers then finish together), so reading and hashing the
    rest overlaps the image work. The pool starts at the second source with a miss: one changed
    image is processed here, without a pool to start; `workers=1` never starts one. It is of threads
    in a process that runs threads already (`_pool`).
    """
    stats = AssetStats()
    outcomes: dict[ImageJob, JobOutcome] = {}
    misses: list[tuple[tuple[tuple[ImageJob, str], ...], Future[_GroupResult] | None]] = []
    workers = workers or os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        pool: Executor | None = None

        def submit(group: list[tuple[ImageJob, str]]) -> None:
            nonlocal pool
            if pool is None and misses and workers > 1:
                pool = stack.enter_context(_pool(workers))
                first, _ = misses[0]
                misses[0] = (first, pool.submit(_run_group, (tuple(job for job, _ in first), settings)))
            future = pool.submit(_run_group, (tuple(job for job, _ in group), settings)) if pool else None
            misses.append((tuple(group), future))

        for source, source_jobs in _by_source(jobs):
            try:
                raw = source.read_bytes()
            except OSError as exc:
                for job in source_jobs:
                    outcomes[job] = JobOutcome(None, f"cannot be read ({exc.strerror}); check the file")
                continue
            group: list[tuple[ImageJob, str]] = []
            for job in source_jobs:
                key = cache_key(raw, job, settings)
                cached = cache.get(key)
                if cached is None:
                    group.append((job, key))
                    continue
                outcomes[job] = JobOutcome(cached, None)
                stats.cache_hits += 1
                if progress:
                    progress(1)
            if group:
                submit(group)
        for keyed, future in misses:
            results = _result(future) if future is not None else _run_group((tuple(j for j, _ in keyed), settings))
            for (job, key), (outcome, encodes) in zip(keyed, results, strict=True):
                outcomes[job] = outcome
                stats.encodes += encodes
                stats.processed += 1
                if outcome.image is not None:
                    cache.put(key, outcome.image)
                if progress:
                    progress(1)
    return outcomes, stats


def _pool(workers: int) -> Executor:
    """Worker processes for the image work; threads when this process runs threads already (gen dev's
    server), since a process forked from one can deadlock on a lock another thread held. Pillow lets go of
    the GIL while it decodes, resizes and encodes, so threads use the cores too."""
    if threading.active_count() > 1:
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mpgen-images")
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: 10 ms of every start

    return ProcessPoolExecutor(max_workers=workers)


def _result(future: Future[_GroupResult]) -> _GroupResult:
    """A worker's result; a worker that died (killed, out of memory) is a clear error, not a traceback."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise GenError(
            "an image worker process stopped before it finished (out of memory, or killed); run again, "
            "or with --jobs 1 to process the images in this process only"
        ) from None


def _by_source(jobs: Iterable[ImageJob]) -> list[tuple[Path, list[ImageJob]]]:
    """The distinct jobs grouped by source, biggest sources first."""
    groups: dict[Path, list[ImageJob]] = {}
    for job in dict.fromkeys(jobs):
        groups.setdefault(job.source, []).append(job)
    return sorted(groups.items(), key=lambda item: _source_size(item[0]), reverse=True)


def _source_size(source: Path) -> int:
    try:
        return source.stat().st_size
    except OSError:
        return 0  # reported when it is read
