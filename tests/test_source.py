"""The YAML and CSV loader: YAML 1.2 core-schema types (the editor's), exact numbers, positions, hostile files."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import SpecError
from generator.load.source import parse_yaml, read_csv

REPO = Path(__file__).resolve().parent.parent
NODE_YAML = REPO / "tests" / "js" / "node_modules" / "yaml"


def load(text: str) -> dict[str, Any]:
    return parse_yaml(text, "site.yaml").data


def value_of(scalar: str) -> Any:
    return load(f"k: {scalar}\n")["k"]


def problems(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, "site.yaml")
    return str(caught.value)


# --- YAML 1.2 core schema ---------------------------------------------------------------------------

CORE_SCALARS = [
    ("9:30", "9:30"),  # YAML 1.1: 570 (base 60)
    ("010", 10),  # YAML 1.1: 8 (octal)
    ("0o17", 15),
    ("0x1F", 31),
    ("-42", -42),
    ("yes", "yes"),  # YAML 1.1: true
    ("No", "No"),
    ("on", "on"),
    ("OFF", "OFF"),
    ("y", "y"),
    ("2024-05-01", "2024-05-01"),  # YAML 1.1: a date
    ("1_000", "1_000"),  # YAML 1.1: 1000
    ("0b101", "0b101"),  # YAML 1.1: 5
    ("=", "="),
    ("<<", "<<"),  # a merge only as a key
    ("true", True),
    ("True", True),
    ("FALSE", False),
    ("null", None),
    ("Null", None),
    ("~", None),
    ("", None),
    ("19.90", Decimal("19.90")),
    ("1e3", Decimal("1e3")),
    (".5", Decimal("0.5")),
    ("-1.", Decimal("-1")),
    (".inf", math.inf),
    ("-.Inf", -math.inf),
    ("+.INF", math.inf),
    (".iNf", ".iNf"),
    ("'010'", "010"),
    ('"yes"', "yes"),
    ("!!str 12", "12"),
    ("!!int 010", 10),
]


@pytest.mark.parametrize("scalar,expected", CORE_SCALARS)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(scalar: str, expected: Any) -> None:
    value = value_of(scalar)
    assert value == expected and type(value) is type(expected), (scalar, value)


def test_nan_is_a_float() -> None:
    for text in (".nan", ".NaN", ".NAN"):
        assert math.isnan(value_of(text))
    assert value_of(".Nan") == ".Nan"


def _decimal_ints() -> st.SearchStrategy[tuple[str, Any]]:
    return st.tuples(st.sampled_from(["", "+", "-"]), st.integers(0, 3), st.integers(0, 10**30)).map(
        lambda t: (f"{t[0]}{'0' * t[1]}{t[2]}", -t[2] if t[0] == "-" else t[2])
    )


def _based_ints() -> st.SearchStrategy[tuple[str, Any]]:
    octal = st.integers(0, 10**20).map(lambda n: (f"0o{n:o}", n))
    hexadecimal = st.tuples(st.integers(0, 10**20), st.booleans()).map(
        lambda t: (f"0x{t[0]:X}" if t[1] else f"0x{t[0]:x}", t[0])
    )
    return octal | hexadecimal


def _floats() -> st.SearchStrategy[tuple[str, Any]]:
    digits = st.text("0123456789", min_size=1, max_size=12)
    mantissa = (
        st.tuples(digits, st.text("0123456789", max_size=6)).map(lambda t: f"{t[0]}.{t[1]}")
        | digits.map(lambda d: f".{d}")
        | digits
    )
    exponent = st.tuples(st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), st.integers(0, 300)).map(
        lambda t: f"{t[0]}{t[1]}{t[2]}"
    )
    number = st.tuples(st.sampled_from(["", "+", "-"]), mantissa, exponent | st.just("")).map(
        lambda t: t[0] + t[1] + t[2]
    )
    # a bare digit string is an int, not a float: the int rule comes first
    return number.filter(lambda text: not text.lstrip("+-").isdigit()).map(lambda text: (text, Decimal(text)))


def _words() -> st.SearchStrategy[tuple[str, Any]]:
    fixed = st.sampled_from(
        [("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False)]
        + [("null", None), ("Null", None), ("NULL", None), ("~", None)]
    )
    yaml11_only = (
        st.sampled_from(["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n"])
        | st.tuples(st.integers(0, 99), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02d}")
        | st.integers(0, 10**6).map(lambda n: f"0b{n:b}")
        | st.integers(1, 10**6).map(lambda n: f"{n:_}" if n >= 1000 else f"1_{n}")
        | st.dates().map(str)
        | st.sampled_from(["tRUE", "nULL", ".iNF", "+.nan", "0X1F", "0O17", "1e", "e3", "1.2.3", "--1", "0x", "0o"])
    ).map(lambda text: (text, text))
    return fixed | yaml11_only


@settings(max_examples=400, deadline=None)
@given(_decimal_ints() | _based_ints() | _floats() | _words())
def test_any_core_scalar_reads_as_the_core_schema_says(case: tuple[str, Any]) -> None:
    text, expected = case
    value = value_of(text)
    assert type(value) is type(expected), (text, value)
    assert value == expected, (text, value)


def _double_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar: characters YAML does not print (or reads as breaks) escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code in (0x9,) or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
            out.append(char if code not in (0x2028, 0x2029, 0xFEFF) else f"\\u{code:04x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_quoted_text_is_that_text(text: str) -> None:
    assert value_of(_double_quoted(text)) == text


@pytest.mark.skipif(shutil.which("node") is None or not NODE_YAML.is_dir(), reason="node's yaml package is missing")
@settings(max_examples=8, deadline=None)
@given(
    st.lists(
        st.sampled_from([text for text, _ in CORE_SCALARS if text and text[0] not in "'\"!" and text != ".iNf"])
        | st.text("0123456789+-.eExXoO_:abflnrstuyNTFY~", min_size=1, max_size=8).filter(
            lambda t: t[0] not in "-:" and not t.endswith(":") and ".inf" not in t.lower() and ".nan" not in t.lower()
        ),
        min_size=50,
        max_size=200,
    )
)
def test_the_editor_reads_plain_scalars_the_same(texts: list[str]) -> None:
    """The `yaml` npm package (yaml-language-server's parser) reads each plain scalar to the same value.

    Case variants of .inf/.nan are left out: yaml 1.x reads `.iNf` as infinity, the spec (and yaml 2.x,
    in the editor) as text.
    """
    script = (
        "const YAML = require('yaml');"
        "if (YAML.scalarOptions) YAML.scalarOptions.int.asBigInt = true;"
        "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(texts.map(t => { try {"
        "  const v = YAML.parse('k: ' + t, {intAsBigInt: true}).k;"
        "  return typeof v === 'bigint' ? ['int', v.toString()] : typeof v === 'number' ? ['float', String(v)]"
        "    : [typeof v, v]; } catch (e) { return ['error', String(e)]; } })));"
    )
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=REPO / "tests" / "js",
        check=True,
    )
    for text, (kind, shown) in zip(texts, json.loads(done.stdout), strict=True):
        if kind == "error":
            continue  # not a plain scalar in YAML at all (a syntax error there too)
        ours = value_of(text)
        if kind == "int":
            assert type(ours) is int and ours == int(shown), (text, ours, shown)
        elif kind == "float":
            assert isinstance(ours, Decimal | float) and float(ours) == float(shown), (text, ours, shown)
        elif kind == "boolean":
            assert ours is shown, (text, ours)
        elif kind == "object":
            assert ours is None, (text, ours)
        else:
            assert ours == shown, (text, ours, shown)


def test_keys_are_the_text_as_typed() -> None:
    assert list(load("010: a\ntrue: b\n~: c\n1.50: d\n")) == ["010", "true", "~", "1.50"]


def test_empty_document_is_an_empty_mapping_at_the_file() -> None:
    doc = parse_yaml("# only a comment\n", "site.yaml")
    assert doc.data == {}
    assert str(doc.source.value(("pages",))) == "site.yaml"


# --- merges ---------------------------------------------------------------------------------------------


def test_an_explicit_key_overrides_a_merged_one() -> None:
    data = load("base: &base {color: red, size: 2}\nflow: {<<: *base, color: blue}\nblock:\n  <<: *base\n  size: 3\n")
    assert data["flow"] == {"color": "blue", "size": 2}
    assert data["block"] == {"color": "red", "size": 3}


def test_earlier_merged_mappings_win() -> None:
    data = load("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n")
    assert data["c"] == {"x": 1, "y": 1, "z": 2, "w": 0}


def test_duplicate_explicit_keys_are_still_reported() -> None:
    assert "site.yaml:4:3  c.x: duplicate key (first at line 3)" in problems("a: &a {x: 1}\nc:\n  x: 2\n  x: 3\n")


def test_merging_something_else_than_a_mapping_is_reported() -> None:
    assert "c.<<: `<<` merges mappings" in problems("a: &a [1, 2]\nc: {<<: *a}\n")


# --- hostile or broken files ------------------------------------------------------------------------------


def _billion_laughs(levels: int = 10) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    names = "abcdefghijklmnop"
    for previous, name in zip(names, names[1:levels], strict=False):
        text += f"{name}: &{name} [{', '.join(f'*{previous}' for _ in range(10))}]\n"
    return text


def test_an_alias_bomb_fails_fast_at_the_alias() -> None:
    started = time.process_time()
    message = problems(_billion_laughs())
    assert time.process_time() - started < 1.0
    assert "site.yaml:5:36  e[7]: the alias *d repeats more than 100,000 values" in message


def test_a_merge_bomb_stays_small() -> None:
    text = "a: &a {k0: 0, k1: 1}\n"
    for previous, name in zip("abcdefghijkl", "bcdefghijklm", strict=False):
        text += f"{name}: &{name} {{<<: [{', '.join(f'*{previous}' for _ in range(10))}], {name}: 1}}\n"
    started = time.process_time()
    data = load(text)
    assert time.process_time() - started < 1.0
    assert data["m"] == {"k0": 0, "k1": 1, **{name: 1 for name in "bcdefghijklm"}}


def test_an_alias_inside_itself_is_reported() -> None:
    assert "site.yaml:3:8  a.b.c: the alias *a contains itself" in problems("a: &a\n  b: &b\n    c: *a\n")


def test_deep_nesting_is_refused_without_crashing() -> None:
    """libyaml's own composer recurses in C: 200,000 brackets used to crash the process (SIGSEGV)."""
    code = (
        "from generator.load.source import parse_yaml\n"
        "from generator.errors import SpecError\n"
        "try:\n"
        "    parse_yaml('a: ' + '[' * 200000 + ']' * 200000, 'site.yaml')\n"
        "except SpecError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert "site.yaml:1:53  nests lists or mappings more than 50 levels deep" in done.stdout


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a: !Ref other\n", "site.yaml:1:4  a: unknown tag '!Ref'"),
        ("a:\n  b: !!python/name:os.system x\n", "site.yaml:2:6  a.b: unknown tag '!!python/name:os.system'"),
        ("a: !!binary aGk=\n", "site.yaml:1:4  a: unknown tag '!!binary'"),
        ("a: !!set {x}\n", "site.yaml:1:4  a: unknown tag '!!set'"),
        ("a: !!bool yes\n", "site.yaml:1:4  a: !!bool takes true or false, not 'yes'; fix the value"),
        ("a: b\nc: x\x07y\n", "site.yaml:2:5  has the invisible control character U+0007"),
        ("a: '\x1b[1m'\n", "site.yaml:1:5  has the invisible control character U+001B"),
        ("a: *nowhere\n", "site.yaml:1:4  the alias *nowhere comes before any anchor &nowhere"),
        ("a: 1\n---\nb: 2\n", "site.yaml:2:1  a second document starts here"),
        ("? [a, b]\n: 1\n", "site.yaml:1:3  a key must be plain text"),
    ],
)
def test_bad_yaml_is_a_problem_with_a_position(text: str, expected: str) -> None:
    assert expected in problems(text)


# --- CSV ------------------------------------------------------------------------------------------------


def test_csv_cells_are_at_the_line_where_their_record_starts(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        'id,name,description,price\ncar,小汽车,"line 1\nline 2\nline 3\nline 4\nline 5",x\n\nbus,巴士,,2\n',
        encoding="utf-8",
    )
    table = read_csv(path, "products.csv")
    assert [row["id"] for row in table.rows] == ["car", "bus"]
    assert table.lines == [2, 8]
    assert {column: position.line for column, position in table.columns.items()} == dict.fromkeys(
        ["id", "name", "description", "price"], 1
    )


def test_a_csv_record_with_too_many_cells_is_at_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text('id,name\ncar,"a\nb",extra\n', encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_csv(path, "products.csv")
    assert "products.csv:2  has 3 cells but the header has 2" in str(caught.value)
