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
    """The last build wrote this very file at this path, found untouched (`previous.py`): a writer keeps
    (links) that file, and `data` is empty: a big site's unchanged pages are never read."""
    size: int = -1
    """A kept file's size in bytes (else that of `data`)."""

    @property
    def length(self) -> int:
        return self.size if self.kept else len(self.data)


def kept_file(path: str, size: int, origin: str) -> OutputFile:
    """A file the last build wrote at `path` and this one keeps as it is, without its bytes."""
    return OutputFile(path, b"", origin, kept=True, size=size)


def text_file(path: str, text: str, origin: str) -> OutputFile:
    return OutputFile(path, text.encode("utf-8"), origin)
