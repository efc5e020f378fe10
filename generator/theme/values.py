"""The theme's text values, checked so that they can only be what they say: a theme name, a font list, a title.

They are written raw into CSS (`--font-family: ...;`, a `/* ... */` comment) in app.wxss and the H5
site.css, so a value that could end the declaration or the comment is refused, not escaped.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

THEME_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

# CSS font-family syntax, narrowed: family names are identifiers (`-apple-system`, `微软雅黑`, `Helvetica
# Neue`) or quoted strings without quotes, backslashes, control characters or CSS punctuation. Written
# for Python's `re` and for JSON Schema (ECMA-262) alike.
_IDENT = r"-?[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF-]*"
_QUOTED_CHARS = r"[^\"'\\;{}<>/*@!\x00-\x1f\x7f]"
_FAMILY = rf"(?:\"{_QUOTED_CHARS}+\"|'{_QUOTED_CHARS}+'|{_IDENT}(?: +{_IDENT})*)"
FONT_LIST_PATTERN = rf"^ *{_FAMILY}(?: *, *{_FAMILY})* *$"
_FONT_LIST = re.compile(FONT_LIST_PATTERN)


def check_theme_name(value: str) -> str:
    if not re.fullmatch(THEME_NAME_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a theme name; name a theme (themes/<name>.yaml in the site folder, or a "
            "built-in one: warm, calm, night), not a path, e.g. extends: warm"
        )
    return value


def check_font_list(value: str) -> str:
    if not _FONT_LIST.fullmatch(value):
        raise ValueError(
            "is not a font list; write family names separated by commas, quoting names with spaces or "
            "symbols, e.g. '-apple-system, \"PingFang SC\", sans-serif' (no ; { } \\ or url())"
        )
    return value


def check_display_name(value: str) -> str:
    if "*/" in value:
        raise ValueError("contains '*/', which would end the CSS comment the theme's name is written in; remove it")
    return value


ThemeName = Annotated[str, AfterValidator(check_theme_name), Field(json_schema_extra={"pattern": THEME_NAME_PATTERN})]
"""The name of a theme: lowercase letters, digits, `-` and `_`; never a path."""

FontList = Annotated[
    str, Field(max_length=300, json_schema_extra={"pattern": FONT_LIST_PATTERN}), AfterValidator(check_font_list)
]
"""A CSS font stack: family names separated by commas."""

DisplayName = Annotated[
    str,
    Field(max_length=100, json_schema_extra={"pattern": r"^(?![\s\S]*\*/)"}),
    AfterValidator(check_display_name),
]
"""A theme's display name (shown in the generated CSS's first comment)."""
