"""PNG encoding: 256 colours when that looks the same, lossless full colour when it fits, and one
colour with its alpha as an alpha-indexed palette (every pixel's alpha within one level of the
source's, and a fraction of the bytes)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageChops, ImageStat

PALETTE_MIN_PSNR = 38.0
"""A 256-colour version at least this close (dB, over white and over black) looks the same at display
size (the benchmark's flowing-lines wallpaper: 41 dB); below it smooth gradients show bands (its silk
and wave gradients: 29 dB)."""


def _png_bytes(image: Image.Image) -> bytes:
    if image.mode != "P":
        # On full-colour images zlib's best level costs 4x the time of level 6 for ~3% fewer bytes.
        return _png_save(image, compress_level=6)
    # Palette images: run-length zlib is nearly free and wins on flat areas and stripes; the default
    # strategy wins on gradients. Both together cost less than one level-9 encode, which crawls on stripes.
    return min(_png_save(image, compress_level=9, compress_type=3), _png_save(image, compress_level=6), key=len)


def _png_save(image: Image.Image, **options: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def encode_png(image: Image.Image, limit: int, exact_within: int | None = None) -> tuple[bytes, int]:
    """The PNG bytes and the number of encodes (a pair of zlib strategies counts as one).

    One colour with alpha (an overlay): the alpha as a palette index into 129 shades of the colour's
    opacity (every other level: each pixel within one level of its own), when that is at most
    `exact_within` bytes (default `limit`); an overlay of fine
    diagonal stripes can take 10x that, and goes the general way (a sample tells, at an eighth of the
    encode). Else 256 colours when that is exact or looks the same (much smaller, fast to encode); otherwise
    lossless full colour when it fits, else 256 colours anyway. The slow full-colour encode is
    skipped when a sample shows it cannot fit."""
    colour = one_colour(image) if image.mode == "RGBA" else None
    encodes = 1
    if colour is not None:
        indexed, within = _alpha_indexed(image, colour), limit if exact_within is None else exact_within
        if _estimated_png_size(indexed) <= within * 1.2:
            exact = _png_bytes(indexed)
            if len(exact) <= within:
                return exact, 1
        encodes += 1
    palette = _palette_version(image)
    if palette is not None and _looks_the_same(image, palette):
        data = _png_bytes(palette)
    elif palette is not None and _estimated_png_size(image) > limit * 1.2:
        data = _png_bytes(palette)  # the sample is within ~15% of the real size: full colour cannot fit
    else:
        data = _png_bytes(image)
        if palette is not None and len(data) > limit:
            data = min(data, _png_bytes(palette), key=len)
            encodes += 1
    return data, encodes


def _estimated_png_size(image: Image.Image, bands: int = 8) -> float:
    """The PNG size, from encoding 8 bands of rows spread over the image (1/8 of it):
    within 15% on photos, gradients and stripes (bench corpus), at an eighth of the time."""
    band_height = image.height // (bands * 8)
    if band_height < 4:
        return 0.0  # too small to sample, and cheap to encode for real: let the real encode decide
    sample = _row_bands(image, bands, band_height)
    return len(_png_bytes(sample)) * image.height / sample.height


def _row_bands(image: Image.Image, bands: int, rows: int) -> Image.Image:
    """`bands` bands of `rows` rows spread evenly over the image, stacked."""
    # Cropped from the image itself, so a palette image's sample keeps its palette and transparency.
    sample = image.crop((0, 0, image.width, rows * bands))
    for band in range(1, bands):
        top = band * image.height // bands
        sample.paste(image.crop((0, top, image.width, top + rows)), (0, band * rows))
    return sample


PSNR_SAMPLE_BANDS, PSNR_SAMPLE_ROWS = 32, 8
PSNR_SAMPLE_MARGIN = 0.5
"""The PSNR of a quarter of the rows of a 1500 x 1000 image (32 bands of 8) is within 0.3 dB of the
whole image's on the benchmark's transparent wallpapers, at a quarter of the time; within this margin
of the threshold the whole image decides."""


def _looks_the_same(image: Image.Image, palette: Image.Image) -> bool:
    """Whether the 256-colour version reaches PALETTE_MIN_PSNR, from a sample unless that is close."""
    if image.height >= PSNR_SAMPLE_BANDS * PSNR_SAMPLE_ROWS * 2:
        sampled = _palette_psnr(
            _row_bands(image, PSNR_SAMPLE_BANDS, PSNR_SAMPLE_ROWS),
            _row_bands(palette, PSNR_SAMPLE_BANDS, PSNR_SAMPLE_ROWS),
        )
        if abs(sampled - PALETTE_MIN_PSNR) > PSNR_SAMPLE_MARGIN:
            return sampled > PALETTE_MIN_PSNR
    return _palette_psnr(image, palette) >= PALETTE_MIN_PSNR


def _palette_version(image: Image.Image) -> Image.Image | None:
    try:
        return image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    except (ValueError, OSError):
        return None


def _palette_psnr(image: Image.Image, palette: Image.Image) -> float:
    """PSNR of the palette version against the original as they would look on a page: composited over
    black and over white (so errors hidden by transparency do not count), the worse of the two.

    Over black a pixel shows as its premultiplied colour; over white as 255 minus the premultiplied
    inverted colour, so both come from a cheap premultiply instead of compositing."""
    original, reduced = image.convert("RGBA"), palette.convert("RGBA")
    inverted = [255 - value for value in range(256)] * 3 + list(range(256))
    worst = math.inf
    for shown, expected in ((original, reduced), (original.point(inverted), reduced.point(inverted))):
        difference = ImageChops.difference(shown.convert("RGBa"), expected.convert("RGBa"))
        mean_square = sum(rms * rms for rms in ImageStat.Stat(difference).rms[:3]) / 3
        worst = min(worst, math.inf if mean_square == 0 else 10 * math.log10(255 * 255 / mean_square))
    return worst


def one_colour(image: Image.Image) -> tuple[int, int, int] | None:
    """The colour of an RGBA image whose every visible pixel has it (only the alpha varies), else None.
    Fully transparent pixels do not count: an editor often stores them black under a white veil."""
    red, green, blue, alpha = image.getextrema()  # type: ignore[misc]
    if red[0] == red[1] and green[0] == green[1] and blue[0] == blue[1]:
        return red[0], green[0], blue[0]
    if alpha[0] != 0:
        return None
    visible = image.getchannel("A").point(lambda value: 255 if value else 0)
    histogram = image.histogram(visible)
    colour = []
    for band in range(3):
        levels = [level for level, count in enumerate(histogram[band * 256 : band * 256 + 256]) if count]
        if len(levels) != 1:
            return None  # several colours (or no visible pixel at all)
        colour.append(levels[0])
    return colour[0], colour[1], colour[2]


OVERLAY_ALPHA_STEP = 2
"""The alpha of an overlay is kept to every other level: no pixel moves by more than one level (what a
7-bit alpha would show; steps of two in a smooth veil do not band), and the smooth alpha of the
benchmark's veils takes 40% fewer bytes (Silk.png at 1500 px: 182 -> 107 KB). Every third level (still
within one) saves a further 25% but shows steps of three across a wide gradient."""


def _alpha_indexed(image: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    """A palette image whose index is the alpha halved: entry i is `colour` at opacity 2i (one byte a
    pixel, and the alpha of an overlay is smooth: it compresses well). Opaque and fully transparent
    pixels stay exactly so."""
    step, top = OVERLAY_ALPHA_STEP, 255 // OVERLAY_ALPHA_STEP + 1  # index `top` is opaque
    indexed = image.getchannel("A").point([min(top, (value + step // 2) // step) for value in range(256)])
    levels = [min(255, index * step) for index in range(top + 1)]
    indexed.putpalette(list(colour) * len(levels))
    indexed.info["transparency"] = bytes(levels)
    return indexed
