"""The last build's output, as a source of pages that need not be rendered again.

A renderer names each page it is about to render by a key: a digest of everything the page is made
from (its template, the site-wide values every page reads, and the page's own values). When the last
build rendered the same path from the same key, and the file in the output folder is still the one
that build wrote (same size and time as recorded after its write), its bytes are this page's bytes:
the renderer takes them instead of rendering. The keys of this build are kept with the build's state
for the next one (`build_state.record`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..build_state import BuildKey, Stamps, read_state


class PreviousOutput:
    """Pages of the last build by key; collects this build's keys as the renderers go."""

    def __init__(self, out_dir: Path, stamps: Stamps, keys: dict[str, str]) -> None:
        self.out_dir = out_dir
        self.folder = str(out_dir)
        self.stamps = stamps
        self.keys = keys
        self.new_keys: dict[str, str] = {}
        self.reused = 0
        self.shared = ""  # this build's digest of what every H5 page shares (set by the renderer)
        self.values_from = ""
        self.known: dict[str, str] = {}
        """Set when this build plans exactly what the last one did (gen dev after a theme-only edit): that
        build's shared digest and its page keys. Where this build's digest is the same, each page's key is
        the one it had, so the renderer takes it without working the page's values out again."""

    def known_key(self, path: str, shared: str) -> str | None:
        """The last build's key of `path` when this build's pages have the same values; else None."""
        return self.known.get(path) if self.values_from and self.values_from == shared else None

    @staticmethod
    def empty() -> PreviousOutput:
        """No last build (or none to trust): every page is rendered, and its key noted."""
        return PreviousOutput(Path(), {}, {})

    @staticmethod
    def of_build(key: BuildKey | None) -> PreviousOutput:
        """The output of the last build with this key, or an empty one."""
        state = read_state(key) if key is not None else None
        if state is None or not isinstance(state.get("outputs"), dict) or not isinstance(state.get("page_keys"), dict):
            return PreviousOutput.empty()
        assert key is not None
        return PreviousOutput(key.out_dir, state["outputs"], state["page_keys"])

    def reuse(self, path: str, key: str) -> int | None:
        """The size of the file the last build wrote at `path` (below the output folder) from `key`, when it
        is still as written; else None."""
        self.new_keys[path] = key
        if self.keys.get(path) != key:
            return None
        recorded = self.stamps.get(path)
        if recorded is None:
            return None
        file = os.path.join(self.folder, path)  # strings, not Path: this runs once per page of a big site
        try:
            stat = os.stat(file)
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns) != tuple(recorded):
            return None
        self.reused += 1
        return stat.st_size


def page_key(*parts: bytes | str) -> str:
    """One digest of a page's parts (each already a stable serialisation)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()
