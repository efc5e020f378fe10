"""Files a spec names: resolving a path inside the site folder, and checking image and tab icon files."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

from .source import SpecPath

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff", ".heic", ".heif")
TAB_ICON_SUFFIXES = (".png", ".jpg", ".jpeg")

Report = Callable[[SpecPath, str], None]
"""Records a problem at a spec path (the caller maps the path to the file and line)."""


def resolve_site_path(site_dir: Path, relative: str) -> Path | str:
    """The file a spec path names, or a message saying why it cannot be used (outside the site, missing)."""
    if "\\" in relative or relative.startswith(("/", "~")) or (len(relative) > 1 and relative[1] == ":"):
        return (
            f"{relative!r} is not a path inside the site folder; write it relative to site.yaml, e.g. images/logo.png"
        )
    if any(part == ".." for part in relative.split("/")):
        return f"{relative!r} leaves the site folder; copy the file into the site (e.g. images/) and point there"
    root = site_dir.resolve()
    try:
        target = (site_dir / relative).resolve()
    except (RuntimeError, OSError):  # a symbolic link loop (Python 3.13 raises OSError ELOOP instead)
        return f"{relative!r} goes through a symbolic link that points back at itself; fix or remove the link"
    if not target.is_relative_to(root):
        return f"{relative!r} is a link to a file outside the site folder; copy the file into the site instead"
    if not target.exists():
        hint = _nearby_file(site_dir, relative)
        return (
            f"file {relative!r} does not exist{hint}; check the name "
            "(paths are relative to site.yaml and case-sensitive)"
        )
    if not target.is_file():
        return f"{relative!r} is a folder, not a file"
    return target


def _nearby_file(site_dir: Path, relative: str) -> str:
    folder = (site_dir / relative).parent
    if not folder.is_dir() or not folder.resolve().is_relative_to(site_dir.resolve()):
        return ""
    names = [p.name for p in folder.iterdir() if p.is_file()]
    match = difflib.get_close_matches(Path(relative).name, names, n=1)
    if not match:
        return ""
    return f" (did you mean {os.path.join(os.path.dirname(relative), match[0])!r}?)"


def check_tab_image(relative: str, path: SpecPath, site_dir: Path, limit_kb: int, report: Report) -> None:
    """Tab bar icons: PNG or JPEG (WeChat refuses GIF there), within the tab icon budget."""
    if not relative.lower().endswith(TAB_ICON_SUFFIXES):
        report(path, f"{relative!r} is not a PNG or JPEG; WeChat's tab bar takes png, jpg or jpeg icons")
        return
    resolved = resolve_site_path(site_dir, relative)
    if isinstance(resolved, str):
        report(path, resolved)
    elif resolved.stat().st_size > limit_kb * 1024:
        size_kb = resolved.stat().st_size / 1024
        report(path, f"{relative!r} is {size_kb:.0f} KB; tab icons must be at most {limit_kb} KB (81x81 px is enough)")


def check_image(relative: str, path: SpecPath, site_dir: Path, report: Report) -> None:
    """An image the spec names: an image file type, inside the site folder, present."""
    if not relative.lower().endswith(IMAGE_SUFFIXES):
        report(path, f"{relative!r} is not an image file; use JPEG, PNG, GIF, WebP, HEIC or SVG")
        return
    resolved = resolve_site_path(site_dir, relative)
    if isinstance(resolved, str):
        report(path, resolved)
