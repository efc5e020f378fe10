"""What a `gen serve` process is told: the site, the database, the data folder and how to reach WeChat.

Settings travel to uvicorn's worker processes through environment variables (`to_env` / `from_env`), so
every worker builds the same app. The AppSecret is never part of them: it is read from WECHAT_APPSECRET or
the file WECHAT_APPSECRET_FILE names, kept in a `Secret` that never prints, and never written anywhere.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from ..errors import GenError

DEFAULT_DATA_DIR = ".mpgen-data"
"""The data folder inside the site folder: outside dist/, so no build ever deletes it."""
SQLITE_FILE = "shop.sqlite3"
WECHAT_API = "https://api.weixin.qq.com"
SESSION_TTL = timedelta(days=7)
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

ENV_SITE = "MPGEN_SITE"
ENV_DATA = "MPGEN_DATA"
ENV_DIST = "MPGEN_DIST"
ENV_FAKE_WECHAT = "MPGEN_FAKE_WECHAT"
ENV_WECHAT_API = "MPGEN_WECHAT_API"
ENV_DATABASE_URL = "DATABASE_URL"
ENV_APPSECRET = "WECHAT_APPSECRET"
ENV_APPSECRET_FILE = "WECHAT_APPSECRET_FILE"


class Secret:
    """A secret value that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)


@dataclass(frozen=True)
class Settings:
    site_dir: Path
    database_url: str
    data_dir: Path
    fake_wechat: bool = False
    wechat_api: str = WECHAT_API
    appsecret: Secret | None = field(default=None, repr=False)
    session_ttl: timedelta = SESSION_TTL
    dist_dir: Path | None = None
    """The build's output folder, whose catalog/ a fetched catalog comes from (None: SITE/dist)."""

    def to_env(self) -> dict[str, str]:
        """The variables that rebuild these settings in another process (the secret stays in its own)."""
        return {
            ENV_SITE: str(self.site_dir),
            ENV_DATA: str(self.data_dir),
            ENV_DATABASE_URL: self.database_url,
            ENV_FAKE_WECHAT: "1" if self.fake_wechat else "",
            ENV_WECHAT_API: self.wechat_api,
            ENV_DIST: str(self.dist_dir) if self.dist_dir is not None else "",
        }


def default_data_dir(site_dir: Path) -> Path:
    return site_dir / DEFAULT_DATA_DIR


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+pysqlite:///{(data_dir / SQLITE_FILE).resolve()}"


def normalize_database_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 (the driver mpgen[serve] brings); sqlite and
    postgresql+psycopg pass through; anything else is refused with the accepted forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://", "sqlite+pysqlite://")):
        return url
    scheme = url.split("://", 1)[0] if "://" in url else url[:20]
    raise GenError(
        f"{ENV_DATABASE_URL} has the scheme {scheme!r}; use postgresql+psycopg://USER:PASSWORD@HOST/DB "
        "or leave it unset for the SQLite file in the data folder"
    )


def check_wechat_api(url: str) -> str:
    """`url` when the AppSecret may be sent there: https, or http to this machine (a local fake)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url
    raise GenError(
        f"{ENV_WECHAT_API} must be an https address (http only to 127.0.0.1, ::1 or localhost): "
        "jscode2session carries the AppSecret"
    )


def read_appsecret(environ: Mapping[str, str]) -> Secret | None:
    """The AppSecret from WECHAT_APPSECRET, or the first line of the file WECHAT_APPSECRET_FILE names."""
    value = environ.get(ENV_APPSECRET, "").strip()
    if value:
        return Secret(value)
    path = environ.get(ENV_APPSECRET_FILE, "").strip()
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise GenError(f"{ENV_APPSECRET_FILE} names {path}, which cannot be read ({type(exc).__name__})") from None
    if not text:
        raise GenError(f"{ENV_APPSECRET_FILE} names {path}, which is empty; put the AppSecret in it")
    return Secret(text.splitlines()[0].strip())


def require_appsecret(environ: Mapping[str, str]) -> Secret:
    secret = read_appsecret(environ)
    if secret is None:
        raise GenError(
            f"no AppSecret: set {ENV_APPSECRET} (or {ENV_APPSECRET_FILE}, a file holding it) to the mini-program's "
            "AppSecret (mp.weixin.qq.com > 开发管理 > 开发设置), or run with --fake-wechat to try the shop offline"
        )
    return secret


def database_url_for(site_dir: Path, data_dir: Path | None, environ: Mapping[str, str]) -> str:
    """The shop's database: DATABASE_URL, else the SQLite file in the data folder (default SITE/.mpgen-data);
    `gen serve` and `gen oa serve` both find it here, so they share it."""
    url = environ.get(ENV_DATABASE_URL, "").strip()
    return normalize_database_url(url) if url else sqlite_url((data_dir or default_data_dir(site_dir)).resolve())


def make_settings(
    site_dir: Path,
    data_dir: Path | None = None,
    fake_wechat: bool = False,
    environ: Mapping[str, str] | None = None,
    dist_dir: Path | None = None,
) -> Settings:
    """Settings from the command line's choices and the environment (DATABASE_URL, the AppSecret)."""
    env = os.environ if environ is None else environ
    data = (data_dir or default_data_dir(site_dir)).resolve()
    secret = read_appsecret(env) if fake_wechat else require_appsecret(env)
    return Settings(
        site_dir=site_dir.resolve(),
        database_url=database_url_for(site_dir, data, env),
        data_dir=data,
        fake_wechat=fake_wechat,
        wechat_api=check_wechat_api(env.get(ENV_WECHAT_API, "").strip() or WECHAT_API),
        appsecret=secret,
        dist_dir=dist_dir.resolve() if dist_dir is not None else None,
    )


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings `to_env` exported, in a uvicorn worker."""
    env = os.environ if environ is None else environ
    site = env.get(ENV_SITE, "")
    if not site:
        raise GenError(f"{ENV_SITE} is not set; start the server with `gen serve SITE`")
    return make_settings(
        Path(site),
        Path(env[ENV_DATA]) if env.get(ENV_DATA) else None,
        bool(env.get(ENV_FAKE_WECHAT)),
        env,
        Path(env[ENV_DIST]) if env.get(ENV_DIST) else None,
    )


def shown_database(url: str) -> str:
    """The database for people to read: the SQLite file, or the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database}"
    return f"PostgreSQL {parsed.render_as_string(hide_password=True)}"
