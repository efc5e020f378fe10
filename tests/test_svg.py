"""Untrusted SVG: script, handlers, foreign content, external references and loading CSS never ship;
a plain logo still draws the same (real Chromium), and a site using hostile SVG passes mpcheck."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.assets.images import ImageDecodeError, ImageJob, ImageSettings, process_image
from generator.assets.svg import ATTRIBUTES, ELEMENTS, SvgError, css_problem, sanitise_svg
from generator.build import build

from .conftest import MINIMAL_SITE, StaticServer, assert_mpcheck_clean
from .imagetools import jpeg_with_exif, photo

SETTINGS = ImageSettings(image_kb=500, warn_kb=200, tab_icon_kb=40)
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
PIXELS = 60_000_000

GPS_JPEG = base64.b64encode(jpeg_with_exif(photo(64, 48), gps=True)).decode()
HOSTILE = f"""<?xml version="1.0"?>
<?xml-stylesheet href="https://evil.example/x.css"?>
<svg xmlns="{SVG}" xmlns:xlink="{XLINK}" xmlns:ev="http://www.w3.org/2001/xml-events"
     viewBox="0 0 200 100" onload="document.documentElement.dataset.pwned='onload'" xml:base="javascript:">
  <script>document.documentElement.setAttribute('data-pwned', 'script')</script>
  <script xlink:href="data:text/javascript,alert(1)"/>
  <style>@import url(https://evil.example/a.css); rect {{ fill: red }}</style>
  <style>.x {{ fill: \\75 rl(https://evil.example/track.png) }}</style>
  <style>.y {{ background: image-set("https://evil.example/i.png" 1x) }}</style>
  <rect width="200" height="100" fill="#0a0" onclick="alert(1)" onmouseover="alert(2)"/>
  <rect width="10" height="10" style="fill: url(javascript:alert(1))"/>
  <rect width="10" height="10" fill="url(https://evil.example/p.svg#g)"/>
  <a href="javascript:alert(1)"><circle cx="50" cy="50" r="10"/></a>
  <a xlink:href="https://evil.example/"><circle cx="80" cy="50" r="10"/></a>
  <foreignObject width="100" height="100">
    <div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/><iframe src="javascript:alert(1)"/></div>
  </foreignObject>
  <set attributeName="href" to="javascript:alert(1)"/>
  <animate attributeName="href" values="javascript:alert(1)"/>
  <use href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+"/>
  <use xlink:href="https://evil.example/sprite.svg#icon"/>
  <image href="https://tracker.example/pixel.png" width="1" height="1"/>
  <image xlink:href="data:image/jpeg;base64,{GPS_JPEG}" width="64" height="48"/>
  <feImage href="file:///etc/passwd"/>
  <text x="1" y="90">A<tspan>B</tspan>C<script>alert(4)</script>D<a href="javascript:alert(1)">link</a></text>
  <handler xmlns="{SVG}" ev:event="load">alert(1)</handler>
  <listener event="load" handler="#h"/>
  <html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(3)</html:script>
</svg>
"""


def clean(svg: str | bytes) -> bytes:
    return sanitise_svg(svg.encode() if isinstance(svg, str) else svg, PIXELS).data


NEEDLES = (
    "<script",
    "onload",
    "onclick",
    "onerror",
    "onmouseover",
    "javascript:",
    "@import",
    "foreignobject",
    "<iframe",
    "<set",
    "<animate",
    "<handler",
    "<listener",
    "xml:base",
    "xml-stylesheet",
)


def assert_harmless(data: bytes, needles: tuple[str, ...] = NEEDLES) -> None:
    """No element outside the allow-list, no handler, no reference but local fragments and raster data,
    and none of the needles in the markup (text that is only shown, e.g. in <text>, may say anything)."""
    root = ET.fromstring(data)
    for element in root.iter():
        name = element.tag.rpartition("}")[2]
        assert element.tag.startswith(f"{{{SVG}}}") and name in ELEMENTS, element.tag
        for key, value in element.attrib.items():
            attribute = key.rpartition("}")[2]
            assert not attribute.lower().startswith("on"), key
            if attribute == "href":
                assert value.startswith("#") or re.match(r"data:image/(png|jpeg);base64,", value), value
            for target in re.findall(r"url\(\s*['\"]?(.)", value):
                assert target == "#", value
        if name != "style":
            element.text = element.tail = None
    markup = ET.tostring(root, encoding="unicode").lower() + data.decode().split("<svg", 1)[0].lower()
    for needle in needles:
        assert needle not in markup, (needle, data.decode())


def test_hostile_svg_keeps_only_its_drawing() -> None:
    result = sanitise_svg(HOSTILE.encode(), PIXELS)
    assert_harmless(result.data, NEEDLES + ("evil.example", "tracker.example", "file:", "image-set"))
    root = ET.fromstring(result.data)
    assert [e.get("fill") for e in root.iter(f"{{{SVG}}}rect")][0] == "#0a0"
    assert len(list(root.iter(f"{{{SVG}}}circle"))) == 2  # what the links drew stays
    assert "".join(next(root.iter(f"{{{SVG}}}text")).itertext()) == "ABCDlink"
    assert result.aspect == 0.5
    assert {"<script>", "onload", "onclick", "<foreignObject>", "<set>", "a link to javascript:"} <= set(result.removed)


def test_embedded_photo_keeps_its_pixels_but_loses_its_gps() -> None:
    root = ET.fromstring(clean(HOSTILE))
    images = [e for e in root.iter(f"{{{SVG}}}image") if e.get(f"{{{XLINK}}}href")]
    assert len(images) == 1
    payload = base64.b64decode(images[0].get(f"{{{XLINK}}}href", "").partition(",")[2])
    embedded = Image.open(io.BytesIO(payload))
    assert embedded.size == (64, 48)
    assert not embedded.getexif() and "exif" not in embedded.info


@pytest.mark.parametrize(
    "svg,message",
    [
        (
            f'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="{SVG}"><text>&xxe;</text></svg>',
            "entities",
        ),
        ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><svg>&b;</svg>', "entities"),
        ("<html><body>not a drawing</body></html>", "not an SVG file"),
        ("hello, I am text", "not a readable SVG"),
        (f'<svg xmlns="{SVG}"><rect></svg>', "not a readable SVG"),
        (f'<svg xmlns="{SVG}">' + "<g>" * 200 + "</g>" * 200 + "</svg>", "nests"),
    ],
)
def test_unusable_svg_is_a_clear_error(svg: str, message: str) -> None:
    with pytest.raises(SvgError, match=message):
        sanitise_svg(svg.encode(), PIXELS)


def test_illustrators_doctype_and_editor_data_are_dropped_not_refused() -> None:
    svg = f"""<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 24.0.0 -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" xmlns="{SVG}" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     x="0px" y="0px" width="120px" height="40px" inkscape:version="1.0" xml:space="preserve">
<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
<style type="text/css">.st0{{fill:#E60012;}} .st1{{font-family:'\\5FAE\\8F6F\\96C5\\9ED1';}}</style>
<rect class="st0" width="120" height="40" inkscape:label="bg"/>
<text class="st1" x="4" y="30">贝贝</text>
</svg>"""
    result = sanitise_svg(svg.encode(), PIXELS)
    text = result.data.decode()
    assert result.removed == ()  # nothing that could run or load was there
    assert ".st0{fill:#E60012;}" in text and 'class="st0"' in text and ">贝贝</text>" in text
    assert "inkscape" not in text and "metadata" not in text and "Illustrator" not in text
    assert result.aspect == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "css,problem",
    [
        ("rect{fill:red}", None),
        ("rect{fill:url(#g)} @media (prefers-color-scheme: dark){rect{fill:rgb(1,2,3)}}", None),
        ("@import 'https://evil.example/x.css';", "@import"),
        ("@font-face{font-family:x;src:url(https://evil.example/f.woff)}", "@font-face"),
        ("rect{fill:url( 'https://evil.example/')}", "url() to another file"),
        ("rect{fill:u\\72l(https://evil.example/)}", "url() to another file"),
        ("rect{fill:u/**/rl(x)}", "rl()"),  # a comment splits the name: an unknown function, refused
        ("rect{background:-webkit-image-set('https://evil.example/' 1x)}", "-webkit-image-set()"),
        ("rect{behavior:expression(alert(1))}", "expression()"),
    ],
)
def test_css_that_could_load_something_is_caught(css: str, problem: str | None) -> None:
    assert css_problem(css) == problem


HOSTILE_NAMES = ["script", "foreignObject", "iframe", "set", "animate", "handler", "a", "use", "image", "style"]
SAFE_NAMES = ["g", "rect", "path", "text", "tspan", "linearGradient", "defs", "symbol"]
HOSTILE_ATTRIBUTES = ["onload", "onclick", "OnMouseOver", "href", "xlink:href", "style", "fill", "xml:base", "to"]
VALUES = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "#local",
    "https://evil.example/x",
    "data:text/html,<script>",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "url(https://evil.example/)",
    "url(#g)",
    "red",
    "\\75 rl(//evil.example)",
    "vbscript:x",
    "//evil.example/x.svg#a",
]


@st.composite
def svg_documents(draw: st.DrawFn) -> str:
    def element(depth: int) -> str:
        name = draw(st.sampled_from(HOSTILE_NAMES + SAFE_NAMES))
        attributes = draw(st.dictionaries(st.sampled_from(HOSTILE_ATTRIBUTES), st.sampled_from(VALUES), max_size=3))
        rendered = "".join(f' {key}="{value.replace("<", "&lt;")}"' for key, value in attributes.items())
        children = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0))))
        body = draw(st.sampled_from(["", "alert(1)", "@import url(//evil.example/x.css);", "a{fill:url(#x)}"]))
        return f"<{name}{rendered}>{body}{children}</{name}>"

    return f'<svg xmlns="{SVG}" xmlns:xlink="{XLINK}">{element(0)}{element(0)}</svg>'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(svg_documents())
def test_no_mix_of_hostile_parts_survives(svg: str) -> None:
    first = clean(svg)
    assert_harmless(first)
    assert clean(first) == first  # what comes out is already clean


def test_allow_lists_have_no_scripting_names() -> None:
    assert not {"script", "foreignObject", "set", "animate", "animateMotion", "animateTransform", "a"} & ELEMENTS
    assert not [name for name in ATTRIBUTES if name.lower().startswith("on") or "href" in name]


def test_svg_photo_is_sized_to_its_slot_and_cleaned(tmp_path: Path) -> None:
    source = tmp_path / "evil.svg"
    source.write_text(HOSTILE, encoding="utf-8")
    processed, encodes = process_image(ImageJob(source, 750), SETTINGS)
    assert (processed.format, processed.width, processed.height, encodes) == ("svg", 750, 375, 0)
    assert_harmless(processed.data)
    assert "<script>" in processed.note


def test_svg_with_entities_is_an_image_error(tmp_path: Path) -> None:
    source = tmp_path / "xxe.svg"
    source.write_text('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', encoding="utf-8")
    with pytest.raises(ImageDecodeError, match="entities"):
        process_image(ImageJob(source, 750), SETTINGS)


# --- whole builds ------------------------------------------------------------------------------------------

SVG_SITE = MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  logo: images/logo.svg").replace(
    "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/evil.svg, alt: 标志}\n"
)


@pytest.fixture
def svg_site(make_site) -> tuple[Path, Path]:
    site = make_site(SVG_SITE)
    (site / "images" / "evil.svg").write_text(HOSTILE, encoding="utf-8")
    (site / "images" / "logo.svg").write_text(HOSTILE.replace('viewBox="0 0 200 100"', 'viewBox="0 0 100 100"'))
    out = site / "dist"
    build(site, out)
    return site, out


def test_site_with_hostile_svg_ships_none_of_it(svg_site: tuple[Path, Path]) -> None:
    _, out = svg_site
    shipped = sorted(out.rglob("*.svg"))
    assert {p.parts[len(out.parts)] for p in shipped} == {"miniprogram", "h5"}
    for path in shipped:
        assert_harmless(path.read_bytes())
    assert_mpcheck_clean(out / "miniprogram")


def test_svg_logo_is_declared_as_svg_in_h5(svg_site: tuple[Path, Path]) -> None:
    _, out = svg_site
    html = (out / "h5" / "index.html").read_text(encoding="utf-8")
    icons = re.findall(r'<link rel="(?:icon|apple-touch-icon)"[^>]*>', html)
    assert icons and all(".svg" in link for link in icons), icons
    assert all('type="image/svg+xml"' in link for link in icons if 'rel="icon"' in link), icons
    assert not [link for link in icons if "apple-touch-icon" in link]  # iOS shows only PNG there
    picture = re.search(r'<img src="[^"]+\.svg"[^>]*>', html)
    assert picture is not None
    width, height = (int(re.search(f' {name}="([0-9]+)"', picture.group(0)).group(1)) for name in ("width", "height"))
    assert width > 300 and width / height == pytest.approx(2, rel=0.02)  # the drawing's shape, not 1x1


def test_hostile_svg_opened_from_the_site_runs_nothing(svg_site: tuple[Path, Path], page) -> None:
    _, out = svg_site
    server = StaticServer(out / "h5")
    try:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        for svg in sorted((out / "h5").rglob("*.svg")):
            page.goto(server.url + str(svg.relative_to(out / "h5")))
            page.wait_for_timeout(300)
            page.mouse.move(5, 5)
            page.mouse.click(5, 5)
            assert page.evaluate("document.documentElement.getAttribute('data-pwned')") is None
        assert dialogs == []
        assert not [url for url in requests if not url.startswith(server.url)]
    finally:
        server.close()


LOGO = f"""<svg xmlns="{SVG}" xmlns:xlink="{XLINK}" viewBox="0 0 120 60" width="240" height="120">
  <defs>
    <linearGradient id="g" x1="0" x2="1">
      <stop offset="0" stop-color="#e60012"/><stop offset="1" stop-color="#ffd400"/>
    </linearGradient>
    <symbol id="dot"><circle cx="6" cy="6" r="6"/></symbol>
    <clipPath id="c"><rect width="110" height="50" rx="12"/></clipPath>
    <filter id="f"><feGaussianBlur stdDeviation="1"/></filter>
  </defs>
  <style>.mark {{ fill: url(#g); stroke: #333; stroke-width: 2 }}
    @media (min-width: 1px) {{ .dot {{ fill: #06c }} }}</style>
  <rect class="mark" x="5" y="5" width="110" height="50" clip-path="url(#c)"/>
  <use xlink:href="#dot" class="dot" x="20" y="24"/><use href="#dot" class="dot" x="90" y="24" filter="url(#f)"/>
  <path d="M40 40 Q60 10 80 40" fill="none" stroke="#fff" stroke-width="4" style="stroke-linecap: round"/>
  <image x="50" y="20" width="20" height="15" xlink:href="data:image/png;base64,{{png}}"/>
</svg>"""


def test_a_plain_logo_draws_the_same_after_cleaning(tmp_path: Path, page) -> None:
    out = io.BytesIO()
    Image.new("RGB", (20, 15), (0, 120, 255)).save(out, format="PNG")
    original = LOGO.replace("{png}", base64.b64encode(out.getvalue()).decode()).encode()
    cleaned = clean(original)
    assert sanitise_svg(original, PIXELS).removed == ()

    def shot(svg: bytes) -> Image.Image:
        page.set_content(f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}" width="240">')
        page.wait_for_function("document.images[0].complete")
        return Image.open(io.BytesIO(page.locator("img").screenshot())).convert("RGB")

    before, after = shot(original), shot(cleaned)
    assert before.getpixel((120, 12)) != (255, 255, 255)  # the gradient drew
    assert before.tobytes() == after.tobytes()
