"""Package placement of the mini-program's JS modules and components: each one goes where its users are.

Code in the main package is downloaded at launch; code only a subpackage uses belongs in that subpackage
(WeChat's code-quality rules CONTAINS_OTHER_PKG_JS and CONTAINS_OTHER_PKG_COMPONENTS). After rendering,
the files' own references (`require('...')` in .js, `usingComponents` in .json) tell which pages reach
each module and component: one that only the pages of a single subpackage reach moves under that
subpackage's root, and every reference to it is rewritten; what several packages use stays in the main
package. Deriving this from the output covers site template overrides too.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import GenError
from ..write.output import OutputFile

MAIN = ""
"""The main package's root."""
# A require() call, or a double-quoted string: data (catalog/data.js, page data) arrives as JSON strings,
# so text that only looks like a require() inside one is skipped, never resolved or rewritten.
REQUIRE = re.compile(r"""\brequire\(\s*(['"])([^'"\n]+)\1\s*\)""" + r'|"(?:[^"\\\n]|\\.)*"')
UNIT_SUFFIXES = (".js", ".json", ".wxml", ".wxss")


@dataclass(frozen=True)
class Package:
    """A package's root folder ("" for the main package) and its page paths relative to the mini-program."""

    root: str
    pages: tuple[str, ...]


def place_modules(files: Sequence[OutputFile], prefix: str, packages: Sequence[Package]) -> list[OutputFile]:
    """`files` with every module and component only one subpackage uses moved into it (paths below
    `prefix`, e.g. `miniprogram/`)."""
    placer = _Placer({f.path.removeprefix(prefix): f for f in files if f.path.startswith(prefix)}, packages)
    moves = placer.moves()
    if not moves:
        return list(files)
    out = []
    for file in files:
        if not file.path.startswith(prefix):
            out.append(file)
            continue
        rel = file.path.removeprefix(prefix)
        stem, ext = posixpath.splitext(rel)
        new_rel = moves.get(stem, stem) + ext
        data = file.data
        if ext == ".js":
            data = placer.rewrite_requires(rel, new_rel, moves).encode("utf-8")
        elif ext == ".json" and stem in placer.units:
            data = placer.rewrite_components(rel, new_rel, moves)
        out.append(OutputFile(prefix + new_rel, data, file.origin))
    return out


