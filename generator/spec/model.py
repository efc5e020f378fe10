"""Base class and shared field types for every model that users write in YAML."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
HEX_COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


def _whole_number(value: Any) -> Any:
    """`4.0` and `1e3` are whole numbers: JSON Schema's `integer` (and the editor) accept them too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < 30
        and value == value.to_integral_value()
    ):
        return int(value)  # (a bound on the size: int(Decimal('1e999999999')) would take minutes)
    return value


def _not_text(value: Any) -> Any:
    """An amount is a number: `'19.9'` in quotes is text, which the schema refuses too."""
    if isinstance(value, str):
        raise PydanticCustomError("decimal_type", "Decimal input should be a number, not text")
    return value


def _numbers_only(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    """Pydantic writes a Decimal as `number or numeric text`; the text branch cannot carry the bounds."""
    json_schema = handler(schema)
    branches = [branch for branch in json_schema.pop("anyOf", []) if branch.get("type") != "string"]
    if len(branches) == 1:
        json_schema.update(branches[0])
    elif branches:
        json_schema["anyOf"] = branches
    return json_schema


def _as_the_json_schema_says(schema: Any) -> None:
    """Make a model's core schema take exactly what its JSON Schema says (strict mode alone does not):
    an int also a whole number written with a fraction (`4.0`), a Decimal an int or a Decimal but
    never text, and the JSON Schema of a Decimal a number (pydantic would also allow numeric text)."""
    if isinstance(schema, list):
        for value in schema:
            _as_the_json_schema_says(value)
    if not isinstance(schema, dict):
        return
    for value in schema.values():
        _as_the_json_schema_says(value)
    kind = schema.get("type")
    if kind not in ("int", "decimal") or schema.get("metadata", {}).get("mpgen_adjusted"):
        return
    inner = {**schema, "metadata": {**schema.get("metadata", {}), "mpgen_adjusted": True}}
    schema.clear()
    if kind == "int":
        schema.update(core_schema.no_info_before_validator_function(_whole_number, inner))
    else:
        inner["strict"] = False  # strict Decimal takes only Decimal objects, not the int 20
        schema.update(
            core_schema.no_info_before_validator_function(
                _not_text, inner, metadata={"pydantic_js_functions": [_numbers_only]}
            )
        )


class SpecModel(BaseModel):
    """Immutable, unknown keys rejected; field docstrings become the JSON Schema (`gen schema`).

    Strict, as the editor checks a file against that schema: `limit: "4"` (text where the schema says
    integer), `title: 2024` (a number where it says string) and `autoplay: yes` (YAML 1.2 text where
    it says boolean) are errors in both, and so is `price: "19.9"` (an amount is a number). An integer
    may be written `4.0` in both (JSON Schema's `integer` is any whole number).
    """

    # defer_build: a model's validator is made when it first validates, not at import. A build validates
    # only the site (every spec model's schema is part of its own), its theme and theme layer: eager, each
    # of the 65 models made its schema and validator at import (~0.15 s of every `gen` command's start).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _as_the_json_schema_says(schema)
        return schema


@dataclass(frozen=True)
class Shown:
    """Marks, where a field is declared, whether users read its text: `gen lint` reads every shown text
    (`generator.spec.shown_text`), and a test keeps every text field of the spec marked one way or the other.
    On a field holding a model or a list, `Shown(False)` leaves out everything below it."""

    shown: bool = True


UserText = Annotated[str, Shown()]
"""Text users read on the site or in the Official Account; add the length limits per field."""

NotText = Annotated[str, Shown(False)]
"""Text users never read as such: ids, keys, paths, URLs, colours, patterns."""

Id = Annotated[NotText, StringConstraints(pattern=ID_PATTERN)]
"""URL-safe id: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 40."""

HexColor = Annotated[NotText, StringConstraints(pattern=HEX_COLOR_PATTERN)]
"""`#RGB` or `#RRGGBB`."""

ImagePath = Annotated[NotText, StringConstraints(min_length=1, max_length=300)]
"""A path relative to the site folder, e.g. `images/banner.jpg`."""

HttpsUrl = Annotated[NotText, StringConstraints(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=1024)]
"""An absolute https:// URL."""

Text = Annotated[UserText, StringConstraints(max_length=20000)]
ShortText = Annotated[UserText, StringConstraints(min_length=1, max_length=200)]
