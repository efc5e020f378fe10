"""The `gen` command line: thin click commands over the core; exit 0 ok, 1 rule broken, 2 bad input."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import EXIT_BROKEN_RULE, GenError
from .extras import require

if TYPE_CHECKING:
    from .build import BuildResult
    from .build_state import BuildSummary
    from .oa.followers import FollowerBook
    from .spec.site import Commerce


dev_api_option = click.option(
    "--api",
    "dev_api",
    metavar="URL",
    help="Development build: the mini-program talks to this backend (e.g. http://127.0.0.1:8081/ from "
    "`gen serve`) instead of commerce.api; http only to this machine or a private network. Not for upload.",
)


def site_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that builds a site."""
    for option in reversed(
        [
            click.argument("site", type=click.Path(file_okay=False, path_type=Path), default="."),
            click.option(
                "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default SITE/dist)."
            ),
            click.option(
                "--cache-dir",
                type=click.Path(file_okay=False, path_type=Path),
                help="Where processed images are kept between builds (default SITE/.mpgen-cache).",
            ),
            click.option("--no-cache", is_flag=True, help="Process every image again."),
            click.option("--quiet", "-q", is_flag=True, help="Print only problems."),
            click.option(
                "--jobs",
                "-j",
                type=click.IntRange(min=1),
                help="Processes to use (default: one per core; 1: a single process).",
            ),
        ]
    ):
        command = option(command)
    return command


