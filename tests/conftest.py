"""Shared fixtures: small sites written on the fly, the mpcheck oracle, golden-file updating."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.load.yaml_core import STR_TAG, resolve_plain

REPO = Path(__file__).resolve().parent.parent
MPCHECK = REPO.parent / "shared" / "tools" / "mpcheck"
STARTER_IMAGES = REPO / "templates" / "starter" / "images"

MINIMAL_SITE = """\
site:
  name: 小店
tabs:
  - {page: home, text: 首页, icon: home}
  - {page: about, text: 关于, icon: user}
pages:
  - id: home
    title: 首页
    blocks:
      - type: text
        body: 欢迎
  - id: about
    title: 关于
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_site(folder: Path, site_yaml: str, images: bool = True) -> Path:
    """A site folder holding `site_yaml` (dedented) and the starter's images."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.yaml").write_text(textwrap.dedent(site_yaml), encoding="utf-8")
    if images:
        shutil.copytree(STARTER_IMAGES, folder / "images", dirs_exist_ok=True)
    return folder


@pytest.fixture
def make_site(tmp_path: Path):
    def make(site_yaml: str = MINIMAL_SITE, name: str = "site") -> Path:
        return write_site(tmp_path / name, site_yaml)

    return make


def mpcheck(package_dir: Path) -> dict:
    """Run WeChat's compilers (through ../shared/tools/mpcheck) over a package; returns its JSON report."""
    if not MPCHECK.exists():
        pytest.skip(f"mpcheck not found at {MPCHECK} (the ../shared checkout is missing)")
    done = subprocess.run([str(MPCHECK), "--json", str(package_dir)], capture_output=True, text=True, timeout=300)
    if done.returncode == 3:
        pytest.fail(f"mpcheck could not run (node/npm missing?): {done.stderr}")
    return json.loads(done.stdout)


MPCI_JS = REPO / "tests" / "js" / "mpci.js"


def mpci(package_dirs: list[Path], folder: Path, processes: int = 2) -> list[dict]:
    """Run WeChat's build and code-quality check (npm miniprogram-ci, offline: tests/js/mpci.js) over
    packages, split over `processes` node processes (each package costs seconds of start-up); one
    report per package, in order."""
    if shutil.which("node") is None or not (MPCI_JS.parent / "node_modules" / "miniprogram-ci").is_dir():
        pytest.skip("miniprogram-ci is not installed; run `npm ci --prefix tests/js`")
    shares = [package_dirs[i::processes] for i in range(processes) if package_dirs[i::processes]]
    runs = []
    for i, share in enumerate(shares):
        report = folder / f"mpci-{i}.json"
        command = ["node", str(MPCI_JS), str(report), *map(str, share)]
        runs.append(
            (
                report,
                subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=MPCI_JS.parent
                ),
            )
        )
    reports: dict[str, dict] = {}
    for report, run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, f"mpci.js failed ({run.returncode}):\n{err[-4000:]}"
        reports.update((r["dir"], r) for r in json.loads(report.read_text(encoding="utf-8")))
    return [reports[str(Path(d).resolve())] for d in package_dirs]


def assert_mpcheck_clean(package_dir: Path) -> dict:
    report = mpcheck(package_dir)
    problems = [f"{p['path']}:{p['line']}: {p['severity']}: {p['message']}" for p in report["problems"]]
    assert report["errors"] == 0 and report["warnings"] == 0, "\n".join(problems)
    return report


# --- real Chromium, shared by the browser tests of a session -----------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    from generator.errors import GenError
    from generator.preview.shots import find_chromium

    try:
        return find_chromium()
    except GenError as exc:
        pytest.skip(f"no Chromium installed ({exc.format_message()})")


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    from generator.preview.shots import CHROMIUM_FLAGS

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    tab = context.new_page()
    yield tab
    context.close()


class StaticServer:
    """Serves a folder over HTTP on 127.0.0.1 under a URL prefix, like any static host would."""

    def __init__(self, folder: Path, prefix: str = "/") -> None:
        import functools
        import http.server
        import tempfile
        import threading

        self.root = Path(tempfile.mkdtemp())
        mount = self.root / prefix.strip("/") if prefix.strip("/") else self.root
        if mount != self.root:
            mount.parent.mkdir(parents=True, exist_ok=True)
            mount.symlink_to(folder.resolve(), target_is_directory=True)
        else:
            self.root = folder
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix if prefix.endswith('/') else prefix + '/'}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _quiet_handler_base():
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

    return Quiet


_QuietHandler = _quiet_handler_base()


class _Yaml12Dumper(yaml.SafeDumper):
    """PyYAML's dumper quotes text that YAML 1.1 would read as something else; the build reads YAML 1.2,
    where `0o10` is a number and `1e3` a float: those are quoted too."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if resolve_plain(text) != STR_TAG:
        return dumper.represent_scalar(STR_TAG, text, style='"')
    return dumper.represent_str(text)


_Yaml12Dumper.add_representer(str, _represent_text)


def dump_yaml(data: object) -> str:
    """`data` as site.yaml text that the build reads back exactly (YAML 1.2)."""
    return yaml.dump(data, Dumper=_Yaml12Dumper, allow_unicode=True, sort_keys=False)
