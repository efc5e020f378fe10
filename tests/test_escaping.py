"""User text is data: any Unicode text reaches the page unchanged and never breaks WXML, JS or JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import build
from generator.textdata import js_literal

from .conftest import assert_mpcheck_clean, dump_yaml, write_site

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")

NASTY = [
    "{{a}} </view><script>",
    "}}{{",
    "<!-- -->",
    "</script>",
    "a\u2028b\u2029c",
    "\\u003c",
    "'\"`${x}",
    "\u200f\u202eRTL\u200b",
    "😀👨‍👩‍👧",
    "&amp; &lt;",
    "line\nbreak\r\nx",
    "\t\\\\",
]

# Any character a YAML file can carry (no surrogates; YAML cannot hold most C0 controls or BOMs raw).
text_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff\x85")
any_text = st.one_of(st.sampled_from(NASTY), st.text(text_chars, min_size=1, max_size=20))


def evaluate_js(sources: list[str]) -> list[object]:
    """Evaluate JS expressions in node and return their JSON values."""
    program = "const out = [];\n" + "".join(f"out.push({src});\n" for src in sources)
    program += "process.stdout.write(JSON.stringify(out));\n"
    done = subprocess.run([NODE, "-e", program], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@needs_node
@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(text_chars), min_size=1, max_size=40))
def test_js_literal_round_trips_any_text(texts: list[str]) -> None:
    literal = js_literal({"texts": texts})
    assert "<" not in literal and ">" not in literal and "\u2028" not in literal
    assert evaluate_js([literal]) == [{"texts": texts}]


def site_with_text(text: str) -> dict:
    return {
        "site": {"name": text},
        "tabs": [{"page": "home", "text": "首页", "icon": "home"}, {"page": "shop", "text": "店", "icon": "cart"}],
        "pages": [
            {
                "id": "home",
                "title": text[:30],
                "blocks": [
                    {"type": "notice", "text": text},
                    {"type": "products", "title": text[:40], "products": ["p1"]},
                    {"type": "article", "title": text, "author": text[:40], "body": "正文"},
                    {
                        "type": "form",
                        "endpoint": "https://example.com/f",
                        "submit_text": text[:12],
                        "fields": [{"name": "n", "label": text[:30], "placeholder": text[:60]}],
                    },
                ],
            },
            {"id": "shop", "title": "店", "blocks": [{"type": "categories"}]},
        ],
        "catalog": {
            "categories": [{"id": "c1", "name": text[:20]}],
            "products": [
                {
                    "id": "p1",
                    "name": text[:60],
                    "price": 19.9,
                    "category": "c1",
                    "options": [{"name": text[:12], "values": [text[:20]]}],
                }
            ],
        },
    }


def page_data(package: Path, page: str) -> dict:
    source = (package / page).read_text(encoding="utf-8")
    program = (
        "let captured; global.Page = (o) => { captured = o.data; };\n"
        + source
        + "\nprocess.stdout.write(JSON.stringify(captured));"
    )
    # run from the page's folder, so its relative require('../../utils/...') resolves
    folder = (package / page).parent
    done = subprocess.run([NODE, "-e", program], capture_output=True, text=True, timeout=60, check=True, cwd=folder)
    return json.loads(done.stdout)


@needs_node
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(any_text)
def test_any_text_in_the_spec_compiles_and_arrives_unchanged(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("prop")
    spec_yaml = dump_yaml(site_with_text(text))
    site = write_site(folder / "site", spec_yaml, images=False)
    build(site, folder / "dist")
    package = folder / "dist" / "miniprogram"
    assert_mpcheck_clean(package)
    data = page_data(package, "pages/home/index.js")
    blocks = data["blocks"]
    assert data["title"] == text[:30]
    assert blocks[0]["text"] == text
    assert blocks[1]["items"][0]["name"] == text[:60]
    assert blocks[2]["title"] == text and blocks[2]["author"] == text[:40]
    assert blocks[3]["fields"][0]["label"] == text[:30]
    page_json = json.loads((package / "pages/home/index.json").read_text(encoding="utf-8"))
    assert page_json["navigationBarTitleText"] == text[:30]
    catalog = subprocess.run(
        [NODE, "-e", f"process.stdout.write(JSON.stringify(require({json.dumps(str(package / 'catalog/data.js'))})))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    product = json.loads(catalog)["products"]["p1"]
    assert product["name"] == text[:60] and product["options"][0]["values"] == [text[:20]]
