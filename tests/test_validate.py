"""Unit tests of the validate stage (`generator.load.validate.load_spec`) on tiny site folders (no build):
references between pages, products and categories, page depth, reserved ids, tab icons, image paths,
the products CSV merge, Official Account checks, and the position and wording of each problem."""

from __future__ import annotations

import os
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from generator.errors import Problem, SpecError
from generator.load.validate import LoadedSpec, load_spec

from .conftest import MINIMAL_SITE, write_site

CATALOG = """\
catalog:
  categories:
    - {id: toys, name: 玩具}
  products:
    - {id: car, name: 小汽车, price: 19.9, category: toys}
"""


def home_blocks(blocks: str, extra: str = "") -> str:
    """MINIMAL_SITE whose home page has these blocks (list items indented by 6), plus `extra`."""
    lines = "".join(f"      {line}\n" for line in textwrap.dedent(blocks).splitlines())
    return MINIMAL_SITE.replace("      - type: text\n        body: 欢迎\n", lines) + extra


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line of `text` containing `fragment`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def site(tmp_path: Path, yaml_text: str, files: dict[str, bytes | str] | None = None) -> Path:
    folder = write_site(tmp_path / "site", yaml_text, images=False)
    for name, content in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8")
        else:
            (folder / name).write_bytes(content)
    return folder


def problems(tmp_path: Path, yaml_text: str, files: dict[str, bytes | str] | None = None) -> list[Problem]:
    """Every problem load_spec finds: of shape (raised) or between values (returned)."""
    try:
        return list(load_spec(site(tmp_path, yaml_text, files)).problems)
    except SpecError as exc:
        return exc.problems


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def valid(tmp_path: Path, yaml_text: str, files: dict[str, bytes | str] | None = None) -> LoadedSpec:
    loaded = load_spec(site(tmp_path, yaml_text, files))
    assert loaded.problems == (), "\n".join(map(str, loaded.problems))
    return loaded


JPEG = b"\xff\xd8\xff not decoded by the validate stage"


# --- a valid spec ------------------------------------------------------------------------------------


def test_a_valid_spec_loads_with_its_sources(tmp_path: Path) -> None:
    loaded = valid(tmp_path, MINIMAL_SITE + "theme:\n  colors: {primary: '#ff0000'}\n")
    assert loaded.spec.site.name == "小店"
    assert [p.id for p in loaded.spec.pages] == ["home", "about"]
    assert loaded.site_dir == tmp_path / "site"
    assert str(loaded.source.value(("pages", 1, "title"))) == f"site.yaml:{line_of(MINIMAL_SITE, 'title: 关于')}:12"
    assert loaded.theme_overrides is not None and loaded.theme_overrides.data == {"colors": {"primary": "#ff0000"}}
    assert loaded.warnings == ()


# --- references ----------------------------------------------------------------------------------------


def test_a_link_to_a_missing_page_suggests_the_nearest(tmp_path: Path) -> None:
    text = home_blocks("- {type: button, text: 去, page: abuot}")
    found = only(problems(tmp_path, text))
    assert found.path == "pages[0].blocks[0].page"
    assert found.message == "no page with id 'abuot' (did you mean 'about'?); use the id of an existing page"
    assert (found.position.file, found.position.line) == ("site.yaml", line_of(text, "abuot"))


def test_links_to_products_and_categories_need_the_catalog(tmp_path: Path) -> None:
    found = only(problems(tmp_path, home_blocks("- {type: button, text: 去, product: car}")))
    assert found.path == "pages[0].blocks[0].product"
    assert "links to product 'car' but the site has no catalog" in found.message
    shown = problems(tmp_path, home_blocks("- {type: categories}\n- {type: products}"))
    assert [(p.path, p.message) for p in shown] == [
        ("pages[0].blocks[0]", "shows categories but the site has no catalog; add a `catalog:` section"),
        ("pages[0].blocks[1]", "shows products but the site has no catalog; add a `catalog:` section"),
    ]


def test_references_into_the_catalog(tmp_path: Path) -> None:
    text = home_blocks(
        """\
        - {type: products, products: [car, bus], category: toy}
        - {type: categories, categories: [toys, food]}
        - {type: banner, slides: [{image: images/a.jpg, category: toyz}]}
        """,
        CATALOG,
    )
    found = problems(tmp_path, text, {"images/a.jpg": JPEG})
    assert sorted((p.path, p.message.split(";")[0]) for p in found) == [
        ("pages[0].blocks[0].category", "no category with id 'toy' (did you mean 'toys'?)"),
        ("pages[0].blocks[0].products[1]", "no product with id 'bus'"),
        ("pages[0].blocks[1].categories[1]", "no category with id 'food'"),
        ("pages[0].blocks[2].slides[0].category", "no category with id 'toyz' (did you mean 'toys'?)"),
    ]