class _Progress:
    """A progress bar for image work, shown only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def start(self, total: int) -> None:
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label="images", file=sys.stderr)
            self.bar.__enter__()

    def step(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _run_build(
    site: Path, out: Path | None, cache_dir: Path | None, no_cache: bool, quiet: bool, **extra: Any
) -> BuildResult:
    from .build import build as run_build

    progress = _Progress(enabled=not quiet)
    try:
        return run_build(
            site,
            out,
            cache_dir=cache_dir,
            use_cache=not no_cache,
            progress=progress.step,
            progress_start=progress.start,
            **extra,
        )
    finally:
        progress.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mpgen")
def main() -> None:
    """mpgen: compile a site.yaml into a WeChat mini-program, its H5 site and its Official Account menu."""


@main.command()
@site_options
@dev_api_option
def build(
    site: Path,
    out: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    quiet: bool,
    jobs: int | None,
    dev_api: str | None,
) -> None:
    """Build SITE (a folder with site.yaml) into SITE/dist: miniprogram/, h5/, official-account/.

    When nothing the last build read or wrote has changed since, it says so instead of building again."""
    from .build_state import build_key, up_to_date

    started = time.perf_counter()
    key = build_key(site, out, cache_dir, not no_cache, dev_api)
    summary = up_to_date(key) if key is not None else None
    if summary is None:
        result = _run_build(site, out, cache_dir, no_cache, quiet, dev_api=dev_api, jobs=jobs, keep_files=False)
        summary = result.summary()
    _print_build(summary, time.perf_counter() - started, quiet)


def _print_build(summary: BuildSummary, seconds: float, quiet: bool) -> None:
    from .plan.catalog_delivery import REMOTE_FOLDER

    if not quiet:
        if summary.up_to_date:
            click.echo(
                f"up to date: {summary.site_name} -> {summary.out_dir} ({summary.files} files); nothing changed "
                f"since the last build (checked in {seconds:.2f} s)"
            )
        else:
            click.echo(
                f"built {summary.site_name} -> {summary.out_dir} ({summary.files} files, {summary.changed} changed) "
                f"in {seconds:.2f} s; images: {summary.images_processed} processed, "
                f"{summary.images_cached} from the cache"
            )
        click.echo(f"  mini-program: {summary.out_dir}/miniprogram (open this folder in WeChat DevTools)")
        for package in summary.packages:
            click.echo(
                f"  {package.name:<10} {package.bytes / 1024:8.1f} KB of {package.limit_bytes // 1024} KB"
                f"  {package.files:4d} files"
            )
        if summary.catalog:
            click.echo(f"  catalog: {summary.catalog}")
        if summary.catalog_served_by == "backend":
            click.echo(
                f"  gen serve serves {summary.out_dir}/{REMOTE_FOLDER} (the catalog's pages and photos); "
                "keep it beside the backend"
            )
        if summary.cdn_images:
            click.echo(
                f"  upload {summary.out_dir}/cdn/ ({summary.cdn_images} images, {summary.cdn_bytes / 1024:.0f} KB) "
                f"to {summary.cdn}"
            )
        if summary.catalog_served_by == "cdn" and summary.cdn:
            click.echo(
                f"  upload {summary.out_dir}/{REMOTE_FOLDER} to {summary.cdn.rstrip('/')}/"
                f"{REMOTE_FOLDER} and add its domain to the mini-program's request domains (request合法域名)"
            )
    if summary.dev_api:
        click.echo(
            f"warning: development build: the mini-program talks to {summary.dev_api} and DevTools' "
            "domain check is off (详情 > 本地设置 > 不校验合法域名); build without --api before you upload",
            err=True,
        )
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    for message in summary.budget_warnings if not quiet else ():
        click.echo(f"warning: {message}", err=True)
    if summary.budget_table:
        click.echo(summary.budget_table, err=True)
        raise GenError(
            "the package breaks its size budget (see above); `gen check` shows the same table", EXIT_BROKEN_RULE
        )


@main.command()
@site_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "github"]),
    default="text",
    show_default=True,
    help="Report format: a table, JSON, JUnit XML, or GitHub annotations.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="report.json of an earlier build, to show growth (a missing file is a first run).",
)
@click.option("--max-growth", type=click.IntRange(min=0), help="Fail when a package grew by more than this many KB.")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
def check(
    site: Path,
    out: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    quiet: bool,
    jobs: int | None,
    fmt: str,
    baseline: Path | None,
    max_growth: int | None,
    strict: bool,
) -> None:
    """Build SITE and check every size budget: the CI gate (exit 1 when a budget is broken)."""
    from .check.budget import BaselineError
    from .check.budget_format import format_report

    if max_growth is not None and baseline is None:
        raise click.UsageError("--max-growth needs --baseline: the report.json to measure the growth from")
    old = None
    if baseline is not None and baseline.is_file():
        try:
            old = json.loads(baseline.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise GenError(
                f"{baseline} is not a report.json ({exc}); pass the report.json of an earlier build"
            ) from None
    started = time.perf_counter()
    try:
        result = _run_build(
            site,
            out,
            cache_dir,
            no_cache,
            quiet or fmt != "text",
            baseline=old,
            max_growth_kb=max_growth,
            jobs=jobs,
            keep_files=False,
        )
    except BaselineError as exc:
        raise GenError(f"--baseline {baseline} is {exc.message}") from None
    seconds = time.perf_counter() - started
    report_file = next(f for f in result.files if f.path == "report.json")
    cdn_count = sum(1 for a in result.site.images if a.on_cdn)
    findings = result.lint
    site_dir = result.site.site_dir
    click.echo(
        format_report(
            result.budget,
            fmt,  # type: ignore[arg-type]
            report_file.data.decode(),
            strict,
            cdn_count,
            site_dir=site_dir,
            findings=findings,
            seconds=seconds,
            spec_warnings=result.warnings,
        )
    )
    if findings and fmt in ("text", "github"):
        from .check.lint import format_findings

        click.echo(format_findings(findings, fmt, site_dir, strict))
    if fmt == "github":
        _github_summary(result, strict)
    lint_failed = any(f.severity == "error" or strict for f in findings)
    if baseline is not None and old is None and fmt == "text":
        click.echo(f"no baseline at {baseline}: sizes shown, growth not checked (first run)")
    for warning in result.warnings:  # spec and theme advice (e.g. low contrast): fails --strict
        click.echo(f"warning: {warning}", err=True)
    if strict and result.warnings:
        click.echo(f"spec: {len(result.warnings)} warning(s), which count as failures with --strict", err=True)
    if not result.budget.passed(strict) or lint_failed or (strict and result.warnings):
        sys.exit(EXIT_BROKEN_RULE)


def _github_summary(result: Any, strict: bool) -> None:
    """The Markdown job summary, appended to $GITHUB_STEP_SUMMARY when the runner sets it."""
    from .check.budget_format import format_markdown
    from .check.github import append_step_summary

    try:
        append_step_summary(
            format_markdown(result.budget, result.site.spec.site.name, strict, result.lint, result.warnings)
        )
    except OSError as exc:
        click.echo(f"warning: could not write the step summary ({exc})", err=True)


@main.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default SITE/dist).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Image cache folder.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@dev_api_option
def dev(
    site: Path, out: Path | None, cache_dir: Path | None, host: str, port: int, open_browser: bool, dev_api: str | None
) -> None:
    """Serve the H5 site with live reload; rebuild both targets whenever the site or a theme changes."""
    from .devserver import DevServer

    server = DevServer(site, out, cache_dir, host, port, dev_api=dev_api)
    try:
        server.serve(open_browser)
    except KeyboardInterrupt:
        click.echo("stopped")


@main.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default SITE/dist).")
@click.option(
    "--preview-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the shots and the contact sheet (default SITE/preview; builds never touch it).",
)
@click.option(
    "--pages",
    "patterns",
    multiple=True,
    help="Only the H5 pages whose path (without .html) matches this glob, e.g. index, 'pages/*', 'product/tea-*' "
    "(repeatable; the mini-program's pages follow). Default: all, or a sample on sites of over 60 pages.",
)
def preview(site: Path, out: Path | None, preview_dir: Path | None, patterns: tuple[str, ...]) -> None:
    """Build, then screenshot the H5 and mini-program pages in headless Chromium into SITE/preview (MP | H5
    side by side, replaced as a whole), with an accessibility check."""
    require("playwright.sync_api", "preview")
    from .preview.shots import MAX_SHOT_HEIGHT, progress_printer
    from .preview.shots import preview as run_preview

    report = run_preview(site, out, preview_dir, patterns, progress_printer())
    chosen = "" if report.chosen_by == "all" else f" ({report.chosen_by}: {len(report.pages)} of {report.site_pages})"
    click.echo(f"{len(report.pages)} pages{chosen} -> {report.folder}/index.html")
    for name in report.clipped:
        click.echo(f"long page: {name} shot down to its first {MAX_SHOT_HEIGHT} px")
    if report.mp_skipped:
        click.echo(f"mini-program shots skipped: {report.mp_skipped}")
    else:
        click.echo(f"{len(report.mp_pages)} mini-program pages -> {report.folder}/mp/")
    for mp_shot in report.mp_pages:
        for error in mp_shot.errors:
            click.echo(f"mini-program: {mp_shot.path}: {error.splitlines()[0]}")
    for problem in report.contrast_problems:
        click.echo(f"contrast: {problem}")
    for shot in report.pages:
        for target in shot.small_targets:
            click.echo(f"tap target: {shot.file}: {target['text']!r} is {target['width']}x{target['height']} px")
        for src in shot.images_without_alt:
            click.echo(f"no alt text: {shot.file}: {src}")
    if not report.problems:
        click.echo("accessibility basics: no problems found")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="Brand name (default: the folder name).")
def init(directory: Path, name: str | None) -> None:
    """Create a starter site in DIRECTORY that builds as it is."""
    from .starter import create_starter

    site_file = create_starter(directory, name or directory.resolve().name)
    click.echo(f"created {site_file}\nnext: gen build {directory}")


@main.command(name="lint")
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
def lint_command(site: Path, fmt: str) -> None:
    """Check SITE's content: advertising law, finance wording, share-baiting, https, privacy (exit 1 on errors)."""
    from .build import load
    from .check.lint import format_findings, lint

    loaded, _ = load(site)
    findings = lint(loaded.spec, loaded.source)
    click.echo(format_findings(findings, fmt, loaded.site_dir))
    if any(f.severity == "error" for f in findings):
        sys.exit(EXIT_BROKEN_RULE)


