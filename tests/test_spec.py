"""Bad specs: every problem is reported with file:line:col, the spec path and what to do; exit code 2."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.load.validate import load_spec

from .conftest import MINIMAL_SITE

CATALOG = """\
catalog:
  categories:
    - {id: toys, name: 玩具}
  products:
    - {id: car, name: 小汽车, price: 19.9, category: toys}
"""


def run_build(site: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(site)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def with_home_blocks(blocks: str, extra: str = CATALOG) -> str:
    """MINIMAL_SITE whose home page has these blocks (YAML list items indented by 6)."""
    site = MINIMAL_SITE.replace("      - type: text\n        body: 欢迎\n", blocks)
    return site + extra


# (case id, site.yaml, expected fragments of one error line)
BAD_SPECS = [
    ("yaml-syntax", MINIMAL_SITE.replace("  name: 小店", "  name: [小店"), ["site.yaml:3:", "YAML syntax error"]),
    (
        "unknown-key",
        MINIMAL_SITE.replace("    title: 关于", "    titel: 关于"),
        ["site.yaml:13:5", "pages[1]", "unknown key 'titel' (did you mean 'title'?)"],
    ),
    ("wrong-type", MINIMAL_SITE.replace("tabs:\n", "tabs: 3\nx:\n"), ["site.yaml:3:7", "tabs: expected a list"]),
    (
        "fourth-level",
        MINIMAL_SITE
        + """\
    children:
      - id: l2
        title: 二级
        children:
          - id: l3
            title: 三级
            children:
              - id: l4
                title: 四级
""",
        ["site.yaml:21:17", "pages[1].children[0].children[0].children[0]", "level 4", "at most 3 levels"],
    ),
    (
        "one-tab",
        MINIMAL_SITE.replace("  - {page: about, text: 关于, icon: user}\n", ""),
        ["site.yaml:4:", "tabs: has 1 tabs, at least 2", "2 to 5"],
    ),
    (
        "six-tabs",
        MINIMAL_SITE.replace(
            "  - {page: about, text: 关于, icon: user}\n", "  - {page: about, text: 关于, icon: user}\n" * 5
        ),
        ["tabs: has 6 tabs, at most 5"],
    ),
    (
        "tab-on-subpage",
        MINIMAL_SITE.replace("{page: about,", "{page: sub,")
        + """\
    children:
      - id: sub
        title: 子页
