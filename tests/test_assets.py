"""The image pipeline: every source format comes out upright, sRGB, slot-sized, within budget, cached."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageCms

from generator.assets.images import (
    JPEG_FLOOR_QUALITY,
    ImageCache,
    ImageDecodeError,
    ImageJob,
    ImageSettings,
    process_image,
    process_images,
)
from generator.assets.png_encode import one_colour

from .imagetools import jpeg_with_exif, noise, photo, ssim

SETTINGS = ImageSettings(image_kb=500, warn_kb=200, tab_icon_kb=40)
ADOBE_RGB = Path(__file__).parent / "images" / "compatibleWithAdobeRGB1998.icc"


def save(path: Path, image: Image.Image, **options) -> Path:
    image.save(path, **options)
    return path


def run(path: Path, width: int = 750, settings: ImageSettings = SETTINGS, kind: str = "photo"):
    image, encodes = process_image(ImageJob(path, width, kind), settings)  # type: ignore[arg-type]
    return image, Image.open(io.BytesIO(image.data)), encodes


def test_big_photo_becomes_a_slot_sized_progressive_jpeg_close_to_the_source(tmp_path: Path) -> None:
    source_image = photo(4000, 3000)
    source = save(tmp_path / "big.jpg", source_image, quality=97, subsampling=0)
    assert source.stat().st_size > 3 * 1024 * 1024
    image, out, _ = run(source)
    assert (out.format, out.size) == ("JPEG", (750, 562))
    assert out.info.get("progressive") or out.info.get("progression")
    assert len(image.data) <= 200 * 1024
    reference = source_image.resize(out.size, Image.Resampling.LANCZOS)
    assert ssim(out, reference) >= 0.95


def test_exif_rotated_photo_comes_out_upright_without_exif_or_gps(tmp_path: Path) -> None:
    upright = photo(1200, 800)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a phone held sideways writes
    source = tmp_path / "rotated.jpg"
    source.write_bytes(jpeg_with_exif(stored, orientation=6, gps=True))
    _, out, _ = run(source)
    assert out.size == (750, 500)
    assert ssim(out, upright.resize(out.size, Image.Resampling.LANCZOS)) >= 0.9
    assert not out.getexif()
    assert b"Exif" not in out.info.get("exif", b"") and "icc_profile" not in out.info


def test_cmyk_jpeg_is_converted_to_rgb(tmp_path: Path) -> None:
    rgb = photo(900, 600)
    source = save(tmp_path / "cmyk.jpg", rgb.convert("CMYK"), quality=95)
    assert Image.open(source).mode == "CMYK"
    _, out, _ = run(source)
    assert out.mode == "RGB" and out.format == "JPEG"
    decoded = Image.open(source).convert("RGB")  # what the CMYK numbers mean, as Pillow reads them
    assert ssim(out, decoded.resize(out.size, Image.Resampling.LANCZOS)) >= 0.95


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    srgb = Image.new("RGB", (400, 300), (200, 40, 60))
    adobe = ImageCms.ImageCmsProfile(str(ADOBE_RGB))
    tagged = ImageCms.profileToProfile(srgb, ImageCms.createProfile("sRGB"), adobe, outputMode="RGB")
    assert tagged.getpixel((0, 0)) != (200, 40, 60)  # the numbers differ in Adobe RGB
    source = save(tmp_path / "adobe.png", tagged, icc_profile=adobe.tobytes())
    image, out, _ = run(source)
    assert image.format == "png"  # one colour: a graphic
    assert "icc_profile" not in out.info
    pixel = out.convert("RGB").getpixel((10, 10))
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, (200, 40, 60), strict=True)), pixel


def test_a_source_tagged_srgb_is_not_transformed_but_adobe_rgb_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transforms: list[str] = []
    real = ImageCms.profileToProfile

    def counted(image, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        transforms.append(f"{image.width}x{image.height}")
        return real(image, source, *args, **kwargs)

    monkeypatch.setattr(ImageCms, "profileToProfile", counted)
    srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = photo(1600, 1000)
    tagged = save(tmp_path / "srgb.jpg", picture, quality=92, icc_profile=srgb_icc)
    _, out, _ = run(tagged)
    assert out.size == (750, 469) and ssim(out, picture.resize(out.size, Image.Resampling.LANCZOS)) >= 0.95
    assert all(size != "750x469" for size in transforms)  # only the 4,352-colour test card went through lcms
    adobe = ImageCms.ImageCmsProfile(str(ADOBE_RGB)).tobytes()
    run(save(tmp_path / "adobe.jpg", picture, quality=92, icc_profile=adobe))
    assert "750x469" in transforms


def test_16_bit_grayscale_keeps_its_tones(tmp_path: Path) -> None:
    ramp = Image.linear_gradient("L").resize((600, 400)).convert("I")
    source = save(tmp_path / "gray16.png", ramp.point(lambda v: v * 257).convert("I;16"))
    assert Image.open(source).mode == "I;16"
    _, out, _ = run(source)
    assert out.mode == "L"
    low, high = out.getextrema()
    assert low < 10 and high > 245  # not clipped to white


def test_palette_png_with_transparency_stays_transparent(tmp_path: Path) -> None:
    image = Image.new("P", (300, 300), 0)
    image.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    image.paste(1, (50, 50, 250, 250))
    source = save(tmp_path / "palette.png", image, transparency=0)
    processed, out, _ = run(source)
    assert processed.format == "png"
    rgba = out.convert("RGBA")
    assert rgba.getpixel((5, 5))[3] == 0 and rgba.getpixel((150, 150)) == (200, 30, 30, 255)


def test_la_png_keeps_its_alpha(tmp_path: Path) -> None:
    la = Image.merge(
        "LA", (Image.linear_gradient("L").resize((300, 300)), Image.linear_gradient("L").resize((300, 300)))
    )
    processed, out, _ = run(save(tmp_path / "la.png", la))
    assert processed.format == "png" and out.convert("RGBA").getpixel((150, 0))[3] == 0


def test_opaque_rgba_png_photo_becomes_jpeg(tmp_path: Path) -> None:
    source = save(tmp_path / "opaque.png", photo(1500, 1000).convert("RGBA"))
    processed, out, _ = run(source)
    assert processed.format == "jpg" and out.format == "JPEG" and out.mode == "RGB"


def test_transparent_png_photo_stays_png_within_budget(tmp_path: Path) -> None:
    cutout = photo(1000, 1000).convert("RGBA")
    mask = Image.new("L", cutout.size, 0)
    mask.paste(255, (200, 200, 800, 800))
    cutout.putalpha(mask)
    processed, out, _ = run(save(tmp_path / "cutout.png", cutout))
    assert processed.format == "png" and out.mode in ("RGBA", "P")
    assert out.convert("RGBA").getpixel((10, 10))[3] == 0
    assert processed.fits and len(processed.data) <= 500 * 1024


def test_few_colour_graphic_stays_lossless_png(tmp_path: Path) -> None:
    logo = Image.new("RGB", (600, 200), "white")
    logo.paste((200, 70, 40), (20, 20, 300, 180))
    processed, out, _ = run(save(tmp_path / "logo.png", logo))
    assert processed.format == "png"
    assert out.convert("RGB").resize((600, 200)).getpixel((100, 100)) == (200, 70, 40)


def test_small_image_is_never_upscaled(tmp_path: Path) -> None:
    _, out, _ = run(save(tmp_path / "small.jpg", photo(200, 150)))
    assert out.size == (200, 150)


def test_quality_search_lands_under_the_warning_size(tmp_path: Path) -> None:
    source = save(tmp_path / "detailed.png", photo(2000, 2000, seed=5))
    at_85, _, _ = run(source)
    assert at_85.quality == 85  # the start: fits the default warning size
    warn_kb = int(len(at_85.data) * 0.8 / 1024)  # now quality 85 is too big, 70 is small enough
    processed, _, encodes = run(source, settings=ImageSettings(image_kb=500, warn_kb=warn_kb, tab_icon_kb=40))
    assert processed.format == "jpg" and len(processed.data) <= warn_kb * 1024
    assert processed.quality is not None and 70 <= processed.quality < 85
    assert encodes > 1


def test_image_that_cannot_fit_is_reported_not_hidden(tmp_path: Path) -> None:
    settings = ImageSettings(image_kb=60, warn_kb=30, tab_icon_kb=40)
    processed, _, _ = run(save(tmp_path / "noise.png", noise(750, 750)), settings=settings)
    assert not processed.fits
    assert f"quality {JPEG_FLOOR_QUALITY}" in processed.note


def test_animated_gif_that_fits_stays_animated_but_is_re_encoded(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (120, 120), colour).convert("P") for colour in ("red", "green", "blue")]
    source = tmp_path / "spinner.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret")
    processed, out, _ = run(source)
    assert processed.format == "gif" and processed.data != source.read_bytes()
    assert getattr(out, "n_frames", 1) == 3 and "comment" not in out.info


def test_plain_svg_keeps_its_drawing(tmp_path: Path) -> None:
    source = tmp_path / "mark.svg"
    source.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>')
    processed, _ = process_image(ImageJob(source, 750), SETTINGS)
    assert processed.format == "svg" and b'<circle r="4" />' in processed.data and processed.note == ""


def test_tab_icon_is_81px_png(tmp_path: Path) -> None:
    source = save(tmp_path / "icon.png", Image.new("RGBA", (300, 200), (10, 20, 30, 255)))
    processed, out, _ = run(source, width=81, kind="tab-icon")
    assert processed.format == "png" and out.size == (81, 81) and len(processed.data) <= 40 * 1024


@pytest.mark.parametrize(
    "content,message",
    [
        (b"hello, I am text", "is not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "is not an image|damaged or truncated"),
    ],
)
def test_broken_sources_raise_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "broken.jpg"
    source.write_bytes(content)
    with pytest.raises(ImageDecodeError, match=message):
        process_image(ImageJob(source, 750), SETTINGS)


def test_truncated_photo_is_a_clear_error(tmp_path: Path) -> None:
    data = io.BytesIO()
    photo(800, 600).save(data, format="JPEG", quality=90)
    source = tmp_path / "cut.jpg"
    source.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(ImageDecodeError, match="damaged or truncated"):
        process_image(ImageJob(source, 750), SETTINGS)


def test_decompression_bomb_is_refused_quickly(tmp_path: Path) -> None:
    source = save(tmp_path / "bomb.png", Image.new("1", (12000, 12000)))
    assert source.stat().st_size < 1024 * 1024
    with pytest.raises(ImageDecodeError, match="too large to decode safely"):
        process_image(ImageJob(source, 750), SETTINGS)


def test_cache_makes_a_rebuild_encode_nothing_and_a_change_encode_only_itself(tmp_path: Path) -> None:
    sources = [save(tmp_path / f"p{i}.jpg", photo(900, 600, seed=i)) for i in range(3)]
    jobs = [ImageJob(s, 750) for s in sources]
    cache = ImageCache(tmp_path / "cache")
    first, stats = process_images(jobs, SETTINGS, cache, workers=2)
    assert stats.processed == 3 and stats.encodes >= 3
    again, stats = process_images(jobs, SETTINGS, cache)
    assert (stats.encodes, stats.cache_hits, stats.processed) == (0, 3, 0)
    assert {j: o.image.data for j, o in again.items()} == {j: o.image.data for j, o in first.items()}
    save(sources[1], photo(900, 600, seed=99))
    _, stats = process_images(jobs, SETTINGS, cache)
    assert (stats.processed, stats.cache_hits) == (1, 2)
    changed = ImageSettings(image_kb=400, warn_kb=200, tab_icon_kb=40)
    _, stats = process_images(jobs, changed, cache)
    assert stats.processed == 3  # settings are part of the key


def test_webp_source_never_reaches_the_package_as_webp(tmp_path: Path) -> None:
    source = save(tmp_path / "photo.webp", photo(1000, 700), quality=90)
    processed, out, _ = run(source)
    assert processed.format == "jpg" and out.format == "JPEG"


@pytest.mark.parametrize("hidden", [(255, 255, 255), (0, 0, 0)])
def test_one_colour_overlay_is_an_alpha_palette_png_within_a_level(tmp_path: Path, hidden: tuple) -> None:
    alpha = Image.linear_gradient("L").resize((1600, 1200)).point(lambda v: v // 2)  # a soft white veil
    overlay = Image.new("RGBA", alpha.size, (255, 255, 255, 0))
    overlay.putalpha(alpha)
    # Where it is fully transparent an editor may store another colour: it is still one colour.
    overlay.paste((*hidden, 0), (0, 0, 1600, 100))
    processed, out, encodes = run(save(tmp_path / "veil.png", overlay), width=1500)
    assert processed.format == "png" and out.mode == "P" and encodes == 1
    rgba = out.convert("RGBA")
    expected = overlay.getchannel("A").resize(rgba.size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    error = ImageChops.difference(rgba.getchannel("A"), expected).getextrema()
    assert error == (0, 1)  # every pixel within a level of the source's alpha, many moved
    shown, source = np.asarray(rgba.getchannel("A")), np.asarray(expected)
    assert (shown[source == 0] == 0).all()  # transparent stays so
    assert rgba.convert("RGB").getextrema() == ((255, 255),) * 3  # and the colour, even where faint


def test_a_veil_within_a_level_is_much_smaller_than_every_level(tmp_path: Path) -> None:
    y, x = np.mgrid[0:1000, 0:1500]
    alpha = Image.fromarray((60 + 50 * np.sin(x / 170.0) * np.cos(y / 130.0)).astype(np.uint8))  # smooth waves
    overlay = Image.new("RGBA", alpha.size, (250, 250, 250, 0))
    overlay.putalpha(alpha)
    processed, _, _ = run(save(tmp_path / "waves.png", overlay), width=1500)
    every_level = alpha.copy()
    every_level.putpalette([250, 250, 250] * 256)
    exact = io.BytesIO()
    every_level.save(exact, format="PNG", transparency=bytes(range(256)))
    assert len(processed.data) < 0.8 * exact.tell()


def test_colours_that_differ_only_where_transparent_are_one_colour() -> None:
    overlay = Image.new("RGBA", (40, 40), (10, 20, 30, 0))
    overlay.paste((10, 20, 30, 90), (0, 0, 40, 20))
    overlay.paste((200, 0, 0, 0), (0, 20, 20, 40))
    assert one_colour(overlay) == (10, 20, 30)
    overlay.putpixel((39, 39), (10, 20, 31, 1))
    assert one_colour(overlay) is None
    assert one_colour(Image.new("RGBA", (4, 4), (9, 9, 9, 0))) == (9, 9, 9)


def test_one_colour_overlay_too_detailed_for_exact_levels_still_fits(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:1200, 0:1600]
    stripes = 128 + 90 * np.sin((x + y) / 2.7) + rng.normal(0, 4, x.shape)  # fine diagonal stripes, grainy
    alpha = Image.fromarray(np.clip(stripes, 0, 255).astype(np.uint8))
    overlay = Image.new("RGBA", alpha.size, (20, 40, 60, 0))
    overlay.putalpha(alpha)
    processed, _, encodes = run(save(tmp_path / "stripes.png", overlay), width=1500)
    assert processed.format == "png" and processed.fits and len(processed.data) <= 500 * 1024
    assert encodes == 2  # the exact levels' sample, then the general way
