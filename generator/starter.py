"""`gen init` and `gen schema`: a starter site that builds as it is, and the published JSON Schemas."""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

from .errors import GenError
from .resources import builtin_templates_dir
from .spec.model import SpecModel
from .spec.site import SiteSpec
from .theme.theme import ThemeLayer

SCHEMA_FILE = "site.schema.json"
THEME_SCHEMA_FILE = "theme.schema.json"
GITIGNORE_LINES = ("dist/", ".mpgen-cache/", "preview/", ".mpgen-data/")
"""What mpgen writes into the site folder: the output, the image cache and `gen preview`'s shots, all
rebuilt at will, and `gen serve`'s data (orders and shoppers' personal data: back it up, never commit it)."""


def schema_json() -> str:
    """The JSON Schema of site.yaml."""
    return _schema(SiteSpec, "mpgen site.yaml")


def theme_schema_json() -> str:
    """The JSON Schema of a theme file (themes/<name>.yaml; the same keys as `theme:` in site.yaml)."""
    return _schema(ThemeLayer, "mpgen theme")


def _schema(root: type[SpecModel], title: str) -> str:
    schema = root.model_json_schema()
    _describe_fields(schema, root)
    for model in _subclasses(SpecModel):
        if model.__name__ in schema.get("$defs", {}):
            _describe_fields(schema["$defs"][model.__name__], model)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, ensure_ascii=False, indent=2)


def _subclasses(model: type[SpecModel]) -> list[type[SpecModel]]:
    found = []
    for sub in model.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _describe_fields(schema: dict[str, Any], model: type[SpecModel]) -> None:
    """Field docstrings become descriptions here, not through pydantic's `use_attribute_docstrings`:
    that parses every model's source at import, about 30 ms of every `gen build`."""
    docs = {}
    for klass in reversed(model.__mro__):
        if isinstance(klass, type) and issubclass(klass, SpecModel):
            docs.update(_attribute_docstrings(klass))
    for name, field in model.model_fields.items():
        prop = schema.get("properties", {}).get(field.alias or name)
        if prop is not None and name in docs and "description" not in prop:
            prop["description"] = docs[name]


def _attribute_docstrings(klass: type) -> dict[str, str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for statement, following in zip(body, body[1:], strict=False):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def create_starter(directory: Path, name: str) -> Path:
    site_file = directory / "site.yaml"
    if site_file.exists():
        raise GenError(f"{site_file} already exists; choose a new folder")
    starter = builtin_templates_dir() / "starter"
    directory.mkdir(parents=True, exist_ok=True)
    for source in sorted(starter.rglob("*")):
        if source.is_file():
            target = directory / source.relative_to(starter)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.name == "site.yaml":
                text = source.read_text(encoding="utf-8").replace("__SITE_NAME__", json.dumps(name, ensure_ascii=False))
                target.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(source, target)
    (directory / SCHEMA_FILE).write_text(schema_json() + "\n", encoding="utf-8")
    (directory / THEME_SCHEMA_FILE).write_text(theme_schema_json() + "\n", encoding="utf-8")
    _ignore_build_output(directory / ".gitignore")
    return site_file


def _ignore_build_output(gitignore: Path) -> None:
    """Add the build output and the cache to the folder's .gitignore (kept, and only extended, if it exists)."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present and "/" + line not in present]
    if not missing:
        return
    if text and not text.endswith("\n"):
        text += "\n"
    text += (
        "# mpgen: the build output, the image cache and the preview (rebuilt by `gen build`, `gen preview`),\n"
        "# and gen serve's data (orders, personal data: back it up, never commit it)\n"
    )
    gitignore.write_text(text + "".join(line + "\n" for line in missing), encoding="utf-8")
