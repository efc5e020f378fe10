"""Jinja2 environment per target: the site's own `templates/<target>/` first, then the built-in ones."""

from __future__ import annotations

from pathlib import Path

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
    delimiters = dict(
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
        **(delimiters if target == "miniprogram" else {}),
    )
    env.filters["js"] = js_literal
    return env
