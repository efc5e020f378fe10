"""Golden files: the full output of tests/sites/tiny, reviewed as a diff. Update: pytest --update-golden."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from generator.build import build

from .conftest import REPO

SITE = REPO / "tests" / "sites" / "tiny"
GOLDEN = REPO / "tests" / "golden" / "tiny"
TEXT_SUFFIXES = {".json", ".js", ".wxml", ".wxss", ".html", ".css"}
BINARY_MANIFEST = "binary-files.json"


def snapshot(files) -> dict[str, bytes]:
    """Text files as they are; binary files (images) as a manifest of their hashes."""
    texts = {f.path: f.data for f in files if Path(f.path).suffix in TEXT_SUFFIXES}
    binaries = {f.path: hashlib.sha256(f.data).hexdigest() for f in files if Path(f.path).suffix not in TEXT_SUFFIXES}
    texts[BINARY_MANIFEST] = (json.dumps(binaries, indent=2, sort_keys=True) + "\n").encode()
    return texts


def test_tiny_site_output_matches_golden_files(update_golden: bool) -> None:
    current = snapshot(build(SITE, write=False, use_cache=False).files)
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, data in current.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(data)
    stored = {str(p.relative_to(GOLDEN)): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(stored) == sorted(current), "files added or removed; run pytest --update-golden and review"
    changed = [path for path in current if stored[path] != current[path]]
    assert not changed, f"output changed in {changed}; if intended, run pytest --update-golden and review the diff"
