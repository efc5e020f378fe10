"""What the last build read and wrote, so that `gen build` can tell in a few milliseconds that a rebuild
would change nothing, and say so instead of building again.

A build's inputs are every file of the site folder (but the folders mpgen itself writes: outputs,
previews, the cache, `.git`) and mpgen's own code, templates and themes; each is known by its size and
modification time, taken *before* the build reads anything, so an edit made while it runs is seen by
the next build. Its outputs are every file of the output folder, known the same way after the write:
a file deleted or edited by hand there makes the next build a real one. With both unchanged, and the
same options, the build is up to date; what it printed (`BuildSummary`) is kept to print again.

This module imports only the standard library: the check runs before the build's own imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .resources import builtin_templates_dir, builtin_themes_dir

STATE_VERSION = 1
DEFAULT_OUT = "dist"
DEFAULT_CACHE = ".mpgen-cache"
OUTPUT_MARKERS = (".mpgen-output",)
"""A folder holding one of these was written by mpgen (a build's or a preview's output): never an input."""
SKIPPED_NAMES = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})

Stamps = dict[str, tuple[int, int]]
"""Relative posix path -> (size, modification time in ns)."""


@dataclass(frozen=True)
class PackageLine:
    name: str
    bytes: int
    limit_bytes: int
    files: int


@dataclass(frozen=True)
class BuildSummary:
    """What `gen build` reports about a build: enough to report it again when nothing changed."""

    site_name: str
    out_dir: str
    files: int
    changed: int
    packages: tuple[PackageLine, ...] = ()
    images_processed: int = 0
    images_cached: int = 0
    cdn_images: int = 0
    cdn_bytes: int = 0
    cdn: str | None = None
    dev_api: str | None = None
    catalog: str = ""  # where the mini-program reads the catalog from, and why ('' without a catalog)
    catalog_served_by: str = ""  # "cdn" or "backend" when it is fetched
    warnings: tuple[str, ...] = ()
    budget_warnings: tuple[str, ...] = ()
    budget_table: str = ""  # the table printed when a budget is broken; '' when none is
    up_to_date: bool = False

    @staticmethod
    def from_json(data: dict[str, Any]) -> BuildSummary:
        values = dict(data)
        values["packages"] = tuple(PackageLine(**p) for p in data.get("packages", ()))
        for key in ("warnings", "budget_warnings"):
            values[key] = tuple(data.get(key, ()))
        return BuildSummary(**values)


@dataclass(frozen=True)
class BuildKey:
    """The options of a build that change its output, and where its state is kept."""

    site_dir: Path
    out_dir: Path
    cache_dir: Path
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def state_file(self) -> Path:
        digest = hashlib.sha256(str(self.out_dir).encode()).hexdigest()[:16]
        return self.cache_dir / "builds" / f"{digest}.json"


@dataclass(frozen=True)
class InputSnapshot:
    """The site's files and mpgen's own, as they were when a build started."""

    site: Stamps
    code: str  # one digest of mpgen's code, templates and themes (size and time of each file)


def build_key(
    site_dir: Path, out_dir: Path | None, cache_dir: Path | None, use_cache: bool, dev_api: str | None
) -> BuildKey | None:
    """The key of a build with these options; None when it keeps no state (no cache, or a folder that
    cannot be resolved: the build itself says what is wrong)."""
    if not use_cache:
        return None
    try:
        site_dir = site_dir.resolve()
        out = (out_dir or site_dir / DEFAULT_OUT).resolve()
        cache = (cache_dir or site_dir / DEFAULT_CACHE).resolve()
    except (RuntimeError, OSError):
        return None
    return BuildKey(site_dir, out, cache, {"dev_api": dev_api})


def snapshot_inputs(key: BuildKey) -> InputSnapshot:
    skipped = {key.out_dir, key.cache_dir}
    return InputSnapshot(_stamps(key.site_dir, skipped), code_digest())


def snapshot_site(site_dir: Path, skipped: set[Path]) -> Stamps:
    """The site folder's files as `snapshot_inputs` sees them, but those in `skipped` folders too."""
    return _stamps(site_dir, skipped)


def snapshot_outputs(out_dir: Path) -> Stamps:
    return _stamps(out_dir, set(), markers=())


