"""Unit tests of the write stage (`generator.write.writer`): the swap writer and the dev server's sync writer,
on hand-made lists of output files (no build)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import GenError
from generator.write.output import OutputFile
from generator.write.writer import MARKER, StagedOutput, sync_output, write_output


def files_of(mapping: dict[str, bytes]) -> list[OutputFile]:
    return [OutputFile(path, data, "test") for path, data in mapping.items()]


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` but the writer's marker, by posix path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != MARKER
    }


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


# --- the swap writer ---------------------------------------------------------------------------------


def test_a_first_write_makes_the_folder_with_exactly_the_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    report = write_output(files_of({"a.txt": b"A", "deep/er/b.bin": b"\x00\x01"}), out)
    assert read_tree(out) == {"a.txt": b"A", "deep/er/b.bin": b"\x00\x01"}
    assert (out / MARKER).is_file()
    assert (report.files, report.bytes, report.changed) == (2, 3, 2)
    assert siblings(out) == []  # no staging or retired folder left beside it


def test_a_rewrite_links_unchanged_files_and_writes_changed_ones(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    write_output(files_of({"same.txt": b"kept", "edited.txt": b"old", "gone.txt": b"x"}), out)
    same_inode = (out / "same.txt").stat().st_ino
    edited_inode = (out / "edited.txt").stat().st_ino
    report = write_output(files_of({"same.txt": b"kept", "edited.txt": b"new", "added.txt": b"+"}), out)
    assert read_tree(out) == {"same.txt": b"kept", "edited.txt": b"new", "added.txt": b"+"}
    assert (out / "same.txt").stat().st_ino == same_inode  # the very same file, not a copy
    assert (out / "edited.txt").stat().st_ino != edited_inode
    assert report.changed == 2  # edited and added; the unchanged one was linked
    assert siblings(out) == []


def test_a_same_size_change_is_written(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    write_output(files_of({"f": b"abc"}), out)
    write_output(files_of({"f": b"abd"}), out)
    assert read_tree(out) == {"f": b"abd"}


def test_leaving_without_commit_keeps_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    write_output(files_of({"a.txt": b"old"}), out)
    with pytest.raises(RuntimeError), StagedOutput(out) as staged:
        staged.add(files_of({"a.txt": b"new", "b.txt": b"more"}))
        raise RuntimeError("a renderer failed")
    assert read_tree(out) == {"a.txt": b"old"}
    assert siblings(out) == []


def test_batches_add_up_and_a_repeated_path_keeps_the_last(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    with StagedOutput(out) as staged:
        staged.add(files_of({"a": b"1", "img/x": b"first"}))
        staged.add(files_of({"b": b"2", "img/x": b"second"}))
        report = staged.commit()
    assert read_tree(out) == {"a": b"1", "b": b"2", "img/x": b"second"}
    assert (report.files, report.bytes) == (3, 8)


def test_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    for writer in (write_output, sync_output):
        with pytest.raises(GenError, match="did not write"):
            writer(files_of({"a": b"A"}), out)
    assert read_tree(out) == {"thesis.docx": b"precious"}


def test_an_empty_folder_may_be_used(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    write_output(files_of({"a": b"A"}), out)
    assert read_tree(out) == {"a": b"A"}


def test_refuses_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.write_bytes(b"not a folder")
    with pytest.raises(GenError, match="is a file"):
        write_output(files_of({"a": b"A"}), out)
    assert out.read_bytes() == b"not a folder"


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.txt", "a/../../outside.txt", ""])
def test_an_unsafe_path_fails_before_anything_is_written(tmp_path: Path, path: str) -> None:
    out = tmp_path / "site" / "dist"
    write_output(files_of({"a": b"old"}), out)
    with pytest.raises(AssertionError, match="unsafe output path"):
        write_output(files_of({"ok": b"fine", path: b"evil"}), out)
    with pytest.raises(AssertionError, match="unsafe output path"):
        sync_output(files_of({path: b"evil"}), out)
    assert read_tree(out) == {"a": b"old"}
    assert not (tmp_path / "site" / "outside.txt").exists() and not (tmp_path / "outside.txt").exists()


# --- the sync writer (gen dev) ------------------------------------------------------------------------


def test_sync_touches_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    sync_output(files_of({"same": b"S", "edited": b"old", "gone/deep/x": b"x"}), out)
    past = 1_000_000_000
    for name in ("same", "edited"):
        os.utime(out / name, (past, past))
    same_inode = (out / "same").stat().st_ino
    report = sync_output(files_of({"same": b"S", "edited": b"new", "added/y": b"y"}), out)
    assert read_tree(out) == {"same": b"S", "edited": b"new", "added/y": b"y"}
    assert (out / "same").stat().st_mtime == past and (out / "same").stat().st_ino == same_inode
    assert (out / "edited").stat().st_mtime != past
    assert report.changed == 3  # edited, added, and gone removed
    assert not (out / "gone").exists()  # emptied folders go too
    assert [p.name for p in out.rglob("*.partial-*")] == []


def test_sync_of_the_same_files_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    files = files_of({"a": b"A", "b/c": b"C"})
    sync_output(files, out)
    assert sync_output(files, out).changed == 0


# --- any files round-trip ---------------------------------------------------------------------------

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.页面", min_size=1, max_size=8).filter(
    lambda name: name not in (".", "..", MARKER) and ".partial-" not in name
)
PATH = st.lists(NAME, min_size=1, max_size=3).map("/".join)


def no_file_is_a_folder(mapping: dict[str, bytes]) -> bool:
    """A path cannot be both a file and the folder of another file."""
    return not any(other.startswith(path + "/") for path in mapping for other in mapping)


FILES = st.dictionaries(PATH, st.binary(max_size=64), max_size=8).filter(no_file_is_a_folder)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=FILES, second=FILES)
def test_any_files_write_and_rewrite_to_exactly_those_files(tmp_path_factory, first, second) -> None:
    out = tmp_path_factory.mktemp("swap") / "dist"
    write_output(files_of(first), out)
    assert read_tree(out) == first
    report = write_output(files_of(second), out)
    assert read_tree(out) == second
    assert report.files == len(second) and report.bytes == sum(map(len, second.values()))
    assert report.changed == sum(1 for path, data in second.items() if first.get(path) != data)
    assert siblings(out) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=FILES, second=FILES)
def test_any_files_sync_to_exactly_those_files(tmp_path_factory, first, second) -> None:
    # a file may turn into a folder between two syncs, or back (`gen dev` while pages are renamed)
    out = tmp_path_factory.mktemp("sync") / "dist"
    sync_output(files_of(first), out)
    assert read_tree(out) == first
    report = sync_output(files_of(second), out)
    assert read_tree(out) == second
    written = sum(1 for path, data in second.items() if first.get(path) != data)
    removed = sum(1 for path in first if path not in second)
    assert report.changed == written + removed


def test_sync_turns_a_file_into_a_folder_and_back(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    sync_output(files_of({"a": b"1"}), out)
    assert sync_output(files_of({"a/b": b"2"}), out).changed == 2
    assert read_tree(out) == {"a/b": b"2"}
    assert sync_output(files_of({"a": b"3"}), out).changed == 2
    assert read_tree(out) == {"a": b"3"}
