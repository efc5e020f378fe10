"""`gen serve --check`: what the operator must set up before the shop can sell, and whether this machine is
ready: the request domains for the mini-program console, the notify URLs for WeChat Pay, the environment
(named, never shown), the database, and the reverse proxy in front. Nothing is started or sent.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..blocks.form import FormBlock
from ..build_state import DEFAULT_OUT
from ..errors import GenError
from ..plan.catalog_delivery import REMOTE_FOLDER, choose_delivery
from ..spec.site import SiteSpec, iter_pages
from ..targets.commerce_contract import h5_origin
from .settings import (
    ENV_APPSECRET,
    ENV_APPSECRET_FILE,
    ENV_DATABASE_URL,
    Settings,
    make_settings,
    require_appsecret,
    shown_database,
)
from .staff_routes import ENV_STAFF_TOKEN, ENV_STAFF_TOKEN_FILE, read_staff_token
from .wechatpay_config import ENV_PUBLIC_URL as PUBLIC_URL
from .wechatpay_config import NOTIFY_PATH, REFUND_NOTIFY_PATH, VARIABLES, load_merchant_config


@dataclass(frozen=True)
class Checklist:
    text: str
    problems: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.problems


def request_domains(spec: SiteSpec) -> list[str]:
    """The https origins the mini-program calls: the shop's backend, forms with their own endpoint, analytics,
    the CDN a fetched catalog comes from."""
    urls: list[str] = [spec.commerce.api] if spec.commerce else []
    catalog = choose_delivery(spec)
    if catalog.served_by == "cdn":
        urls.append(catalog.base)
    for page, _path, _depth in iter_pages(spec.pages):
        urls.extend(b.endpoint for b in page.blocks if isinstance(b, FormBlock) and b.endpoint)
    if spec.analytics.endpoint:
        urls.append(spec.analytics.endpoint)
    return sorted({h5_origin(url) for url in urls})


def _problem(problems: list[str], check: Callable[[], object]) -> None:
    try:
        check()
    except GenError as exc:
        problems.append(exc.format_message())


def build_checklist(
    spec: SiteSpec, site_dir: Path, data_dir: Path | None, environ: Mapping[str, str], dist: Path | None = None
) -> Checklist:
    problems: list[str] = []
    settings: list[Settings] = []
    _problem(problems, lambda: require_appsecret(environ))
    _problem(problems, lambda: settings.append(make_settings(site_dir, data_dir, True, environ)))
    if spec.site.appid == "touristappid":
        problems.append("site.appid is touristappid: set the mini-program's AppID in site.yaml")
    _problem(problems, lambda: load_merchant_config(spec.site.appid, environ))
    public = environ.get(PUBLIC_URL, "").strip().rstrip("/") or "<PUBLIC_URL>"
    api = spec.commerce.api if spec.commerce else "<commerce.api>"
    data_folder = settings[0].data_dir if settings else None
    lines = [
        f"gen serve: what {spec.site.name} needs before it can sell",
        "",
        "1. Mini-program console (mp.weixin.qq.com > 开发管理 > 开发设置 > 服务器域名), request合法域名 "
        "(https, ICP-filed domains):",
        *(f"     {domain}" for domain in request_domains(spec)),
        f"   H5 forms: {_h5_forms(spec)}",
        "",
        "2. WeChat Pay (pay.weixin.qq.com): bind the mini-program's AppID to the merchant (产品中心 > AppID账号管理); "
        "the server sends these notify URLs with every payment and refund (PUBLIC_URL + path):",
        f"     {public}{NOTIFY_PATH}",
        f"     {public}{REFUND_NOTIFY_PATH}",
        "",
        "3. Environment (values are never shown):",
        *(_variable(name, environ) for name in (ENV_APPSECRET, ENV_APPSECRET_FILE, *VARIABLES, ENV_DATABASE_URL)),
        f"   database: {_database(settings)}",
        *_staff_lines(spec, environ, problems),
        "",
        f"4. Behind nginx with TLS: the mini-program calls {api}; proxy that address to gen serve on 127.0.0.1:",
        *(f"     {line}" for line in nginx_location(api)),
        "",
        "5. Keep it running (systemd, e.g. /etc/systemd/system/mpgen-shop.service; the variables of 3. go in the",
        "   EnvironmentFile, mode 600; then systemctl enable --now mpgen-shop):",
        *(f"     {line}" for line in systemd_unit(spec.site.name, site_dir, data_folder)),
        "",
        "   Or in a container (a Dockerfile in the site folder; the variables of 3. as the container's environment,",
        "   the data folder a volume, or DATABASE_URL; TLS in front as in 4.):",
        *(f"     {line}" for line in dockerfile()),
        "   and a .dockerignore beside it, so no shopper's data or build output goes into the image:",
        *(f"     {line}" for line in dockerignore(spec)),
        *_catalog_lines(spec, dist or site_dir / DEFAULT_OUT, problems),
        "",
    ]
    if problems:
        lines.append(f"not ready ({len(problems)}):")
        lines.extend(f"  - {problem}" for problem in problems)
    else:
        lines.append("ready: start it with gen serve (and --workers N for more processes)")
    return Checklist("\n".join(lines), tuple(problems))


def _catalog_lines(spec: SiteSpec, out: Path, problems: list[str]) -> list[str]:
    """A catalog the backend serves is the build's catalog/ folder: it must be there (and in the image)."""
    catalog = choose_delivery(spec)
    if catalog.served_by != "backend":
        return []
    folder = out / catalog.folder
    if not (folder / "index.json").is_file():
        problems.append(f"the mini-program fetches the catalog from this server, and {folder} is empty: run gen build")
    return [
        f"   the catalog's pages are {folder}: run gen build before docker build (the image keeps dist/catalog/)",
    ]


