"""The F8 export dialog, driven with Pilot as a clerk would: pick what, month and unit, F2, read the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from textual.app import App
from textual.pilot import Pilot

from store import db
from tests.support.apps import make_app
from tests.support.data import AUDIT_AS_OF, TOWNSHIP
from tests.support.pilot import shown
from tui.exporting import KINDS, default_name
from tui.keys import reporting_month
from tui.screens.export import ExportScreen


async def settle(pilot: Pilot, screen: ExportScreen) -> None:
    for _ in range(4):
        await pilot.pause()
        await screen.workers.wait_for_complete()
    await pilot.pause()


def status(screen: ExportScreen) -> str:
    return shown(screen.query_one("#export-status"))


async def open_dialog(app: App, pilot: Pilot, folder: Path) -> ExportScreen:
    screen = ExportScreen(TOWNSHIP, "城关镇", folder=folder, today=AUDIT_AS_OF)
    await app.push_screen(screen)
    await settle(pilot, screen)
    return screen


async def test_monthly_returns_from_the_dialog(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    """The month and the unit keyed in the dialog are those of the workbook written."""
    village, name = (await db.fetch("SELECT code, name FROM unit WHERE length(code) = 12 ORDER BY code DESC"))[0]
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot, tmp_path)
        assert screen.query_one("#export-month").value == "2026-10"  # type: ignore[attr-defined]
        assert screen.query_one("#export-out").value == str(tmp_path / "月报表-城关镇-2026-10.xlsx")  # type: ignore[attr-defined]
        await pilot.press("enter", *"2026-09", "enter")  # the kind row, then the month (selected on focus)
        await pilot.press(*["backspace"] * 9, *village)
        await settle(pilot, screen)
        expected = tmp_path / f"月报表-{name}-2026-09.xlsx"
        assert screen.query_one("#export-out").value == str(expected)  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot, screen)
        assert expected.exists(), status(screen)
        assert "已导出" in status(screen)
        book = openpyxl.load_workbook(expected, read_only=True)
        assert "人口变动" in book.sheetnames and "说明" in book.sheetnames
        sheet = book["人口变动"]
        assert sheet["A1"].value == f"{name} 2026年9月 人口变动情况"
        assert sheet["A2"].value == "统计时段：2026-09-01 至 2026-09-30"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    rows = await db.fetch("SELECT action, target, detail FROM audit_log WHERE action LIKE 'export%' ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("export", str(expected), f"monthly unit={name}({village}) month=2026-09 村 1 个")
    ]


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


async def test_half_year_and_year_from_the_dialog(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    """5 and 6 offer the period returns: the field is then a period of the statistical year (October start
    here), proposed from the reporting month, and F2 writes the period workbook."""
    from store.stat_year import set_stat_year_start

    await set_stat_year_start(10, by="管理员")
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dialog(app, pilot, tmp_path)
        await pilot.press("6")
        await settle(pilot, screen)
        assert shown(screen.query_one("#export-month-label")).strip() == "期间"
        assert screen.query_one("#export-month").value == "2027"  # type: ignore[attr-defined]  # 2026-10 → 2027
        await pilot.press("5")
        await settle(pilot, screen)
        assert screen.query_one("#export-month").value == "2027-H1"  # type: ignore[attr-defined]
        await pilot.press("enter", *"2026-H2", "enter")
        await settle(pilot, screen)
        expected = tmp_path / "半年报-城关镇-2026-H2.xlsx"
        assert screen.query_one("#export-out").value == str(expected)  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot, screen)
        assert expected.exists(), status(screen)
        assert "已导出" in status(screen) and "2026统计年度下半年 半年报：6 个月" in status(screen)
        book = openpyxl.load_workbook(expected, read_only=True)
        assert book["人口变动"]["A2"].value == "统计时段：2026-04-01 至 2026-09-30"
        assert "分月情况" in book.sheetnames
        await pilot.press("1")  # back to the monthly returns (focus is on the file field: typed there)
        screen.query_one("#export-kinds").focus()
        await pilot.press("1")
        await settle(pilot, screen)
        assert shown(screen.query_one("#export-month-label")).strip() == "月份"
        assert screen.query_one("#export-month").value == "2026-10"  # type: ignore[attr-defined]
