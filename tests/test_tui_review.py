"""The review screen (逻辑审核) driven with Textual's Pilot as a clerk would, over a small demo township with
planted faults after a whole audit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from store import db
from store.findings_view import FindingFilter, finding_counts, finding_page
from tests.support.apps import make_app
from tests.support.data import TOWNSHIP
from tests.support.pilot import settle as settle_until
from tests.support.pilot import shown
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.review import ConfirmFindingDialog, ReviewScreen, clip, fold


async def settle(pilot: Pilot, screen: ReviewScreen) -> None:
    """Let the screen's workers finish and the screen repaint."""
    for _ in range(3):
        await pilot.pause()
        await screen.workers.wait_for_complete()
    await pilot.pause()


def table_rows(screen: ReviewScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(screen: ReviewScreen, selector: str) -> str:
    return shown(screen.query_one(selector)).strip()


async def open_review(pilot: Pilot, **kwargs: object) -> ReviewScreen:
    await pilot.pause()
    screen = ReviewScreen(TOWNSHIP, **kwargs)  # type: ignore[arg-type]
    pilot.app.push_screen(screen)
    await settle(pilot, screen)
    return screen


async def test_header_rows_and_error_filter(audited_demo: db.DbTarget) -> None:
    counts = await finding_counts(TOWNSHIP)
    assert counts.errors > 20 and counts.warnings > 20
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        header = text_of(screen, "#title-left") + " " + text_of(screen, "#title-right")
        assert "逻辑审核" in header and "截至 2026-11-15" in header
        assert f"E {counts.errors}  W {counts.warnings}  已核实 0" in header
        expected = await finding_page(FindingFilter(unit=TOWNSHIP))
        rows = table_rows(screen)
        assert len(rows) == len(expected.rows) == counts.errors + counts.warnings
        first = expected.rows[0]
        assert rows[0][:5] == ["■E", first.rule, clip(first.village_name, 8), first.household_code[-4:],
                               clip(first.person_name or "（户）", 6)]  # fmt: skip
        assert first.rule in text_of(screen, "#review-detail") and first.household_code in text_of(
            screen, "#review-detail"
        )
        # Tab to the filter row (village, rule, severity, status), → on 级别: E+W becomes E
        await pilot.press("tab", "tab", "tab", "right")
        await settle(pilot, screen)
        assert screen.filter.severity == "E"
        rows = table_rows(screen)
        assert len(rows) == counts.errors and {r[0] for r in rows} == {"■E"}
        assert f"共 {counts.errors} 条" in text_of(screen, "#review-status")
        # → again: only warnings; ← ← back to E+W
        await pilot.press("right")
        await settle(pilot, screen)
        assert {r[0] for r in table_rows(screen)} == {"▲W"}
        await pilot.press("left", "left")
        await settle(pilot, screen)
        assert len(table_rows(screen)) == counts.errors + counts.warnings


async def test_village_filter_narrows_list_and_counts(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("tab", "right")  # 村: 全部 → the first village
        await settle(pilot, screen)
        village = screen.filter.unit
        assert len(village) == 12 and village.startswith(TOWNSHIP)
        counts = await finding_counts(village)
        assert f"E {counts.errors}  W {counts.warnings}" in text_of(screen, "#title-right")
        assert {r.village_code for r in screen.page.rows} == {village}
        assert len(table_rows(screen)) == counts.errors + counts.warnings


async def test_paging_with_page_down(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, page_size=20)
        total = screen.page.total
        assert total > 40 and len(table_rows(screen)) == 20
        assert f"第 1–20 条，共 {total} 条" in text_of(screen, "#review-status")
        presses = 0
        while screen.page.offset == 0 and presses < 10:  # a screen at a time to the last row, then over the edge
            await pilot.press("pagedown")
            await settle(pilot, screen)
            presses += 1
        assert screen.page.offset == 20 and presses >= 2
        assert f"第 21–40 条，共 {total} 条" in text_of(screen, "#review-status")
        second = await finding_page(FindingFilter(unit=TOWNSHIP), 20, 20)
        assert [r.id for r in screen.page.rows] == [r.id for r in second.rows]
        assert screen.query_one(DataTable).cursor_row == 0
        await pilot.press("up")  # before the first row: the previous page, cursor on its last row
        await settle(pilot, screen)
        assert screen.page.offset == 0 and screen.query_one(DataTable).cursor_row == 19


async def test_confirm_a_warning_with_f10(audited_demo: db.DbTarget) -> None:
    before = await finding_counts(TOWNSHIP)
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        # an error cannot be confirmed
        assert screen.current_row is not None and screen.current_row.severity == "E"
        await pilot.press("f10")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmFindingDialog)
        # warnings only, then the first one about a person
        await pilot.press("tab", "tab", "tab", "right", "right", "shift+tab", "shift+tab", "shift+tab")
        await settle(pilot, screen)
        assert screen.filter.severity == "W"
        target = next(i for i, r in enumerate(screen.page.rows) if r.person_key)
        for _ in range(target):
            await pilot.press("down")
        row = screen.current_row
        assert row is not None and row.severity == "W" and row.person_key
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmFindingDialog)
        await pilot.press("enter")  # the pre-filled reason 经核实无误
        await settle(pilot, screen)
        assert app.screen is screen
        after = await finding_counts(TOWNSHIP)
        assert (after.warnings, after.confirmed, after.errors) == (before.warnings - 1, 1, before.errors)
        assert f"W {after.warnings}  已核实 1" in text_of(screen, "#title-right")
        assert not any((r.rule, r.person_key) == (row.rule, row.person_key) for r in screen.page.rows)
        stored = await db.fetch("SELECT confirmed FROM finding WHERE person_key = ? AND rule = ?",
                                [row.person_key, row.rule])  # fmt: skip
        assert stored and all(bool(r[0]) for r in stored)
        confirmation = await db.fetch(
            "SELECT c.reason, c.confirmed_by FROM confirmation c JOIN person p ON p.id = c.person_id "
            "WHERE p.key = ? AND c.rule = ?", [row.person_key, row.rule])  # fmt: skip
        assert [tuple(r) for r in confirmation] == [("经核实无误", "tester")]
        logged = await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'confirm' AND target = ?",
                                 [row.person_key])  # fmt: skip
        assert logged == 1
        # 状态 已核实 lists it
        await pilot.press("tab", "tab", "tab", "tab", "right")
        await settle(pilot, screen)
        assert screen.filter.status == "confirmed"
        assert [(r.rule, r.person_key, r.confirmed) for r in screen.page.rows] == [(row.rule, row.person_key, True)]
        assert table_rows(screen)[0][0] == "▲W✓"


