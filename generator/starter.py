"""`gen init` and `gen schema`: a starter site that builds as it is, and the published JSON Schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .errors import GenError
from .resources import builtin_templates_dir
from .spec import SiteSpec

SCHEMA_FILE = "site.schema.json"


def schema_json() -> str:
    schema = SiteSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mpgen site.yaml"
    return json.dumps(schema, ensure_ascii=False, indent=2)


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
    return site_file
