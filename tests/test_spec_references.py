"""Unit tests of `references()` on the block models: each block names its own ids and images, with paths
relative to the block, which the validate stage (`validate_refs.check_references`) checks."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from generator.blocks.base import Reference
from generator.spec.site import BLOCK_MODELS, Block

BLOCK = TypeAdapter(Block)


def refs(data: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
    found = list(BLOCK.validate_python(data).references())
    assert all(isinstance(r, Reference) for r in found)
    return [(r.kind, r.value, r.path) for r in found]


def test_banner_names_each_slide_link_and_image() -> None:
    block = {"type": "banner", "slides": [{"image": "a.jpg", "page": "about"}, {"image": "b.jpg", "product": "p1"}]}
    assert refs(block) == [
        ("page", "about", ("slides", 0, "page")),
        ("image", "a.jpg", ("slides", 0, "image")),
        ("product", "p1", ("slides", 1, "product")),
        ("image", "b.jpg", ("slides", 1, "image")),
    ]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"type": "image", "image": "i.png", "category": "toys"},
            [("category", "toys", ("category",)), ("image", "i.png", ("image",))],
        ),
        ({"type": "article", "title": "t", "body": "b", "cover": "c.jpg"}, [("image", "c.jpg", ("cover",))]),
        ({"type": "article", "title": "t", "body": "b"}, []),
        (
            {"type": "products", "category": "toys", "products": ["a", "b"]},
            [("category", "toys", ("category",)), ("product", "a", ("products", 0)), ("product", "b", ("products", 1))],
        ),
        ({"type": "categories", "categories": ["x"]}, [("category", "x", ("categories", 0))]),
        ({"type": "button", "text": "go", "page": "home"}, [("page", "home", ("page",))]),
        ({"type": "notice", "text": "news"}, []),
        ({"type": "text", "body": "b"}, []),
    ],
)
def test_block_references(block: dict[str, Any], expected: list[Any]) -> None:
    assert refs(block) == expected


@pytest.mark.parametrize("name", sorted(BLOCK_MODELS))
def test_every_block_type_answers_references(name: str) -> None:
    """A new block model must say what it references (the validate stage calls it on every block)."""
    method = getattr(BLOCK_MODELS[name], "references", None)
    assert callable(method)
