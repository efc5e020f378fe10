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
# Neue`) or quoted strings without quotes, backslashes, control characters or CSS punctuation. The
# pattern is the JSON Schema's (ECMA-262); Python's `re` gets the same language, written to compile fast.
_IDENT = r"-?[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF-]*"
_QUOTED_CHARS = r"[^\"'\\;{}<>/*@!\x00-\x1f\x7f]"


def _font_list_pattern(ident: str) -> str:
    family = rf"(?:\"{_QUOTED_CHARS}+\"|'{_QUOTED_CHARS}+'|{ident}(?: +{ident})*)"
    return rf"^ *{family}(?: *, *{family})* *$"


FONT_LIST_PATTERN = _font_list_pattern(_IDENT)
# The same identifier for `re`, its two sets written as the characters they leave out: `re` compiles a
# range such as \u0080-\uFFFF into a table by a loop over its 65,408 characters, about 5 ms a range, and
# the pattern has eight (every build checks a font list). tests/test_theme_security.py checks the sets.
_IDENT_FOR_RE = r"-?[^\x00-@\[-^`{-\x7f\U00010000-\U0010FFFF][^\x00-,./:-@\[-^`{-\x7f\U00010000-\U0010FFFF]*"
_FONT_LIST = re.compile(_font_list_pattern(_IDENT_FOR_RE))


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
