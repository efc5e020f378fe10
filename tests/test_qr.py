"""The H5 site's QR encoder (templates/h5/assets/qr.js): what it draws, a real decoder reads back."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from .conftest import REPO

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (the QR decoder used as the oracle) is not installed")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
QR_JS = REPO / "templates" / "h5" / "assets" / "qr.js"


def encode(texts: list[str]) -> list[list[list[int]] | None]:
    program = f"const qr = require({json.dumps(str(QR_JS))}); const texts = JSON.parse(process.argv[1]);"
    program += "process.stdout.write(JSON.stringify(texts.map((t) => qr.encode(t))));"
    done = subprocess.run([NODE, "-e", program, json.dumps(texts)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def decode(matrix: list[list[int]]) -> str | None:
    size, scale, border = len(matrix), 4, 4
    image = Image.new("L", ((size + 2 * border) * scale,) * 2, 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(
                    0, ((x + border) * scale, (y + border) * scale, (x + border + 1) * scale, (y + border + 1) * scale)
                )
    found = zxingcpp.read_barcodes(image)
    return bytes(found[0].bytes).decode("utf-8") if found else None


@pytest.mark.parametrize("length", [1, 14, 30, 60, 100, 150, 179, 213])
def test_every_version_decodes(length: int) -> None:
    text = ("weixin://dl/business/?appid=touristappid&path=catalog%2Fproduct%2Findex" * 4)[:length]
    (matrix,) = encode([text])
    assert matrix is not None and decode(matrix) == text


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=10))
def test_any_text_round_trips(texts: list[str]) -> None:
    for text, matrix in zip(texts, encode(texts), strict=True):
        assert matrix is not None and decode(matrix) == text


def test_too_long_text_gives_no_code() -> None:
    assert encode(["x" * 300]) == [None]
