"""Theme contrast: text/background pairs below WCAG AA are build warnings, and `gen check --strict` fails on them."""

from __future__ import annotations

from click.testing import CliRunner

from generator.cli import main

from .conftest import MINIMAL_SITE


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_spec_warnings_fail_check_only_with_strict(make_site) -> None:
    site = make_site(
        MINIMAL_SITE.replace(
            "  name: 小店", "  name: 小店\n  base_url: https://m.example.com/\n  appid: wx0123456789abcdef"
        )
        + "official_account:\n  menu:\n    - {name: 首页, page: home}\n"
    )
    relaxed = run("check", site)
    assert relaxed.exit_code == 0, relaxed.output
    assert 'does not follow "3+1"' in relaxed.output  # shown by check too, not only by build
    assert run("check", site, "--strict").exit_code == 1
