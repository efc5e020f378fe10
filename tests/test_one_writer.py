"""One writer: `generator/write/writer.py` is the only code that writes files, apart from a short list of places
that are not output folders (caches, scratch, `gen init`'s new site, the CI summary).

Read from the code itself (its syntax tree), so a new `write_text` into `dist/` or `preview/`, or a
screenshot saved straight to a path, fails here rather than in a user's folder after the next build.
"""

from __future__ import annotations

import ast

from .conftest import REPO

GENERATOR = REPO / "generator"

WRITER = "generator/write/writer.py"

# (module, function) that write files outside every output folder, and why that is fine.
NOT_OUTPUT = {
    ("generator/assets/images.py", "put"): "the image cache, SITE/.mpgen-cache",
    ("generator/targets/official_account.py", "qr_png"): "the QR code cache, SITE/.mpgen-cache/qr",
    ("generator/build_state.py", "write_recorded"): "the last build's state, SITE/.mpgen-cache/builds",
    ("generator/templates_env.py", "_bytecode_cache"): "compiled templates, ~/.cache/mpgen",
    ("generator/preview/miniprogram.py", "node_modules"): "the renderer's install lock, ~/.cache/mpgen",
    ("generator/preview/miniprogram.py", "_npm_ci"): "the renderer's npm install, ~/.cache/mpgen",
    ("generator/preview/miniprogram.py", "render_pages"): "node's documents, in the caller's temporary folder",
    ("generator/starter.py", "create_starter"): "`gen init` writes a new site, the input of a build",
    ("generator/starter.py", "_ignore_build_output"): "`gen init` extends the site's .gitignore",
    ("generator/check/github.py", "append_step_summary"): "$GITHUB_STEP_SUMMARY, the CI job's summary",
    ("generator/server/db.py", "make_engine"): "`gen serve`'s data folder (SQLite), never inside an output folder",
    ("generator/server/serve_cli.py", "migrate"): "`gen serve`'s data folder, made before the first migration",
    ("generator/oa/followers.py", "open_book"): "the shop's data folder (SQLite), shared with `gen serve`",
}

PATH_METHODS = {"write_bytes", "write_text", "mkdir", "touch", "unlink", "rmdir", "rename", "symlink_to", "hardlink_to"}
MODULE_FUNCTIONS = {
    "os": {"replace", "rename", "renames", "link", "symlink", "remove", "unlink", "rmdir", "removedirs", "mkdir",
           "makedirs"},
    "shutil": {"copy", "copy2", "copyfile", "copytree", "copyfileobj", "move", "rmtree"},
}  # fmt: skip


def _writes_in(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(function, line, what) for every call in `tree` that writes, moves or deletes a file."""
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                what = _write(child)
                if what:
                    found.append((inner, child.lineno, what))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def _write(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        if func.attr in MODULE_FUNCTIONS.get(owner, set()):
            return f"{owner}.{func.attr}"
        if owner not in MODULE_FUNCTIONS and func.attr in PATH_METHODS:
            return func.attr
        if func.attr == "screenshot" and any(k.arg == "path" for k in call.keywords):
            return "screenshot(path=...)"  # Playwright saves the file itself
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "open":
        mode = call.args[1] if len(call.args) > 1 and isinstance(func, ast.Name) else None
        mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
        if mode is None and isinstance(func, ast.Attribute) and call.args:
            mode = call.args[0]  # Path.open(mode)
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
            return f"open({mode.value!r})"
    return ""


def _all_writes() -> dict[tuple[str, str], list[str]]:
    writes: dict[tuple[str, str], list[str]] = {}
    for file in sorted(GENERATOR.rglob("*.py")):
        module = file.relative_to(REPO).as_posix()
        for function, line, what in _writes_in(ast.parse(file.read_text(encoding="utf-8"))):
            writes.setdefault((module, function), []).append(f"{module}:{line} {function}: {what}")
    return writes


def test_only_write_py_writes_into_output_folders() -> None:
    elsewhere = [
        line
        for (module, function), lines in _all_writes().items()
        if module != WRITER and (module, function) not in NOT_OUTPUT
        for line in lines
    ]
    assert elsewhere == [], "write output through generator/write/writer.py (StagedOutput, write_output, sync_output)"


def test_every_exception_still_writes_so_the_list_stays_short() -> None:
    writes = _all_writes()
    assert [place for place in NOT_OUTPUT if place not in writes] == []
    assert any(module == WRITER for module, _ in writes)


def test_the_check_sees_the_ways_a_file_gets_written() -> None:
    code = """
def shoot(page, folder, report):
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / "index.png"), full_page=True)
    (folder / "index.html").write_text(report, encoding="utf-8")
    with open(folder / "log.txt", "a") as log, (folder / "x").open("wb") as x:
        shutil.copytree(folder, folder.with_name("copy"))
        os.replace(folder / "a", folder / "b")

def harmless(page, text, folder):
    page.screenshot(full_page=True)
    open(folder / "site.yaml").read()
    (folder / "x").open().read()
    return text.replace("a", "b")
"""
    found = [(function, what) for function, _, what in _writes_in(ast.parse(code))]
    assert found == [
        ("shoot", "mkdir"),
        ("shoot", "screenshot(path=...)"),
        ("shoot", "write_text"),
        ("shoot", "open('a')"),
        ("shoot", "open('wb')"),
        ("shoot", "shutil.copytree"),
        ("shoot", "os.replace"),
    ]
