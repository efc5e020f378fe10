"""Jinja2 environment per target: the site's own `templates/<target>/` first, then the built-in ones."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2

from .resources import builtin_templates_dir
from .textdata import js_literal


def template_env(target: str, site_dir: Path) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(site_dir / "templates" / target)),
            jinja2.FileSystemLoader(str(builtin_templates_dir() / target)),
        ]
    )
    # Mini-program templates never receive user text except through the `js` filter, so autoescape
    # (HTML entities, which WXML does not decode) would be wrong there; the H5 target escapes everything.
    # WXML owns `{{ }}`, so mini-program templates use `[[ ]]` and `[% %]` for Jinja.
    delimiters: dict[str, Any] = dict(
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=target == "h5",
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a build never sees a template change; the per-lookup stat() adds up
        bytecode_cache=_bytecode_cache(),
        **(delimiters if target == "miniprogram" else {}),
    )
    env.filters["js"] = js_literal
    return env


@functools.cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder, like Python's own .pyc files: a new process
    then skips compiling them (30 ms of a build). Entries are keyed by the template's source checksum,
    so an edited template, built-in or the site's own, is compiled again. None when there is nowhere
    to write."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # Bytecode depends on the environment's settings too (delimiters, autoescape): a change to this
    # module starts a new folder.
    settings = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    folder = base / "mpgen" / f"templates-{settings}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that cannot be written (full disk, read-only home) only costs the compile time."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass
