"""The output under faults: full and read-only disks, symbolic link loops, and builds killed at the swap."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.write import writer as write

from .conftest import MINIMAL_SITE, REPO
from .imagetools import photo
from .test_build import tree_digest

EDITED = MINIMAL_SITE.replace("欢迎", "欢迎光临")
WITH_PHOTO = EDITED.replace(
    "      - type: text\n", "      - {type: image, image: images/new.jpg}\n      - type: text\n"
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".dist."))


def cli(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and not isinstance(result.exception, (OSError, RuntimeError))
    return result


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_a_write_failing_midway_is_a_clear_error_and_keeps_the_output(
    make_site, monkeypatch, code: int, reason: str
) -> None:
    site = make_site()
    build(site)
    before = tree_digest(site / "dist")
    (site / "site.yaml").write_text(EDITED, encoding="utf-8")
    from generator.write import writer

    real_write = writer._write_file
    calls: list[str] = []

    def failing_write(path: str, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(code, os.strerror(code), path)
        real_write(path, data)

    monkeypatch.setattr(writer, "_write_file", failing_write)
    result = cli("build", site)
    assert result.exit_code == 2, result.output
    assert f"cannot write the output {site / 'dist'}: {reason} ({calls[2]})" in result.output
    assert "the previous output is unchanged" in result.output and "--out" in result.output
    assert tree_digest(site / "dist") == before
    assert leftovers(site) == []


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(make_site, monkeypatch, tmp_path: Path) -> None:
    site, read_only_disk = make_site(), tmp_path / "ro"
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.is_relative_to(read_only_disk):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = cli("build", site, "--out", read_only_disk / "dist")
    assert result.exit_code == 2, result.output
    assert "the file system is read-only" in result.output and "nothing was written" in result.output


def test_an_image_cache_that_cannot_be_written_only_costs_time(make_site, monkeypatch, tmp_path: Path) -> None:
    site, cache = make_site(WITH_PHOTO), tmp_path / "cache"
    photo(1200, 900).save(site / "images" / "new.jpg", quality=92)
    real_write = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if self.is_relative_to(cache):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    result = cli("build", site, "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    assert "assets/img/new-" in (site / "dist/miniprogram/pages/home/index.js").read_text(encoding="utf-8")


def test_a_symlink_loop_on_an_image_path_is_a_spec_error(make_site) -> None:
    site = make_site()
    build(site)
    before = tree_digest(site / "dist")
    (site / "images" / "loop").symlink_to("loop")
    (site / "site.yaml").write_text(
        MINIMAL_SITE.replace(
            "      - type: text\n        body: 欢迎\n", "      - {type: image, image: images/loop/a.png}\n"
        ),
        encoding="utf-8",
    )
    result = cli("build", site)
    assert result.exit_code == 2, result.output
    assert "site.yaml:10:" in result.output and "pages[0].blocks[0].image" in result.output
    assert "'images/loop/a.png' goes through a symbolic link that points back at itself" in result.output
    assert tree_digest(site / "dist") == before


def test_a_template_override_that_links_to_itself_is_a_clear_error(make_site) -> None:
    site = make_site()
    (site / "templates" / "h5").mkdir(parents=True)
    (site / "templates" / "h5" / "page.html").symlink_to("page.html")
    result = cli("build", site)
    assert result.exit_code == 2, result.output
    assert "templates/h5/page.html is a symbolic link that points back at itself" in result.output


def test_a_site_theme_that_links_to_itself_is_a_spec_error(make_site) -> None:
    site = make_site(MINIMAL_SITE.replace("  name: 小店\n", "  name: 小店\n  theme: mine\n"))
    (site / "themes").mkdir()
    (site / "themes" / "mine.yaml").symlink_to("mine.yaml")
    result = cli("build", site)
    assert result.exit_code == 2, result.output
    assert "site.yaml:3:" in result.output
    assert "themes/mine.yaml is a symbolic link that points back at itself" in result.output


def test_a_site_folder_that_links_to_itself_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "shop").symlink_to("shop")
    for command in ("build", "check", "lint"):
        result = cli(command, tmp_path / "shop")
        assert result.exit_code == 2, result.output
        assert "shop is a symbolic link that points back at itself" in result.output


def test_an_output_folder_through_a_symlink_loop_is_a_clear_error(make_site, tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    result = cli("build", make_site(), "--out", tmp_path / "loop" / "dist")
    assert result.exit_code == 2, result.output
    assert "goes through a symbolic link that points back at itself" in result.output


# --- killed builds ------------------------------------------------------------------------------------

# Runs a build that SIGKILLs itself right before its `kill_at`-th step on the file system once the swap
# has begun (a rename, the exchange, a tree removal), as a power cut or the OOM killer would.
KILLED_BUILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from generator.write import writer as write
    from generator.build import build

    site, kill_at = Path(sys.argv[1]), int(sys.argv[2])
    steps = []
    swapping = []

    def step(event):
        if swapping:
            steps.append(event)
            if len(steps) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    def hook(event, args):
        if event in ("os.rename", "shutil.rmtree"):
            step(event)

    real_exchange = getattr(write, "_exchange", None)  # a ctypes call raises no audit event

    def exchange(a, b):
        step("renameat2")
        return real_exchange(a, b)

    if real_exchange is not None:
        write._exchange = exchange
    real_commit = write.StagedOutput.commit

    def commit(self):
        swapping.append(True)
        try:
            return real_commit(self)
        finally:
            swapping.clear()  # what follows the swap (the build's state file) is not a step of it

    write.StagedOutput.commit = commit
    sys.addaudithook(hook)
    build(site)
    print(len(steps))
    """
)


