"""Whole builds: examples and the starter pass WeChat's compilers; output is deterministic and swapped in whole."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from generator.build import build
from generator.cli import main
from generator.errors import GenError
from generator.targets.miniprogram import miniprogram_data
from generator.write.output import OutputFile
from generator.write.writer import write_output

from .conftest import MINIMAL_SITE, REPO, assert_mpcheck_clean

EXAMPLES = sorted(p.parent for p in (REPO / "sites").glob("*/site.yaml"))


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def starter_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("starter") / "shop"
    result = CliRunner().invoke(main, ["init", str(site), "--name", "测试小店"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 0, result.output
    return site / "dist"


def test_there_are_at_least_two_example_sites() -> None:
    assert len(EXAMPLES) >= 2, EXAMPLES


@pytest.mark.parametrize("site", EXAMPLES, ids=lambda p: p.name)
def test_example_site_passes_wechat_compilers(site: Path, tmp_path: Path) -> None:
    build(site, tmp_path / "dist")
    assert_mpcheck_clean(tmp_path / "dist" / "miniprogram")


def test_starter_site_passes_wechat_compilers(starter_build: Path) -> None:
    report = assert_mpcheck_clean(starter_build / "miniprogram")
    assert {p["name"] for p in report["packages"]} == {"main", "catalog", "more"}


def test_starter_has_the_schema_line_for_editors(starter_build: Path) -> None:
    site = starter_build.parent
    first_line = (site / "site.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./site.schema.json"
    schema = json.loads((site / "site.schema.json").read_text(encoding="utf-8"))
    assert "pages" in schema["properties"]


def test_same_input_gives_byte_identical_output(make_site, tmp_path: Path) -> None:
    site = make_site(
        (REPO / "templates" / "starter" / "site.yaml").read_text(encoding="utf-8").replace("__SITE_NAME__", "同一个店")
    )
    build(site, tmp_path / "a")
    build(site, tmp_path / "b")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_failed_build_leaves_previous_output_untouched(make_site) -> None:
    site = make_site()
    build(site)
    before = tree_digest(site / "dist")
    (site / "site.yaml").write_text(MINIMAL_SITE.replace("icon: user", "icon: nope"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 2
    assert tree_digest(site / "dist") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".dist")], "staging folder left behind"


def test_build_refuses_to_replace_a_folder_it_did_not_make(make_site, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(make_site()), "--out", str(precious)])
    assert result.exit_code == 2
    assert "did not write" in result.output
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rebuild_replaces_stale_files(make_site) -> None:
    site = make_site(MINIMAL_SITE + "  - id: extra\n    title: 多余\n")
    build(site)
    assert (site / "dist/miniprogram/pages/extra/index.wxml").exists()
    (site / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
    build(site)
    assert not (site / "dist/miniprogram/pages/extra").exists()


def test_rebuild_keeps_unchanged_files_and_rewrites_the_rest(make_site) -> None:
    site = make_site()
    build(site)
    dist = site / "dist"
    app_wxss, home = dist / "miniprogram/app.wxss", dist / "h5/index.html"
    before = {path: path.stat().st_ino for path in (app_wxss, home)}
    home.write_text("edited by hand", encoding="utf-8")
    written = build(site).written
    assert app_wxss.stat().st_ino == before[app_wxss]  # the same file, linked into the new folder
    assert "edited by hand" not in home.read_text(encoding="utf-8")
    assert written is not None and written.changed == 1


def test_write_failing_midway_leaves_previous_output_untouched(make_site, monkeypatch) -> None:
    site = make_site()
    build(site)
    (site / "site.yaml").write_text(MINIMAL_SITE.replace("欢迎", "欢迎光临"), encoding="utf-8")
    before = tree_digest(site / "dist")
    from generator.write import writer

    real_write = writer._write_file
    calls = []

    def failing_write(path: str, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(writer, "_write_file", failing_write)
    with pytest.raises(GenError, match="the disk is full"):
        build(site)
    assert tree_digest(site / "dist") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".dist")], "staging folder left behind"


def test_prices_are_exact_decimals(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: products, products: [a, b, c]}\n"
        )
        + """\
catalog:
  categories: [{id: c, name: 类}]
  products:
    - {id: a, name: A, price: 19.9, category: c}
    - {id: b, name: B, price: 0.1, original_price: 0.30, category: c}
    - {id: c, name: C, price: 1234567.05, category: c}