@main.group()
def oa() -> None:
    """The Official Account: push the menu, compare it, serve the auto-replies."""


def _official_account_files(site: Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Build the site in memory; its menu body and replies table."""
    from .build import build as run_build

    result = run_build(site, write=False)
    if result.site.spec.official_account is None:
        raise GenError("site.yaml has no `official_account:` section; add the menu and replies first")
    files = {f.path: f.data for f in result.files}
    menu = json.loads(files["official-account/menu.json"])
    replies = json.loads(files["official-account/replies.json"])
    return result, menu, replies


def _https_api_base(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from .oa.client import check_api_base

    return check_api_base(value)  # before anything is built or sent, --dry-run included


API_BASE = click.option(
    "--api-base",
    default="https://api.weixin.qq.com",
    show_default=True,
    callback=_https_api_base,
    help="WeChat API address: https (http only to loopback, e.g. a fake in tests).",
)


@oa.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@API_BASE
@click.option("--dry-run", is_flag=True, help="Print the body that would be sent; send nothing.")
def push(site: Path, api_base: str, dry_run: bool) -> None:
    """Create the Official Account menu from SITE (credentials: WECHAT_APPID, WECHAT_SECRET)."""
    from .oa.client import Client, check_menu_body, credentials_from_env

    result, menu, _ = _official_account_files(site)
    problems = check_menu_body(menu)
    if problems:
        raise GenError("the menu breaks WeChat's limits: " + "; ".join(problems))
    body = json.dumps(menu, ensure_ascii=False)
    if dry_run:
        click.echo(f"POST {api_base.rstrip('/')}/cgi-bin/menu/create?access_token=...")
        click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
        return
    if result.site.spec.site.appid == "touristappid" and '"miniprogram"' in body:
        raise GenError("the menu opens the mini-program but site.appid is touristappid; set the real AppID first")
    client = Client(credentials_from_env(), api_base)
    client.create_menu(body.encode("utf-8"))
    click.echo(f"menu created: {len(menu['button'])} menus")


@oa.command(name="menu")
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@API_BASE
def show_menu(site: Path, api_base: str) -> None:
    """Show the Official Account's current menu and how it differs from SITE's."""
    from .oa.client import Client, credentials_from_env, menu_diff

    _, menu, _ = _official_account_files(site)
    remote = Client(credentials_from_env(), api_base).get_menu()
    if remote is None:
        click.echo("the Official Account has no menu yet; `gen oa push` creates it")
    else:
        click.echo(json.dumps(remote, ensure_ascii=False, indent=2))
    diff = menu_diff(remote, menu)
    click.echo(diff if diff else "the local menu is the same")


@oa.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address (keep 127.0.0.1 behind a proxy).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--fake-wechat",
    is_flag=True,
    help='Read followers\' UnionIDs from an in-process fake (no WECHAT_APPID/WECHAT_SECRET): follower "alice" is '
    'the shopper whose `gen serve --fake-wechat` login code is "alice". The signature check stays.',
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="The shop's SQLite data folder, as given to `gen serve --data` (default SITE/.mpgen-data; "
    "DATABASE_URL picks PostgreSQL instead).",
)
def serve(site: Path, host: str, port: int, fake_wechat: bool, data: Path | None) -> None:
    """Answer the Official Account's messages (token: WECHAT_TOKEN; encrypted mode: WECHAT_AES_KEY, WECHAT_APPID).

    With a `commerce:` section, followers are recorded in the shop's database (DATABASE_URL, else
    SITE/.mpgen-data or --data) and commerce.follower_gift is granted (UnionIDs: WECHAT_APPID, WECHAT_SECRET)."""
    for module in ("uvicorn", "starlette", "cryptography"):
        require(module, "oa")
    import uvicorn

    from .oa.server import create_app, settings_from_env

    token, crypto = settings_from_env()
    result, _, replies = _official_account_files(site)
    followers = _follower_book(site, result.site.spec.commerce, fake_wechat, data)
    click.echo(f"answering WeChat at http://{host}:{port}/ ({'encrypted' if crypto else 'plain-text'} mode)")
    # No access log: WeChat puts the follower's openid in the query string of every message.
    try:
        uvicorn.run(
            create_app(replies, token, crypto, followers=followers),
            host=host,
            port=port,
            proxy_headers=True,
            log_level="warning",
            access_log=False,
        )
    finally:
        if followers is not None:
            followers.close()


def _follower_book(site: Path, commerce: Commerce | None, fake_wechat: bool, data: Path | None) -> FollowerBook | None:
    """The shop's FollowerBook for `gen oa serve`, migrated; None for a site without a shop."""
    import importlib
    import logging
    import os

    def missing(module: str) -> bool:
        try:
            importlib.import_module(module)
        except ImportError:
            return True
        return False

    if commerce is None:
        return None
    modules = ("sqlalchemy", "alembic", "httpx")
    if commerce.follower_gift is None and any(missing(m) for m in modules):
        click.echo("followers are not recorded: that needs the shop's backend, pip install 'mpgen[serve]'", err=True)
        return None
    for module in modules:
        require(module, "serve")
    from .oa.followers import open_book
    from .server.settings import shown_database

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # the book's errors
    book = open_book(site, commerce, fake_wechat, os.environ, data)
    problem = book.start()
    where = shown_database(book.database_url)
    click.echo(f"followers: {where}" + (f" (not answering: {problem}; retried at each follow)" if problem else ""))
    if book.gift is not None:
        click.echo(f"follower gift: coupon {book.gift.id}")
        if book.client is None:
            click.echo(
                "WECHAT_APPID and WECHAT_SECRET are not set: followers' UnionIDs are not read, so their gifts wait "
                "under the Official Account's openid and never reach the mini-program",
                err=True,
            )
    if fake_wechat:
        click.echo("--fake-wechat: UnionIDs are answered in-process (follower X is the shopper of login code X)")
    return book