""",
        ["site.yaml:5:12", "tabs[1].page", "sub-page"],
    ),
    (
        "duplicate-page-id",
        MINIMAL_SITE.replace("  - id: about", "  - id: home"),
        ["site.yaml:12:9", "pages[1].id", "duplicate page 'home'"],
    ),
    (
        "unsafe-page-id",
        MINIMAL_SITE.replace("id: about", "id: About Us").replace("page: about", "page: about-us"),
        ["pages[1].id", "'About Us' is not a URL-safe id", "about-us"],
    ),
    (
        "duplicate-product-id",
        MINIMAL_SITE + CATALOG + "    - {id: car, name: 卡车, price: 29, category: toys}\n",
        ["site.yaml:19:12", "catalog.products[1].id", "duplicate product 'car'"],
    ),
    (
        "unsafe-product-id",
        MINIMAL_SITE + CATALOG.replace("id: car", "id: 汽车"),
        ["catalog.products[0].id", "not a URL-safe id"],
    ),
    (
        "missing-page-ref",
        with_home_blocks("      - {type: button, text: 去, page: abuot}\n"),
        ["site.yaml:10:", "pages[0].blocks[0].page", "no page with id 'abuot' (did you mean 'about'?)"],
    ),
    (
        "missing-product-ref",
        with_home_blocks("      - {type: products, products: [car, bus]}\n"),
        ["pages[0].blocks[0].products[1]", "no product with id 'bus'"],
    ),
    (
        "missing-category-ref",
        with_home_blocks("      - {type: products, category: food}\n"),
        ["pages[0].blocks[0].category", "no category with id 'food'"],
    ),
    (
        "product-category-ref",
        MINIMAL_SITE + CATALOG.replace("category: toys}", "category: toy}"),
        ["site.yaml:18:51", "catalog.products[0].category", "no category with id 'toy' (did you mean 'toys'?)"],
    ),
    (
        "unknown-block",
        with_home_blocks("      - {type: bannr}\n"),
        ["pages[0].blocks[0]", "unknown block type 'bannr' (did you mean 'banner'?)"],
    ),
    (
        "bad-color",
        MINIMAL_SITE + "theme:\n  colors:\n    primary: red\n",
        ["site.yaml:16:14", "theme.colors.primary", "'red' is not a hex color"],
    ),
    (
        "negative-price",
        MINIMAL_SITE + CATALOG.replace("price: 19.9", "price: -5"),
        ["site.yaml:18:35", "catalog.products[0].price", "at least 0"],
    ),
    (
        "text-price",
        MINIMAL_SITE + CATALOG.replace("price: 19.9", "price: 十九"),
        ["catalog.products[0].price", "'十九' is not a number"],
    ),
    (
        "three-decimals",
        MINIMAL_SITE + CATALOG.replace("price: 19.9", "price: 19.999"),
        ["catalog.products[0].price", "more than 2 decimal places"],
    ),
    (
        "missing-image",
        with_home_blocks("      - {type: image, image: images/banner.jpeg}\n"),
        ["pages[0].blocks[0].image", "does not exist", "did you mean 'images/banner.jpg'"],
    ),
    (
        "image-escapes-dotdot",
        with_home_blocks("      - {type: image, image: ../secret.png}\n"),
        ["pages[0].blocks[0].image", "leaves the site folder"],
    ),
    (
        "image-absolute",
        with_home_blocks("      - {type: image, image: /etc/logo.png}\n"),
        ["pages[0].blocks[0].image", "not a path inside the site folder"],
    ),
    (
        "http-form",
        with_home_blocks("      - {type: form, endpoint: 'http://x.cn/f', fields: [{name: a, label: A}]}\n"),
        ["pages[0].blocks[0].endpoint", "not an https URL"],
    ),
    (
        "unknown-theme",
        MINIMAL_SITE.replace("  name: 小店", "  name: 小店\n  theme: warmm"),
        ["site.yaml:3:10", "site.theme", "no theme named 'warmm'", "warm"],
    ),
    (
        "two-link-targets",
        with_home_blocks("      - {type: button, text: 去, page: about, url: 'https://a.cn'}\n"),
        ["pages[0].blocks[0]", "links to page and url at once"],
    ),
    (
        "unknown-icon",
        MINIMAL_SITE.replace("icon: user", "icon: usr"),
        ["site.yaml:5:", "tabs[1].icon", "no built-in icon 'usr' (did you mean 'user'?)"],
    ),
]


@pytest.mark.parametrize("site_yaml,expected", [pytest.param(y, e, id=i) for i, y, e in BAD_SPECS])
def test_bad_spec_is_reported_with_position_and_path(make_site, site_yaml: str, expected: list[str]) -> None:
    site = make_site(site_yaml)
    code, output = run_build(site)
    assert code == 2, output
    lines = output.splitlines()
    assert any(all(fragment in line for fragment in expected) for line in lines), output
    assert not (site / "dist").exists()


def test_symlink_out_of_the_site_is_refused(make_site, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes((make_site().parent / "site" / "images" / "banner.jpg").read_bytes())
    site = make_site(with_home_blocks("      - {type: image, image: images/link.png}\n"), name="linked")
    (site / "images" / "link.png").symlink_to(outside)
    code, output = run_build(site)
    assert code == 2
    assert "pages[0].blocks[0].image: 'images/link.png' is a link to a file outside the site folder" in output


def test_every_problem_is_reported_at_once(make_site) -> None:
    site_yaml = MINIMAL_SITE.replace("    title: 关于", "    titel: 关于").replace(
        "  name: 小店", "  name: 小店\n  colour: red"
    )
    code, output = run_build(make_site(site_yaml))
    assert code == 2
    assert "unknown key 'titel'" in output and "unknown key 'colour'" in output
    assert "3 problems in the site spec" in output  # titel, colour, and the missing title


def test_reference_and_theme_problems_come_together(make_site) -> None:
    site_yaml = with_home_blocks(
        "      - {type: button, text: 去, page: nowhere}\n      - {type: products, category: x}\n"
    )
    site_yaml = site_yaml.replace("  name: 小店", "  name: 小店\n  theme: nope")
    code, output = run_build(make_site(site_yaml))
    assert code == 2
    assert "no page with id 'nowhere'" in output and "no category with id 'x'" in output
    assert "no theme named 'nope'" in output


def test_csv_problem_names_file_line_and_column(make_site) -> None:
    site = make_site(
        MINIMAL_SITE + "catalog:\n  categories:\n    - {id: toys, name: 玩具}\n  products_file: products.csv\n"
    )
    (site / "products.csv").write_text(
        "id,name,price,category\ncar,小汽车,19.9,toys\nbus,巴士,free,toys\ntruck,卡车,-3,toys\n", encoding="utf-8"
    )
    code, output = run_build(site)
    assert code == 2
    assert "products.csv:3 column price  catalog.products[1].price: 'free' is not a number" in output
    assert "products.csv:4 column price  catalog.products[2].price" in output


def test_csv_unknown_column_suggests_the_right_one(make_site) -> None:
    site = make_site(
        MINIMAL_SITE + "catalog:\n  categories:\n    - {id: toys, name: 玩具}\n  products_file: products.csv\n"
    )
    (site / "products.csv").write_text("id,name,prcie,category\ncar,小汽车,19.9,toys\n", encoding="utf-8")
    code, output = run_build(site)
    assert code == 2
    assert "products.csv:1 column prcie  unknown column 'prcie' (did you mean 'price'?)" in output


def test_cli_exits_2_without_traceback_in_a_real_process(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("    title: 关于", "    titel: 关于"))
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "site.yaml:13:5  pages[1].titel: unknown key 'titel'" in done.stderr


def test_missing_site_yaml_says_how_to_start(tmp_path: Path) -> None:
    code, output = run_build(tmp_path)
    assert code == 2
    assert "no site.yaml here; run `gen init" in output


def test_shape_and_reference_problems_are_reported_together(make_site) -> None:
    blocks = (
        "      - {type: button, text: 去, page: nowhere}\n"
        "      - {type: bannr}\n"
        "      - {type: products, category: x}\n"
    )
    site_yaml = with_home_blocks(blocks).replace("    title: 关于", "    title: 关于\n    colour: red")
    code, output = run_build(make_site(site_yaml))
    assert code == 2
    assert "site.yaml:11:9  pages[0].blocks[1]: unknown block type 'bannr'" in output
    assert "pages[1].colour: unknown key 'colour'" in output
    # the broken block was dropped before the reference checks, but the indices still match the file
    assert "site.yaml:10:39  pages[0].blocks[0].page: no page with id 'nowhere'" in output
    assert "site.yaml:12:36  pages[0].blocks[2].category: no category with id 'x'" in output


def test_references_to_broken_items_are_not_reported_twice(make_site) -> None:
    site_yaml = with_home_blocks("      - {type: products, products: [car]}\n").replace("price: 19.9", "price: x")
    code, output = run_build(make_site(site_yaml))
    assert code == 2
    assert "catalog.products[0].price: 'x' is not a number" in output
    assert "no product with id 'car'" not in output


# --- YAML 1.2 semantics and strict types, through the build ---------------------------------------------

PRODUCTS_FILE_SITE = (
    MINIMAL_SITE + "catalog:\n  categories:\n    - {id: toys, name: 玩具}\n  products_file: products.csv\n"
)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "\n\n"])
def test_an_empty_site_yaml_names_the_file_and_suggests_gen_init(make_site, text: str) -> None:
    site = make_site(text)
    code, output = run_build(site)
    assert code == 2
    assert f"{site / 'site.yaml'}  is empty" in output and f"`gen init {site}`" in output
    assert "?  " not in output


def test_a_number_where_an_id_is_meant_is_refused_as_typed(make_site) -> None:
    """YAML 1.1 read `id: 010` as the product 8; YAML 1.2 reads the number 10: neither is what was typed."""
    site = make_site(MINIMAL_SITE + CATALOG.replace("id: car", "id: 010"))
    code, output = run_build(site)
    assert code == 2
    assert (
        "site.yaml:18:12  catalog.products[0].id: expected text, got the number 010; "
        "if 010 is meant as text, quote it: '010'"
    ) in output
    quoted = load_spec(make_site(MINIMAL_SITE + CATALOG.replace("id: car", "id: '010'"), name="quoted"))
    assert quoted.spec.catalog is not None and quoted.spec.catalog.products[0].id == "010"


def test_a_time_in_text_stays_the_time(make_site) -> None:
    """YAML 1.1 read `9:30` as 570 (base 60), which became the text "570"."""
    loaded = load_spec(make_site(MINIMAL_SITE.replace("body: 欢迎", "body: 9:30")))
    block = loaded.spec.pages[0].blocks[0]
    assert block.type == "text" and block.body == "9:30"


@pytest.mark.parametrize(
    "blocks,expected",
    [
        (
            "      - {type: products, limit: '4'}\n",
            "pages[0].blocks[0].limit: expected a whole number, got the text '4'; write the number without quotes",
        ),
        (
            "      - {type: products, limit: 4.5}\n",
            "pages[0].blocks[0].limit: expected a whole number, got the number 4.5",
        ),
        (
            "      - {type: banner, autoplay: yes, slides: [{image: images/banner.jpg}]}\n",
            "pages[0].blocks[0].autoplay: expected true or false, got the text 'yes' (YAML 1.2, like the editor, "
            "reads yes/no/on/off as text); write true",
        ),
        (
            "      - {type: products, more: 1}\n",
            "pages[0].blocks[0].more: expected true or false, got the number 1",
        ),
        (
            "      - {type: text, title: 2024, body: x}\n",
            "pages[0].blocks[0].title: expected text, got the number 2024; if 2024 is meant as text, quote it: '2024'",
        ),
    ],
)
def test_values_have_the_types_the_schema_says(make_site, blocks: str, expected: str) -> None:
    code, output = run_build(make_site(with_home_blocks(blocks)))
    assert code == 2
    assert expected in output


def test_a_whole_number_may_have_a_fraction_as_in_json_schema(make_site) -> None:
    """JSON Schema's integer, and so the editor, takes 4.0 and 1e1: the build too."""
    loaded = load_spec(
        make_site(with_home_blocks("      - {type: products, limit: 4.0}\n      - {type: products, limit: 1e1}\n"))
    )
    assert [block.limit for block in loaded.spec.pages[0].blocks if block.type == "products"] == [4, 10]


