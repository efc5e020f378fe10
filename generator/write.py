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
    total = 0
    try:
        staging.mkdir()
        (staging / MARKER).write_text("Made by mpgen `gen build`; replaced on every build.\n", encoding="utf-8")
        for file in files:
            target = staging / _safe_relative(file.path)
            target.parent.mkdir(parents=True, exist_ok=True)
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
    return WriteReport(out_dir, len(files), total)


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
