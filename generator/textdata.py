"""User text as data: JSON for JS files that is safe inside any host, prices as exact decimals, paragraphs."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_JS_UNSAFE = {
    "<": "\\u003c",  # no `</script>` or `<!--` can appear in the text of a JS file
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",  # line separators end a string literal in older JS engines
    "\u2029": "\\u2029",
}
_JS_TABLE = str.maketrans(_JS_UNSAFE)


def js_literal(value: Any, indent: int | None = None) -> str:
    """A JavaScript expression equal to `value`: JSON with HTML-significant characters escaped.

    Compact unless `indent` is given: page data is most of a package's bytes, and WeChat counts them.
    Keys are sorted so the same data gives the same bytes (deterministic output).
    """
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        value, ensure_ascii=False, sort_keys=True, indent=indent, separators=separators, default=_json_default
    )
    return text.translate(_JS_TABLE)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} into page data")


CENT = Decimal("0.01")


def price_text(amount: Decimal) -> str:
    """`Decimal('19.9')` -> `¥19.90`, exactly (no binary floats on the way)."""
    return f"¥{amount.quantize(CENT, rounding=ROUND_HALF_UP)}"


def price_fen(amount: Decimal) -> int:
    """Yuan -> fen, the unit WeChat Pay works in."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; single newlines inside a paragraph are kept."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = [part.strip("\n") for part in normalised.split("\n\n")]
    return [part for part in parts if part.strip()]


def article_sections(text: str) -> list[dict[str, str]]:
    """Paragraphs of an article; a paragraph starting with `## ` is a subheading."""
    sections = []
    for part in paragraphs(text):
        if part.startswith("## "):
            sections.append({"kind": "h", "text": part[3:].strip()})
        else:
            sections.append({"kind": "p", "text": part})
    return sections
