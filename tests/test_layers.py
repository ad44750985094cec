"""Layers point one way: tui → checks, exports → store. Headless packages never import Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADLESS = ("store", "checks", "exports")
#: modules of tui/ that the command line and the screens share: they never import Textual either
HEADLESS_TUI = ("tui/services.py", "tui/exporting.py")
FORBIDDEN = {"store": ("textual", "tui", "checks", "exports"), "checks": ("textual", "tui", "exports"),
             "exports": ("textual", "tui")}  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports (including imports inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_packages_do_not_import_upwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & set(FORBIDDEN[package]))
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("module", HEADLESS_TUI)
def test_headless_tui_modules_do_not_import_textual(module: str) -> None:
    assert "textual" not in imported_modules(ROOT / module)


def test_headless_import_does_not_load_textual() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in HEADLESS
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__main__.py"
    ] + [".".join(Path(module).with_suffix("").parts) for module in HEADLESS_TUI]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_headless_commands_do_not_load_textual(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom tui import cli\n"
        f"rc = cli.main(['import', {str(ROOT / 'tests' / 'data' / 'households.jsonl')!r}, '--db', {str(tmp_path / 'x.sqlite3')!r}])\n"
        "assert rc == 0, rc\n"
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
