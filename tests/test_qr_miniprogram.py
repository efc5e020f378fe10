"""The mini-program's QR encoder (templates/miniprogram/utils/qr.js, for its old JavaScript) makes the very
modules of the H5 site's (templates/h5/assets/qr.js) for every length and kind of text up to version 10,
refuses what does not fit the same way, and what it draws on a canvas reads back as the text."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PIL import Image

from .conftest import REPO

MINIPROGRAM_QR = REPO / "templates" / "miniprogram" / "utils" / "qr.js"
H5_QR = REPO / "templates" / "h5" / "assets" / "qr.js"
TEXTS = ["0A1B2C3D4E5F6G7H", "A", "店员核销 ✓", "x" * 60, "y" * 150, "z" * 213, "z" * 214, "weixin://dl/business/?a=1"]
SCRIPT = """
const mp = require(process.argv[1]);
const h5 = require(process.argv[2]);
const texts = JSON.parse(process.argv[3]);
const drawn = texts.map((text) => {
  const rects = [];
  const ctx = { fillStyle: '', fillRect(x, y, w, h) { rects.push([this.fillStyle, x, y, w, h]); } };
  const unit = mp.draw(ctx, text, 300);
  return { unit, rects };
});
console.log(JSON.stringify({ mp: texts.map(mp.encode), h5: texts.map(h5.encode), drawn }));
"""


@pytest.fixture(scope="module")
def encoded() -> dict[str, list[object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", SCRIPT, str(MINIPROGRAM_QR), str(H5_QR), json.dumps(TEXTS)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def test_the_mini_programs_encoder_makes_the_h5_encoders_modules(encoded: dict[str, list[object]]) -> None:
    assert encoded["mp"] == encoded["h5"]
    assert [m is None for m in encoded["mp"]] == [False] * 6 + [True, False]  # 214 bytes: over version 10


def test_what_it_draws_reads_back_as_the_text(encoded: dict[str, list[object]]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) is not installed")
    for text, drawn in zip(TEXTS, encoded["drawn"], strict=True):
        assert isinstance(drawn, dict)
        if text == "z" * 214:
            assert drawn == {"unit": 0, "rects": []}
            continue
        image = Image.new("L", (300, 300), 128)  # grey: the white ground must cover the canvas
        for fill, x, y, w, h in drawn["rects"]:
            image.paste(255 if fill == "#ffffff" else 0, (x, y, x + w, y + h))
        assert image.histogram()[128] == 0, text  # no grey pixel left
        assert [bytes(found.bytes).decode() for found in zxingcpp.read_barcodes(image)] == [text]