def killed_build(site: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, str(site), str(kill_at)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_build_killed_at_any_step_of_the_swap_leaves_a_whole_output(make_site, tmp_path: Path) -> None:
    site = make_site()
    build(site)
    old = tree_digest(site / "dist")
    (site / "site.yaml").write_text(EDITED, encoding="utf-8")
    build(site, tmp_path / "expected")
    new = tree_digest(tmp_path / "expected")
    assert new != old
    kill_at = 1
    while True:
        done = killed_build(site, kill_at)
        if done.returncode == 0:  # got through every step: nothing left to kill
            assert int(done.stdout) == kill_at - 1
            break
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert (site / "dist").is_dir() and not (site / "dist").is_symlink(), f"no dist/ after step {kill_at}"
        assert tree_digest(site / "dist") in (old, new), f"dist/ is neither build after step {kill_at}"
        assert leftovers(site), "the killed build left its staging folder (and the test killed nothing)"
        build(site)  # the next build cleans up after the killed one
        assert tree_digest(site / "dist") == new
        assert leftovers(site) == []
        (site / "site.yaml").write_text(MINIMAL_SITE, encoding="utf-8")
        build(site)
        (site / "site.yaml").write_text(EDITED, encoding="utf-8")
        kill_at += 1
    assert kill_at > 2  # the swap has at least one step to be killed at
    assert tree_digest(site / "dist") == new and leftovers(site) == []


def test_only_leftovers_of_processes_that_are_gone_are_removed(make_site) -> None:
    site = make_site()
    build(site)
    running = subprocess.Popen(["sleep", "60"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        mine_running = site / f".dist.staging-{running.pid}"
        mine_gone = site / f".dist.staging-{gone.pid}"
        retired_gone = site / f".dist.retired-{gone.pid}"
        unrelated = site / ".distant.staging-1"
        for folder in (mine_running, mine_gone, retired_gone, unrelated):
            (folder / "miniprogram").mkdir(parents=True)
        build(site)
        assert mine_running.is_dir() and unrelated.is_dir()  # a build running beside this one keeps its own
        assert not mine_gone.exists() and not retired_gone.exists()
    finally:
        running.kill()
        running.wait()


def test_without_an_atomic_exchange_the_two_renames_still_replace_the_output(make_site, monkeypatch) -> None:
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)  # e.g. macOS, Windows, an old kernel
    site = make_site()
    build(site)
    (site / "site.yaml").write_text(EDITED, encoding="utf-8")
    build(site)
    assert "欢迎光临" in (site / "dist/h5/index.html").read_text(encoding="utf-8")
    assert leftovers(site) == []


def test_the_swap_is_one_exchange_where_linux_has_it(make_site) -> None:
    if write._renameat2() is None:
        pytest.skip("renameat2 is not available here")
    site = make_site()
    build(site)
    calls = []
    real = write._exchange

    def exchange(a: Path, b: Path) -> bool:
        done = real(a, b)
        calls.append((a, b, done, (site / "dist").is_dir()))
        return done

    write._exchange = exchange  # type: ignore[assignment]
    try:
        (site / "site.yaml").write_text(EDITED, encoding="utf-8")
        build(site)
    finally:
        write._exchange = real  # type: ignore[assignment]
    assert len(calls) == 1 and calls[0][2:] == (True, True)


# --- real full and read-only disks (a private mount namespace: needs root or user namespaces) -------

IN_NAMESPACE = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys
    from pathlib import Path
    from click.testing import CliRunner
    from generator.cli import main
    from tests.imagetools import photo
    from tests.test_build import tree_digest

    site, mount, case = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    if case == "site-on-full-disk":  # the image cache (SITE/.mpgen-cache) fills up first
        site = Path(shutil.copytree(site, mount / "site"))
        out, options = site / "dist", []
    else:
        out, options = mount / "dist", ["--out", str(mount / "dist"), "--no-cache"]
    first = CliRunner().invoke(main, ["build", str(site), *options, "-q"])
    before = tree_digest(out)
    photo(1200, 900).save(site / "images" / "new.jpg", quality=92)  # a new photo for the cache, if any
    if case != "read-only":
        with open(mount / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\\0" * 65536)
            except OSError:
                pass
        os.truncate(mount / "filler", os.path.getsize(mount / "filler") - 4096)  # one page left
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    site.joinpath("site.yaml").write_text(sys.argv[4], encoding="utf-8")
    second = CliRunner().invoke(main, ["build", str(site), *options])
    print(json.dumps({
        "first": first.exit_code, "code": second.exit_code, "output": second.output,
        "exception": repr(second.exception), "same": tree_digest(out) == before,
        "leftovers": sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".dist.")),
    }))
    """
)


def in_private_mount(site: Path, mount: Path, case: str) -> dict:
    unshare = shutil.which("unshare")
    if unshare is None or shutil.which("mount") is None:
        pytest.skip("unshare/mount not found")
    probe = subprocess.run([unshare, "-m", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    mount.mkdir()
    done = subprocess.run(
        [unshare, "-m", "--propagation", "private", sys.executable, "-c", IN_NAMESPACE, site, mount, case, WITH_PHOTO],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0 and "mount" in done.stderr and "permission denied" in done.stderr.lower():
        pytest.skip("mounting a tmpfs is not allowed here")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("full", "the disk is full"),
        ("site-on-full-disk", "the disk is full"),
        ("read-only", "the file system is read-only"),
    ],
)
def test_a_real_full_or_read_only_disk_is_a_clear_error(make_site, tmp_path: Path, case: str, reason: str) -> None:
    outcome = in_private_mount(make_site(), tmp_path / "disk", case)
    assert outcome["first"] == 0
    assert outcome["code"] == 2, outcome
    assert "Traceback" not in outcome["output"] and reason in outcome["output"], outcome["output"]
    assert outcome["same"] and outcome["leftovers"] == []
