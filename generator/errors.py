"""Errors the generator reports to users: spec problems with file:line and spec path, exit codes."""

from __future__ import annotations

import typing
from dataclasses import dataclass

import click

EXIT_OK = 0
EXIT_BROKEN_RULE = 1  # a budget or lint rule is broken
EXIT_BAD_INPUT = 2  # the spec, a theme or the command line is wrong


@dataclass(frozen=True, order=True)
class Position:
    """Where a value sits in a source file (1-based); `column` names a CSV column."""

    file: str
    line: int = 0
    col: int = 0
    column: str = ""

    def __str__(self) -> str:
        if self.column:
            return f"{self.file}:{self.line} column {self.column}"
        if self.line and self.col:
            return f"{self.file}:{self.line}:{self.col}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, which spec path, what is wrong and what to do."""

    position: Position
    path: str
    message: str

    def __str__(self) -> str:
        where = str(self.position)
        return f"{where}  {self.path}: {self.message}" if self.path else f"{where}  {self.message}"


def format_path(parts: tuple[str | int, ...]) -> str:
    """`('pages', 1, 'blocks', 2, 'type')` -> `pages[1].blocks[2].type`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class GenError(click.ClickException):
    """An error shown to the user without a traceback, with an exit code."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: typing.IO[str] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class SpecError(GenError):
    """Every problem found in a site's input, reported together (exit code 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.position, p.path))
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join(lines) + f"\n{count} {noun} in the site spec; nothing was built.")

    def show(self, file: typing.IO[str] | None = None) -> None:
        click.echo(self.format_message(), err=True, file=file)