""".replace("1234567.05", "999999.99")
    )
    result = build(site, write=False)
    home = next(f for f in result.files if f.path == "miniprogram/pages/home/index.js").data.decode()
    assert '"priceText":"¥19.90"' in home
    assert '"priceText":"¥0.10"' in home and '"originalPriceText":"¥0.30"' in home
    assert '"priceText":"¥999999.99"' in home
    products = unpacked_catalog(result)["products"]
    assert [products[p]["priceFen"] for p in "abc"] == [1990, 10, 99999999]


NODE = shutil.which("node")


def unpacked_catalog(result) -> dict:
    """catalog/data.js as the mini-program sees it: evaluated by node."""
    if NODE is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    source = next(f for f in result.files if f.path == "miniprogram/catalog/data.js").data.decode()
    program = (
        "const m = {exports: {}}; new Function('module', require('fs').readFileSync(0, 'utf8'))(m);"
        " console.log(JSON.stringify(m.exports))"
    )
    done = subprocess.run([NODE, "-e", program], input=source, capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


def test_packed_catalog_unpacks_to_the_planned_catalog() -> None:
    result = build(REPO / "sites" / "beibei", write=False)
    planned = json.loads(json.dumps(miniprogram_data(result.site, result.site.catalog_data), default=str))
    assert unpacked_catalog(result) == planned


def test_navigation_bar_takes_brand_color_with_readable_text(make_site) -> None:
    calm = MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: calm")  # calm has no dark variant
    light = make_site(calm + 'theme:\n  colors: {primary: "#FFE14D"}\n', name="light")
    dark = make_site(calm + 'theme:\n  colors: {primary: "#123"}\n', name="dark")
    for site, bg, style in ((light, "#FFE14D", "black"), (dark, "#112233", "white")):
        app = json.loads(next(f for f in build(site, write=False).files if f.path == "miniprogram/app.json").data)
        assert app["window"]["navigationBarBackgroundColor"] == bg
        assert app["window"]["navigationBarTextStyle"] == style


def test_theme_tokens_compile_to_css_variables_in_one_file(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: calm"))
    files = {f.path: f.data.decode("utf-8", "replace") for f in build(site, write=False).files}
    assert "--color-primary: #1F3A5F;" in files["miniprogram/app.wxss"]
    assert "--radius-md: 12rpx;" in files["miniprogram/app.wxss"]  # 6 px -> 12 rpx
    hard_coded = [
        path
        for path, text in files.items()
        if path.endswith(".wxss") and "#1F3A5F" in text and path != "miniprogram/app.wxss"
    ]
    assert hard_coded == []


def test_dark_variant_declares_darkmode_and_theme_json(make_site, tmp_path: Path) -> None:
    site = make_site(MINIMAL_SITE)  # the default theme (warm) has a dark variant
    build(site)
    package = site / "dist" / "miniprogram"
    app = json.loads((package / "app.json").read_text(encoding="utf-8"))
    assert app["darkmode"] is True and app["themeLocation"] == "theme.json"
    theme = json.loads((package / "theme.json").read_text(encoding="utf-8"))
    assert theme["light"]["navBackground"] == "#C8472A" and theme["dark"]["navBackground"] == "#F07A55"
    assert "@media (prefers-color-scheme: dark)" in (package / "app.wxss").read_text(encoding="utf-8")
    assert_mpcheck_clean(package)


def test_theme_without_dark_variant_has_plain_colors(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: night"))
    app = json.loads(next(f for f in build(site, write=False).files if f.path == "miniprogram/app.json").data)
    assert "darkmode" not in app
    assert app["tabBar"]["selectedColor"] == "#D4A84B"


def test_tab_icons_are_81px_pngs_under_40kb(starter_build: Path) -> None:
    app = json.loads((starter_build / "miniprogram" / "app.json").read_text(encoding="utf-8"))
    theme = json.loads((starter_build / "miniprogram" / "theme.json").read_text(encoding="utf-8"))
    paths = {v for variant in theme.values() for k, v in variant.items() if k.startswith("tabIcon")}
    assert len(paths) == 2 * 2 * len(app["tabBar"]["list"])
    for path in paths:
        data = (starter_build / "miniprogram" / path).read_bytes()
        assert len(data) <= 40 * 1024
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (81, 81)


def test_site_template_overrides_builtin(make_site) -> None:
    site = make_site()
    override = site / "templates" / "miniprogram" / "app.js"
    override.parent.mkdir(parents=True)
    override.write_text("App({ onLaunch() { console.log('custom'); } });\n", encoding="utf-8")
    files = {f.path: f for f in build(site, write=False).files}
    assert b"custom" in files["miniprogram/app.js"].data


def test_edited_template_is_compiled_again_despite_the_bytecode_cache(make_site) -> None:
    site = make_site()
    override = site / "templates" / "miniprogram" / "app.js"
    override.parent.mkdir(parents=True)
    for word in ("first", "second"):
        override.write_text(f"App({{ onLaunch() {{ console.log('{word}'); }} }});\n", encoding="utf-8")
        files = {f.path: f for f in build(site, write=False).files}
        assert word.encode() in files["miniprogram/app.js"].data


def test_unwritable_template_cache_only_costs_time(make_site, monkeypatch, tmp_path: Path) -> None:
    from generator import templates_env

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    templates_env._bytecode_cache.cache_clear()
    try:
        assert templates_env._bytecode_cache() is None
        assert build(make_site(), write=False).files
    finally:
        templates_env._bytecode_cache.cache_clear()


def test_only_used_components_are_shipped(make_site) -> None:
    files = {f.path for f in build(make_site(), write=False).files}
    components = {p.split("/")[2] for p in files if p.startswith("miniprogram/components/")}
    assert components == {"block-text"}
    assert not any(p.startswith("miniprogram/catalog/") for p in files)


def test_image_shown_only_in_the_catalog_lives_in_its_subpackage(make_site) -> None:
    site_yaml = (
        MINIMAL_SITE.replace("      - type: text\n        body: 欢迎\n", "      - {type: products, products: [a]}\n")
        + """\
