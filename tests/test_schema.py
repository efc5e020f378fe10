"""The published JSON Schemas (site.yaml, theme files), the modelines that point editors at them, `gen init`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.load.source import parse_yaml
from generator.starter import schema_json, theme_schema_json

from .conftest import REPO

MODELINE = "# yaml-language-server: $schema="
BUILTIN_THEMES = sorted((REPO / "themes").glob("*.yaml"))
EXAMPLES = sorted((REPO / "sites").glob("*/site.yaml"))
# Schemas kept in the repository for the files that live there; `--update-golden` rewrites them.
PUBLISHED = {REPO / "themes" / "theme.schema.json": theme_schema_json, REPO / "sites" / "site.schema.json": schema_json}


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def theme_validator() -> jsonschema.Draft202012Validator:
    result = cli("schema", "--theme")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_theme_schema_describes_the_tokens() -> None:
    schema = json.loads(cli("schema", "--theme").output)
    assert schema["title"] == "mpgen theme"
    colors = schema["$defs"]["ColorsLayer"]["properties"]
    assert "Brand color" in colors["primary"]["description"]
    assert all("description" in field for field in schema["properties"].values())


@pytest.mark.parametrize("path", BUILTIN_THEMES, ids=lambda p: p.stem)
def test_theme_schema_accepts_every_builtin_theme(path: Path) -> None:
    theme = parse_yaml(path.read_text(encoding="utf-8"), path.name).data
    errors = [e.message for e in theme_validator().iter_errors(theme)]
    assert errors == []


@pytest.mark.parametrize(
    "theme",
    [
        {"colors": {"primery": "#123456"}},
        {"colors": {"primary": "red"}},
        {"extends": "../../outside/x"},
        {"typography": {"font_family": "x; } page { background: url(https://evil.example/x) }"}},
        {"tab_bar": {"border": "grey"}},
        {"name": "x */ page { display: none } /*"},
    ],
)
def test_theme_schema_refuses_what_the_build_refuses(theme: dict) -> None:
    assert list(theme_validator().iter_errors(theme))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_site_schema_accepts_the_examples(path: Path) -> None:
    schema = json.loads(cli("schema").output)
    data = parse_yaml(path.read_text(encoding="utf-8"), path.name).data
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)] == []


@pytest.mark.parametrize("path", list(PUBLISHED), ids=lambda p: p.name)
def test_published_schemas_are_up_to_date(path: Path, update_golden: bool) -> None:
    current = PUBLISHED[path]() + "\n"
    if update_golden:
        path.write_text(current, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == current, (
        f"{path.relative_to(REPO)} is out of date; run `pytest tests/test_schema.py --update-golden`"
    )


@pytest.mark.parametrize("path", [*BUILTIN_THEMES, *EXAMPLES, REPO / "templates" / "starter" / "site.yaml"])
def test_yaml_files_name_their_schema_on_the_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), first
    target = path.parent / first.removeprefix(MODELINE).strip()
    if path.parent.name != "starter":  # gen init writes the starter's schema next to it
        assert target.is_file(), target
    assert target.name == ("theme.schema.json" if path.parent.name == "themes" else "site.schema.json")


def test_init_writes_schemas_and_a_gitignore(tmp_path: Path) -> None:
    site = tmp_path / "shop"
    assert cli("init", str(site)).exit_code == 0
    assert json.loads((site / "site.schema.json").read_text(encoding="utf-8"))["title"] == "mpgen site.yaml"
    assert json.loads((site / "theme.schema.json").read_text(encoding="utf-8"))["title"] == "mpgen theme"
    ignored = (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "dist/" in ignored and ".mpgen-cache/" in ignored and ".mpgen-data/" in ignored
    assert cli("build", str(site), "-q").exit_code == 0
    assert (site / "dist").is_dir() and (site / ".mpgen-cache").is_dir()


def test_init_extends_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n/dist/", encoding="utf-8")
    assert cli("init", str(tmp_path)).exit_code == 0
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["node_modules/", "/dist/"]
    assert lines.count(".mpgen-cache/") == 1 and "dist/" not in lines  # /dist/ already covers it
