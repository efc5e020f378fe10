"""Animated and multi-frame sources: a real, metadata-free GIF when it fits the budget, else the first
frame as a still image; never the source's bytes under a .gif name (mpcheck and the GPS check on a build)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageSequence

from generator.assets.images import ImageJob, ImageSettings, process_image
from generator.build import build

from .conftest import MINIMAL_SITE, StaticServer, assert_mpcheck_clean
from .imagetools import noise

SETTINGS = ImageSettings(image_kb=500, warn_kb=200, tab_icon_kb=40)
COLOURS = [(220, 30, 30), (30, 160, 60), (40, 60, 220)]
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>31,14N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    return exif.tobytes()


def frames(width: int = 240, height: int = 160) -> list[Image.Image]:
    """Three frames of a square moving across a coloured field."""
    out = []
    for index, colour in enumerate(COLOURS):
        frame = Image.new("RGB", (width, height), colour)
        ImageDraw.Draw(frame).rectangle([20 + 60 * index, 40, 70 + 60 * index, 90], fill="white")
        out.append(frame)
    return out


def with_gif_xmp(gif: bytes) -> bytes:
    """Insert an XMP application extension (what Photoshop writes) after the global colour table."""
    packed = gif[10]
    table = 3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0
    head = 13 + table
    blocks = b"".join(bytes([len(XMP[i : i + 255])]) + XMP[i : i + 255] for i in range(0, len(XMP), 255))
    return gif[:head] + b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00" + gif[head:]


def source(kind: str, folder: Path, images: list[Image.Image] | None = None) -> Path:
    images = images or frames()
    first, rest = images[0], images[1:]
    out = io.BytesIO()
    if kind == "gif":
        first.save(out, format="GIF", save_all=True, append_images=rest, duration=120, loop=0, comment=b"GPS 31.2N")
        data, name = with_gif_xmp(out.getvalue()), "anim.gif"
    elif kind == "webp":
        first.save(
            out, format="WEBP", save_all=True, append_images=rest, duration=120, loop=0, exif=gps_exif(), xmp=XMP
        )
        data, name = out.getvalue(), "anim.webp"
    elif kind == "apng":
        first.save(out, format="PNG", save_all=True, append_images=rest, duration=120, loop=0, exif=gps_exif())
        data, name = out.getvalue(), "anim.png"
    elif kind == "tiff":
        first.save(out, format="TIFF", save_all=True, append_images=rest, exif=gps_exif())
        data, name = out.getvalue(), "pages.tif"
    elif kind == "mpo":
        first.save(out, format="MPO", save_all=True, append_images=rest, exif=gps_exif())
        data, name = out.getvalue(), "stereo.jpg"
    else:
        raise AssertionError(kind)
    path = folder / name
    path.write_bytes(data)
    assert getattr(Image.open(path), "n_frames", 1) == len(images)
    return path


def assert_no_metadata(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    for frame in ImageSequence.Iterator(image):
        exif = frame.getexif()
        assert not exif and not exif.get_ifd(0x8825), dict(exif)
        assert not {"exif", "xmp", "comment", "XML:com.adobe.xmp"} & set(frame.info), frame.info
        assert frame.info.get("extension", (b"NETSCAPE2.0",))[0] == b"NETSCAPE2.0"  # only the loop count
    for needle in (b"Exif", b"XMP", b"xmpmeta", b"GPS", b"TestCam"):
        assert needle not in data, needle
    image.seek(0)
    return image


def colour_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    return tuple(image.convert("RGB").getpixel(xy))  # type: ignore[arg-type]


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("kind", ["gif", "webp", "apng"])
def test_animation_that_fits_becomes_a_real_gif_without_metadata(tmp_path: Path, kind: str) -> None:
    processed, _ = process_image(ImageJob(source(kind, tmp_path), 750), SETTINGS)
    assert processed.format == "gif" and processed.fits and processed.note == ""
    out = assert_no_metadata(processed.data)
    assert out.format == "GIF" and out.n_frames == 3 and out.size == (240, 160)  # type: ignore[attr-defined]
    assert out.info.get("loop") == 0
    for index, frame in enumerate(ImageSequence.Iterator(out)):
        assert frame.info.get("duration") == 120
        assert close(colour_at(frame, (5, 5)), COLOURS[index])
        assert close(colour_at(frame, (45 + 60 * index, 65)), (255, 255, 255))


def test_animation_is_resized_to_its_slot(tmp_path: Path) -> None:
    processed, _ = process_image(ImageJob(source("webp", tmp_path, frames(1200, 800)), 600), SETTINGS)
    out = Image.open(io.BytesIO(processed.data))
    assert (processed.format, out.size, processed.width) == ("gif", (600, 400), 600)


DECODE_FRAMES = """async ([url, points]) => {
  const response = await fetch(url);
  const decoder = new ImageDecoder({data: response.body, type: response.headers.get("content-type")});
  await decoder.tracks.ready;
  const frames = [];
  for (let index = 0; index < decoder.tracks.selectedTrack.frameCount; index++) {
    const {image} = await decoder.decode({frameIndex: index});
    const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    frames.push(points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data)));
    image.close();
  }
  return frames;
}"""


def test_pixels_that_turn_transparent_do_not_keep_the_frame_before(tmp_path: Path, page) -> None:
    """As Chromium's own GIF decoder shows each frame (Pillow's reader disposes to the background colour)."""
    opaque = Image.new("RGBA", (60, 60), (200, 0, 0, 255))
    hole = opaque.copy()
    hole.paste((0, 0, 0, 0), (0, 0, 30, 60))
    processed, _ = process_image(ImageJob(source("apng", tmp_path, [opaque, hole, opaque]), 750), SETTINGS)
    served = tmp_path / "served"
    served.mkdir()
    (served / "out.gif").write_bytes(processed.data)
    server = StaticServer(served)
    try:
        page.goto(server.url + "missing.html")  # a secure context (ImageDecoder needs one) on the server's origin
        shown = page.evaluate(DECODE_FRAMES, [server.url + "out.gif", [[10, 10], [50, 10]]])
    finally:
        server.close()
    red, clear = [200, 0, 0, 255], [0, 0, 0, 0]
    assert shown == [[red, red], [clear, red], [red, red]]


@pytest.mark.parametrize("kind", ["gif", "webp"])
def test_animation_over_the_budget_ships_its_first_frame_and_says_so(tmp_path: Path, kind: str) -> None:
    heavy = [noise(400, 300, seed=i) for i in range(6)]
    settings = ImageSettings(image_kb=120, warn_kb=100, tab_icon_kb=40)
    processed, _ = process_image(ImageJob(source(kind, tmp_path, heavy), 400), settings)
    assert processed.format in ("jpg", "png") and processed.fits
    assert "animation of 6 frames" in processed.note and "first frame" in processed.note
    still = assert_no_metadata(processed.data)
    assert getattr(still, "n_frames", 1) == 1 and still.size == (400, 300)


@pytest.mark.parametrize("kind", ["tiff", "mpo"])
def test_pages_and_stereo_pairs_show_their_first_picture(tmp_path: Path, kind: str) -> None:
    processed, _ = process_image(ImageJob(source(kind, tmp_path), 750), SETTINGS)
    assert processed.format in ("jpg", "png")
    still = assert_no_metadata(processed.data)
    assert getattr(still, "n_frames", 1) == 1 and close(colour_at(still, (5, 5)), COLOURS[0])


SITE = MINIMAL_SITE.replace(
    "      - type: text\n        body: 欢迎\n",
    "".join(
        f"      - {{type: image, image: images/{name}}}\n"
        for name in ("anim.gif", "anim.webp", "anim.png", "pages.tif", "stereo.jpg")
    ),
)


def test_site_with_animated_and_multi_frame_sources_ships_clean_images(make_site) -> None:
    site = make_site(SITE)
    for kind in ("gif", "webp", "apng", "tiff", "mpo"):
        source(kind, site / "images")
    out = site / "dist"
    build(site, out)
    shipped = [p for p in (out / "miniprogram").rglob("*") if p.suffix in (".gif", ".jpg", ".png", ".webp")]
    shipped += [p for p in (out / "h5" / "img").rglob("*") if p.is_file()]
    animated = 0
    for path in shipped:
        image = assert_no_metadata(path.read_bytes())
        assert image.format == {".gif": "GIF", ".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}[path.suffix], path
        animated += path.suffix == ".gif"
    assert animated >= 3  # the three animations, in the package and in H5
    assert_mpcheck_clean(out / "miniprogram")
