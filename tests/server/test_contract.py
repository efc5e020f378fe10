"""The commerce contract is the server's: the committed document is what FastAPI makes of `gen serve`'s routes
and models, every call the generated mini-program makes is in it, and each build publishes it for its site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.build import build
from generator.server.contract import contract_text, openapi_document
from generator.targets.commerce_contract import CONTRACT_FILE

from ..conftest import REPO

FULL = REPO / "tests" / "sites" / "full"
CLIENT_CALL = re.compile(r"config\.api \+ '([^']*)'(?: \+ encodeURIComponent\([^)]*\) \+ '([^']*)')?")


def test_the_committed_contract_is_the_servers_own(update_golden: bool) -> None:
    text = contract_text(openapi_document())
    if update_golden:
        CONTRACT_FILE.write_text(text, encoding="utf-8")
    assert CONTRACT_FILE.read_text(encoding="utf-8") == text, (
        "the server's routes or models changed: run `pytest tests/server/test_contract.py --update-golden` "
        "and review the contract's diff"
    )


def _client_calls(package: Path) -> set[str]:
    """Paths the generated mini-program calls under `config.api`, with `{}` for an id it fills in."""
    calls = set()
    for script in package.rglob("*.js"):
        for head, tail in CLIENT_CALL.findall(script.read_text(encoding="utf-8")):
            calls.add("/" + head + ("{}" + tail if tail else ""))
    return calls


def _matches(call: str, paths: set[str]) -> bool:
    patterns = [re.sub(r"\\\{[^}]*\\\}", r"[^/]+", re.escape(path)) for path in paths]
    return any(re.fullmatch(pattern, call.replace("{}", "x")) for pattern in patterns)


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contract") / "dist"
    build(FULL, out)
    return out


def test_every_call_of_the_generated_client_is_in_the_contract(full_build: Path) -> None:
    document = json.loads((full_build / "commerce" / "openapi.json").read_text(encoding="utf-8"))
    calls = _client_calls(full_build / "miniprogram")
    assert {"/session", "/orders"} <= calls, calls
    missing = sorted(call for call in calls if not _matches(call, set(document["paths"])))
    assert missing == [], f"the client calls what the contract does not have: {missing}"


def test_a_build_publishes_the_servers_contract_for_its_site(full_build: Path) -> None:
    from openapi_spec_validator import validate

    document = json.loads((full_build / "commerce" / "openapi.json").read_text(encoding="utf-8"))
    validate(document)
    served = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    assert document["servers"] == [{"url": "https://api.example.com/v1/"}]
    assert set(document["paths"]) == set(served["paths"])
    for path, operations in served["paths"].items():
        assert document["paths"][path] == operations
    assert "preflight" in document["info"]["description"]
