"""The `gen` command line: thin click commands over the core; exit 0 ok, 1 rule broken, 2 bad input."""

from __future__ import annotations

import time
from pathlib import Path

import click

SITE_ARG = click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mpgen")
def main() -> None:
    """mpgen: compile a site.yaml into a WeChat mini-program (and, later, its H5 site and OA menu)."""


@main.command()
@SITE_ARG
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default SITE/dist).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def build(site: Path, out: Path | None, quiet: bool) -> None:
    """Build SITE (a folder with site.yaml) into SITE/dist/miniprogram."""
    from .build import build as run_build

    started = time.perf_counter()
    result = run_build(site, out)
    if quiet or result.written is None:
        return
    seconds = time.perf_counter() - started
    written = result.written
    click.echo(
        f"built {result.site.spec.site.name} -> {written.out_dir}/miniprogram "
        f"({written.files} files, {written.bytes / 1024:.0f} KB) in {seconds:.2f} s"
    )
    for package in result.budget.packages:
        click.echo(f"  {package.name:<10} {package.bytes / 1024:8.1f} KB  {package.files:4d} files")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="Brand name (default: the folder name).")
def init(directory: Path, name: str | None) -> None:
    """Create a starter site in DIRECTORY that builds as it is."""
    from .starter import create_starter

    site_file = create_starter(directory, name or directory.resolve().name)
    click.echo(f"created {site_file}\nnext: gen build {directory}")


@main.command()
def schema() -> None:
    """Print the JSON Schema of site.yaml (for editors: yaml-language-server)."""
    from .starter import schema_json

    click.echo(schema_json())
