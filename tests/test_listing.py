"""The sync writer's folder listing (generator/write/listing.py): folders listed again only when changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from generator.write import listing as listing_module
from generator.write.listing import FolderListing


def make(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path, encoding="utf-8")


def age(root: Path) -> None:
    """Every folder's time a second back: no longer within a clock tick of now (not racy)."""
    past = time.time_ns() - 1_000_000_000
    for folder, _, _ in os.walk(root):
        os.utime(folder, ns=(past, past))


def test_a_folder_is_listed_again_only_when_a_name_was_added_or_removed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path, "a.html", "product/p1.html", "product/p2.html", "category/c/2.html")
    age(tmp_path)
    listing = FolderListing(str(tmp_path))
    assert sorted(listing.files()) == ["a.html", "category/c/2.html", "product/p1.html", "product/p2.html"]
    listing.settle()
    listed: list[str] = []
    real = listing_module._list
    monkeypatch.setattr(listing_module, "_list", lambda folder, mtime: listed.append(folder) or real(folder, mtime))
    assert len(listing.files()) == 4 and listed == []  # nothing changed: nothing listed
    listing.settle()
    (tmp_path / "product" / "p2.html").unlink()  # by hand, between two saves
    make(tmp_path, "product/p3.html")
    assert sorted(listing.files()) == ["a.html", "category/c/2.html", "product/p1.html", "product/p3.html"]
    assert listed == [str(tmp_path / "product")]


@pytest.mark.parametrize("racy", [True, False])
def test_a_folder_changed_in_the_tick_it_was_looked_at_is_listed_again(tmp_path: Path, racy: bool, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path, "product/p1.html")
    if not racy:
        age(tmp_path)
    listing = FolderListing(str(tmp_path))
    listing.files()
    listing.settle()
    listed: list[str] = []
    real = listing_module._list
    monkeypatch.setattr(listing_module, "_list", lambda folder, mtime: listed.append(folder) or real(folder, mtime))
    listing.files()
    assert bool(listed) == racy  # a name added in the same tick would not have moved the folder's time
