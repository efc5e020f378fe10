"""`gen dev`: build, serve the H5 site on 127.0.0.1, watch the site and themes, rebuild and live-reload.

The browser listens on a server-sent-events stream: `reload` after a good build (the page keeps its
scroll position), or `swap` when it changed only stylesheets and pictures (a theme edit: the page swaps
them in place, no reload), `problem` with the error text after a bad one (shown in an overlay while the last
good build stays served). Nothing here is written into dist/: the live-reload script is added to
HTML responses as they are served.
"""

from __future__ import annotations

import functools
import gc
import http.server
import mimetypes
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
from watchfiles import Change, DefaultFilter, watch

from .build import PlanMemo, build
from .build_state import DEFAULT_CACHE, DEFAULT_OUT, write_recorded
from .errors import GenError, SpecError
from .preview.shots import DEFAULT_PREVIEW
from .resources import builtin_themes_dir

EVENTS_PATH = "/__mpgen/events"
CLIENT_PATH = "/__mpgen/live.js"
KEEPALIVE_SECONDS = 10
SETTLE_DELAY = 1.0  # seconds after a build: its pages reload first

LIVE_CLIENT = r"""(function () {
  'use strict';
  var key = 'mpgen-scroll:' + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.addEventListener('load', function () { window.scrollTo(0, Number(saved)); });
  }
  function overlay(text) {
    var box = document.getElementById('mpgen-overlay');
    if (!box) {
      box = document.createElement('div');
      box.id = 'mpgen-overlay';
      box.setAttribute('role', 'alert');
      box.style.cssText = 'position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:16px;' +
        'background:rgba(20,20,20,.94);color:#fff;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;';
      var title = document.createElement('strong');
      title.textContent = 'mpgen: the last save did not build; this page shows the last good build';
      title.style.cssText = 'display:block;color:#ff8a80;margin-bottom:8px;font-size:14px';
      var pre = document.createElement('pre');
      pre.style.cssText = 'white-space:pre-wrap;margin:0';
      box.appendChild(title);
      box.appendChild(pre);
      document.documentElement.appendChild(box);
    }
    box.querySelector('pre').textContent = text;
  }
  var events = new EventSource('/__mpgen/events');
  events.addEventListener('reload', function () {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  });
  // A save that changed only stylesheets and pictures (a theme edit): swap them in place, no reload.
  events.addEventListener('swap', function (event) {
    var changed = JSON.parse(event.data);
    var stamp = String(Date.now());
    function isChanged(url) {
      return changed.indexOf(new URL(url, location.href).pathname.replace(/^\//, '')) !== -1;
    }
    function fresh(url) { return url.split('?')[0] + '?mpgen=' + stamp; }
    document.querySelectorAll('link[href]').forEach(function (link) {
      if (isChanged(link.href)) link.setAttribute('href', fresh(link.getAttribute('href')));
    });
    document.querySelectorAll('img[src]').forEach(function (img) {
      if (isChanged(img.src)) img.setAttribute('src', fresh(img.getAttribute('src')));
    });
  });
  events.addEventListener('problem', function (event) { overlay(JSON.parse(event.data)); });
  events.addEventListener('ok', function () {
    var box = document.getElementById('mpgen-overlay');
    if (box) box.remove();
  });
})();
"""


@dataclass
class BuildState:
    """The outcome of the latest build, shared between the watcher and every open page."""

    version: int = 0
    problem: str | None = None
    swap: tuple[str, ...] = ()
    """What open pages swap in place instead of reloading (paths below the H5 root): set when a build
    changed only stylesheets and pictures of the H5 site."""


