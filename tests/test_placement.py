"""Package placement: a JS module or component only one subpackage uses lives in that subpackage."""

from __future__ import annotations

import json

import pytest

from generator.build import build
from generator.errors import GenError
from generator.targets.placement import Package, place_modules
from generator.write.output import OutputFile

from .conftest import MINIMAL_SITE, assert_mpcheck_clean

PACKAGES = [
    Package("", ("pages/home/index",)),
    Package("shop", ("shop/list/index",)),
    Package("more", ("more/a/index",)),
]


def files(texts: dict[str, str]) -> list[OutputFile]:
    return [OutputFile("miniprogram/" + path, text.encode(), "test") for path, text in texts.items()]


def using(*names: str) -> str:
    return json.dumps({"usingComponents": {n: f"/components/{n}/index" for n in names}})


COMPONENT = json.dumps({"component": True, "usingComponents": {}})


def placed(found: list[OutputFile]) -> dict[str, str]:
    return {f.path.removeprefix("miniprogram/"): f.data.decode() for f in found}


def test_module_only_a_subpackage_requires_moves_into_it_and_requires_follow() -> None:
    out = placed(
        place_modules(
            files(
                {
                    "pages/home/index.js": "require('../../utils/shared.js');",
                    "shop/list/index.js": "const c = require('../../utils/cart.js'); require('../../utils/shared.js');",
                    "utils/cart.js": "const m = require('./money.js'); const d = require('../shop/data.js');",
                    "utils/money.js": "module.exports = 1;",
                    "utils/shared.js": "module.exports = 2;",
                    "shop/data.js": "module.exports = {};",
                }
            ),
            "miniprogram/",
            PACKAGES,
        )
    )
    assert sorted(out) == [
        "pages/home/index.js",
        "shop/data.js",
        "shop/list/index.js",
        "shop/utils/cart.js",
        "shop/utils/money.js",  # only cart.js uses it, so it follows
        "utils/shared.js",  # the main package uses it too
    ]
    assert out["shop/list/index.js"] == "const c = require('../utils/cart.js'); require('../../utils/shared.js');"
    assert out["shop/utils/cart.js"] == "const m = require('./money.js'); const d = require('../data.js');"


def test_component_of_one_subpackage_moves_one_of_two_stays() -> None:
    given = {
        "pages/home/index.json": using("block-text"),
        "shop/list/index.json": using("block-text", "block-form", "block-both"),
        "more/a/index.json": using("block-both"),
        "components/block-text/index.json": COMPONENT,
        "components/block-text/index.js": "const b = require('../../utils/behavior.js');",
        "components/block-form/index.json": COMPONENT,
        "components/block-form/index.js": "const b = require('../../utils/behavior.js');",
        "components/block-both/index.json": COMPONENT,
        "utils/behavior.js": "module.exports = Behavior({});",
    }
    out = placed(place_modules(files(given), "miniprogram/", PACKAGES))
    assert "shop/components/block-form/index.json" in out
    assert out["shop/components/block-form/index.js"] == "const b = require('../../../utils/behavior.js');"
    assert "utils/behavior.js" in out  # block-text on the home page uses it too
    assert "components/block-both/index.json" in out and "components/block-text/index.json" in out
    assert json.loads(out["shop/list/index.json"])["usingComponents"] == {
        "block-text": "/components/block-text/index",
        "block-form": "/shop/components/block-form/index",
        "block-both": "/components/block-both/index",
    }


def test_nothing_moves_without_subpackage_only_code() -> None:
    given = files(
        {"pages/home/index.js": "require('../../utils/a.js');", "utils/a.js": "1;", "shop/list/index.js": "2;"}
    )
    assert place_modules(given, "miniprogram/", PACKAGES) == given


def test_main_package_code_reaching_into_a_subpackage_is_an_error() -> None:
    given = files(
        {
            "pages/home/index.js": "require('../../utils/cart.js');",
            "utils/cart.js": "require('../shop/data.js');",
            "shop/data.js": "1;",
        }
    )
    with pytest.raises(GenError, match=r"utils/cart: uses shop/data of subpackage 'shop'"):
        place_modules(given, "miniprogram/", PACKAGES)


FORM = "      - {type: form, title: 反馈, endpoint: 'https://api.example.com/f', fields: [{name: n, label: 称呼}]}\n"
DEEP = """\
    children:
      - id: deep
        title: 深处
        blocks:
""" + FORM.replace("      - ", "          - ")


@pytest.mark.parametrize(("on_home", "where"), [(False, "more/components"), (True, "components")])
def test_built_form_component_follows_the_pages_that_show_it(make_site, on_home: bool, where: str) -> None:
    site_yaml = MINIMAL_SITE.replace("    title: 关于\n", "    title: 关于\n" + DEEP)
    if on_home:
        site_yaml = site_yaml.replace("        body: 欢迎\n", "        body: 欢迎\n" + FORM)
    site = make_site(site_yaml)
    build(site)
    package = site / "dist" / "miniprogram"
    assert (package / where / "block-form" / "index.js").is_file()
    deep = json.loads((package / "more" / "deep" / "index.json").read_text(encoding="utf-8"))
    assert deep["usingComponents"]["block-form"] == f"/{where}/block-form/index"
    assert_mpcheck_clean(package)


def test_require_lookalike_in_data_is_left_alone() -> None:
    data = 'module.exports = {"description":"require(\'../utils/cart.js\') \\" require(\'../utils/cart.js\')"};'
    out = placed(
        place_modules(
            files(
                {
                    "shop/list/index.js": "require('../../utils/cart.js'); require('../data.js');",
                    "shop/data.js": data,
                    "utils/cart.js": "1;",
                }
            ),
            "miniprogram/",
            PACKAGES,
        )
    )
    assert out["shop/data.js"] == data
    assert out["shop/list/index.js"] == "require('../utils/cart.js'); require('../data.js');"
