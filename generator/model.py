"""Base class and shared field types for every model that users write in YAML."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
HEX_COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


class SpecModel(BaseModel):
    """Immutable, unknown keys rejected; field docstrings become the JSON Schema (`gen schema`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""URL-safe id: lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 40."""

HexColor = Annotated[str, StringConstraints(pattern=HEX_COLOR_PATTERN)]
"""`#RGB` or `#RRGGBB`."""

ImagePath = Annotated[str, StringConstraints(min_length=1, max_length=300)]
"""A path relative to the site folder, e.g. `images/banner.jpg`."""

HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=1024)]
"""An absolute https:// URL."""

Text = Annotated[str, StringConstraints(max_length=20000)]
