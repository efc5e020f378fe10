"""Golden files: the full output of each site in tests/sites (tiny, and full: every block type, commerce,
analytics, privacy, the Official Account), reviewed as a diff. Update: pytest tests/test_golden.py --update-golden."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from generator.build import build, load
from generator.spec import site as spec_module
from generator.spec.site import Page, SiteSpec

from .conftest import REPO, assert_mpcheck_clean

SITES = REPO / "tests" / "sites"
GOLDEN = REPO / "tests" / "golden"
GOLDEN_SITES = ("tiny", "full")
FULL = SITES / "full"
TEXT_SUFFIXES = {".json", ".js", ".wxml", ".wxss", ".html", ".css", ".csv"}
BINARY_MANIFEST = "binary-files.json"
OUTPUT_MARKER = ".mpgen-output"  # written by the writer, not part of a build's files


def snapshot(files: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """Text files as they are; binary files (images) as a manifest of their hashes."""
    texts: dict[str, bytes] = {}
    binaries: dict[str, str] = {}
    for path, data in files:
        if Path(path).suffix in TEXT_SUFFIXES:
            texts[path] = data
        else:
            binaries[path] = hashlib.sha256(data).hexdigest()
    texts[BINARY_MANIFEST] = (json.dumps(binaries, indent=2, sort_keys=True) + "\n").encode()
    return texts


def built(site: Path) -> dict[str, bytes]:
    return snapshot((f.path, f.data) for f in build(site, write=False, use_cache=False).files)


def stored(golden: Path) -> dict[str, bytes]:
    return {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}


def assert_same(current: dict[str, bytes], golden: dict[str, bytes]) -> None:
    added, removed = sorted(set(current) - set(golden)), sorted(set(golden) - set(current))
    assert not added and not removed, (
        f"files added {added} or removed {removed}; run pytest tests/test_golden.py --update-golden and review"
    )
    changed = [path for path in current if golden[path] != current[path]]
    assert not changed, f"output changed in {changed}; if intended, run pytest --update-golden and review the diff"


@pytest.mark.parametrize("name", GOLDEN_SITES)
def test_site_output_matches_golden_files(name: str, update_golden: bool) -> None:
    current = built(SITES / name)
    golden = GOLDEN / name
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for path, data in current.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_bytes(data)
    assert_same(current, stored(golden))


@pytest.fixture(scope="module")
def full_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full site built by `gen build` in another process, from another folder, with another hash seed
    and time zone: the output must not depend on where or when it is built."""
    base = tmp_path_factory.mktemp("golden-elsewhere")
    site = shutil.copytree(FULL, base / "somewhere" / "else", ignore=shutil.ignore_patterns(".mpgen-cache", "dist"))
    out = base / "out"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Pacific/Kiritimati"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(site), "--out", str(out), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=base,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_full_site_output_does_not_depend_on_folder_process_or_time_zone(full_elsewhere: Path) -> None:
    files = [p for p in full_elsewhere.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER]
    current = snapshot((p.relative_to(full_elsewhere).as_posix(), p.read_bytes()) for p in files)
    assert_same(current, stored(GOLDEN / "full"))
    for path, data in current.items():
        assert str(REPO).encode() not in data and str(full_elsewhere.parent).encode() not in data, path


def test_full_site_mini_program_compiles_clean(full_elsewhere: Path) -> None:
    assert_mpcheck_clean(full_elsewhere / "miniprogram")


# --- what the full site covers ----------------------------------------------------------------


def block_models() -> dict[str, type[BaseModel]]:
    """Every block model of the spec's `Block` union, by its `type` name."""
    union = typing.get_args(spec_module.Block)[0]
    models: dict[str, type[BaseModel]] = {}
    for model in typing.get_args(union):
        (name,) = typing.get_args(model.model_fields["type"].annotation)
        models[name] = model
    return models


def walk_pages(pages: list[Page], depth: int = 1) -> Iterator[tuple[Page, int]]:
    for page in pages:
        yield page, depth
        yield from walk_pages(page.children, depth + 1)


def literal_choices(model: type[BaseModel]) -> Iterator[tuple[str, tuple[object, ...], bool]]:
    """(field, its Literal choices, whether the field holds a list of sub-models) for each field of `model`
    that is a choice between Literals (not a block's one-value `type`) or a list of models (looked at in turn)."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) is typing.Literal and len(typing.get_args(annotation)) > 1:
            yield name, typing.get_args(annotation), False
        elif typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield name, (item,), True


def chosen(models: list[BaseModel], model_type: type[BaseModel]) -> list[str]:
    """`Type.field=value` for every Literal choice (in `model_type` and its list-of-model fields) that none
    of `models` uses."""
    missing = []
    for field, choices, nested in literal_choices(model_type):
        if nested:
            (item_type,) = choices
            items = [item for m in models for item in getattr(m, field)]
            missing += [f"{model_type.__name__}.{field}[].{m}" for m in chosen(items, item_type)]  # type: ignore[arg-type]
            continue
        used = {getattr(m, field) for m in models}
        missing += [f"{field}={value}" for value in choices if value not in used]
    return missing


@pytest.fixture(scope="module")
def full_spec() -> SiteSpec:
    return load(FULL)[0].spec


def test_full_site_uses_every_block_type_and_every_choice_of_each(full_spec: SiteSpec) -> None:
    registered = set(block_models()) | set(spec_module.BLOCK_TYPES)
    blocks = [block for page, _ in walk_pages(full_spec.pages) for block in page.blocks]
    unused = sorted(registered - {block.type for block in blocks})
    assert not unused, f"add blocks of type {unused} to tests/sites/full/site.yaml, then --update-golden"
    missing = {
        name: chosen([b for b in blocks if b.type == name], model)
        for name, model in block_models().items()
        if chosen([b for b in blocks if b.type == name], model)
    }
    assert not missing, f"tests/sites/full/site.yaml uses no block with {missing}; add them, then --update-golden"


def test_full_site_uses_every_kind_of_output(full_spec: SiteSpec) -> None:
    assert max(depth for _, depth in walk_pages(full_spec.pages)) == 3
    assert full_spec.commerce and full_spec.privacy and full_spec.official_account and full_spec.theme
    assert full_spec.analytics.endpoint and full_spec.analytics.events
    assert full_spec.catalog and full_spec.catalog.products_file
    products = full_spec.catalog.products
    assert any(p.skus and p.options for p in products)
    assert any(p.stock == 0 for p in products) and any(s.stock == 0 for p in products for s in p.skus)
    oa = full_spec.official_account
    assert len(oa.menu) == 3
    actions = {action for menu in oa.menu for leaf in menu.leaves() for action in leaf.actions()}
    assert actions == {"page", "product", "category", "url", "key", "contact"}
    assert oa.replies.subscribe and oa.replies.keywords and oa.replies.clicks
    assert {t.icon.startswith("images/") for t in full_spec.tabs} == {True, False}
    text = (FULL / "site.yaml").read_text(encoding="utf-8") + (FULL / "products.csv").read_text(encoding="utf-8")
    for needs_escaping in ("{{", "</script>", "<", "&", '\\"', "'", "\\u2028"):
        assert needs_escaping in text, needs_escaping