def test_a_product_must_name_a_category_and_fit_its_options(tmp_path: Path) -> None:
    text = MINIMAL_SITE + CATALOG.replace(
        "category: toys}",
        "category: toy, original_price: 9,\n"
        "       options: [{name: 颜色, values: [红, 蓝]}],\n"
        "       skus: [{options: {颜色: 绿}}, {options: {尺码: S}}]}",
    )
    found = {p.path: p.message for p in problems(tmp_path, text)}
    assert found == {
        "catalog.products[0].category": "no category with id 'toy' (did you mean 'toys'?); "
        "use the id of an existing category",
        "catalog.products[0].original_price": "original price 9 is below the price 19.9; "
        "swap them or remove original_price",
        "catalog.products[0].skus[0].options.颜色": "'绿' is not a value of option '颜色'; values: 红, 蓝",
        "catalog.products[0].skus[1].options.尺码": "no option named '尺码'; options: 颜色",
    }


def test_ids_are_unique_in_their_kind(tmp_path: Path) -> None:
    text = home_blocks(
        "- {type: form, endpoint: 'https://x.cn/f', fields: [{name: a, label: A}, {name: a, label: B}]}",
        CATALOG
        + "    - {id: car, name: 卡车, price: 29, category: toys}\n"
        + "    - {id: toys, name: 同名, price: 1, category: toys}\n",
    )
    found = {p.path: p.message for p in problems(tmp_path, text)}
    assert found == {
        "pages[0].blocks[0].fields[1].name": "duplicate field name 'a' (also at pages[0].blocks[0].fields[0].name); "
        "give each field name its own id",
        "catalog.products[1].id": "duplicate product 'car' (also at catalog.products[0].id); "
        "give each product its own id",
    }  # a product may share its id with a category: they are different kinds


def test_growth_blocks_need_the_commerce_section(tmp_path: Path) -> None:
    text = home_blocks("- {type: coupons}\n- {type: member}")
    found = problems(tmp_path, text)
    assert [(p.path, p.message) for p in found] == [
        ("pages[0].blocks[0].type", "a coupons block talks to your backend; add a `commerce:` section with its api"),
        ("pages[0].blocks[1].type", "a member block talks to your backend; add a `commerce:` section with its api"),
    ]
    assert problems(tmp_path, text + CATALOG + "commerce: {api: 'https://api.example.cn'}\n") == []


def test_commerce_without_a_catalog(tmp_path: Path) -> None:
    found = only(problems(tmp_path, MINIMAL_SITE + "commerce: {api: 'https://api.example.cn'}\n"))
    assert found.path == "commerce" and "selling needs products" in found.message


# --- pages, tabs, home -----------------------------------------------------------------------------------

NESTED = (
    MINIMAL_SITE
    + """\
    children:
      - id: l2
        title: 二级
        children:
          - id: l3
            title: 三级
"""
)


def test_three_levels_of_pages_are_fine_and_a_fourth_is_not(tmp_path: Path) -> None:
    assert valid(tmp_path, NESTED).spec.pages[1].children[0].children[0].id == "l3"
    deeper = NESTED + "            children:\n              - {id: l4, title: 四级}\n"
    found = only(problems(tmp_path, deeper))
    assert found.path == "pages[1].children[0].children[0].children[0]"
    assert found.message.startswith("page 'l4' is on level 4; pages nest at most 3 levels deep")
    assert found.position.line == line_of(deeper, "id: l4")


@pytest.mark.parametrize("reserved", ["webview", "privacy"])
def test_built_in_page_ids_are_reserved(tmp_path: Path, reserved: str) -> None:
    text = MINIMAL_SITE.replace("id: about", f"id: {reserved}").replace("page: about", f"page: {reserved}")
    found = only(problems(tmp_path, text))
    assert (found.path, found.message) == (
        "pages[1].id",
        f"page id {reserved!r} is reserved for a built-in page; choose another id",
    )


def test_tabs_and_home_show_top_level_pages(tmp_path: Path) -> None:
    text = (
        NESTED.replace("  name: 小店", "  name: 小店\n  home: l2")
        .replace("{page: about,", "{page: l3,")
        .replace("  - {page: home, text: 首页, icon: home}\n", "  - {page: home, text: 首页, icon: home}\n" * 2)
    )
    found = {p.path: p.message for p in problems(tmp_path, text)}
    assert found["site.home"] == "page 'l2' is a sub-page; the first page must be a top-level page"
    assert found["tabs[2].page"].startswith("page 'l3' is a sub-page; a tab must show a top-level page")
    assert found["tabs[1].page"] == "page 'home' already has a tab (at tabs[0].page); remove one"
    assert len(found) == 3


