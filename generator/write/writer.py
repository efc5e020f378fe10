"""Write stage, the only code that touches the output folder: build beside it, then swap it in.

The swap is one atomic step where the system has one (Linux: `renameat2(RENAME_EXCHANGE)` exchanges
the new folder with the old, so `dist/` stays a real folder that is at every moment either the old
output or the new one, even when the build is killed); elsewhere two renames with a rollback.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import posixpath
import re
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import GenError
from .listing import FolderListing
from .output import OutputFile

MARKER = ".mpgen-output"
"""A file in every output folder, so the writer never replaces a folder it did not make."""


@dataclass(frozen=True)
class WriteReport:
    out_dir: Path
    files: int
    bytes: int
    changed: int = -1  # files written (or, by a sync, removed); unchanged ones are kept, not rewritten
    changed_paths: tuple[str, ...] = ()  # those files, below the output folder
    paths: tuple[str, ...] = ()  # every file of the output but its marker
    linked: frozenset[str] = frozenset()
    """Files as the previous build wrote them (same stamps): the swap writer's hard links of them, the
    sync writer's files left alone."""


@dataclass(frozen=True)
class Maker:
    """Which command makes an output folder: named in its marker file and in the hints of its errors."""

    command: str
    option: str  # the command's option that chooses another folder

    @property
    def marker_text(self) -> str:
        return f"Made by mpgen `{self.command}`; replaced each time it runs.\n"


BUILD = Maker("gen build", "--out")
MAX_QUEUED = 8
"""Batches handed to the writer thread and not yet written: rendering waits beyond this, so a big site's
pages do not pile up in memory while the disk catches up."""
PREVIEW = Maker("gen preview", "--preview-dir")


def write_output(files: list[OutputFile], out_dir: Path, maker: Maker = BUILD) -> WriteReport:
    """Write `files` under a temporary sibling of `out_dir` and swap it into place.

    A failure at any point leaves the previous output untouched.
    """
    with StagedOutput(out_dir, maker) as staged:
        staged.add(files)
        return staged.commit()


