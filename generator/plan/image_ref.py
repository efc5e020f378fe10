"""Images as the plan places them: which processed file a slot shows, in no target's words.

The mini-program shows an `ImageRef` as its published URL (`Site.image_assets`), the H5 site as a
<picture> of its own variants (`Site.h5_pictures`); "" stands for no image, as a falsy value templates test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A spec image as published for one package (the key of `Site.image_assets`)."""

    spec_path: str
    package: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.spec_path, self.package)


PlannedImage: TypeAlias = ImageRef | Literal[""]
"""An image slot: the image it shows, or "" when there is none."""