def test_tab_icons_are_built_in_names_or_small_png_or_jpeg(tmp_path: Path) -> None:
    text = MINIMAL_SITE.replace("icon: home}", "icon: hom}").replace(
        "icon: user}", "icon: icons/a.gif, selected_icon: icons/big.png}"
    )
    found = {p.path: p.message for p in problems(tmp_path, text, {"icons/big.png": b"\x89PNG" + b"0" * 41 * 1024})}
    assert found["tabs[0].icon"].startswith("no built-in icon 'hom' (did you mean 'home'?); built-in icons: ")
    assert found["tabs[1].icon"] == "'icons/a.gif' is not a PNG or JPEG; WeChat's tab bar takes png, jpg or jpeg icons"
    assert found["tabs[1].selected_icon"] == (
        "'icons/big.png' is 41 KB; tab icons must be at most 40 KB (81x81 px is enough)"
    )
    smaller = text.replace("  name: 小店", "  name: 小店\nbudgets: {tab_icon_kb: 1}").replace(
        "icons/a.gif", "icons/s.png"
    )
    found = {p.path: p.message for p in problems(tmp_path, smaller, {"icons/s.png": b"\x89PNG" + b"0" * 2048})}
    assert "at most 1 KB" in found["tabs[1].icon"]


# --- image paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("images/a.txt", "'images/a.txt' is not an image file; use JPEG, PNG, GIF, WebP, HEIC or SVG"),
        ("/etc/logo.png", "is not a path inside the site folder"),
        ("C:/logo.png", "is not a path inside the site folder"),
        ("images\\\\a.jpg", "is not a path inside the site folder"),
        ("~/logo.png", "is not a path inside the site folder"),
        ("../secret.png", "leaves the site folder"),
        ("images/banner.jpeg", "does not exist (did you mean 'images/banner.jpg'?)"),
        ("images/folder.png", "'images/folder.png' is a folder, not a file"),
        ("images/out.png", "is a link to a file outside the site folder"),
        ("images/loop.png", "goes through a symbolic link that points back at itself"),
    ],
)
def test_image_paths_stay_inside_the_site(tmp_path: Path, image: str, message: str) -> None:
    folder = site(tmp_path, home_blocks(f'- {{type: image, image: "{image}"}}'), {"images/banner.jpg": JPEG})
    (folder / "images" / "folder.png").mkdir()
    (tmp_path / "secret.png").write_bytes(JPEG)
    os.symlink(tmp_path / "secret.png", folder / "images" / "out.png")
    os.symlink("loop.png", folder / "images" / "loop.png")
    found = only(list(load_spec(folder).problems))
    assert found.path == "pages[0].blocks[0].image"
    assert message in found.message


def test_every_place_an_image_is_named_is_checked(tmp_path: Path) -> None:
    text = home_blocks(
        """\
        - {type: banner, slides: [{image: images/1.jpg}]}
        - {type: article, title: 文, body: 正文, cover: images/2.jpg}
        """,
        CATALOG.replace("    - {id: toys, name: 玩具}", "    - {id: toys, name: 玩具, image: images/3.jpg}").replace(
            "category: toys}", "category: toys, images: [images/4.jpg]}"
        ),
    ).replace("  name: 小店", "  name: 小店\n  logo: images/5.png")
    assert sorted(p.path for p in problems(tmp_path, text)) == [
        "catalog.categories[0].image",
        "catalog.products[0].images[0]",
        "pages[0].blocks[0].slides[0].image",
        "pages[0].blocks[1].cover",
        "site.logo",
    ]


# --- the products CSV ------------------------------------------------------------------------------------

PRODUCTS_CSV = """\
id,name,price,category,images,stock,options,tags,virtual
bus,巴士,29.50,toys,images/a.jpg | images/b.jpg,3,颜色=红/蓝；尺码=S,新品|热卖,否
kite,风筝,5,toys,,,,,TRUE
"""


