"""Development builds (`gen build --api URL`): the mini-program talks to a backend on this machine or
network, DevTools' domain check is off, and nothing about it can pass for a release build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.dev_api import dev_api_url
from generator.errors import GenError

from .conftest import MINIMAL_SITE, REPO

FULL = REPO / "tests" / "sites" / "full"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/"),
        ("http://localhost:8081/", "http://localhost:8081/"),
        ("http://192.168.1.20:8081/shop", "http://192.168.1.20:8081/shop/"),
        ("http://[::1]:8081/", "http://[::1]:8081/"),
        ("https://staging.example.com/v1/", "https://staging.example.com/v1/"),
    ],
)
def test_a_local_or_https_address_is_a_development_api(given: str, expected: str) -> None:
    assert dev_api_url(given) == expected


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("http://8.8.8.8:8081/", "not this machine or a private network"),
        ("http://shop.example.com/", "not this machine or a private network"),
        ("ftp://127.0.0.1/", "not an address"),
        ("127.0.0.1:8081", "not an address"),
        ("http://127.0.0.1:8081/?x=1", "query or fragment"),
    ],
)
def test_anything_else_is_refused_with_what_to_give(given: str, said: str) -> None:
    with pytest.raises(GenError, match=said):
        dev_api_url(given)


def _files(result: object) -> dict[str, str]:
    return {f.path: f.data.decode() for f in result.files if f.path.endswith((".js", ".json"))}  # type: ignore[attr-defined]


def test_a_development_build_points_the_shop_and_its_forms_at_the_api_and_turns_the_domain_check_off(
    tmp_path: Path,
) -> None:
    release = _files(build(FULL, tmp_path / "release"))
    dev = build(FULL, tmp_path / "dev", dev_api="http://127.0.0.1:8081")
    files = _files(dev)
    assert json.loads(release["miniprogram/project.config.json"])["setting"]["urlCheck"] is True
    assert json.loads(files["miniprogram/project.config.json"])["setting"]["urlCheck"] is False
    config = files["miniprogram/utils/commerce-config.js"]
    assert '"api":"http://127.0.0.1:8081/"' in config and "api.example.com" not in config
    # the feedback form posts under commerce.api: it moves too; the analytics endpoint does not
    pages = "".join(text for path, text in files.items() if path.startswith("miniprogram/") and path.endswith(".js"))
    assert "http://127.0.0.1:8081/feedback" in pages and "https://api.example.com/v1/feedback" not in pages
    assert "https://collect.example.com/events" in "".join(files.values())
    assert json.loads(files["report.json"])["dev_api"] == "http://127.0.0.1:8081/"
    assert "dev_api" not in json.loads(release["report.json"])


def test_the_cli_warns_of_a_development_build_and_refuses_a_public_http_address(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["build", str(FULL), "--out", str(tmp_path / "d"), "--api", "http://127.0.0.1:9/"])
    assert done.exit_code == 0, done.output
    assert "development build" in done.output and "before you upload" in done.output
    refused = runner.invoke(main, ["build", str(FULL), "--out", str(tmp_path / "e"), "--api", "http://8.8.8.8/"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert not (tmp_path / "e").exists()


def test_a_site_without_commerce_has_no_api_to_point(make_site) -> None:
    with pytest.raises(GenError, match="no `commerce:` section"):
        build(make_site(MINIMAL_SITE), write=False, dev_api="http://127.0.0.1:8081/")
