"""A second process that renders part of a big site's pages while this one renders the rest.

A build is one Python process, and rendering a page per product is most of a big build's time; with two
cores or more, the H5 renderer hands the last part of the product pages to a helper forked from the
build once the site is planned (so it has the planned site without copying it), which renders them
exactly as this process would and sends back each batch of files, the page keys it used and how many
pages it took from the last output. Only this process hands files to the writer.

The helper is forked before the build starts any thread (the writer's), as forking a process with
threads may copy a lock another thread holds. Where there is no fork (Windows, macOS' default), one
core, or a small catalog, there is no helper and every page is rendered here.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from ..errors import GenError
from ..plan.site import Site
from ..write.output import OutputFile

MIN_PRODUCTS = 2000
"""Below this the fork and the transfer cost more than half the rendering saves."""
HELPER_SHARE = 0.65
"""The share of the product pages the helper renders (this process also feeds the writer)."""

Render = Callable[[Site, list[str]], Iterator[list[OutputFile]]]
"""Renders the product pages of these ids, a batch of files at a time (run in the helper)."""


def wanted(site: Site, jobs: int | None) -> bool:
    products = len((site.catalog_data or {}).get("products", {}))
    cores = jobs if jobs is not None else (os.cpu_count() or 1)
    return cores > 1 and products >= MIN_PRODUCTS and "fork" in multiprocessing.get_all_start_methods()


class PageHelper:
    """The helper process and its end of the pipe; `start` forks it, `batches` reads what it made."""

    def __init__(self, site: Site, ids: list[str], render: Render) -> None:
        self.ids = ids
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe(duplex=False)
        self.process = context.Process(target=_run, args=(site, ids, render, child), daemon=True)
        self.process.start()
        child.close()
        self.page_keys: dict[str, str] = {}
        self.reused = 0

    def ready(self) -> list[list[OutputFile]]:
        """The batches the helper has sent so far (without waiting)."""
        batches = []
        while not self.connection.closed and self.connection.poll():
            batch = self._receive()
            if batch is None:
                break
            batches.append(batch)
        return batches

    def rest(self) -> Iterator[list[OutputFile]]:
        """Every batch still to come, waiting for the helper to finish."""
        while True:
            batch = self._receive()
            if batch is None:
                return
            yield batch

    def _receive(self) -> list[OutputFile] | None:
        if self.connection.closed:
            return None
        try:
            kind, value = self.connection.recv()
        except EOFError:
            self.close()
            raise GenError("the page helper process stopped before it finished (out of memory?); run again") from None
        if kind == "files":
            return [OutputFile(path, data, origin, kept, size) for path, data, origin, kept, size in value]
        if kind == "done":
            self.page_keys, self.reused = value
            self.close()
            return None
        self.close()
        if isinstance(value, BaseException):
            raise value
        raise RuntimeError(f"the page helper failed:\n{value}")

    def abort(self) -> None:
        """Stop the helper now (the build failed here)."""
        if self.process.is_alive():
            self.process.kill()
        self.close()

    def close(self) -> None:
        if not self.connection.closed:
            self.connection.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


def _run(site: Site, ids: list[str], render: Render, connection: Connection) -> None:
    """In the helper: render, send each batch, then the keys; a failure is sent, not printed."""
    try:
        for batch in render(site, ids):
            connection.send(("files", [(f.path, f.data, f.origin, f.kept, f.size) for f in batch]))
        connection.send(("done", (site.previous.new_keys, site.previous.reused)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the build
        try:
            connection.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: its text then
            connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()
        os._exit(0)  # no atexit handlers, no flushing of the build's buffers: they belong to the parent
