"""Output targets: one protocol, listed once in build.TARGETS; each writes only below its own folder."""

from __future__ import annotations

from generator.build import TARGETS, build, plan
from generator.write.output import OutputFile

from .conftest import REPO

FULL = REPO / "tests" / "sites" / "full"


def test_every_target_renders_below_its_root_and_hands_its_files_to_the_sink() -> None:
    site, _, _ = plan(FULL)
    names = [target.name for target in TARGETS]
    assert len(set(names)) == len(names) == 6
    assert len({target.root for target in TARGETS}) == len(TARGETS)
    for target in TARGETS:
        handed: list[OutputFile] = []
        files = target.render(site, handed.extend)
        # the full site uses every target but the fetched catalog (it is small: its catalog is packaged)
        assert bool(files) == (target.name != "remote-catalog"), target.name
        assert {f.path: f.data for f in handed} == {f.path: f.data for f in files}, target.name
        assert len({f.path for f in files}) == len(files), target.name
        assert all(f.path.startswith(target.root + "/") for f in files), target.name


def test_the_build_writes_what_its_targets_render() -> None:
    result = build(FULL, write=False, use_cache=False)
    roots = {path.split("/", 1)[0] for path in (f.path for f in result.files)}
    assert {target.root for target in TARGETS} - {"catalog"} <= roots
    assert roots - {target.root for target in TARGETS} == {"report.json"}
