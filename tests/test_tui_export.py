"""The F8 export dialog, driven with Pilot as a clerk would: pick what, month and unit, F2, read the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from conftest import AUDIT_AS_OF
from test_tui_review import make_app
from textual.pilot import Pilot
from textual.widgets import Static

from store import db
from tui.app import RenkouApp
from tui.exporting import KINDS, default_name
from tui.keys import reporting_month
from tui.screens.export import ExportScreen

TOWNSHIP = "430426101"


async def settle(pilot: Pilot, screen: ExportScreen) -> None:
    for _ in range(4):
        await pilot.pause()
        await screen.workers.wait_for_complete()
    await pilot.pause()


def status(screen: ExportScreen) -> str:
    return str(screen.query_one("#export-status", Static).render())


async def open_dialog(app: RenkouApp, pilot: Pilot, folder: Path) -> ExportScreen:
    screen = ExportScreen(TOWNSHIP, "城关镇", folder=folder, today=AUDIT_AS_OF)
    await app.push_screen(screen)
    await settle(pilot, screen)
    return screen


async def test_monthly_returns_from_the_dialog(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot, tmp_path)
        assert screen.query_one("#export-month").value == "2026-10"  # type: ignore[attr-defined]
        expected = tmp_path / "月报表-城关镇-2026-10.xlsx"
        assert screen.query_one("#export-out").value == str(expected)  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot, screen)
        assert expected.exists(), status(screen)
        assert "已导出" in status(screen)
        book = openpyxl.load_workbook(expected, read_only=True)
        assert "人口变动" in book.sheetnames and "说明" in book.sheetnames
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    rows = await db.fetch("SELECT action, target FROM audit_log WHERE action LIKE 'export%' ORDER BY id")
    assert rows, "the export is in the audit log"


async def test_choosing_another_kind_and_a_bad_month(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot, tmp_path)
        await pilot.press("enter")  # from the kind row to the month (its text selected on focus)
        await pilot.press(*"2099-01")
        await pilot.press("f2")
        await settle(pilot, screen)
        assert "月份" in status(screen) and not list(tmp_path.glob("*.xlsx"))  # a Chinese refusal, no file
        await pilot.press("2")  # typed into the month field: digits are text there
        assert screen.kind.key == "monthly"
        await pilot.press("shift+tab")  # back to the kind row
        await pilot.press("4")  # households
        assert screen.kind.key == "households"
        out = tmp_path / "hh.jsonl"
        field = screen.query_one("#export-out")
        field.value = str(out)  # type: ignore[attr-defined]
        screen.query_one("#export-unit").value = TOWNSHIP  # type: ignore[attr-defined]
        await settle(pilot, screen)
        await pilot.press("f2")
        await settle(pilot, screen)
        assert out.exists(), status(screen)
        lines = out.read_text(encoding="utf-8").splitlines()
        assert any("household" in json.loads(line) for line in lines)
        assert "户" in status(screen) and "人" in status(screen)


async def test_errors_list_kind(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot, tmp_path)
        await pilot.press("right")
        assert screen.kind.key == "errors"
        await pilot.press("f2")
        await settle(pilot, screen)
        written = list(tmp_path.glob("问题清单-城关镇-*.xlsx"))
        assert len(written) == 1, status(screen)
        assert "条未处理的问题" in status(screen)


def test_default_names_and_month() -> None:
    now = dt.datetime(2026, 11, 23, 9, 12)
    assert reporting_month(dt.date(2026, 1, 5)) == "2025-12"
    assert default_name(KINDS[0], "城关镇", "2026-10", now) == "月报表-城关镇-2026-10.xlsx"
    assert default_name(KINDS[1], "城关镇", "2026-10", now) == "问题清单-城关镇-20261123-0912.xlsx"
    assert default_name(KINDS[2], "城关镇", "2026-10", now) == "抽查核实表-2026-10.xlsx"
