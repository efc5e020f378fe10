"""Which text of a spec users read: the fields declared `UserText` (a `Shown` mark), found by walking
each model's `model_fields` annotations through nested models, lists, dicts, unions and Optional."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..load.source import SpecPath
from .model import Shown


def shown_texts(model: BaseModel, path: SpecPath = ()) -> Iterator[tuple[SpecPath, str]]:
    """Every text of `model` that is marked shown, with its spec path, in field order."""
    for name, annotation, mark in _text_fields(type(model)):
        yield from _values(getattr(model, name), annotation, mark, path + (name,))


@functools.cache
def _text_fields(model: type[BaseModel]) -> tuple[tuple[str, Any, bool | None], ...]:
    """The fields of `model` that may hold shown text, their annotations unwrapped: worked out once per
    model class, as a catalog walks the same few classes a hundred thousand times."""
    fields = []
    for name, field in model.model_fields.items():
        annotation, mark = _unwrap(field.annotation, _mark(field.metadata))
        if mark is not False and _may_hold_text(annotation):
            fields.append((name, annotation, mark))
    return tuple(fields)


def _may_hold_text(annotation: Any) -> bool:
    annotation = _unwrap(annotation, None)[0]
    if annotation is str or annotation is Any:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, dict, typing.Union, types.UnionType):
        return any(_may_hold_text(arg) for arg in typing.get_args(annotation))
    return False


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
    annotation, mark = _unwrapped(annotation, mark)
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


def _unwrapped(annotation: Any, mark: bool | None) -> tuple[Any, bool | None]:
    """`_unwrap`, remembered for the annotations that can be (most: a walk meets the same few)."""
    try:
        return _unwrap_cached(annotation, mark)
    except TypeError:  # an annotation that cannot be a dict key
        return _unwrap(annotation, mark)


@functools.cache
def _unwrap_cached(annotation: Any, mark: bool | None) -> tuple[Any, bool | None]:
    return _unwrap(annotation, mark)


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
