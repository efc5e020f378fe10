"""A site's own templates are untrusted: sandboxed, read only from inside the site folder, errors with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from generator import templates_env
from generator.build import build
from generator.cli import main

from .conftest import REPO

TINY = REPO / "tests" / "sites" / "tiny"
SECRET = "TOP-SECRET-OUTSIDE-FILE"


def run_build(site: Path):
    return CliRunner().invoke(main, ["build", str(site), "--out", str(site / "dist"), "-q"])


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(TINY, site, ignore=shutil.ignore_patterns("dist", ".mpgen-cache"))
    return site


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    for name in ("secret.html", "app.js", "site.js", "x.yaml"):
        (folder / name).write_text(f"{SECRET}\n", encoding="utf-8")
    return folder


def override(site: Path, target: str, name: str, text: str) -> Path:
    path = site / "templates" / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for part in parts:
        assert part in result.output, result.output


H5_ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ctx.site.site_dir.joinpath('/etc/passwd').read_text() }}",
    "{{ ctx.env.loader.get_source(ctx.env, 'page.html') }}",
    "{{ theme.parse_file('/etc/passwd') }}",
    "{{ theme.model_validate_json('{}') }}",
    "{{ ctx.env.globals.update(x=1) }}",
]


@pytest.mark.parametrize("payload", H5_ESCAPES)
def test_h5_template_cannot_reach_python_or_files(tiny: Path, payload: str) -> None:
    original = (REPO / "templates" / "h5" / "base.html").read_text(encoding="utf-8")
    override(
        tiny, "h5", "base.html", original.replace('<h1 class="topbar-title">', f'{payload}<h1 class="topbar-title">')
    )
    line = next(i for i, text in enumerate(original.splitlines(), 1) if 'class="topbar-title"' in text)
    result = run_build(tiny)
    assert_refused(result, f"templates/h5/base.html:{line}  ", "sandbox")
    assert not (tiny / "dist").exists()  # nothing written


def test_mini_program_template_escape_is_refused(tiny: Path) -> None:
    override(tiny, "miniprogram", "app.js", "App({});\n// [[ cycler.__init__.__globals__.os.popen('id').read() ]]\n")
    result = run_build(tiny)
    assert_refused(result, "templates/miniprogram/app.js:2  ", "'__init__'")
    assert "uid=" not in result.output


def test_sandboxed_render_cannot_run_commands(tiny: Path) -> None:
    """The payload of the issue, rendered without the CLI: it raises, and `id` never ran."""
    override(tiny, "h5", "page.html", "{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    with pytest.raises(templates_env.SiteTemplateError) as caught:
        build(tiny, write=False)
    assert "uid=" not in str(caught.value)


@pytest.mark.parametrize(
    "name", ["../../outside/secret.html", "/etc/passwd", r"..\\..\\outside\\secret.html", "blocks/../../x.html"]
)
def test_include_outside_the_templates_folder_is_refused(tiny: Path, outside: Path, name: str) -> None:
    override(
        tiny,
        "h5",
        "page.html",
        "{% extends 'base.html' %}\n{% block content %}{% include '" + name + "' %}{% endblock %}\n",
    )
    result = run_build(tiny)
    assert result.exit_code == 2, result.output
    assert "templates/h5/page.html:2  " in result.output
    assert SECRET not in result.output


def test_template_linked_outside_the_site_is_refused(tiny: Path, outside: Path) -> None:
    link = tiny / "templates" / "h5" / "assets" / "site.js"  # copied verbatim into dist/h5/assets/
    link.parent.mkdir(parents=True)
    link.symlink_to(outside / "site.js")
    result = run_build(tiny)
    assert_refused(result, "templates/h5/assets/site.js is a link to a file outside the site folder")
    assert SECRET not in result.output
    assert not (tiny / "dist").exists()


def test_templates_folder_linked_outside_the_site_is_refused(tiny: Path, outside: Path) -> None:
    (tiny / "templates").mkdir()
    (tiny / "templates" / "miniprogram").symlink_to(outside)
    result = run_build(tiny)
    assert_refused(result, "templates/miniprogram/app.js is a link to a file outside the site folder")
    assert SECRET not in result.output


def test_link_inside_the_site_is_fine(tiny: Path) -> None:
    target = override(tiny, "miniprogram", "shared/app.js", "App({ linked: true });\n")
    (tiny / "templates" / "miniprogram" / "app.js").symlink_to(target)
    files = {f.path: f.data for f in build(tiny, write=False).files}
    assert files["miniprogram/app.js"] == b"App({ linked: true });\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% if %}\n", "templates/h5/page.html:1  template syntax error"),
        ("\n{{ no_such_value }}\n", "templates/h5/page.html:2  'no_such_value' is undefined"),
        ("{% include 'nope.html' %}\n", "templates/h5/page.html:1  no template 'nope.html'"),
    ],
)
def test_mistakes_in_site_templates_name_file_and_line(tiny: Path, text: str, expected: str) -> None:
    override(tiny, "h5", "page.html", text)
    assert_refused(run_build(tiny), expected)


def test_sandbox_renders_the_builtin_templates_byte_identically(tiny: Path, tmp_path: Path) -> None:
    plain = {f.path: f.data for f in build(tiny, write=False).files}
    for target, name in (("h5", "page.html"), ("miniprogram", "pages/page/index.wxml")):
        shutil.copy(REPO / "templates" / target / name, override(tiny, target, name, ""))
    sandboxed = {f.path: f.data for f in build(tiny, write=False).files}
    assert sandboxed == plain


def test_sandbox_only_for_sites_with_their_own_templates(tiny: Path) -> None:
    assert type(templates_env.template_env("h5", tiny)) is jinja2.Environment
    override(tiny, "h5", "page.html", "x")
    assert isinstance(templates_env.template_env("h5", tiny), jinja2.sandbox.SandboxedEnvironment)
    assert type(templates_env.template_env("miniprogram", tiny)) is jinja2.Environment


def test_sandboxed_and_plain_bytecode_never_mix(tiny: Path, tmp_path: Path, monkeypatch) -> None:
    """Sandboxed code routes every call through the sandbox: compiled and cached apart from the plain code."""

    def use_cache(name: str) -> None:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / name))
        templates_env._bytecode_cache.cache_clear()

    try:
        use_cache("reference")
        reference = {f.path: f.data for f in build(tiny, write=False).files}
        use_cache("shared")
        plain_folder = templates_env._bytecode_cache(sandboxed=False).directory  # type: ignore[union-attr]
        assert templates_env._bytecode_cache(sandboxed=True).directory != plain_folder  # type: ignore[union-attr]
        shutil.copy(REPO / "templates" / "h5" / "page.html", override(tiny, "h5", "page.html", ""))
        assert {f.path: f.data for f in build(tiny, write=False).files} == reference  # compiles sandboxed
        shutil.rmtree(tiny / "templates")
        assert {f.path: f.data for f in build(tiny, write=False).files} == reference  # plain, same cache home
    finally:
        templates_env._bytecode_cache.cache_clear()
