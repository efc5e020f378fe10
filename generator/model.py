"""Base class and shared field types for every model that users write in YAML."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, StringConstraints
from pydantic_core import CoreSchema

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
HEX_COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


def _lax_decimals(schema: Any) -> None:
    """Let every Decimal in a model's core schema take numbers and numeric text, as its JSON Schema says."""
    if isinstance(schema, dict):
        if schema.get("type") == "decimal":
            schema["strict"] = False
        for value in schema.values():
            _lax_decimals(value)
    elif isinstance(schema, list):
        for value in schema:
            _lax_decimals(value)


class SpecModel(BaseModel):
    """Immutable, unknown keys rejected; field docstrings become the JSON Schema (`gen schema`).

    Strict, as the editor checks a file against that schema: `limit: "4"` (text where the schema says
    integer), `title: 2024` (a number where it says string) and `autoplay: yes` (YAML 1.2 text where
    it says boolean) are errors in both. Amounts (`Decimal`) are the exception, in both too: the schema
    gives them as a number or numeric text (`19.9` or `"19.9"`, as products.csv has them).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _lax_decimals(schema)
        return schema


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""URL-safe id: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 40."""

HexColor = Annotated[str, StringConstraints(pattern=HEX_COLOR_PATTERN)]
"""`#RGB` or `#RRGGBB`."""

ImagePath = Annotated[str, StringConstraints(min_length=1, max_length=300)]
"""A path relative to the site folder, e.g. `images/banner.jpg`."""

HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=1024)]
"""An absolute https:// URL."""

Text = Annotated[str, StringConstraints(max_length=20000)]