def written_stamps(out_dir: Path, paths: tuple[str, ...], linked: frozenset[str], previous: Any) -> Stamps | None:
    """The output's stamps without a stat per kept file: a file the writer left as the last build wrote
    it (or linked to it) has the stamps the last build recorded for it. None when the writer did not say
    what it wrote."""
    if not paths or not isinstance(previous, dict):
        return None
    found: Stamps = {}
    for path in (*paths, OUTPUT_MARKERS[0]):
        recorded = previous.get(path) if path in linked else None
        if recorded is not None:
            found[path] = (recorded[0], recorded[1])
            continue
        try:
            stat = os.stat(os.path.join(out_dir, path))
        except OSError:
            return None
        found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def record(
    key: BuildKey,
    inputs: InputSnapshot,
    summary: BuildSummary,
    page_keys: dict[str, str],
    outputs: Stamps | None = None,
    later: bool = False,
) -> None:
    """Keep what this build read, wrote (`outputs`, else found by walking the output) and reported; a state
    that cannot be written only costs the next build its shortcut. `later` (gen dev): kept in memory, for
    this process's next build, and written by `write_recorded()` once the pages have reloaded."""
    state = {
        "version": STATE_VERSION,
        "python": sys.version,
        "options": key.options,
        "code": inputs.code,
        "inputs": inputs.site,
        "outputs": outputs if outputs is not None else snapshot_outputs(key.out_dir),
        "summary": asdict(summary),
        "page_keys": page_keys,  # output path -> the key it was rendered from (write/previous.py)
    }
    with _recording:
        _recorded[:] = [(str(key.state_file), None, state)]
    if not later:
        write_recorded()


def write_recorded() -> None:
    """Write the state recorded last, if it is not written yet (from any thread)."""
    with _recording:
        if not _recorded or _recorded[0][1] is not None:
            return
        path, _, state = _recorded[0]
    state_file = Path(path)
    try:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_name(f".{state_file.name}.{os.getpid()}")
        partial.write_text(json.dumps(state, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written = partial.stat()
        partial.replace(state_file)
    except OSError:
        return
    with _recording:
        if _recorded and _recorded[0][2] is state:  # (not when a newer build recorded meanwhile)
            _recorded[:] = [(path, (written.st_size, written.st_mtime_ns, written.st_ino), state)]


_recorded: list[tuple[str, tuple[int, int, int] | None, dict[str, Any]]] = []
"""The state this process recorded last, with its file's stamp once written (None: not yet): gen dev's
next build reads it from here (at 10,000 products the file is a megabyte of JSON). Never changed once
recorded."""
_recording = threading.Lock()


def read_state(key: BuildKey) -> dict[str, Any] | None:
    """The state the last build with this key recorded, if it is one this mpgen can use."""
    try:
        state = _as_recorded(key.state_file)
        if state is None:
            state = json.loads(key.state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(state, dict)
        or state.get("version") != STATE_VERSION
        or state.get("python") != sys.version
        or state.get("options") != key.options
    ):
        return None
    return state


def _as_recorded(state_file: Path) -> dict[str, Any] | None:
    """The state this process recorded for `state_file`: not written yet, or written and the file still
    the one written."""
    if not _recorded or _recorded[0][0] != str(state_file):
        return None
    _, written, state = _recorded[0]
    if written is None:
        return state
    stat = os.stat(state_file)
    return state if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == written else None


def up_to_date(key: BuildKey) -> BuildSummary | None:
    """The last build's summary if nothing it read or wrote has changed since, else None."""
    state = read_state(key)
    if state is None:
        return None
    inputs = snapshot_inputs(key)
    if inputs.code != state.get("code") or not _same(inputs.site, state.get("inputs")):
        return None
    if not _same(snapshot_outputs(key.out_dir), state.get("outputs")):
        return None
    try:
        return replace(BuildSummary.from_json(state["summary"]), up_to_date=True, changed=0)
    except (KeyError, TypeError):
        return None


def _same(now: Stamps, recorded: Any) -> bool:
    if not isinstance(recorded, dict) or len(recorded) != len(now):
        return False
    return all(tuple(recorded.get(path, ())) == stamp for path, stamp in now.items())


def _stamps(root: Path, skipped: set[Path], markers: tuple[str, ...] = OUTPUT_MARKERS) -> Stamps:
    """Size and time of every file below `root`, but those in `skipped` folders, in folders mpgen wrote
    (a marker inside), and in version-control and tool folders."""
    found: Stamps = {}
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if prefix and any(entry.name in markers for entry in entries):
            continue  # an output folder inside the site folder
        for entry in entries:
            relative = prefix + entry.name
            try:
                if entry.is_dir():
                    if entry.name in SKIPPED_NAMES or ".staging-" in entry.name or ".retired-" in entry.name:
                        continue
                    if Path(entry.path) in skipped:
                        continue
                    pending.append((entry.path, relative + "/"))
                else:
                    stat = entry.stat()
                    found[relative] = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                found[relative] = (-1, -1)  # unreadable: recorded, so that it becoming readable is a change
    return found


def code_digest() -> str:
    """mpgen's code, built-in templates and themes (inside the package in a wheel, beside it in a checkout)."""
    digest = hashlib.sha256()
    for folder in (Path(__file__).resolve().parent, builtin_templates_dir(), builtin_themes_dir()):
        for path, (size, mtime) in sorted(_stamps(folder, set(), markers=()).items()):
            if not path.endswith((".pyc", ".pyo")):
                digest.update(f"{folder}/{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()
