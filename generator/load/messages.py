"""Pydantic's validation errors in the user's words: each becomes a Problem with its file, line, spec path
and what to do. Shared by the site spec and the theme files, so it knows no model of either."""

from __future__ import annotations

import difflib
import re
import types
import typing
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from ..blocks.contact import CORP_ID_PATTERN, KFID_PATTERN
from ..errors import Problem, format_path
from ..spec.model import HEX_COLOR_PATTERN, ID_PATTERN
from .source import SourceMap, SpecPath

AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]{1,12}(?:\.[0-9]*)?|\.[0-9]+)")
"""An amount in yuan as text (a CSV cell, or a quoted YAML value)."""


def problems_from_validation(
    exc: ValidationError,
    data: Any,
    source: SourceMap,
    root: type[BaseModel],
    prefix: SpecPath = (),
    missing_hint: str = "add it",
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        path, model, annotation = _locate(error["loc"], data, root)
        if error["type"] == "extra_forbidden":
            position = source.key(path)
        elif error["type"] == "missing":
            position = source.value(path[:-1])
        else:
            position = source.value(path)
        message = _explain(
            error,
            path,
            model,
            missing_hint,
            source.typed.get(path),
            in_csv=bool(position.column),
            tags=_tags(annotation),
        )
        shown = format_path(prefix + path)
        if (shown, message) in seen:
            continue
        seen.add((shown, message))
        problems.append(Problem(position, shown, message))
    return problems


def clean_location(loc: tuple[Any, ...], data: Any, root: type[BaseModel]) -> tuple[SpecPath, type[BaseModel] | None]:
    """Pydantic's loc without union tags and validator labels, and the model that owns its last key."""
    path, owner, _ = _locate(loc, data, root)
    return path, owner


def _locate(loc: tuple[Any, ...], data: Any, root: type[BaseModel]) -> tuple[SpecPath, type[BaseModel] | None, Any]:
    """`clean_location`, and the annotation of the value at the end of `loc`."""
    path: list[str | int] = []
    node: Any = data
    annotation: Any = root
    owner: type[BaseModel] | None = root
    for part in loc:
        annotation = _unwrap(annotation)
        members = _union_members(annotation)
        if members is not None:
            chosen = _union_member_for(members, part)
            if chosen is not None:
                annotation = chosen
                continue
            annotation = _member_for_data(members, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            owner = annotation
            field = annotation.model_fields.get(str(part))
            annotation = field.annotation if field else None
        elif typing.get_origin(annotation) in (list, tuple):
            annotation = (typing.get_args(annotation) or (None,))[0]
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            annotation = None
        path.append(part)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node) else None)
        )
    return tuple(path), owner, annotation


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    members = _union_members(annotation)
    if members is not None and len(members) == 1:
        return _unwrap(members[0])
    return annotation