catalog:
  categories: [{id: c, name: 类}]
  products:
    - {id: a, name: A, price: 1, category: c, images: [images/banner.jpg, images/detail.jpg]}
"""
    )
    site = make_site(site_yaml)
    (site / "images" / "detail.jpg").write_bytes((site / "images" / "banner.jpg").read_bytes() + b"\0")
    result = build(site, write=False)
    paths = {f.path for f in result.files}
    assert any(p.startswith("miniprogram/assets/img/banner-") for p in paths)  # the cover shows on home
    assert any(p.startswith("miniprogram/catalog/img/detail-") for p in paths)
    sizes = {p.name: p.bytes for p in result.budget.packages}
    assert sizes["catalog"] > (site / "images" / "detail.jpg").stat().st_size


def test_site_tab_icons_from_images(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("icon: user", "icon: images/me.png, selected_icon: images/me-on.png"))
    for name, color in (("me.png", (120, 120, 120, 255)), ("me-on.png", (200, 60, 40, 255))):
        Image.new("RGBA", (81, 81), color).save(site / "images" / name)
    build(site)
    package = site / "dist" / "miniprogram"
    app = json.loads((package / "app.json").read_text(encoding="utf-8"))
    tab = app["tabBar"]["list"][1]
    assert tab["iconPath"].startswith("assets/tabbar/me-") and tab["selectedIconPath"].startswith(
        "assets/tabbar/me-on-"
    )
    assert_mpcheck_clean(package)


def test_oversized_or_gif_tab_icon_is_a_spec_error(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("icon: user", "icon: images/big.png").replace("icon: home", "icon: a.gif"))
    Image.effect_noise((400, 400), 100).convert("RGB").save(site / "images" / "big.png")
    (site / "a.gif").write_bytes(b"GIF89a")
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 2
    assert "tabs[1].icon: 'images/big.png' is" in result.output and "at most 40 KB" in result.output
    assert "tabs[0].icon: 'a.gif' is not a PNG or JPEG" in result.output


def test_swap_writer_counts_a_repeated_path_once_and_keeps_the_last(tmp_path: Path) -> None:
    report = write_output([OutputFile("a/x.txt", b"first", ""), OutputFile("a/x.txt", b"last", "")], tmp_path / "out")
    assert report.files == 1 and report.bytes == len(b"last")
    assert (tmp_path / "out" / "a" / "x.txt").read_bytes() == b"last"


def test_swap_writer_never_writes_through_a_link_into_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output([OutputFile("x.txt", b"same", "")], out)
    before = out / "x.txt"
    inode = before.stat().st_ino
    write_output([OutputFile("x.txt", b"same", ""), OutputFile("x.txt", b"changed", "")], out)
    assert (out / "x.txt").read_bytes() == b"changed" and (out / "x.txt").stat().st_ino != inode