class _Placer:
    def __init__(self, files: dict[str, OutputFile], packages: Sequence[Package]) -> None:
        self.files = files
        self.roots = sorted((p.root for p in packages if p.root), key=len, reverse=True)
        self.pages = {page: p.root for p in packages for page in p.pages}
        stems = {posixpath.splitext(rel)[0] for rel in files if rel.endswith(UNIT_SUFFIXES)}
        # a unit: a page, a component (its .js/.json/.wxml/.wxss) or a JS module, named by its path stem
        self.units = {stem for stem in stems if stem in self.pages or self.is_component(stem)}
        self.modules = {rel[:-3] for rel in files if rel.endswith(".js")} - self.units
        self.required: dict[str, list[tuple[str, str]]] = {}

    def package_of(self, rel: str) -> str:
        return next((root for root in self.roots if rel.startswith(root + "/")), MAIN)

    def is_component(self, stem: str) -> bool:
        config = self.files.get(stem + ".json")
        if config is None:
            return False
        try:
            return json.loads(config.data).get("component") is True
        except (ValueError, AttributeError):
            return False

    def text(self, rel: str) -> str:
        return self.files[rel].data.decode("utf-8")

    def requires(self, rel: str) -> list[tuple[str, str]]:
        """(the string as written, the module's stem) for each local require() in a .js file."""
        if rel not in self.required:
            found = []
            for match in REQUIRE.finditer(self.text(rel)):
                target = self.resolve_require(rel, match.group(2)) if match.group(2) else None
                if target is not None:
                    found.append((match.group(2), target))
            self.required[rel] = found
        return self.required[rel]

    def resolve_require(self, rel: str, spec: str) -> str | None:
        path = (
            spec.lstrip("/")
            if spec.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
        )
        stem = path[:-3] if path.endswith(".js") else path
        return stem if stem in self.modules or stem in self.units else None

    def components(self, stem: str) -> Iterable[tuple[str, str, str]]:
        """(tag, the path as written, the component's stem) for each local entry of a usingComponents."""
        config = self.files.get(stem + ".json")
        if config is None:
            return
        try:
            using = json.loads(config.data).get("usingComponents") or {}
        except (ValueError, AttributeError):
            return
        for tag, ref in using.items():
            if not isinstance(ref, str) or "://" in ref:
                continue
            path = (
                ref.lstrip("/")
                if ref.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname(stem), ref))
            )
            if path in self.units:
                yield tag, ref, path

    def edges(self, stem: str) -> list[str]:
        targets = [target for _, target in self.requires(stem + ".js")] if stem + ".js" in self.files else []
        return targets + [target for _, _, target in self.components(stem)]

    def users(self) -> dict[str, set[str]]:
        """Each module and component -> the roots of the packages whose pages reach it."""
        edges = {stem: self.edges(stem) for stem in self.modules | self.units}
        reached: dict[str, set[str]] = {}

        def visit(start: str, root: str, with_start: bool) -> None:
            seen, stack = {start}, [start]
            while stack:
                for target in edges.get(stack.pop(), ()):
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            for stem in seen if with_start else seen - {start}:
                reached.setdefault(stem, set()).add(root)

        for page, root in self.pages.items():
            visit(page, root, with_start=False)
        visit("app", MAIN, with_start=False)
        # what no page reaches stays where it is, and so does everything it uses
        for stem in sorted((self.modules | self.units) - set(self.pages) - {"app"}):
            if stem not in reached:
                visit(stem, self.package_of(stem), with_start=True)
        return reached

    def moves(self) -> dict[str, str]:
        """Old stem -> new stem of each module or component that moves into a subpackage."""
        moves = {}
        for stem, roots in sorted(self.users().items()):
            if stem in self.pages or self.package_of(stem) != MAIN:
                continue
            if len(roots) == 1 and MAIN not in roots:
                (root,) = roots
                moves[stem] = f"{root}/{stem}"
        self.check_boundaries(moves)
        return moves

    def check_boundaries(self, moves: dict[str, str]) -> None:
        """A module or component of one package may only use its own package's and the main package's."""
        for stem in sorted(self.modules | self.units):
            home = self.package_of(moves.get(stem, stem))
            for target in self.edges(stem):
                there = self.package_of(moves.get(target, target))
                if there not in (MAIN, home):
                    where = "the main package" if home == MAIN else f"subpackage {home!r}"
                    raise GenError(
                        f"{stem}: uses {target} of subpackage {there!r}, which {where} cannot load; "
                        "a site template must not reach into a subpackage from outside it"
                    )

    def rewrite_requires(self, rel: str, new_rel: str, moves: dict[str, str]) -> str:
        text = self.text(rel)
        stem = rel[:-3]
        if stem not in moves and not any(target in moves for _, target in self.requires(rel)):
            return text

        def replace(match: re.Match[str]) -> str:
            spec = match.group(2)
            target = self.resolve_require(rel, spec) if spec else None
            if target is None:
                return match.group(0)
            new_target = moves.get(target, target) + (".js" if spec.endswith(".js") else "")
            if spec.startswith("/"):
                new_spec = "/" + new_target
            else:
                new_spec = posixpath.relpath(new_target, posixpath.dirname(new_rel))
                new_spec = new_spec if new_spec.startswith(".") else "./" + new_spec
            return match.group(0).replace(spec, new_spec)

        return REQUIRE.sub(replace, text)

    def rewrite_components(self, rel: str, new_rel: str, moves: dict[str, str]) -> bytes:
        stem = rel[:-5]
        found = list(self.components(stem))
        if stem not in moves and not any(target in moves for _, _, target in found):
            return self.files[rel].data
        config = json.loads(self.files[rel].data)
        for tag, ref, target in found:
            new_target = moves.get(target, target)
            if ref.startswith("/"):
                config["usingComponents"][tag] = "/" + new_target
            else:
                spec = posixpath.relpath(new_target, posixpath.dirname(new_rel))
                config["usingComponents"][tag] = spec if spec.startswith(".") else "./" + spec
        return (json.dumps(config, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