def _staff_lines(spec: SiteSpec, environ: Mapping[str, str], problems: list[str]) -> list[str]:
    """In-store redemption (the staff API) needs a token of its own; a shop without coupons needs nothing."""
    if spec.commerce is None or not spec.commerce.coupons:
        return []
    _problem(problems, lambda: read_staff_token(environ))
    configured = any(environ.get(name, "").strip() for name in (ENV_STAFF_TOKEN, ENV_STAFF_TOKEN_FILE))
    return [
        "   in-store redemption (到店核销, /staff/coupons): "
        + ("on" if configured else "off until one of these holds a long random token"),
        *(_variable(name, environ) for name in (ENV_STAFF_TOKEN, ENV_STAFF_TOKEN_FILE)),
    ]


def _h5_forms(spec: SiteSpec) -> str:
    origin = h5_origin(spec.site.base_url)
    if origin:
        return f"gen serve accepts their cross-origin posts from {origin} (site.base_url)"
    return "set site.base_url to the H5 site's address, or the browser refuses the forms' cross-origin posts"


def _variable(name: str, environ: Mapping[str, str]) -> str:
    return f"   {name:<28} {'set' if environ.get(name, '').strip() else 'not set'}"


def _database(settings: list[Settings]) -> str:
    if not settings:
        return "(see the problems below)"
    return shown_database(settings[0].database_url)


def nginx_location(api: str) -> list[str]:
    path = urlsplit(api).path or "/"
    return [
        f"location {path} {{",
        "    proxy_pass http://127.0.0.1:8081/;",
        "    proxy_set_header Host $host;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    client_max_body_size 64k;",
        "    access_log off;  # or a format without client addresses: they are shoppers' personal data",
        "}",
    ]


def systemd_unit(name: str, site_dir: Path, data_dir: Path | None) -> list[str]:
    """A unit that runs `gen serve` for this site as its own user, restarted on failure, writing only its data."""
    gen = shutil.which("gen") or "gen"
    writable = f"ReadWritePaths={data_dir}" if data_dir is not None else "# ReadWritePaths=<the data folder>"
    return [
        "[Unit]",
        f"Description={name}: shop backend (gen serve)",
        "After=network-online.target postgresql.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "User=mpgen",
        "EnvironmentFile=/etc/mpgen/shop.env",
        f"ExecStart={gen} serve {site_dir} --host 127.0.0.1 --port 8081 --workers 2",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        writable,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]


CONTAINER_SITE = "/site"
CONTAINER_DATA = "/data"
CONTAINER_PORT = 8081
DOCKERIGNORE = (".mpgen-data/", ".mpgen-cache/", "dist/", "preview/")


def dockerignore(spec: SiteSpec) -> tuple[str, ...]:
    """What stays out of the image: the data, the caches and the build, but the catalog the server serves."""
    if choose_delivery(spec).served_by != "backend":
        return DOCKERIGNORE
    kept = f"!{DEFAULT_OUT}/{REMOTE_FOLDER}"
    return tuple(f"{DEFAULT_OUT}/*" if entry == f"{DEFAULT_OUT}/" else entry for entry in DOCKERIGNORE) + (kept,)


def container_command() -> list[str]:
    """What the container runs: every address of the container, since its port is what is published."""
    return [
        "gen", "serve", CONTAINER_SITE, "--host", "0.0.0.0", "--port", str(CONTAINER_PORT),
        "--data", CONTAINER_DATA, "--workers", "2",
    ]  # fmt: skip


def dockerfile() -> list[str]:
    command = ", ".join(f'"{part}"' for part in container_command())
    return [
        "FROM python:3.11-slim",
        'RUN pip install --no-cache-dir "mpgen[serve]"',
        f"COPY . {CONTAINER_SITE}",
        f"RUN mkdir {CONTAINER_DATA} && chown nobody {CONTAINER_DATA}",
        f"VOLUME {CONTAINER_DATA}",
        f"EXPOSE {CONTAINER_PORT}",
        "USER nobody",
        f"CMD [{command}]",
    ]
