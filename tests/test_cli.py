"""The command line: schema, init, exit codes, help."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

from .conftest import MINIMAL_SITE


def test_schema_documents_every_field() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "mpgen site.yaml"
    product = schema["$defs"]["Product"]["properties"]
    assert "¥19.90" in product["price"]["description"]
    assert all("description" in field for field in product.values())


def test_init_refuses_to_overwrite_a_site(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (tmp_path / "site.yaml").read_text(encoding="utf-8") == MINIMAL_SITE


def test_yes_in_a_text_field_is_text_and_true_says_to_quote_it(make_site) -> None:
    """YAML 1.2, as in the editor: `yes` is the word yes; `true` is true/false, which a text field refuses."""
    site = make_site(MINIMAL_SITE.replace("title: 关于", "title: yes"))
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 0, result.output
    page = json.loads((site / "dist" / "miniprogram" / "pages" / "about" / "index.json").read_text(encoding="utf-8"))
    assert page["navigationBarTitleText"] == "yes"
    site = make_site(MINIMAL_SITE.replace("title: 关于", "title: true"), name="true")
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 2
    assert "pages[1].title: expected text, got true/false (true); if true is meant as text, quote it: 'true'" in (
        result.output
    )


def test_build_prints_package_sizes(make_site) -> None:
    result = CliRunner().invoke(main, ["build", str(make_site())])
    assert result.exit_code == 0, result.output
    assert "built 小店 ->" in result.output
    assert "main" in result.output and "KB" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["bild"])
    assert result.exit_code == 2


def test_a_missing_extra_names_the_pip_extra(make_site, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "playwright", None)  # as if `mpgen[preview]` were not installed
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    result = CliRunner().invoke(main, ["preview", str(make_site(MINIMAL_SITE))])
    assert result.exit_code == 2
    assert "pip install 'mpgen[preview]'" in result.output
    assert "Traceback" not in result.output

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(main, ["oa", "serve", str(make_site(MINIMAL_SITE))])
    assert result.exit_code == 2
    assert "pip install 'mpgen[oa]'" in result.output
