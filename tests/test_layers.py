"""Layers point one way: tui → checks, exports → store. Headless packages never import Textual."""

from __future__ import annotations

import ast
import json
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


CLI = ROOT / "tui" / "cli"
LAUNCHER = "tui.cli.tui_launch"
#: One run of every headless command of ``renkou`` (argv after the command; {db}, {tmp} are filled in).
HEADLESS_RUNS = (
    ("demo", "--persons", "120", "--db", "{tmp}/demo.sqlite3"),
    ("import", str(ROOT / "tests" / "data" / "households.jsonl"), "--db", "{db}"),
    ("export", "households", "--out", "{tmp}/h.jsonl", "--db", "{db}"),
    ("export", "monthly", "--month", "2025-10", "--out", "{tmp}/m.xlsx", "--db", "{db}"),
    ("export", "errors", "--out", "{tmp}/e.xlsx", "--db", "{db}"),
    ("export", "sample", "--month", "2025-10", "--out", "{tmp}/s.xlsx", "--db", "{db}"),
    ("import", "sample-results", "{tmp}/s.xlsx", "--db", "{db}"),
    ("check", "--json", "--db", "{db}"),
    ("quality", "--db", "{db}"),
    ("log", "--db", "{db}"),
    ("backup", "--dir", "{tmp}/b", "--db", "{db}"),
    ("restore", "{backup}", "--yes", "--db", "{db}"),
    ("month", "close", "2025-10", "--force", "--db", "{db}"),
    ("month", "status", "--db", "{db}"),
    ("history", "h12-1", "--db", "{db}"),
    ("user", "add", "boss", "--name", "王主任", "--role", "admin", "--db", "{db}"),
    ("user", "list", "--user", "boss", "--db", "{db}"),
    ("settings", "idle-lock", "10", "--user", "boss", "--db", "{db}"),
    ("passwd", "--user", "boss", "--db", "{db}"),  # last: changes the password to RENKOU_NEW_PASSWORD below
)


def cli_modules() -> list[str]:
    """Every module of the `tui.cli` package (its ``__main__`` runs the command line when imported)."""
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in CLI.rglob("*.py")
        if path.name != "__main__.py"
    )


def test_cli_modules_do_not_load_textual() -> None:
    modules = [name for name in cli_modules() if name != LAUNCHER]  # the launcher imports the app, lazily
    assert "tui.cli" in modules and "tui.cli.session" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_headless_commands_do_not_load_textual(tmp_path: Path) -> None:
    code = (
        "import glob, json, os, sys\nfrom tui import cli\n"
        "os.environ['RENKOU_NEW_PASSWORD'] = os.environ['RENKOU_PASSWORD'] = 'secret123'\n"
        f"tmp = {str(tmp_path)!r}\ncodes = []\n"
        f"for argv in {HEADLESS_RUNS!r}:\n"
        "    backup = (glob.glob(tmp + '/b/*.sqlite3') or ['none'])[0]\n"
        "    argv = [a.format(tmp=tmp, db=tmp + '/x.sqlite3', backup=backup) for a in argv]\n"
        "    if argv[0] == 'passwd':\n        os.environ['RENKOU_NEW_PASSWORD'] = 'another-pass-42'\n"
        "    codes.append((argv[0], cli.main(argv)))\n"
        "print(json.dumps([codes, sorted(cli.COMMANDS), [m for m in sys.modules if m.split('.')[0] == 'textual']]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    codes, commands, textual = json.loads(result.stdout.strip().splitlines()[-1])
    assert {name for name, _ in codes} == set(commands)  # every command ran
    assert [c for c in codes if c[1] != 0] == [["import", 1]], result.stderr  # only the unfilled sample is refused
    assert textual == []
