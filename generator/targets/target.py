"""An output target (mini-program, H5 site, Official Account, backend contract, analytics): one unit with
its name, its folder below the output and its renderer, behind one small protocol; `build.TARGETS` lists them.

A new target (the shop's backend, a new platform) is a module under `render/` that defines a `TARGET`
and formats the plan's `Link` and `ImageRef` values in its own words, plus one line in `build.TARGETS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..plan.site import Site
from ..write.output import OutputFile

Sink = Callable[[list[OutputFile]], None]
"""Takes files as they are rendered (the build's writer), so writing overlaps rendering."""


class Target(Protocol):
    """What the build asks of an output target."""

    @property
    def name(self) -> str: ...

    @property
    def root(self) -> str:
        """Its folder below the output folder (`miniprogram`, `h5`, ...)."""
        ...

    def render(self, site: Site, sink: Sink, keep: bool = True) -> list[OutputFile]:
        """Every file of the target (each path once, below the output folder), also handed to `sink`;
        with `keep=False` a target may return only what it did not hand over while rendering (a big
        site's pages need not all be in memory at once)."""
        ...


@dataclass(frozen=True)
class BatchTarget:
    """A target that renders all its files at once: handed to the sink as one batch."""

    name: str
    root: str
    make: Callable[[Site], list[OutputFile]]

    def render(self, site: Site, sink: Sink, keep: bool = True) -> list[OutputFile]:
        files = self.make(site)
        sink(files)
        return files


@dataclass(frozen=True)
class StreamingTarget:
    """A target that hands its files to the sink itself while it renders (the H5 site: a page per product)."""

    name: str
    root: str
    make: Callable[[Site, Sink, bool], list[OutputFile]]

    def render(self, site: Site, sink: Sink, keep: bool = True) -> list[OutputFile]:
        return self.make(site, sink, keep)
