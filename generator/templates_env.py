"""Jinja2 environment per target: the site's own `templates/<target>/` first, then the built-in ones.

A site's templates are untrusted: they are read only from inside the site folder (no `..`, no absolute
names, no links out of it) and rendered in an immutable sandbox that also keeps file, loader and
pydantic helpers out of reach. A site without its own templates gets the plain environment, which
renders the built-in templates 1.5x faster.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any, NoReturn

import jinja2
import jinja2.bccache
import jinja2.sandbox
from pydantic import BaseModel

from .errors import GenError
from .resources import builtin_templates_dir
from .textdata import js_literal
from .theme.theme import text_color_on


def template_env(target: str, site_dir: Path) -> jinja2.Environment:
    templates = builtin_templates_dir()
    builtin = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(templates / target)), BlockTemplateLoader(templates / "blocks", target)]
    )
    # Mini-program templates never receive user text except through the `js` filter, so autoescape
    # (HTML entities, which WXML does not decode) would be wrong there; the H5 target escapes everything.
    # WXML owns `{{ }}`, so mini-program templates use `[[ ]]` and `[% %]` for Jinja.
    delimiters: dict[str, Any] = dict(
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    settings: dict[str, Any] = dict(
        autoescape=target == "h5",
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a build never sees a template change; the per-lookup stat() adds up
        **(delimiters if target == "miniprogram" else {}),
    )
    site_folder = site_dir / "templates" / target
    env: jinja2.Environment
    if site_folder.exists() or site_folder.is_symlink():
        env = SiteTemplateEnvironment(
            site_dir,
            target,
            loader=jinja2.ChoiceLoader([SiteTemplateLoader(site_dir, target), builtin]),
            bytecode_cache=_bytecode_cache(sandboxed=True),
            **settings,
        )
    else:
        env = jinja2.Environment(loader=builtin, bytecode_cache=_bytecode_cache(sandboxed=False), **settings)
    env.filters["js"] = js_literal
    env.filters["text_on"] = text_color_on
    return env


class BlockTemplateLoader(jinja2.BaseLoader):
    """A block's built-in templates, kept together in `templates/blocks/<type>/`, under the names each
    target knows them by (which a site's own templates override): the mini-program's
    `components/block-<type>/index.wxml` is `index.wxml` there, H5's `blocks/<type>.html` and `.css` are
    `h5.html` and `h5.css`."""

    def __init__(self, folder: Path, target: str) -> None:
        self.loader = jinja2.FileSystemLoader(str(folder))
        self.target = target

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        return self.loader.get_source(environment, self.block_template(template))

    def block_template(self, template: str) -> str:
        parts = template.split("/")
        if self.target == "miniprogram" and len(parts) == 3 and parts[0] == "components":
            if parts[1].startswith("block-"):
                return f"{parts[1].removeprefix('block-')}/{parts[2]}"
        if self.target == "h5" and len(parts) == 2 and parts[0] == "blocks":
            name, dot, extension = parts[1].rpartition(".")
            if dot and extension in ("html", "css"):
                return f"{name}/h5.{extension}"
        raise jinja2.TemplateNotFound(template)


# --- the site's own templates -----------------------------------------------------------------------


class SiteTemplateLoader(jinja2.BaseLoader):
    """`SITE/templates/<target>/<name>`, refusing names and links that lead outside the site folder."""

    def __init__(self, site_dir: Path, target: str) -> None:
        self.site_root = site_dir.resolve()
        self.folder = site_dir / "templates" / target
        self.prefix = f"templates/{target}"

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        parts = template.split("/")
        if template.startswith(("/", "~")) or "\\" in template or ":" in template or ".." in parts:
            raise GenError(
                f"template {template!r} is not a path inside {self.prefix}/; name templates by their path "
                "in that folder, e.g. blocks/text.html"
            )
        path = self.folder.joinpath(*(p for p in parts if p not in ("", ".")))
        if not path.exists() and not path.is_symlink():
            raise jinja2.TemplateNotFound(template)  # the built-in template of that name is used
        display = f"{self.prefix}/{template}"
        try:
            resolved = path.resolve()
        except (RuntimeError, OSError):  # a symbolic link loop (Python 3.13 raises OSError ELOOP instead)
            raise GenError(f"{display} is a symbolic link that points back at itself; fix or remove the link") from None
        if not resolved.is_relative_to(self.site_root):
            raise GenError(
                f"{display} is a link to a file outside the site folder; copy the file into the site instead"
            )
        if not path.is_file():
            raise GenError(f"{display} is not a file; a template override is a file of the same path as the built-in")
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise GenError(f"{display} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
        return source, str(path), lambda: True


# Objects whose attributes a site template never reads: they reach files, code or the loader.
_OPAQUE = (
    PurePath,
    jinja2.Environment,
    jinja2.BaseLoader,
    jinja2.Template,
    jinja2.bccache.BytecodeCache,
    types.ModuleType,
    io.IOBase,
    type,
)


class SiteTemplateEnvironment(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The sandbox for site templates; its errors name the template file and line (exit code 2)."""

    def __init__(self, site_dir: Path, target: str, **settings: Any) -> None:
        super().__init__(**settings)
        self.site_dir = site_dir.resolve()
        self.target = target

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, _OPAQUE):
            return False
        if isinstance(obj, BaseModel) and not _own_attribute(type(obj), attr):
            return False  # pydantic's helpers (parse_file reads files): only fields and our own properties
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        owner = getattr(obj, "__self__", None)
        return not isinstance(owner, _OPAQUE) and super().is_safe_callable(obj)

    def handle_exception(self, source: str | None = None) -> NoReturn:
        error = sys.exc_info()[1]
        if isinstance(error, SiteTemplateError):
            raise error
        if isinstance(error, jinja2.TemplateError | GenError):
            where = self._position(error)
            what = error.message if isinstance(error, GenError) else _explain(error)
            raise SiteTemplateError(f"{where}  {what}" if where else what) from None
        super().handle_exception(source)

    def _position(self, error: BaseException) -> str:
        if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
            return f"{self._display(error.filename)}:{error.lineno}"
        found = ""
        tb = error.__traceback__
        while tb is not None:  # the innermost frame of template code
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            if template is not None and template.filename:
                found = f"{self._display(template.filename)}:{template.get_corresponding_lineno(tb.tb_lineno)}"
            tb = tb.tb_next
        return found

    def _display(self, filename: str) -> str:
        path = Path(filename)
        builtin = builtin_templates_dir()
        if path.is_relative_to(builtin):
            return f"templates/{path.relative_to(builtin).as_posix()} (built-in)"
        if path.is_absolute() and path.is_relative_to(self.site_dir):
            return path.relative_to(self.site_dir).as_posix()
        return filename


