"""The files below an output folder, listed again only in the folders that changed since the last look.

The sync writer (gen dev) must know every file of its output to remove the ones no longer wanted; at
10,000 products a walk of the folder is tens of thousands of entries per save. A folder's modification
time changes whenever a name is added to it or removed from it, so a folder whose time is the one noted
after the last look still holds the names it held then. A time noted within `RACY_NS` of the moment it
was noted may yet hide a change made in the same clock tick (file times advance in ticks of a few ms):
such a folder is listed again next time, as git does with its "racily clean" entries.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

RACY_NS = 50_000_000


@dataclass(frozen=True)
class _Folder:
    mtime_ns: int
    files: tuple[str, ...]  # names of files (and of links to folders, which the writer removes as files)
    folders: tuple[str, ...]


class FolderListing:
    """The last look at one output folder."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.folders: dict[str, _Folder] = {}  # by path relative to root ("" for root)

    def files(self) -> list[str]:
        """Every file below the root, relative, posix; each folder listed again only if it changed."""
        found: list[str] = []
        seen: dict[str, _Folder] = {}
        pending = [""]
        while pending:
            relative = pending.pop()
            folder = os.path.join(self.root, relative) if relative else self.root
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                continue
            known = self.folders.get(relative)
            if known is None or known.mtime_ns != mtime:
                known = _list(folder, mtime)
            seen[relative] = known
            prefix = relative + "/" if relative else ""
            found += [prefix + name for name in known.files]
            pending += [prefix + name for name in known.folders]
        self.folders = seen
        return found

    def forget(self) -> None:
        self.folders = {}

    def settle(self) -> None:
        """Note each folder's time now (after the writer changed it); racy ones are listed next time."""
        now = time.time_ns()
        settled: dict[str, _Folder] = {}
        for relative, known in self.folders.items():
            folder = os.path.join(self.root, relative) if relative else self.root
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                continue
            if mtime == known.mtime_ns and now - mtime > RACY_NS:
                settled[relative] = known
        self.folders = settled


def _list(folder: str, mtime: int) -> _Folder:
    files: list[str] = []
    folders: list[str] = []
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry.name)
        else:
            files.append(entry.name)
    return _Folder(mtime, tuple(files), tuple(folders))
