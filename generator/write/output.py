"""The in-memory result of rendering: files with their bytes and what produced them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFile:
    """One file of the build, relative to the output folder (posix path, e.g. `miniprogram/app.json`)."""

    path: str
    data: bytes
    origin: str
    """What produced it: a template name, a source file, or a generator stage."""
    kept: bool = False
    """The bytes were taken from the file the last build wrote at this path, found untouched
    (`previous.py`): a writer may keep that file instead of comparing it again."""


def text_file(path: str, text: str, origin: str) -> OutputFile:
    return OutputFile(path, text.encode("utf-8"), origin)
