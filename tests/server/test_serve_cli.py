"""`gen serve`: a bad site fails like `gen build` (exit 2), a missing secret or database is a clear error,
and the server starts in a subprocess, migrates its database and answers /health (one and two workers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.server.settings import ENV_APPSECRET, ENV_APPSECRET_FILE, ENV_DATABASE_URL

from .conftest import SHOP

REPO = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_APPSECRET, ENV_APPSECRET_FILE, ENV_DATABASE_URL)}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_bad_site_fails_as_gen_build_does(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("site: {name: 小店}\ntabs: []\npages: []\n", encoding="utf-8")
    runner = CliRunner()
    served = runner.invoke(main, ["serve", str(tmp_path), "--fake-wechat", "--data", str(tmp_path / "d")])
    built = runner.invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "dist"), "-q"])
    assert served.exit_code == built.exit_code == 2
    assert served.output.strip() and served.output.splitlines()[:-1] == built.output.splitlines()[:-1]
    assert not (tmp_path / "d").exists()


def test_without_the_appsecret_it_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_APPSECRET, ENV_APPSECRET_FILE):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["serve", str(SHOP), "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "WECHAT_APPSECRET" in result.output and "--fake-wechat" in result.output


def test_an_unreachable_database_is_a_clear_error_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, "postgresql+psycopg://shop:hunter2@127.0.0.1:9/shop?connect_timeout=2")
    result = CliRunner().invoke(main, ["serve", str(SHOP), "--fake-wechat", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot open the database (PostgreSQL postgresql+psycopg://shop:***@127.0.0.1:9/shop" in result.output
    assert "hunter2" not in result.output


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        command = [sys.executable, "-m", "generator", "serve", str(SHOP), "--port", str(port), *args]
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"gen serve exited with {process.returncode}: {process.stdout.read() if process.stdout else ''}"
                )
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    return process, base
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("gen serve did not answer /health within 30 s")

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    out, _ = process.communicate(timeout=10)
    return out


def test_it_starts_migrates_and_answers_on_sqlite(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    process, base = serve("--fake-wechat", "--data", str(data), env=clean_env())
    assert httpx.get(base + "/health").json() == {"ok": True, "database": "ok"}
    session = httpx.post(base + "/session", json={"code": "abc"})
    assert session.status_code == 200 and session.json()["openid"].startswith("fake-openid-")
    out = stop(process)
    assert (data / "shop.sqlite3").is_file()
    assert f"database: SQLite {data.resolve() / 'shop.sqlite3'} at revision" in out
    assert "--fake-wechat: logins are answered in-process" in out
    assert "serving the shop of 测试小铺" in out


def test_it_migrates_a_new_postgresql_database(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import postgres_database

    with postgres_database() as url:
        process, base = serve("--fake-wechat", "--data", str(tmp_path), env=clean_env(DATABASE_URL=url))
        assert httpx.post(base + "/session", json={"code": "abc"}).status_code == 200
        out = stop(process)
        assert "database: PostgreSQL postgresql+psycopg://" in out and ":***@" in out
    assert not (tmp_path / "shop.sqlite3").exists()


def test_two_workers_share_the_database(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    process, base = serve("--fake-wechat", "--data", str(tmp_path), "--workers", "2", env=clean_env())
    tokens = {httpx.post(base + "/session", json={"code": "same"}).json()["session"] for _ in range(6)}
    assert len(tokens) == 6  # each login is a new session, whichever worker answered
    forms = [httpx.post(base + "/forms/booking", json={"name": "王", "phone": "13812345678"}) for _ in range(4)]
    assert [f.status_code for f in forms] == [200] * 4
    out = stop(process)
    assert "2 workers" in out
    assert out.count("Started server process") == 2, out


def merchant_env(folder: Path) -> dict[str, str]:
    """A complete WeChat Pay environment with throwaway keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "apiclient_key.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = folder / "pub_key.pem"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {
        "WECHAT_APPSECRET": "app-secret-value",
        "WECHATPAY_MCHID": "1900000109",
        "WECHATPAY_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "WECHATPAY_PRIVATE_KEY_FILE": str(private),
        "WECHATPAY_APIV3_KEY": "a" * 32,
        "WECHATPAY_PUBLIC_KEY_FILE": str(public),
        "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0000000000000024101100397200000006",
        "PUBLIC_URL": "https://api.shop.example.com",
    }


def test_check_lists_what_is_missing_and_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("WECHAT", "PUBLIC_URL", "DATABASE_URL")):
            monkeypatch.delenv(name)
    result = CliRunner().invoke(main, ["serve", str(SHOP), "--check", "--data", str(tmp_path)])
    assert result.exit_code == 1
    out = result.output
    assert "https://api.shop.example.com\n" in out and "https://feedback.example.com\n" in out
    assert "cross-origin posts from https://shop.example.com" in out
    assert "WECHAT_APPSECRET             not set" in out and "WECHATPAY_MCHID              not set" in out
    assert f"database: SQLite {tmp_path.resolve() / 'shop.sqlite3'}" in out
    assert "not ready (2):" in out and "no AppSecret" in out and "WECHATPAY_MCHID is not set" in out
    assert not tmp_path.joinpath("shop.sqlite3").exists()  # nothing is started or created