class SiteTemplateError(GenError):
    """A site template broke a rule of the sandbox, or has a mistake; the message starts with file:line."""


def _own_attribute(model: type[BaseModel], attr: str) -> bool:
    if attr in model.model_fields:
        return True
    return any(attr in vars(k) for k in model.__mro__ if k.__module__.startswith("generator."))


def _explain(error: jinja2.TemplateError) -> str:
    message = error.message or type(error).__name__
    if isinstance(error, jinja2.exceptions.SecurityError):
        return (
            f"{message.rstrip('.')}; site templates run in a sandbox: use the values the template is given "
            "(see the built-in template of the same name), not Python internals"
        )
    if isinstance(error, jinja2.TemplateNotFound):
        return f"no template {error.name!r}; check the name (paths are relative to templates/<target>/)"
    if isinstance(error, jinja2.UndefinedError):
        return f"{message}; check the name against the built-in template of the same name"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"template syntax error: {message}"
    return message


# --- compiled templates -----------------------------------------------------------------------------------


@functools.cache
def _bytecode_cache(sandboxed: bool = False) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder, like Python's own .pyc files: a new process
    then skips compiling them (30 ms of a build). Entries are keyed by the template's source checksum,
    so an edited template, built-in or the site's own, is compiled again. None when there is nowhere
    to write."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # Bytecode depends on the environment's settings too (delimiters, autoescape): a change to this
    # module, or another Jinja, starts a new folder. Sandboxed code routes every call through the
    # sandbox's checks, so it is compiled and kept apart from the plain environment's.
    settings = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()[:12]
    folder = base / "mpgen" / f"templates-{settings}{'-sandboxed' if sandboxed else ''}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that cannot be written (full disk, read-only home) only costs the compile time."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass
