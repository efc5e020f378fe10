"""GitHub Actions output: workflow-command annotations and the job's Markdown step summary.

Annotations only land on a file when its path is relative to the repository checkout
(`$GITHUB_WORKSPACE`, else the current folder), and their text must be escaped the way the runner
parses workflow commands (`%`, CR and LF in the message; also `:` and `,` in property values).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Position


def escape_data(text: str) -> str:
    """A workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title, ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace() -> Path:
    """The folder annotation paths are relative to."""
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())


def annotation_path(site_dir: Path, file: str) -> str:
    """`file` (relative to the site) as GitHub wants it: relative to the workspace, with `/`."""
    return Path(os.path.relpath((site_dir / file).resolve(), workspace().resolve())).as_posix()


def annotation(severity: str, message: str, title: str, site_dir: Path, position: Position | None = None) -> str:
    """`::error file=sites/shop/site.yaml,line=10,col=5,title=...::message`."""
    properties = []
    if position is not None and position.file:
        properties.append(f"file={escape_property(annotation_path(site_dir, position.file))}")
        if position.line:
            properties.append(f"line={position.line}")
        if position.col:
            properties.append(f"col={position.col}")
    properties.append(f"title={escape_property(title)}")
    return f"::{severity} {','.join(properties)}::{escape_data(message)}"


def markdown_text(text: str) -> str:
    """User text inside a Markdown table cell or list item: shown literally, never as markup."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#~":
        out = out.replace(char, "\\" + char)
    return out.replace("\r", " ").replace("\n", " ")


def append_step_summary(markdown: str) -> Path | None:
    """Append `markdown` to the file `$GITHUB_STEP_SUMMARY` names (other steps' text is kept)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as summary:
        summary.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return Path(target)
