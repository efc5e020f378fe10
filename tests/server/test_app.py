"""create_app: health, the router registry, JSON error answers, the body limit, a database that is down,
and the settings' startup errors (no secret, touristappid, no commerce, DATABASE_URL forms)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from generator.errors import GenError, SpecError
from generator.server.app import MAX_BODY_BYTES, create_app
from generator.server.settings import (
    ENV_APPSECRET,
    ENV_APPSECRET_FILE,
    Settings,
    make_settings,
    normalize_database_url,
    settings_from_env,
    sqlite_url,
)

from ..conftest import MINIMAL_SITE
from .conftest import SHOP, shop_settings


def test_health_answers_when_the_database_does(client: TestClient) -> None:
    for path in ("/health", "/healthz"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.json() == {"ok": True, "database": "ok"}


def test_every_feature_module_is_mounted(app: FastAPI) -> None:
    assert {"/health", "/session", "/forms/{form_id}"} <= set(app.openapi()["paths"])


def test_unknown_paths_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = client.get("/session")
    assert wrong.status_code == 405 and wrong.json()["error"] == "bad_method"


def test_a_huge_body_is_a_413(client: TestClient) -> None:
    big = b'{"code": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/session", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"] == "too_large"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    streamed = client.post("/forms/booking", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_an_unexpected_error_is_a_500_without_a_traceback(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/_test/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    answer = TestClient(app, raise_server_exceptions=False).get("/_test/boom")
    assert answer.status_code == 500
    assert answer.json()["error"] == "server_error"
    assert "secret internals" not in answer.text and "Traceback" not in answer.text


def test_a_database_that_is_down_is_a_503_with_one_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    down = "postgresql+psycopg://nobody:pw@127.0.0.1:9/none?connect_timeout=1"
    client = TestClient(create_app(shop_settings(down, tmp_path)), raise_server_exceptions=False)
    health = client.get("/health")
    assert health.status_code == 503 and health.json()["database"] == "unavailable"
    login = client.post("/session", json={"code": "a"})
    assert login.status_code == 503 and login.json()["error"] == "unavailable"
    assert "Traceback" not in login.text and "pw" not in caplog.text
    assert "the database is unavailable (OperationalError)" in caplog.text


def test_a_site_without_commerce_has_no_shop(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    with pytest.raises(GenError, match="no `commerce:` section"):
        create_app(shop_settings("sqlite://", tmp_path, site_dir=site))


def test_a_broken_site_raises_the_builds_spec_error(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("site: {name: x}\n", encoding="utf-8")
    with pytest.raises(SpecError):
        create_app(shop_settings("sqlite://", tmp_path, site_dir=tmp_path))


def test_real_wechat_needs_a_real_appid(tmp_path: Path) -> None:
    text = (SHOP / "site.yaml").read_text(encoding="utf-8").replace("appid: wx0123456789abcdef", "appid: touristappid")
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    settings = make_settings(tmp_path, environ={ENV_APPSECRET: "s3cret"})
    with pytest.raises(GenError, match="touristappid") as error:
        create_app(settings)
    assert "s3cret" not in str(error.value)


def test_without_a_secret_only_the_fake_wechat_starts(tmp_path: Path) -> None:
    with pytest.raises(GenError, match="WECHAT_APPSECRET"):
        make_settings(SHOP, environ={})
    assert make_settings(SHOP, environ={}, fake_wechat=True).appsecret is None


def test_the_secret_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert make_settings(SHOP, environ={ENV_APPSECRET: "s1"}).appsecret.reveal() == "s1"  # type: ignore[union-attr]
    secret_file = tmp_path / "secret"
    secret_file.write_text("s2\n", encoding="utf-8")
    from_file = make_settings(SHOP, environ={ENV_APPSECRET_FILE: str(secret_file)})
    assert from_file.appsecret is not None and from_file.appsecret.reveal() == "s2"
    with pytest.raises(GenError, match="cannot be read"):
        make_settings(SHOP, environ={ENV_APPSECRET_FILE: str(tmp_path / "missing")})


def test_the_database_defaults_to_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = make_settings(SHOP, environ={}, fake_wechat=True)
    assert settings.data_dir == (SHOP / ".mpgen-data").resolve()
    assert settings.database_url == sqlite_url(settings.data_dir)
    chosen = make_settings(SHOP, tmp_path / "d", environ={"DATABASE_URL": "postgresql://u:p@h/db"}, fake_wechat=True)
    assert chosen.database_url == "postgresql+psycopg://u:p@h/db"
    with pytest.raises(GenError, match="mysql"):
        normalize_database_url("mysql://u@h/db")


@pytest.mark.parametrize("url", ["http://api.weixin.qq.com", "ftp://x", "https://", "api.weixin.qq.com"])
def test_the_wechat_api_must_be_https_or_loopback(url: str) -> None:
    with pytest.raises(GenError, match="MPGEN_WECHAT_API"):
        make_settings(SHOP, environ={"MPGEN_WECHAT_API": url}, fake_wechat=True)
    local = make_settings(SHOP, environ={"MPGEN_WECHAT_API": "http://127.0.0.1:9999"}, fake_wechat=True)
    assert local.wechat_api == "http://127.0.0.1:9999"


def test_settings_travel_to_workers_through_the_environment(tmp_path: Path) -> None:
    settings = make_settings(SHOP, tmp_path, environ={ENV_APPSECRET: "s3cret"})
    env = settings.to_env()
    assert "s3cret" not in " ".join(env.values())
    again = settings_from_env({**env, ENV_APPSECRET: "s3cret"})
    assert again == settings
    assert isinstance(again, Settings)


def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    from generator.server.db import SQLITE_BUSY_MS, make_engine

    engine = make_engine(sqlite_url(tmp_path / "data"))  # the folder is created
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        }
    engine.dispose()
    assert pragma == {"journal_mode": "wal", "busy_timeout": SQLITE_BUSY_MS, "foreign_keys": 1}