def test_amounts_are_numbers_as_the_schema_says(make_site) -> None:
    """The schema gives amounts as numbers (its numeric-text form could not carry the bounds)."""
    loaded = load_spec(make_site(MINIMAL_SITE + CATALOG.replace("price: 19.9", "price: 19.90, original_price: 29")))
    assert loaded.spec.catalog is not None
    product = loaded.spec.catalog.products[0]
    assert (product.price, product.original_price) == (Decimal("19.90"), Decimal("29"))
    code, output = run_build(make_site(MINIMAL_SITE + CATALOG.replace("price: 19.9", "price: '19.9'"), name="quoted"))
    assert code == 2
    assert (
        "catalog.products[0].price: expected a number, got the text '19.9'; write the amount without quotes" in output
    )


def test_a_bad_cell_of_a_multi_line_csv_record_is_at_the_line_where_the_record_starts(make_site) -> None:
    site = make_site(PRODUCTS_FILE_SITE)
    (site / "products.csv").write_text(
        'id,name,description,price,category\ncar,小汽车,"一\n二\n三\n四\n五",free,toys\n', encoding="utf-8"
    )
    code, output = run_build(site)
    assert code == 2
    assert "products.csv:2 column price  catalog.products[0].price: 'free' is not a number" in output


def test_an_unknown_csv_column_is_at_the_header_line(make_site) -> None:
    site = make_site(PRODUCTS_FILE_SITE)
    (site / "products.csv").write_text(
        'id,name,description,prcie,category\ncar,小汽车,"一\n二\n三\n四\n五",19.9,toys\n', encoding="utf-8"
    )
    code, output = run_build(site)
    assert code == 2
    assert "products.csv:1 column prcie  unknown column 'prcie' (did you mean 'price'?)" in output


