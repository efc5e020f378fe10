"""Budget stage: sizes of every package and in total, measured from the files about to be written."""

from __future__ import annotations

from dataclasses import dataclass

from .output import OutputFile
from .plan import CATALOG_ROOT
from .render.miniprogram import ROOT

MAIN = "main"


@dataclass(frozen=True)
class PackageSize:
    name: str
    root: str
    bytes: int
    files: int


@dataclass(frozen=True)
class BudgetReport:
    packages: tuple[PackageSize, ...]
    total_bytes: int

    def as_json(self) -> dict[str, object]:
        return {
            "packages": [{"name": p.name, "root": p.root, "bytes": p.bytes, "files": p.files} for p in self.packages],
            "total_bytes": self.total_bytes,
        }


def measure(files: list[OutputFile], subpackage_roots: tuple[str, ...] = (CATALOG_ROOT,)) -> BudgetReport:
    sizes: dict[str, list[int]] = {MAIN: [0, 0], **{root: [0, 0] for root in subpackage_roots}}
    prefix = ROOT + "/"
    for file in files:
        if not file.path.startswith(prefix):
            continue
        relative = file.path[len(prefix) :]
        package = next((root for root in subpackage_roots if relative.startswith(root + "/")), MAIN)
        sizes[package][0] += len(file.data)
        sizes[package][1] += 1
    packages = tuple(
        PackageSize(name, "" if name == MAIN else name, size, count) for name, (size, count) in sizes.items() if count
    )
    return BudgetReport(packages, sum(p.bytes for p in packages))
