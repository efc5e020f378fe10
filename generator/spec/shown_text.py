"""Which text of a spec users read: the fields declared `UserText` (a `Shown` mark), found by walking
each model's `model_fields` annotations through nested models, lists, dicts, unions and Optional."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..load.source import SpecPath
from .model import Shown


def shown_texts(model: BaseModel, path: SpecPath = ()) -> Iterator[tuple[SpecPath, str]]:
    """Every text of `model` that is marked shown, with its spec path, in field order."""
    for name, field in type(model).model_fields.items():
        yield from _values(getattr(model, name), field.annotation, _mark(field.metadata), path + (name,))


def unmarked_text_fields(root: type[BaseModel]) -> list[str]:
    """`Model.field` for every str in a field of `root` or a model below it with no `Shown` mark;
    a dict key must be marked not shown (lint reads values only)."""
    problems: list[str] = []
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            check(field.annotation, _mark(field.metadata), f"{model.__name__}.{name}")

    def check(annotation: Any, mark: bool | None, where: str) -> None:
        annotation, mark = _unwrap(annotation, mark)
        if mark is False:
            return
        origin = typing.get_origin(annotation)
        if annotation is str:
            if mark is None:
                problems.append(where)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            visit(annotation)
        elif origin is dict:
            key, value = typing.get_args(annotation)
            if _unwrap(key, None)[1] is not False and _unwrap(key, None)[0] is str:
                problems.append(f"{where} (its keys)")
            check(value, mark, where)
        elif origin in (list, tuple, typing.Union, types.UnionType):
            for arg in typing.get_args(annotation):
                check(arg, mark, where)

    visit(root)
    return problems


def _values(value: Any, annotation: Any, mark: bool | None, path: SpecPath) -> Iterator[tuple[SpecPath, str]]:
    if value is None:
        return
    annotation, mark = _unwrap(annotation, mark)
    if mark is False:
        return
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        member = _member_for(value, typing.get_args(annotation))
        if member is not None:
            yield from _values(value, member, mark, path)
    elif isinstance(value, BaseModel):
        yield from shown_texts(value, path)
    elif isinstance(value, str):
        if mark and annotation is str:
            yield path, value
    elif isinstance(value, list):
        item = (typing.get_args(annotation) or (Any,))[0]
        for i, child in enumerate(value):
            yield from _values(child, item, mark, path + (i,))
    elif isinstance(value, dict):
        item = (typing.get_args(annotation) or (Any, Any))[1]
        for key, child in value.items():
            yield from _values(child, item, mark, path + (key,))


def _member_for(value: Any, members: tuple[Any, ...]) -> Any:
    """The member of a union that holds `value` (a model's class is found from the value itself)."""
    for member in members:
        base = _unwrap(member, None)[0]
        kind = typing.get_origin(base) or base
        if kind is typing.Literal:
            continue
        if isinstance(kind, type) and isinstance(value, kind):
            return member
    return None


def _unwrap(annotation: Any, mark: bool | None) -> tuple[Any, bool | None]:
    """The annotation inside `Annotated[...]` and the nearest `Shown` mark (inner marks win)."""
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation = args[0]
        mark = _mark(args[1:], mark)
    return annotation, mark


def _mark(metadata: typing.Iterable[Any], default: bool | None = None) -> bool | None:
    marks = [m.shown for m in metadata if isinstance(m, Shown)]
    return marks[-1] if marks else default
