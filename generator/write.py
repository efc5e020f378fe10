"""Write stage, the only code that touches the output folder: build beside it, then swap it in."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import GenError
from .output import OutputFile

MARKER = ".mpgen-output"
"""A file in every output folder, so the writer never replaces a folder it did not make."""


@dataclass(frozen=True)
class WriteReport:
    out_dir: Path
    files: int
    bytes: int
    changed: int = -1  # files written (or, by a sync, removed); unchanged ones are kept, not rewritten


def write_output(files: list[OutputFile], out_dir: Path) -> WriteReport:
    """Write `files` under a temporary sibling of `out_dir` and swap it into place.

    A failure at any point leaves the previous output untouched.
    """
    with StagedOutput(out_dir) as staged:
        staged.add(files)
        return staged.commit()


class StagedOutput:
    """The swap writer, fed while the build goes on: each batch of files is written to a staging folder
    beside `out_dir` by a background thread (file writes wait on the disk, not on Python, so the next
    target renders meanwhile); `commit()` swaps the folder in. Leaving the `with` block without a
    commit, by an exception or otherwise, throws the staging folder away and keeps the previous output.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir.resolve()
        _check_replaceable(self.out_dir)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.staging-{os.getpid()}")
        self.retired = self.out_dir.with_name(f".{self.out_dir.name}.retired-{os.getpid()}")
        for leftover in (self.staging, self.retired):
            if leftover.exists():
                shutil.rmtree(leftover)
        self.previous = self.out_dir if self.out_dir.is_dir() else None
        self.staging.mkdir()
        (self.staging / MARKER).write_text("Made by mpgen `gen build`; replaced on every build.\n", encoding="utf-8")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mpgen-write")
        self._batches: list[Future[None]] = []
        # touched by the writer thread only (until commit() has waited for it)
        self._made: set[Path] = set()
        self._sizes: dict[PurePosixPath, int] = {}
        self._linked: set[PurePosixPath] = set()
        self._committed = False

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committed:
            self._writer.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(self.staging, ignore_errors=True)

    def add(self, files: list[OutputFile]) -> None:
        """Queue `files` for writing; paths are checked now, so a bad one fails the build at once."""
        batch = [(_safe_relative(file.path), file.data) for file in files]
        self._batches.append(self._writer.submit(self._write, batch))

    def commit(self) -> WriteReport:
        """Wait for every write (raising the first error), then swap the staging folder into place."""
        for batch in self._batches:
            batch.result()
        self._writer.shutdown(wait=True)
        try:
            if self.out_dir.exists():
                self.out_dir.rename(self.retired)
            self.staging.rename(self.out_dir)
        except BaseException:
            if self.retired.exists() and not self.out_dir.exists():
                self.retired.rename(self.out_dir)
            raise
        self._committed = True
        shutil.rmtree(self.retired, ignore_errors=True)
        files = len(self._sizes)
        return WriteReport(self.out_dir, files, sum(self._sizes.values()), files - len(self._linked))

    def _write(self, batch: list[tuple[PurePosixPath, bytes]]) -> None:
        for relative, data in batch:
            target = self.staging / relative
            if relative in self._sizes:  # given again (a shared image): the last one wins
                self._linked.discard(relative)
                target.unlink()  # never write through a link into the previous output
                target.write_bytes(data)
            else:
                if target.parent not in self._made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self._made.add(target.parent)
                if self.previous is not None and _link_if_unchanged(self.previous / relative, target, data):
                    self._linked.add(relative)
                else:
                    target.write_bytes(data)
            self._sizes[relative] = len(data)


def _link_if_unchanged(old: Path, new: Path, data: bytes) -> bool:
    """Hard-link `old` as `new` when it already holds `data`.

    An unchanged rebuild then writes no file data and frees no disk blocks when the old folder goes:
    both are what make a big rewrite slow (deleting frees blocks the next writes wait for), and
    WeChat DevTools watching the folder sees unchanged files as unchanged.
    """
    try:
        if old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, new)
    except OSError:  # gone, unreadable, or a file system without hard links: write it instead
        return False
    return True


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise GenError(f"output {out_dir} is a file; choose a folder with --out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise GenError(
            f"output folder {out_dir} already holds files that mpgen did not write; "
            "choose an empty or new folder with --out (the build replaces the whole folder)"
        )


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise AssertionError(f"renderer produced an unsafe output path: {path!r}")
    return relative


def sync_output(files: list[OutputFile], out_dir: Path) -> WriteReport:
    """Bring `out_dir` in line with `files`, touching only what changed (the dev server's writer).

    Each changed file is replaced atomically, so a browser or WeChat DevTools watching the folder
    never reads half a file, and unchanged files keep their timestamps.
    """
    out_dir = out_dir.resolve()
    _check_replaceable(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("Made by mpgen `gen build`; replaced on every build.\n", encoding="utf-8")
    wanted = {str(_safe_relative(f.path)): f for f in files}
    changed = 0
    for relative, file in wanted.items():
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
        changed += 1
    for existing in sorted(out_dir.rglob("*"), reverse=True):
        relative = existing.relative_to(out_dir).as_posix()
        if existing.is_file() and relative not in wanted and relative != MARKER:
            existing.unlink()
            changed += 1
        elif existing.is_dir() and not any(existing.iterdir()):
            existing.rmdir()
    return WriteReport(out_dir, len(files), sum(len(f.data) for f in files), changed)
