"""The block library. Each module of this package is one block type: its spec model (`BLOCK`), what it
names and needs, and the typed data it is planned into; its templates are `templates/blocks/<type>/`
(`index.js`, `index.wxml`, `index.wxss`: the mini-program component; `h5.html`: the H5 partial).

The registry is found, not listed: a new module with a `BLOCK` is a new block type everywhere (the
spec's union and JSON Schema, validation, lint, planning, both targets).
"""

from __future__ import annotations

import importlib
import pkgutil
import typing

from .base import BlockSpec

_HELPERS = frozenset({"base", "links"})  # shared parts, and the block the build writes itself


def _discover() -> dict[str, type[BlockSpec]]:
    found: dict[str, type[BlockSpec]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _HELPERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        model = getattr(module, "BLOCK", None)
        if not (isinstance(model, type) and issubclass(model, BlockSpec)):
            raise TypeError(f"{module.__name__} defines no BLOCK (its BlockSpec model)")
        (name,) = typing.get_args(model.model_fields["type"].annotation)
        if name != info.name:
            raise TypeError(f"{module.__name__}.BLOCK is of type {name!r}; name the module after its type")
        found[name] = model
    return found


BLOCK_MODELS: dict[str, type[BlockSpec]] = _discover()
"""Each block type's spec model, by type name (alphabetical)."""
BLOCK_TYPES = tuple(BLOCK_MODELS)
GROWTH_BLOCKS = tuple(name for name, model in BLOCK_MODELS.items() if model.needs_commerce)
"""Blocks that talk to the commerce backend (they need `commerce:`)."""
