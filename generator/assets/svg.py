"""Untrusted SVG made safe to ship: parsed without entities, rebuilt from an allow-list of static SVG.

An SVG opened from the H5 site's origin runs its script there, so only what draws a static picture
survives: shapes, paths, text, gradients, patterns, masks, filters, `<use>` of a local `#id`, and
embedded PNG/JPEG/GIF/WebP (re-encoded without their metadata). Scripts, event handlers, foreign
objects, animation, links to other files or sites, and CSS that loads or imports anything are dropped.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

MAX_SVG_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 100
"""Nesting deeper than any drawing needs (and than the serialiser's recursion copes with)."""

ELEMENTS = frozenset(
    """svg g defs symbol use title desc switch path rect circle ellipse line polyline polygon
    text tspan textPath linearGradient radialGradient stop pattern clipPath mask marker image style
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting
    feSpotLight feTile feTurbulence""".split()
)
UNWRAPPED = {"a": "g"}
"""A link becomes a group (a tspan inside text): what it draws stays, where it goes does not."""
QUIET = frozenset({"metadata"})
"""Dropped without a word: an editor's data (author, licence, sometimes where it was made), nothing that runs."""
TEXT_ELEMENTS = frozenset({"text", "tspan", "textPath", "title", "desc", "style"})
RASTER_ELEMENTS = frozenset({"image", "feImage"})

ATTRIBUTES = frozenset(
    """id class style transform d x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height points pathLength
    viewBox preserveAspectRatio version baseProfile fill fill-opacity fill-rule stroke stroke-width
    stroke-opacity stroke-linecap stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset
    opacity clip-path clip-rule clipPathUnits mask maskUnits maskContentUnits filter filterUnits
    primitiveUnits gradientUnits gradientTransform spreadMethod offset stop-color stop-opacity
    patternUnits patternContentUnits patternTransform marker-start marker-mid marker-end markerWidth
    markerHeight markerUnits refX refY orient font-family font-size font-weight font-style font-variant
    font-stretch text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing
    word-spacing text-decoration writing-mode dx dy rotate textLength lengthAdjust startOffset method
    spacing side display visibility color color-interpolation color-interpolation-filters overflow
    shape-rendering text-rendering image-rendering vector-effect paint-order mix-blend-mode isolation
    systemLanguage in in2 result stdDeviation mode type values operator k1 k2 k3 k4 flood-color
    flood-opacity lighting-color radius tableValues slope intercept amplitude exponent baseFrequency
    numOctaves seed stitchTiles scale xChannelSelector yChannelSelector order kernelMatrix divisor bias
    targetX targetY edgeMode kernelUnitLength preserveAlpha surfaceScale specularConstant
    specularExponent diffuseConstant azimuth elevation pointsAtX pointsAtY pointsAtZ limitingConeAngle z
    media""".split()
)
REFERENCES = frozenset({"href", f"{{{XLINK_NS}}}href"})
XML_ATTRIBUTES = frozenset({f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang"})

CSS_FUNCTIONS = frozenset(
    """url rgb rgba hsl hsla hwb lab lch oklab oklch color var calc min max clamp translate translatex
    translatey rotate scale scalex scaley skew skewx skewy matrix blur brightness contrast drop-shadow
    grayscale hue-rotate invert opacity saturate sepia not is where nth-child nth-last-child nth-of-type
    nth-last-of-type lang""".split()
)
"""Functions that compute a value; anything else (image-set(), image(), src(), element()...) may fetch."""
CSS_AT_RULES = frozenset({"media"})  # a favicon's prefers-color-scheme; never @import or @font-face
SCRIPT_URL = re.compile(r"(java|vb)script[\s\x00-\x1f]*:", re.IGNORECASE)
DATA_RASTER = re.compile(r"data:image/(png|jpeg|jpg|gif|webp);base64,", re.IGNORECASE)


class SvgError(ValueError):
    """The SVG cannot be made safe or read; the message says what to do."""


@dataclass(frozen=True)
class CleanSvg:
    data: bytes
    aspect: float | None
    """Height over width, from the viewBox or the width and height (None when it has neither)."""
    removed: tuple[str, ...]
    """What was dropped because it could run, load or link something, e.g. `<script>`, `onload`."""


def sanitise_svg(raw: bytes, max_pixels: int) -> CleanSvg:
    """The SVG rebuilt from its safe parts; raises SvgError when it is not a readable SVG."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(raw) > MAX_SVG_BYTES:
        raise SvgError(f"is a {len(raw) // 1024 // 1024} MB SVG; simplify it, or export it as PNG")
    try:
        root = fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SvgError(
            "declares XML entities or external references, which are not allowed; export it again as plain SVG"
        ) from None
    except ET.ParseError as exc:
        raise SvgError(f"is not a readable SVG ({exc}); export it again as SVG, or as PNG") from None
    namespace, name = _split(root.tag)
    if name != "svg" or namespace not in (SVG_NS, ""):
        raise SvgError("is not an SVG file (its root element is not <svg>); export it again as SVG, or as PNG")
    cleaner = _Cleaner(max_pixels)
    clean = cleaner.element(root, 0)
    assert clean is not None
    clean.tail = None
    clean.set("xmlns", SVG_NS)  # the tree is built unqualified: ElementTree would name the namespace ns0
    ET.register_namespace("xlink", XLINK_NS)
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(clean, encoding="utf-8", xml_declaration=False)
    return CleanSvg(data, _aspect(root), tuple(dict.fromkeys(cleaner.removed)))


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


class _Cleaner:
    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        self.removed: list[str] = []

    def element(self, source: ET.Element, depth: int, in_text: bool = False) -> ET.Element | None:
        if depth > MAX_DEPTH:
            raise SvgError(f"nests elements more than {MAX_DEPTH} deep; simplify it, or export it as PNG")
        if not isinstance(source.tag, str):
            return None  # a comment or processing instruction
        namespace, name = _split(source.tag)
        if namespace not in (SVG_NS, ""):
            return None  # an editor's own data (Inkscape, Illustrator, RDF metadata)
        name = "tspan" if name == "a" and in_text else UNWRAPPED.get(name, name)
        if name not in ELEMENTS:
            if name not in QUIET:
                self.removed.append(f"<{name}>")
            return None
        out = ET.Element(name)
        for key, value in source.attrib.items():
            cleaned = self.attribute(name, key, value)
            if cleaned is not None:
                out.set(key, cleaned)
        text_like = name in TEXT_ELEMENTS
        if name == "style":
            reason = css_problem(source.text or "")
            if reason is not None:
                self.removed.append(f"<style> with {reason}")
                return None
        if text_like:
            out.text = source.text
        last: ET.Element | None = None
        for child in source:
            kept = self.element(child, depth + 1, in_text or name in ("text", "tspan", "textPath"))
            tail = child.tail if text_like else None
            if kept is not None:
                kept.tail = tail
                out.append(kept)
                last = kept
            elif tail:  # the text after a dropped element stays where it was
                if last is None:
                    out.text = (out.text or "") + tail
                else:
                    last.tail = (last.tail or "") + tail
        return out

    def attribute(self, element: str, key: str, value: str) -> str | None:
        if key in REFERENCES:
            return self.reference(element, value)
        if key in XML_ATTRIBUTES:
            return value
        if key.startswith("{"):
            return None  # editors' namespaced attributes
        if key not in ATTRIBUTES:
            if key.lower().startswith("on"):
                self.removed.append(key)
            return None
        if SCRIPT_URL.search(value):  # nothing runs it here, but a careless consumer might
            self.removed.append(f"{key} with a script address")
            return None
        if key == "style" or "url(" in value.lower() or "\\" in value:
            reason = css_problem(value)
            if reason is not None:
                self.removed.append(f"{key} with {reason}")
                return None
        return value

    def reference(self, element: str, value: str) -> str | None:
        target = value.strip()
        if re.fullmatch(r"#[^\s()'\"<>]+", target):
            return target
        if element in RASTER_ELEMENTS and DATA_RASTER.match(target):
            raster = clean_raster(target, self.max_pixels)
            if raster is not None:
                return raster
            self.removed.append("an unreadable embedded image")
            return None
        scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", target)
        self.removed.append(f"a link to {scheme.group(1).lower()}:" if scheme else "a link to another file")
        return None


def css_problem(css: str) -> str | None:
    """Why this CSS (a `<style>` sheet or a `style=` value) could fetch or import something; None if safe."""
    text = _decode_css_escapes(re.sub(r"/\*.*?(\*/|$)", " ", css, flags=re.DOTALL)).lower()
    for rule in re.findall(r"@([a-z0-9_-]+)", text):
        if rule not in CSS_AT_RULES:
            return f"@{rule}"
    for function in re.findall(r"([a-z0-9_-]+)\(", text):
        if function not in CSS_FUNCTIONS:
            return f"{function}()"
    for target in re.findall(r"url\(\s*['\"]?\s*(.?)", text):
        if target != "#":
            return "url() to another file"
    return None


def _decode_css_escapes(css: str) -> str:
    """`\\75 rl(` is `url(` to a browser: check what the browser will read."""

    def replace(match: re.Match[str]) -> str:
        hex_digits, other = match.group(1), match.group(2)
        if hex_digits:
            code = int(hex_digits, 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return "" if other == "\n" else other

    return re.sub(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", replace, css, flags=re.DOTALL)


def clean_raster(data_url: str, max_pixels: int) -> str | None:
    """An embedded image re-encoded without metadata (EXIF, GPS, comments); None when it is not one."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        payload = base64.b64decode(data_url.partition(",")[2].strip(), validate=False)
        with Image.open(io.BytesIO(payload)) as image:
            if image.width * image.height > max_pixels:
                return None
            was_jpeg = image.format == "JPEG"
            image.load()
            picture = ImageOps.exif_transpose(image)
            picture = picture.convert("RGB" if was_jpeg else "RGBA")
            picture.info.clear()
            out = io.BytesIO()
            picture.save(out, format="JPEG" if was_jpeg else "PNG", **({"quality": 90} if was_jpeg else {}))
    except (binascii.Error, UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, EOFError):
        return None
    mime = "jpeg" if was_jpeg else "png"
    return f"data:image/{mime};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


def _aspect(root: ET.Element) -> float | None:
    view_box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
    size: tuple[float, float] | None = None
    if len(view_box) == 4:
        size = _number(view_box[2]), _number(view_box[3])
    if size is None or not all(size):
        size = _number(root.get("width", "")), _number(root.get("height", ""))
    width, height = size
    return height / width if width and height and width > 0 and height > 0 else None


def _number(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*", text)
    return float(match.group(1)) if match else 0.0