def test_check_passes_when_everything_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = merchant_env(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://shop:hunter2@db.internal/shop")
    result = CliRunner().invoke(main, ["serve", str(SHOP), "--check"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "https://api.shop.example.com/pay/notify" in out and "https://api.shop.example.com/pay/refund-notify" in out
    assert "WECHATPAY_MCHID              set" in out
    assert "database: PostgreSQL postgresql+psycopg://shop:***@db.internal/shop" in out
    assert out.rstrip().endswith("ready: start it with gen serve (and --workers N for more processes)")
    for secret in ("app-secret-value", "a" * 32, "hunter2", "1900000109"):
        assert secret not in out


def test_check_of_a_shop_with_coupons_names_the_staff_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    coupons_shop = SHOP.parent / "coupons"
    for name, value in merchant_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("MPGEN_STAFF_TOKEN", "MPGEN_STAFF_TOKEN_FILE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    args = ["serve", str(coupons_shop), "--check", "--data", str(tmp_path / "d")]
    off = CliRunner().invoke(main, args)
    assert off.exit_code == 0, off.output  # redemption at the counter is optional
    assert "in-store redemption (到店核销, /staff/coupons): off until" in off.output
    assert "MPGEN_STAFF_TOKEN            not set" in off.output
    monkeypatch.setenv("MPGEN_STAFF_TOKEN", "short")
    short = CliRunner().invoke(main, args)
    assert short.exit_code == 1 and "shorter than 16 characters" in short.output and "short\n" not in short.output
    monkeypatch.setenv("MPGEN_STAFF_TOKEN", "counter-token-0123456789")
    on = CliRunner().invoke(main, args)
    assert on.exit_code == 0 and "/staff/coupons): on" in on.output and "counter-token" not in on.output
    plain = CliRunner().invoke(main, ["serve", str(SHOP), "--check", "--data", str(tmp_path / "d")]).output
    assert "MPGEN_STAFF_TOKEN" not in plain  # a shop without coupons has nothing to redeem


def test_check_prints_a_systemd_unit_that_systemd_accepts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil
    import subprocess

    result = CliRunner().invoke(main, ["serve", str(SHOP), "--check", "--data", str(tmp_path)])
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("5. "))
    unit = [line.removeprefix("     ") for line in lines[start + 2 :] if line.startswith("     ") or not line.strip()]
    unit = unit[: unit.index("WantedBy=multi-user.target") + 1]
    text = "\n".join(unit) + "\n"
    assert f"ReadWritePaths={tmp_path.resolve()}" in text and f"serve {SHOP.resolve()}" in text
    assert "--host 127.0.0.1" in text and "EnvironmentFile=" in text  # the secrets stay out of the unit
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze (Debian systemd) is not installed")
    (tmp_path / "mpgen-shop.service").write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "mpgen-shop.service")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_container_recipe_runs_the_shop(tmp_path: Path) -> None:
    """The printed Dockerfile's CMD, run as the container would (site copied to /site, data in a volume),
    with the real settings (no fakes): it migrates and answers on every address. Docker itself is not
    needed for this; the image is python:3.11-slim with mpgen[serve], like this test's interpreter."""
    import json as json_module
    import shutil

    from generator.server.checklist import CONTAINER_DATA, CONTAINER_SITE, DOCKERIGNORE

    out = CliRunner().invoke(main, ["serve", str(SHOP), "--check", "--data", str(tmp_path / "d")]).output
    lines = [line.strip() for line in out.splitlines()]
    cmd_line = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
    dockerfile = lines[lines.index("FROM python:3.11-slim") : cmd_line]
    command = json_module.loads(lines[cmd_line].removeprefix("CMD "))
    assert f"COPY . {CONTAINER_SITE}" in dockerfile and "USER nobody" in dockerfile
    assert all(entry in lines for entry in DOCKERIGNORE)
    site = tmp_path / "site"
    shutil.copytree(SHOP, site, ignore=shutil.ignore_patterns(*(entry.rstrip("/") for entry in DOCKERIGNORE)))
    port = free_port()
    argv = [str(site) if part == CONTAINER_SITE else str(tmp_path / "data") if part == CONTAINER_DATA else part
            for part in command]  # fmt: skip
    argv[argv.index("--port") + 1] = str(port)
    env = {**clean_env(**merchant_env(tmp_path)), ENV_APPSECRET: "app-secret-value"}
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", *argv[1:]], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the container's command did not answer within 30 s"
                time.sleep(0.2)
        assert answer.json() == {"ok": True, "database": "ok"}
        assert (tmp_path / "data" / "shop.sqlite3").exists()
    finally:
        output = stop(process)
    assert "app-secret-value" not in output
