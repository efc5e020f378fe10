"""Write stage, the only code that touches the output folder: build beside it, then swap it in."""

from __future__ import annotations

import os
import shutil
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
    out_dir = out_dir.resolve()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.staging-{os.getpid()}")
    retired = out_dir.with_name(f".{out_dir.name}.retired-{os.getpid()}")
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    total = reused = 0
    previous = out_dir if out_dir.is_dir() else None
    made: set[Path] = set()
    try:
        staging.mkdir()
        (staging / MARKER).write_text("Made by mpgen `gen build`; replaced on every build.\n", encoding="utf-8")
        for file in files:
            relative = _safe_relative(file.path)
            target = staging / relative
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if previous is not None and _link_if_unchanged(previous / relative, target, file.data):
                reused += 1
            else:
                target.write_bytes(file.data)
            total += len(file.data)
        if out_dir.exists():
            out_dir.rename(retired)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not out_dir.exists():
            retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    return WriteReport(out_dir, len(files), total, len(files) - reused)


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