class StagedOutput:
    """The swap writer, fed while the build goes on: each batch of files is written to a staging folder
    beside `out_dir` by a background thread (file writes wait on the disk, not on Python, so the next
    target renders meanwhile); `commit()` swaps the folder in. Leaving the `with` block without a
    commit, by an exception or otherwise, throws the staging folder away and keeps the previous output.
    """

    def __init__(self, out_dir: Path, maker: Maker = BUILD) -> None:
        self.maker = maker
        self.out_dir = _resolve_output(out_dir, maker)
        _check_replaceable(self.out_dir, maker)
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.staging-{os.getpid()}")
        self.retired = self.out_dir.with_name(f".{self.out_dir.name}.retired-{os.getpid()}")
        self.previous = self.out_dir if self.out_dir.is_dir() else None
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(self.out_dir)
            self.staging.mkdir()
            (self.staging / MARKER).write_text(maker.marker_text, encoding="utf-8")
        except OSError as exc:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise output_error(exc, self.out_dir, self._kept(), self.staging / MARKER, maker) from None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mpgen-write")
        self._batches: list[Future[None]] = []
        # touched by the writer thread only (until commit() has waited for it)
        # paths as strings (posix, below the output): a big site's output is tens of thousands of files
        self._made: set[str] = set()
        self._sizes: dict[str, int] = {}
        self._linked: set[str] = set()
        self._committed = False

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committed:
            self._writer.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(self.staging, ignore_errors=True)

    def add(self, files: list[OutputFile]) -> None:
        """Queue `files` for writing; paths are checked now, so a bad one fails the build at once.
        When the disk falls behind, this waits: at most MAX_QUEUED batches are held in memory."""
        batch = [(_safe_relative(file.path), file.data, file.kept, file.length) for file in files]
        if len(self._batches) >= MAX_QUEUED:
            self._batches[-MAX_QUEUED].result()  # raises a write's error here, as commit() would
        self._batches.append(self._writer.submit(self._write, batch))

    def commit(self) -> WriteReport:
        """Wait for every write (raising the first error), then swap the staging folder into place."""
        try:
            for batch in self._batches:
                batch.result()
            self._writer.shutdown(wait=True)
            old = self._swap()
        except OSError as exc:
            raise output_error(exc, self.out_dir, self._kept(), maker=self.maker) from None
        self._committed = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        files = len(self._sizes)
        written = tuple(p for p in self._sizes if p not in self._linked)
        paths, linked = tuple(self._sizes), frozenset(self._linked)
        return WriteReport(self.out_dir, files, sum(self._sizes.values()), len(written), written, paths, linked)

    def _kept(self) -> str:
        return "the previous output is unchanged" if self.previous is not None else "nothing was written"

    def _swap(self) -> Path | None:
        """Put the staging folder in place of `out_dir`; returns where the old output went, to delete."""
        if not os.path.lexists(self.out_dir):
            self.staging.rename(self.out_dir)  # atomic, and refused if a folder appeared meanwhile
            return None
        if _exchange(self.staging, self.out_dir):
            return self.staging  # the name now holds the old output
        self.out_dir.rename(self.retired)
        try:
            self.staging.rename(self.out_dir)
        except BaseException:
            self.retired.rename(self.out_dir)
            raise
        return self.retired

    def _write(self, batch: list[tuple[str, bytes, bool, int]]) -> None:
        staging = str(self.staging)
        previous = str(self.previous) if self.previous is not None else None
        for relative, data, kept, length in batch:
            try:
                self._write_one(staging, previous, relative, data, kept, length)
            except OSError as exc:
                if exc.filename is None:  # a failed write() says nothing of the file it was writing
                    raise OSError(exc.errno, exc.strerror, os.path.join(staging, relative)) from exc
                raise

    def _write_one(
        self, staging: str, previous: str | None, relative: str, data: bytes, kept: bool, length: int
    ) -> None:
        target = os.path.join(staging, relative)
        if relative in self._sizes:  # given again (a shared image): the last one wins
            self._linked.discard(relative)
            os.unlink(target)  # never write through a link into the previous output
            _write_file(target, data)
        else:
            parent = os.path.dirname(target)
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            old = os.path.join(previous, relative) if previous is not None else None
            if old is not None and _link_if_unchanged(old, target, data, kept):
                self._linked.add(relative)
            elif kept:  # no hard links here: a copy of the last build's file (its bytes were never read)
                if old is None:
                    raise OSError(errno.ENOENT, "the last build's file is gone", relative)
                shutil.copyfile(old, target)
            else:
                _write_file(target, data)
        self._sizes[relative] = length


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2 (2.28 and later, Linux only), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # an old kernel, or a file system without exchange (some network ones)
    raise OSError(code, os.strerror(code), str(b))


def remove_leftovers(out_dir: Path) -> None:
    """Delete the staging and retired folders of builds of `out_dir` that were killed.

    Only those whose process is gone: a build running beside this one keeps its staging folder.
    """
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(?:staging|retired)-(\d+)")
    try:
        entries = list(out_dir.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found and (int(found[1]) == os.getpid() or not _alive(int(found[1]))) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap, safe check (os.kill ends the process on Windows): keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    return True


IO_REASONS = {
    errno.ENOSPC: ("the disk is full", "free some space on it, or build elsewhere with --out"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, or build elsewhere with --out"),
    errno.EROFS: ("the file system is read-only", "build into a writable folder with --out"),
    errno.EACCES: ("permission denied", "build into a folder you may write with --out, or fix its permissions"),
    errno.EPERM: ("permission denied", "build into a folder you may write with --out, or fix its permissions"),
}


def output_error(exc: OSError, out_dir: Path, kept: str, writing: Path | None = None, maker: Maker = BUILD) -> GenError:
    """A failed write as a clear error (exit 2): what went wrong, where, what became of the output."""
    reason, what = IO_REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "check the disk and the folder"))
    filename = exc.filename or writing
    where = f" ({filename})" if filename else ""
    what = what.replace(BUILD.option, maker.option)
    return GenError(f"cannot write the output {out_dir}: {reason}{where}; {kept}; {what}")


