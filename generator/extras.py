"""Optional parts of mpgen (pip extras): import one, or tell the user which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import GenError

EXTRAS = {
    "preview": "screenshots with `gen preview` (Playwright driving Debian's chromium)",
    "oa": "the Official Account's message server, `gen oa serve`",
    "serve": "the shop's backend, `gen serve`",
}


def require(module: str, extra: str) -> ModuleType:
    """Import `module`, or fail with a message naming the pip extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise GenError(
            f"{EXTRAS[extra]} needs the Python package {module.split('.')[0]!r}, which is not installed; "
            f"install it with: pip install 'mpgen[{extra}]'"
        ) from None