def test_csv_products_follow_the_inline_ones_with_typed_cells(tmp_path: Path) -> None:
    text = MINIMAL_SITE + CATALOG.replace("  products:", "  products_file: products.csv\n  products:")
    files = {"products.csv": PRODUCTS_CSV, "images/a.jpg": JPEG, "images/b.jpg": JPEG}
    products = valid(tmp_path, text, files).spec.catalog.products  # type: ignore[union-attr]
    assert [p.id for p in products] == ["car", "bus", "kite"]
    bus, kite = products[1], products[2]
    assert bus.price == Decimal("29.50") and bus.stock == 3 and bus.virtual is False and kite.virtual is True
    assert bus.images == ["images/a.jpg", "images/b.jpg"] and bus.tags == ["新品", "热卖"]
    assert [(o.name, o.values) for o in bus.options] == [("颜色", ["红", "蓝"]), ("尺码", ["S"])]
    assert kite.stock is None and kite.images == []


def test_csv_problems_are_at_the_cell(tmp_path: Path) -> None:
    text = MINIMAL_SITE + CATALOG.replace("  products:", "  products_file: products.csv\n  products:")
    files = {"images/a.jpg": JPEG, "images/b.jpg": JPEG}
    bad_stock = PRODUCTS_CSV.replace(",3,", ",三,")
    found = only(problems(tmp_path, text, {**files, "products.csv": bad_stock}))
    assert (found.path, str(found.position)) == ("catalog.products[1].stock", "products.csv:2 column stock")
    bad_category = PRODUCTS_CSV.replace("bus,巴士,29.50,toys", "bus,巴士,29.50,toy")
    found = only(problems(tmp_path, text, {**files, "products.csv": bad_category}))
    assert (found.path, str(found.position)) == ("catalog.products[1].category", "products.csv:2 column category")
    assert "did you mean 'toys'" in found.message


def test_a_missing_or_outside_products_file(tmp_path: Path) -> None:
    text = MINIMAL_SITE + "catalog:\n  categories: [{id: toys, name: 玩具}]\n  products_file: ../products.csv\n"
    found = only(problems(tmp_path, text))
    assert found.path == "catalog.products_file" and "leaves the site folder" in found.message


# --- problems of shape come with those between values ----------------------------------------------------


def test_a_shape_problem_does_not_hide_the_reference_problems(tmp_path: Path) -> None:
    text = home_blocks("- {type: button, text: 去, page: abuot}\n- {type: text, body: 1, align: middle}")
    found = {p.path: p.message for p in problems(tmp_path, text)}
    assert set(found) >= {"pages[0].blocks[0].page", "pages[0].blocks[1].align"}


def test_problems_come_sorted_by_position(tmp_path: Path) -> None:
    text = home_blocks("- {type: button, text: 去, page: nope}").replace("icon: user", "icon: usr")
    with pytest.raises(SpecError) as raised:
        load_spec(site(tmp_path, text + "pages_extra: 1\n"))
    positions = [p.position for p in raised.value.problems]
    assert positions == sorted(positions) and len(positions) >= 2


# --- the Official Account ---------------------------------------------------------------------------------

OA = """\
official_account:
  menu:
    - {name: 逛逛, page: home}
    - {name: 活动, key: event}
    - name: 我们
      items:
        - {name: 联系我们, contact: true}
"""


def test_official_account_references_and_advice(tmp_path: Path) -> None:
    text = MINIMAL_SITE + OA
    loaded = load_spec(site(tmp_path, text))
    found = {p.path: p.message for p in loaded.problems}
    assert found["official_account.menu[0].page"].startswith("links into the mini-program, which WeChat requires")
    assert found["official_account.menu[1].key"] == (
        "no reply for key 'event'; add it under official_account.replies.clicks"
    )
    assert found["official_account.menu[2].items[0].contact"].startswith("nothing to reply with")
    assert [w.path for w in loaded.warnings] == ["site.appid"]


def test_a_well_formed_official_account_has_no_problems(tmp_path: Path) -> None:
    text = (
        home_blocks("- {type: contact, phone: '021-1234567'}").replace(
            "  name: 小店", "  name: 小店\n  base_url: 'https://shop.example.cn'\n  appid: wx0123456789abcdef"
        )
        + OA
        + "  replies:\n    clicks:\n      event: {text: 本周活动, page: abuot}\n"
    )
    loaded = load_spec(site(tmp_path, text))
    assert [(p.path, p.message.split(" (")[0]) for p in loaded.problems] == [
        ("official_account.replies.clicks.event.page", "no page with id 'abuot'")
    ]
    assert loaded.warnings == ()
    two_menus = text.replace("    - {name: 活动, key: event}\n", "")
    warning = only(list(load_spec(site(tmp_path, two_menus)).warnings))
    assert warning.path == "official_account.menu" and '"3+1"' in warning.message