@main.command(name="serve")
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address (keep 127.0.0.1 behind a proxy).")
@click.option("--port", default=8081, show_default=True, type=click.IntRange(0, 65535))
@click.option("--fake-wechat", is_flag=True, help="Answer WeChat's login in-process: try the shop offline.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder of the SQLite database (default SITE/.mpgen-data; DATABASE_URL picks PostgreSQL instead).",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option(
    "--dist",
    type=click.Path(file_okay=False, path_type=Path),
    help="The build's output folder, whose catalog/ it serves to a mini-program that fetches its catalog "
    "(default SITE/dist).",
)
@click.option(
    "--check",
    "checklist",
    is_flag=True,
    help="Print what to set up (request domains, notify URLs, environment, proxy) and whether this machine is "
    "ready; start nothing (exit 1 when not ready).",
)
def serve_shop(
    site: Path,
    host: str,
    port: int,
    fake_wechat: bool,
    data: Path | None,
    workers: int,
    dist: Path | None,
    checklist: bool,
) -> None:
    """Run SITE's shop backend: login, orders, WeChat Pay, forms (AppSecret: WECHAT_APPSECRET)."""
    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "httpx"):
        require(module, "serve")
    from .server import serve_cli

    if checklist:
        if not serve_cli.check(site, data, dist):
            sys.exit(EXIT_BROKEN_RULE)
        return
    serve_cli.serve(site, host, port, fake_wechat, data, workers, dist)


@main.command()
@click.option("--theme", "theme_file", is_flag=True, help="The schema of a theme file (themes/<name>.yaml) instead.")
def schema(theme_file: bool) -> None:
    """Print the JSON Schema of site.yaml, or of a theme file (for editors: yaml-language-server)."""
    from .starter import schema_json, theme_schema_json

    click.echo(theme_schema_json() if theme_file else schema_json())


def _add_remind() -> None:
    from .server.remind_cli import remind  # light: it imports the server's libraries when it runs

    main.add_command(remind)


def _add_report() -> None:
    from .server.report_cli import report  # light: it imports the server's libraries when it runs

    main.add_command(report)


def _add_admin() -> None:
    from .server.admin_cli import admin  # light: it imports the server's libraries when it runs

    main.add_command(admin)


_add_remind()
_add_report()
_add_admin()
