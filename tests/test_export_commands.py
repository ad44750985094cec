"""The headless command functions the CLI wires: one-line Chinese summaries; xlsxwriter loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exports import commands
from store import db
from store.errors import StoreError
from store.importer import import_file
from tests.support.export_fixture import MONTH, TOWNSHIP, write_fixture

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_exports_does_not_load_xlsxwriter() -> None:
    code = (
        "import sys, importlib, pathlib\n"
        "for p in sorted(pathlib.Path('exports').glob('*.py')):\n"
        "    importlib.import_module('exports.' + p.stem)\n"
        "print('xlsxwriter' in sys.modules, 'openpyxl' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"


async def test_command_summaries(tmp_path: Path) -> None:
    async with db.database(db.resolve(tmp_path / "x.sqlite3")):
        await import_file(write_fixture(tmp_path / "fixture.jsonl", bad=True), operator="tester")
        text = await commands.monthly_command(MONTH, tmp_path / "m.xlsx", TOWNSHIP, "统计员")
        assert text.startswith("已导出 城关镇 2025年10月 月报表：3 个村，变更 13 条")
        assert "一致性检查未通过" in text and "\n" not in text
        text = await commands.errors_command(tmp_path / "e.xlsx", "", "审核员", False)
        assert text.startswith("已导出 祁东县 逻辑审核问题清单：0 条未处理的问题") and "身份证号已遮盖" in text
        text = await commands.sample_command(MONTH, tmp_path / "s.xlsx", "质量员")
        assert text.startswith("已导出 2025年10月 已婚育龄妇女抽查核实表：3 个村，抽查 3 人")
        with pytest.raises(StoreError, match="还没有填写任何核实结果"):
            await commands.sample_results_command(tmp_path / "s.xlsx", "质量员")