async def test_escape_in_confirm_dialog_changes_nothing(audited_demo: db.DbTarget) -> None:
    before = await finding_counts(TOWNSHIP)
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("tab", "tab", "tab", "right", "right", "shift+tab", "shift+tab", "shift+tab")
        await settle(pilot, screen)
        while screen.current_row is not None and not screen.current_row.person_key:
            await pilot.press("down")
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmFindingDialog)
        await pilot.press("escape")
        await settle(pilot, screen)
        assert app.screen is screen
    assert await finding_counts(TOWNSHIP) == before


async def test_f5_reaudits_and_refreshes(audited_demo: db.DbTarget) -> None:
    expected = await finding_counts(TOWNSHIP)
    await db.execute("DELETE FROM finding")
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        assert table_rows(screen) == [] and "E 0  W 0" in text_of(screen, "#title-right")
        assert "没有符合条件的问题" in text_of(screen, "#review-status")
        await pilot.press("f5")
        await settle(pilot, screen)
        assert not screen.busy
        assert f"E {expected.errors}  W {expected.warnings}" in text_of(screen, "#title-right")
        assert len(table_rows(screen)) == expected.errors + expected.warnings
        assert any("审核完成" in notice for notice in app.notices)
    assert await finding_counts(TOWNSHIP) == expected


async def test_progress_text_while_busy(audited_demo: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    """F5 shows the audit's progress in the status line, refuses a second F5 meanwhile, and lists again after."""
    import checks.engine

    real = checks.engine.run_audit
    gate = asyncio.Event()

    async def gated(as_of, progress=None, **kwargs):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(35, 100)
        await gate.wait()
        return await real(as_of, progress, **kwargs)

    monkeypatch.setattr(checks.engine, "run_audit", gated)
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        total = screen.page.total
        await pilot.press("f5")
        for _ in range(50):  # the status line is repainted a few times a second
            await pilot.pause(0.05)
            if text_of(screen, "#review-status") == "审核中 35%":
                break
        assert text_of(screen, "#review-status") == "审核中 35%"
        await pilot.press("f5")  # refused while busy
        assert any("请稍候" in notice for notice in app.notices)
        gate.set()
        await settle(pilot, screen)
        assert f"共 {total} 条" in text_of(screen, "#review-status")
        assert any("审核完成" in notice for notice in app.notices)


async def test_f8_exports_the_errors_list(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, export_dir=out)
        await pilot.press("f8")
        await settle(pilot, screen)
        files = list(out.glob("*.xlsx"))
        assert len(files) == 1 and files[0].name.startswith("问题清单-")
        assert screen.last_export == files[0]
        assert "已导出" in text_of(screen, "#review-status")
    from exports.xlsx_read import read_workbook

    with read_workbook(files[0]) as book:
        names = book.sheet_names
    assert names[0] == "汇总" and len(names) >= 2


async def test_enter_opens_the_household(audited_demo: db.DbTarget) -> None:
    """Enter on a finding goes back to the browse screen with its household open and its person highlighted."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        row = next(r for r in screen.page.rows[1:] if r.person_key)
        for _ in range(screen.page.rows.index(row)):
            await pilot.press("down")
        await pilot.press("enter")
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        await settle_until(pilot, lambda: browse.detail is not None and browse.detail.code == row.household_code)
        node = browse.query_one(HouseholdTree).cursor_node
        assert node is not None and node.data is not None and node.data.key == row.person_key
        assert not any(isinstance(s, ReviewScreen) for s in app.screen_stack)


def test_clip_and_fold_measure_cells() -> None:
    assert clip("王秀英", 6) == "王秀英" and clip("欧阳秀英", 6) == "欧阳…"
    assert fold("一二三四五六", 4, 2) == ["一二", "三…"]
    assert fold("ab 一二", 10, 2) == ["ab 一二"]


async def test_s_cycles_the_order_of_the_list(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        assert screen.filter.sort == "severity"
        await pilot.press("s")
        await settle(pilot, screen)
        assert screen.filter.sort == "village"
        expected = await finding_page(FindingFilter(unit=TOWNSHIP, sort="village"))
        assert [r[1] for r in table_rows(screen)] == [f.rule for f in expected.rows]
        await pilot.press("s", "s")
        await settle(pilot, screen)
        assert screen.filter.sort == "rule"
        rules = [r[1] for r in table_rows(screen)]
        assert rules == sorted(rules)
        await pilot.press("tab", "tab", "tab", "right")  # a filter keeps the order
        await settle(pilot, screen)
        assert (screen.filter.severity, screen.filter.sort) == ("E", "rule")
