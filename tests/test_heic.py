"""iPhone photos (HEIC/HEIF) are read as they are: upright, sRGB, no GPS, encoded like any photo; the
HEIF reader is loaded only when such a photo comes (it would add to every `gen` start)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageCms

from generator.assets.images import ImageCache, ImageDecodeError, ImageJob, ImageSettings, process_image, process_images

from .imagetools import photo, ssim

SETTINGS = ImageSettings(image_kb=500, warn_kb=200, tab_icon_kb=40)
ADOBE_RGB = Path(__file__).parent / "images" / "compatibleWithAdobeRGB1998.icc"


def heic(upright: Image.Image, orientation: int = 1, gps: bool = True, **options: object) -> bytes:
    """What an iPhone writes: pixels as the sensor saw them, a rotation to show them upright, EXIF with GPS."""
    stored = upright.transpose(Image.Transpose.ROTATE_90) if orientation == 6 else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    heif = pillow_heif.HeifFile()
    heif.add_frombytes("RGB", stored.size, stored.tobytes())
    heif[0].info["exif"] = exif.tobytes()
    heif[0].info.update(options)
    out = io.BytesIO()
    heif.save(out, quality=92)
    return out.getvalue()


def test_iphone_photo_held_upright_comes_out_an_upright_jpeg_without_gps(tmp_path: Path) -> None:
    upright = photo(800, 1200)  # portrait
    source = tmp_path / "IMG_0001.HEIC"
    source.write_bytes(heic(upright, orientation=6))
    assert source.read_bytes()[4:12] == b"ftypheic"
    processed, _ = process_image(ImageJob(source, 600), SETTINGS)
    out = Image.open(io.BytesIO(processed.data))
    assert (processed.format, out.format, out.size) == ("jpg", "JPEG", (600, 900))
    assert ssim(out, upright.resize(out.size, Image.Resampling.LANCZOS)) >= 0.9
    assert not out.getexif() and "exif" not in out.info and "icc_profile" not in out.info


def test_heic_colour_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    srgb = Image.new("RGB", (400, 300), (200, 40, 60))
    adobe = ImageCms.ImageCmsProfile(str(ADOBE_RGB))
    tagged = ImageCms.profileToProfile(srgb, ImageCms.createProfile("sRGB"), adobe, outputMode="RGB")
    source = tmp_path / "tagged.heif"
    source.write_bytes(heic(tagged, gps=False, icc_profile=adobe.tobytes()))
    processed, _ = process_image(ImageJob(source, 750), SETTINGS)
    pixel = Image.open(io.BytesIO(processed.data)).convert("RGB").getpixel((10, 10))
    assert all(abs(a - b) <= 6 for a, b in zip(pixel, (200, 40, 60), strict=True)), pixel  # type: ignore[arg-type]


def test_heic_photos_are_read_in_the_worker_processes_too(tmp_path: Path) -> None:
    sources = []
    for seed in range(3):
        sources.append(tmp_path / f"p{seed}.heic")
        sources[-1].write_bytes(heic(photo(900, 600, seed=seed)))
    outcomes, stats = process_images([ImageJob(s, 750) for s in sources], SETTINGS, ImageCache(None), workers=2)
    assert stats.processed == 3
    assert [o.error for o in outcomes.values()] == [None, None, None]
    assert {o.image.format for o in outcomes.values() if o.image} == {"jpg"}


def test_damaged_heic_is_a_clear_error(tmp_path: Path) -> None:
    data = heic(photo(600, 400))
    source = tmp_path / "cut.heic"
    source.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match="HEIC/HEIF photo that cannot be read|damaged or truncated"):
        process_image(ImageJob(source, 750), SETTINGS)


def test_the_heif_reader_is_not_loaded_at_start() -> None:
    code = "import sys, generator.build, generator.cli; print('pillow_heif' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_a_site_builds_with_an_iphone_photo_as_it_is(tmp_path: Path) -> None:
    from generator.build import build

    from .conftest import MINIMAL_SITE, write_site

    image_block = "      - {type: image, image: images/IMG_0001.HEIC}\n"
    site = write_site(tmp_path / "site", MINIMAL_SITE.replace("      - type: text\n        body: 欢迎\n", image_block))
    (site / "images" / "IMG_0001.HEIC").write_bytes(heic(photo(1200, 900, seed=3), orientation=6))
    result = build(site)
    shipped = [f for f in result.files if f.path.startswith("miniprogram/") and f.path.endswith(".jpg")]
    assert len(shipped) == 1
    out = Image.open(io.BytesIO(shipped[0].data))
    assert out.format == "JPEG" and out.width > out.height  # upright: the sensor stored it sideways (portrait)
    assert not out.getexif()
