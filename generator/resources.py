"""Where the built-in templates and themes are: inside the installed wheel, or in the source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    shipped = _PACKAGE / "_builtin" / name  # present in an installed wheel
    if shipped.is_dir():
        return shipped
    return _PACKAGE.parent / name  # editable install / source checkout


def builtin_templates_dir() -> Path:
    return _builtin("templates")


def builtin_themes_dir() -> Path:
    return _builtin("themes")
