"""The wheel carries the built-in templates and themes, so an installed `gen` works outside the repo."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stderr}")
    return next(out.glob("mpgen-*.whl"))


def test_wheel_ships_templates_and_themes(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme in ("warm", "calm", "night"):
        assert f"generator/_builtin/themes/{theme}.yaml" in names
    assert "generator/_builtin/templates/miniprogram/app.wxss" in names
    assert "generator/_builtin/templates/blocks/form/index.js" in names
    assert "generator/_builtin/templates/starter/site.yaml" in names
    assert "generator/_builtin/templates/starter/images/banner.jpg" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gen = generator.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_builds_a_starter_site(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from generator.cli import main; "
        "main(sys.argv[2:], prog_name='gen')"
    )
    for args in (["init", "shop"], ["build", "shop"]):
        done = subprocess.run(
            [sys.executable, "-c", code, str(target), *args], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "shop" / "dist" / "miniprogram" / "app.json").exists()
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from generator import resources; print(resources.builtin_templates_dir())",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(target)), where