def _resolve_output(out_dir: Path, maker: Maker = BUILD) -> Path:
    try:
        return out_dir.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop (RuntimeError before Python 3.13)
        raise GenError(
            f"output folder {out_dir} goes through a symbolic link that points back at itself; "
            f"fix the link or choose another folder with {maker.option}"
        ) from None


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def _link_if_unchanged(old: str, new: str, data: bytes, known: bool = False) -> bool:
    """Hard-link `old` as `new` when it already holds `data` (`known`: the build read it from there).

    An unchanged rebuild then writes no file data and frees no disk blocks when the old folder goes:
    both are what make a big rewrite slow (deleting frees blocks the next writes wait for), and
    WeChat DevTools watching the folder sees unchanged files as unchanged.
    """
    try:
        if not known and (os.stat(old).st_size != len(data) or _read_file(old) != data):
            return False
        os.link(old, new)
    except OSError:  # gone, unreadable, or a file system without hard links: write it instead
        return False
    return True


def _check_replaceable(out_dir: Path, maker: Maker = BUILD) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise GenError(f"output {out_dir} is a file; choose a folder with {maker.option}")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise GenError(
            f"output folder {out_dir} already holds files that mpgen did not write; choose an empty or new "
            f"folder with {maker.option} (`{maker.command}` replaces the whole folder)"
        )


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _safe_relative(path: str) -> str:
    """`path` as a clean relative posix path (no empty or `.` parts); an absolute one, one with `..` or
    an empty one is a renderer's bug."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if path.startswith("/") or ".." in parts or not parts:
        raise AssertionError(f"renderer produced an unsafe output path: {path!r}")
    return "/".join(parts)


def sync_output(files: list[OutputFile], out_dir: Path) -> WriteReport:
    """Bring `out_dir` in line with `files`, touching only what changed (the dev server's writer).

    Each changed file is replaced atomically, so a browser or WeChat DevTools watching the folder
    never reads half a file, and unchanged files keep their timestamps.
    """
    out_dir = _resolve_output(out_dir)
    _check_replaceable(out_dir)
    try:
        return _sync(files, out_dir)
    except OSError as exc:
        raise output_error(exc, out_dir, "files written before it are in place, the others are as they were") from None


def _sync(files: list[OutputFile], out_dir: Path) -> WriteReport:
    root = str(out_dir)  # (strings, not Path: a big site's output is tens of thousands of files)
    listing = _listings.get(root)
    if listing is None:
        listing = _listings[root] = FolderListing(root)
    try:
        return _sync_listed(files, out_dir, listing)
    except BaseException:
        listing.forget()  # what the writer did before it failed is seen by the next look
        raise


_listings: dict[str, FolderListing] = {}
"""The sync writer's last look at each output folder (gen dev syncs one folder again and again)."""


def _sync_listed(files: list[OutputFile], out_dir: Path, listing: FolderListing) -> WriteReport:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text(BUILD.marker_text, encoding="utf-8")
    wanted = {_safe_relative(f.path): f for f in files}
    changed: list[str] = []
    root = listing.root
    existing = listing.files()
    # What is no longer wanted goes first, so a file that became a folder (or the reverse) has room;
    # then each folder it emptied, deepest first.
    emptied: set[str] = set()
    for relative in existing:
        if relative not in wanted and relative != MARKER:
            os.unlink(os.path.join(root, relative))
            changed.append(relative)
            emptied.add(posixpath.dirname(relative))
    for folder in sorted(emptied, key=lambda f: f.count("/"), reverse=True):
        while folder:
            path = os.path.join(root, folder)
            if os.path.isdir(path):
                if os.listdir(path):
                    break
                os.rmdir(path)
            folder = posixpath.dirname(folder)
    present = set(existing)
    kept: list[str] = []
    for relative, file in wanted.items():
        if file.kept:  # this very file, found as the last build wrote it (write/previous.py)
            if relative not in present:
                raise OSError(errno.ENOENT, "removed during the build; save again to rebuild", relative)
            kept.append(relative)
            continue
        target = out_dir / relative
        try:
            if target.stat().st_size == len(file.data) and target.read_bytes() == file.data:
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        partial.write_bytes(file.data)
        partial.replace(target)
        changed.append(relative)
    listing.settle()
    return WriteReport(
        out_dir,
        len(files),
        sum(f.length for f in files),
        len(changed),
        tuple(changed),
        paths=tuple(wanted),
        linked=frozenset(kept),
    )
