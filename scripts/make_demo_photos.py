"""Derive the shop's real example photos from Debian's mate-backgrounds (GPL-2+; see the NOTICE).

Each file exercises one path of the image pipeline, the way real uploads arrive:

    elephants-phone.jpg   a 4032x2268 "phone photo" over 3 MB, with camera EXIF and GPS tags
    ladybird-rotated.jpg  stored sideways with EXIF Orientation 6, as phones do
    beach-cmyk.jpg        a CMYK JPEG, as print designers send
    flower-adobergb.jpg   tagged with an Adobe RGB ICC profile
    meadow-opaque.png     an RGBA PNG whose alpha is fully opaque (a photo saved as PNG)
    ladybird-cutout.png   a PNG with real transparency (a round cut-out)

Run: apt-get install mate-backgrounds && python scripts/make_demo_photos.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sites" / "beibei" / "images" / "photos"
ADOBE_RGB = REPO / "tests" / "images" / "compatibleWithAdobeRGB1998.icc"


def camera_exif(orientation: int = 1, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "DemoPhone"
    exif[0x0110] = "DemoPhone 12"
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 16.0, 12.5), 3: "E", 4: (120.0, 9.0, 41.2)}
    return exif


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", type=Path, default=Path("/usr/share/backgrounds/mate"))
    args = parser.parse_args()
    nature, abstract = args.source / "nature", args.source / "abstract"
    OUT.mkdir(parents=True, exist_ok=True)

    elephants = Image.open(abstract / "Elephants_5640x3172.jpg").convert("RGB")
    elephants = elephants.resize((4032, 2268), Image.Resampling.LANCZOS)
    elephants.save(OUT / "elephants-phone.jpg", quality=90, exif=camera_exif())

    ladybird = Image.open(nature / "LadyBird.jpg").convert("RGB").resize((1600, 1000), Image.Resampling.LANCZOS)
    sideways = ladybird.transpose(Image.Transpose.ROTATE_90)  # Orientation 6 asks viewers to turn it back
    sideways.save(OUT / "ladybird-rotated.jpg", quality=90, exif=camera_exif(orientation=6))

    dune = Image.open(nature / "Dune.jpg").convert("RGB")
    dune.convert("CMYK").save(OUT / "beach-cmyk.jpg", quality=90)

    flower = Image.open(nature / "YellowFlower.jpg").convert("RGB").resize((1600, 1000), Image.Resampling.LANCZOS)
    adobe = ImageCms.ImageCmsProfile(str(ADOBE_RGB))
    tagged = ImageCms.profileToProfile(flower, ImageCms.createProfile("sRGB"), adobe, outputMode="RGB")
    tagged.save(OUT / "flower-adobergb.jpg", quality=90, icc_profile=adobe.tobytes())

    meadow = Image.open(nature / "GreenMeadow.jpg").convert("RGBA")
    meadow.save(OUT / "meadow-opaque.png", optimize=True)

    square = ladybird.crop((400, 100, 1200, 900))
    mask = Image.new("L", square.size, 0)
    ImageDraw.Draw(mask).ellipse((10, 10, 790, 790), fill=255)
    square.putalpha(mask)
    square.save(OUT / "ladybird-cutout.png", optimize=True)

    for path in sorted(OUT.glob("*.*")):
        if path.suffix != ".md":
            print(f"{path.relative_to(REPO)}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