def _union_members(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [_unwrap_annotated(m) for m in typing.get_args(annotation) if m is not type(None)]
    return None


def _unwrap_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _tags(annotation: Any) -> list[str]:
    """The `type` values a tagged union (the `Block` union) accepts, in its order."""
    members = _union_members(_unwrap_annotated(annotation)) or []
    return [tag for member in members for tag in _type_tags(member)]


def _type_tags(member: Any) -> tuple[Any, ...]:
    if isinstance(member, type) and issubclass(member, BaseModel) and "type" in member.model_fields:
        return typing.get_args(member.model_fields["type"].annotation)
    return ()


def _union_member_for(members: list[Any], tag: Any) -> Any:
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None and tag in typing.get_args(field.annotation):
                return member
    return None


def _member_for_data(members: list[Any], node: Any) -> Any:
    if isinstance(node, dict):
        return _union_member_for(members, node.get("type")) or members[0]
    return members[0]


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


_KIND = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    for kind, name in _KIND.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _explain(
    error: Any,
    path: SpecPath,
    model: type[BaseModel] | None,
    missing_hint: str,
    typed: str | None = None,
    in_csv: bool = False,
    tags: list[str] | None = None,
) -> str:
    """What is wrong and what to do; `typed` is the unquoted text YAML read as a number, true/false or null,
    `in_csv` says the value is a CSV cell (text, but not because of quotes), `tags` are the block types
    a tagged union at the path accepts."""
    tags = tags or []
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    last = path[-1] if path else ""
    if kind == "extra_forbidden":
        known = [k for k in model.model_fields] if model else []
        hint = did_you_mean(str(last), known)
        if hint:
            return f"unknown key {last!r}{hint}; rename it"
        return f"unknown key {last!r}; allowed here: {', '.join(known)}"
    if kind == "missing":
        return f"is required; {missing_hint}"
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        return f"unknown block type {tag!r}{did_you_mean(str(tag), tags)}; block types: {', '.join(tags)}"
    if kind == "union_tag_not_found":
        return f"a block needs a `type:`; one of {', '.join(tags)}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        if pattern == ID_PATTERN:
            return (
                f"{value!r} is not a URL-safe id; use lowercase letters, digits, '-' and '_' "
                f"(at most 40, starting with a letter or digit), e.g. {_suggest_id(str(value))!r}"
            )
        if pattern == HEX_COLOR_PATTERN:
            return f"{value!r} is not a hex color; write #RRGGBB, e.g. '#C8102E' (quote it: a bare # starts a comment)"
        if pattern == KFID_PATTERN:
            return (
                f"{value!r} is not a 微信客服 link; copy it from 微信客服 > 客服账号 > 获取客服链接 "
                "(https://work.weixin.qq.com/kfid/...)"
            )
        if pattern == CORP_ID_PATTERN:
            return f"{value!r} is not a WeCom 企业ID; it is ww and 16 letters or digits (企业微信管理后台 > 我的企业)"
        if pattern and pattern.startswith("^https://"):
            return f"{value!r} is not an https URL; WeChat only connects to https:// addresses"
        if last == "appid":
            return f"{value!r} is not a mini-program AppID; use wx + 16 hex digits, or touristappid for testing"
        if last == "date":
            return f"{value!r} is not a date; write YYYY-MM-DD"
        if last == "products_file":
            return f"{value!r} is not a .csv file name"
        return f"{value!r} has the wrong form (expected to match {pattern})"
    if kind in ("decimal_parsing", "decimal_type"):
        if isinstance(value, str) and not in_csv and AMOUNT_TEXT.fullmatch(value.strip()):
            return f"expected a number, got the text {value!r}; write the amount without quotes"
        if isinstance(value, bool):
            return f"expected an amount in yuan, got {_typed(value, typed)}; write it as a number, e.g. 19.9"
        return f"{value!r} is not a number; write the amount in yuan, e.g. 19.9"
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places")
        return f"{value} has more than {places} decimal places; prices are in yuan with at most 2 decimals"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{value} is too small; it must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        if len(path) == 2 and path[0] == "budgets":
            return f"{value} KB is above WeChat's hard limit of {limit} KB; a budget can only be stricter"
        return f"{value} is too large; it must be at most {limit}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        if isinstance(value, str) and not in_csv:
            return f"expected a whole number, got the text {value!r}; write the number without quotes"
        return f"expected a whole number, got {_typed(value, typed)}"
    if kind in ("bool_parsing", "bool_type"):
        if isinstance(value, str) and value.lower() in _YAML11_BOOLEANS and not in_csv:
            return (
                f"expected true or false, got the text {value!r} (YAML 1.2, like the editor, reads "
                f"yes/no/on/off as text); write {'true' if _YAML11_BOOLEANS[value.lower()] else 'false'}"
            )
        return f"expected true or false, got {_typed(value, typed)}"
    if kind == "literal_error":
        return f"{value!r} is not allowed; use one of {ctx.get('expected')}"
    if kind == "string_too_long":
        return f"is {len(value)} characters long; at most {ctx.get('max_length')} fit, shorten it"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        noun = "tabs" if last == "tabs" else "items"
        extra = "; WeChat's tab bar needs 2 to 5 tabs" if last == "tabs" else ""
        return f"has {ctx.get('actual_length')} {noun}, at least {ctx.get('min_length')} needed{extra}"
    if kind == "too_long":
        noun = "tabs" if last == "tabs" else "items"
        extra = "; WeChat's tab bar allows 2 to 5 tabs" if last == "tabs" else ""
        return f"has {ctx.get('actual_length')} {noun}, at most {ctx.get('max_length')} allowed{extra}"
    if kind in (
        "string_type",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "list_type",
        "decimal_type",
        "float_type",
        "float_parsing",
    ):
        expected = {
            "string_type": "text",
            "model_type": "a mapping (key: value lines)",
            "model_attributes_type": "a mapping (key: value lines)",
            "dict_type": "a mapping (key: value lines)",
            "list_type": "a list (lines starting with '- ')",
        }.get(kind, "a number")
        if kind == "string_type" and typed is not None and value is not None:
            quoted = "'" + typed.replace("'", "''") + "'"
            return f"expected text, got {_typed(value, typed)}; if {typed} is meant as text, quote it: {quoted}"
        return f"expected {expected}, got {_kind(value)}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


_YAML11_BOOLEANS = {"yes": True, "no": False, "on": True, "off": False, "y": True, "n": False}


def _typed(value: Any, typed: str | None) -> str:
    """`the number 010`, `true/false (true)`: a YAML-typed value as the user wrote it."""
    shown = typed if typed is not None else str(value)
    if isinstance(value, bool):
        return f"true/false ({shown})"
    if value is None:
        return "nothing"
    if isinstance(value, int | float | Decimal):
        return f"the number {shown}"
    return f"{_kind(value)} ({shown})" if typed is not None else f"{value!r}"


def _suggest_id(value: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-_")[:40]
    return slug or "page-1"