def test_csv_stock_and_virtual_cells_become_numbers_and_booleans(make_site) -> None:
    site = make_site(PRODUCTS_FILE_SITE)
    (site / "products.csv").write_text(
        "id,name,price,category,stock,virtual\ncar,小汽车,19.9,toys,5,TRUE\nbus,巴士,9,toys,0,no\n", encoding="utf-8"
    )
    loaded = load_spec(site)
    assert loaded.spec.catalog is not None
    assert [(p.stock, p.virtual) for p in loaded.spec.catalog.products] == [(5, True), (0, False)]
    (site / "products.csv").write_text("id,name,price,category,stock\ncar,小汽车,19.9,toys,five\n", encoding="utf-8")
    code, output = run_build(site)
    assert code == 2
    assert "products.csv:2 column stock  catalog.products[0].stock: expected a whole number, got 'five'" in output


def test_an_alias_bomb_exits_2_quickly_in_a_real_process(make_site) -> None:
    lol = 'lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for previous, name in zip("abcdefghi", "bcdefghij", strict=True):
        lol += f"{name}: &{name} [{', '.join(f'*{previous}' for _ in range(10))}]\n"
    site = make_site(MINIMAL_SITE + lol)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], capture_output=True, text=True)
    assert time.perf_counter() - started < 30  # the process, imports included; the YAML check takes ~1 ms
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr
    assert "site.yaml:18:36  e[7]: the alias *d repeats more than 100,000 values" in done.stderr


@pytest.mark.parametrize(
    "extra,expected",
    [
        ("ref: !Ref home\n", "site.yaml:14:6  ref: unknown tag '!Ref'"),
        ("run: !!python/name:os.system\n", "site.yaml:14:6  run: unknown tag '!!python/name:os.system'"),
        ("bell: 铃a\x07b\n", "site.yaml:14:9  has the invisible control character U+0007"),
    ],
)
def test_tags_and_control_characters_exit_2_with_file_and_line(make_site, extra: str, expected: str) -> None:
    site = make_site(MINIMAL_SITE + extra)
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr
    assert expected in done.stderr


def test_a_merge_followed_by_an_explicit_key_builds(make_site) -> None:
    site_yaml = with_home_blocks(
        "      - &offer {type: products, title: 新品, limit: 4}\n      - {<<: *offer, title: 热卖}\n"
    )
    loaded = load_spec(make_site(site_yaml))
    blocks = loaded.spec.pages[0].blocks
    assert [(b.type, b.title, b.limit) for b in blocks if b.type == "products"] == [
        ("products", "新品", 4),
        ("products", "热卖", 4),
    ]