SWAPPABLE = (".css", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")


def swappable(changed_paths: tuple[str, ...]) -> tuple[str, ...]:
    """The H5 files open pages can swap in place, when nothing else of the H5 site changed; else ()."""
    h5 = [p.removeprefix("h5/") for p in changed_paths if p.startswith("h5/")]
    return tuple(h5) if h5 and all(p.endswith(SWAPPABLE) for p in h5) else ()


class DevServer:
    def __init__(
        self,
        site_dir: Path,
        out_dir: Path | None = None,
        cache_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 8000,
        echo: Callable[[str], None] = click.echo,
        dev_api: str | None = None,
    ) -> None:
        self.site_dir = site_dir.resolve()
        self.dev_api = dev_api
        self.out_dir = (out_dir or self.site_dir / DEFAULT_OUT).resolve()
        self.cache_dir = cache_dir
        self.plan_memo = PlanMemo()  # a theme-only save takes the last plan again (build.PlanMemo)
        self.echo = echo
        self.state = BuildState()
        self.changed = threading.Condition()
        self.building = threading.Lock()  # a build, or the settle after one: never both at once
        self.settler: threading.Timer | None = None
        self.stop_event = threading.Event()
        handler = _handler_for(self)
        try:
            self.httpd = http.server.ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise GenError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another port with --port"
            ) from None
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def h5_dir(self) -> Path:
        return self.out_dir / "h5"

    def rebuild(self, reason: str = "") -> None:
        """Build; on success the pages reload, on failure they show the problem. Never raises."""
        if self.settler is not None:
            self.settler.cancel()  # saves in quick succession: settle once they stop
        with self.building:
            version = self._rebuild(reason)
        self.settler = threading.Timer(SETTLE_DELAY, self.settle_if_quiet, args=(version,))
        self.settler.daemon = True
        self.settler.start()

    def settle_if_quiet(self, version: int) -> None:
        """`settle` after the build numbered `version`, unless another build started since (its own timer
        then settles): a settle's collection and state file would slow a build they overlapped."""
        with self.building:
            if self.state.version == version:
                settle()

    def _rebuild(self, reason: str) -> int:
        started = time.perf_counter()
        problem: str | None = None
        swap: tuple[str, ...] = ()
        try:
            result = build(
                self.site_dir,
                self.out_dir,
                cache_dir=self.cache_dir,
                sync=True,
                dev_api=self.dev_api,
                plan_memo=self.plan_memo,
            )
        except SpecError as exc:
            problem = exc.format_message()
        except GenError as exc:
            problem = exc.format_message()
        except Exception:  # the server must outlive any bug a save can trigger
            problem = "mpgen failed unexpectedly while building:\n" + traceback.format_exc()
        seconds = time.perf_counter() - started
        if problem is None:
            written = result.written
            changed = written.changed if written is not None else 0
            swap = swappable(written.changed_paths) if written is not None else ()
            self.echo(
                f"{reason}rebuilt in {seconds:.2f} s: {changed} files changed, "
                f"{result.images.processed} images processed"
            )
        else:
            self.echo(f"{reason}build failed in {seconds:.2f} s (still serving the last good build):\n{problem}")
        # What the build left is frozen now, cheaply (no collection): saves in quick succession never
        # settle, and without this each of their full collections would scan the memo's million objects.
        gc.freeze()
        with self.changed:
            self.state = BuildState(self.state.version + 1, problem, swap)
            self.changed.notify_all()
        return self.state.version

    def watch_forever(self) -> None:
        ignored = [self.out_dir, (self.cache_dir or self.site_dir / DEFAULT_CACHE).resolve()]

        def interesting(change: Change, path: str) -> bool:
            resolved = Path(path)
            if any(resolved == folder or folder in resolved.parents for folder in ignored):
                return False
            if _in_preview(self.site_dir, resolved):
                return False
            name = resolved.name
            return not (name.startswith(".") or name.endswith(("~", ".swp", ".tmp"))) and DefaultFilter()(change, path)

        paths = [self.site_dir, builtin_themes_dir()]
        for changes in watch(*paths, watch_filter=interesting, stop_event=self.stop_event, debounce=150, step=50):
            names = sorted({Path(p).name for _, p in changes})
            self.rebuild(reason=f"{', '.join(names[:3])}{' ...' if len(names) > 3 else ''} changed: ")

    def serve(self, open_browser: bool = False) -> None:
        self.rebuild()
        watcher = threading.Thread(target=self.watch_forever, name="mpgen-watch", daemon=True)
        watcher.start()
        self.echo(f"serving {self.h5_dir} at {self.url} (Ctrl+C to stop); watching {self.site_dir}")
        if open_browser:
            import webbrowser

            webbrowser.open(self.url)
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.settler is not None:
            self.settler.cancel()
        self.stop_event.set()
        with self.changed:
            self.changed.notify_all()
        self.httpd.server_close()
        write_recorded()  # so that the next gen dev takes this build's pages


def settle() -> None:
    """What follows a build once its pages have reloaded: its state written (a megabyte of JSON on a big
    catalog), and the heap frozen. The memo keeps a catalog's objects between saves (a million at 10,000
    products); left to the collector, a full collection that scans them all (0.25 s) falls now and then
    inside a build. Frozen, they are not scanned; each settle first collects what the last builds let go."""
    write_recorded()
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _news_since(server: DevServer, seen: int) -> bool:
    """Whether the live-reload stream has something to say: a new build, or the server stopping."""
    return server.state.version != seen or server.stop_event.is_set()


def _handler_for(server: DevServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass  # quiet: the terminal is for build results

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path = unquote(urlsplit(self.path).path)
            if path == EVENTS_PATH:
                self.stream_events()
            elif path == CLIENT_PATH:
                self.send_bytes(LIVE_CLIENT.encode(), "text/javascript; charset=utf-8")
            else:
                self.send_file(path)

        def send_bytes(self, data: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def send_file(self, path: str) -> None:
            root = server.h5_dir.resolve()
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                body = "<!doctype html><meta charset=utf-8><title>Not found</title><p>Not found (mpgen dev)</p>"
                self.send_bytes(_with_live_client(body.encode()), "text/html; charset=utf-8", 404)
                return
            data = target.read_bytes()
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if content_type == "text/html":
                data = _with_live_client(data)
            if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
                content_type += "; charset=utf-8"
            self.send_bytes(data, content_type)

        def stream_events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "keep-alive")
            self.end_headers()
            seen = server.state.version
            try:
                if server.state.problem:
                    self.send_event("problem", server.state.problem)
                while not server.stop_event.is_set():
                    with server.changed:
                        server.changed.wait_for(functools.partial(_news_since, server, seen), timeout=KEEPALIVE_SECONDS)
                        state = server.state
                    if state.version == seen:
                        self.wfile.write(b": keepalive\n\n")
                        self.wfile.flush()
                        continue
                    seen = state.version
                    if state.problem:
                        self.send_event("problem", state.problem)
                    else:
                        self.send_event("ok", "")
                        if state.swap:
                            self.send_event("swap", list(state.swap))
                        else:
                            self.send_event("reload", "")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page went away

        def send_event(self, name: str, data: object) -> None:
            import json

            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _with_live_client(html: bytes) -> bytes:
    tag = f'<script src="{CLIENT_PATH}"></script>'.encode()
    index = html.rfind(b"</body>")
    return html[:index] + tag + html[index:] if index != -1 else html + tag


def _in_preview(site_dir: Path, path: Path) -> bool:
    """A file of `gen preview`'s folder (SITE/preview) or of its staging folder: its shots, not a source."""
    if site_dir not in path.parents:
        return False
    top = path.relative_to(site_dir).parts[0]
    return top == DEFAULT_PREVIEW or top.startswith(f".{DEFAULT_PREVIEW}.")
