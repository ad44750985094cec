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
from tests.support.pilot import field, focused_path, screen_text, shown
from tests.support.pilot import settle as settle_until
from tui.screens.household_form import HouseholdForm
from tui.screens.person_form import PersonForm
from tui.screens.review import ConfirmFindingDialog, ReviewScreen, RulePicker, clip, fold


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
        assert rows[0][:5] == ["■E", first.rule, clip(first.village_name, 8), first.household_label,
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


# --- issue 9 point 8: group + household, rule titles and typing, Enter on the faulty field, filters kept -----


async def move_to(pilot: Pilot, screen: ReviewScreen, wanted: object) -> None:
    """Cursor down to the row of finding `wanted` (on the current page)."""
    index = [r.id for r in screen.page.rows].index(wanted.id)  # type: ignore[attr-defined]
    await pilot.press(*["down"] * index)
    await pilot.pause()
    assert screen.current_row is not None and screen.current_row.id == wanted.id  # type: ignore[attr-defined]


async def choose_rule(pilot: Pilot, screen: ReviewScreen, typed: str, *, tabs: bool = True) -> RulePicker:
    """Tab to the rule filter (unless it has the focus) and type `typed` (one burst): the rule list opens,
    narrowed."""
    await pilot.press(*(["tab", "tab"] if tabs else []), *typed)
    await settle_until(pilot, lambda: isinstance(pilot.app.screen, RulePicker))
    picker = pilot.app.screen
    assert isinstance(picker, RulePicker)
    await settle_until(pilot, lambda: picker.query_one("#rules-typed").value == typed)  # type: ignore[attr-defined]
    return picker


async def test_rows_show_the_group_and_household(audited_demo: db.DbTarget) -> None:
    """二组0014 and 三组0014 no longer look alike: the 户 column and the detail name the group."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        rows = table_rows(screen)
        for row, finding in zip(rows, screen.page.rows, strict=True):
            assert row[3] == finding.household_label
            assert finding.household_label.endswith(finding.household_code[-4:])
            assert finding.household_label[:-4].endswith("组")
        groups = {r.household_code[12:14]: r.group_name for r in screen.page.rows}
        assert len(groups) >= 2 and len(set(groups.values())) == len(groups)  # one name per group
        first = screen.page.rows[0]
        detail = "".join(text_of(screen, "#review-detail").split())
        assert f"{first.village_name}{first.household_label}" in detail
        assert "户" in screen_text(screen).splitlines()[2]  # the table header


async def test_rule_filter_shows_titles_and_types_to_filter(audited_demo: db.DbTarget) -> None:
    from checks.registry import all_rules
    from store.pinyin import text_initials

    titles = {code: r.title for code, r in all_rules().items()}
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        # the choices carry titles, not bare codes
        assert all(c.title == titles[c.code] for c in screen.rules) and screen.rules
        # typing a code: ID0 keeps the ID0x rules only
        picker = await choose_rule(pilot, screen, "id0")
        shown_codes = [c.code for c in picker.shown if c is not None]
        assert shown_codes and all(code.startswith("ID0") for code in shown_codes)
        assert None not in picker.shown  # 全部 is offered only before typing
        await pilot.press("down", "enter")  # the second match
        await settle(pilot, screen)
        assert app.screen is screen and screen.filter.rule == shown_codes[1]
        assert {r[1] for r in table_rows(screen)} == {shown_codes[1]}
        label = screen_text(screen).splitlines()[1]  # the filter row
        assert shown_codes[1] in label and titles[shown_codes[1]][:3] in label
        # pinyin initials of a title: picks that rule (Enter takes the first match)
        target = next(c for c in screen.rules if c.code.startswith("MAR") and c.count)
        initials = text_initials(target.title)[0]
        assert screen.focused is screen.query_one("#f-rule")  # the focus is back on the rule filter
        picker = await choose_rule(pilot, screen, initials, tabs=False)
        matches = [c.code for c in picker.shown if c is not None]
        await pilot.press(*["down"] * matches.index(target.code), "enter")
        await settle(pilot, screen)
        assert screen.filter.rule == target.code
        assert len(table_rows(screen)) == (await finding_page(FindingFilter(unit=TOWNSHIP, rule=target.code))).total
        # Esc in the list leaves the filter as it was
        await pilot.press("enter")
        await settle_until(pilot, lambda: isinstance(app.screen, RulePicker))
        await pilot.press("escape")
        await settle(pilot, screen)
        assert app.screen is screen and screen.filter.rule == target.code


async def test_enter_opens_the_person_form_on_the_faulty_field(audited_demo: db.DbTarget) -> None:
    """Enter on an ID-number error opens that person's form with the ID number focused; back with Esc, the
    list and its filter are as they were."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await choose_rule(pilot, screen, "id03")
        await pilot.press("enter")
        await settle(pilot, screen)
        assert screen.filter.rule == "ID03"
        await pilot.press("shift+tab", "shift+tab")  # back to the list
        row = screen.page.rows[-1]
        await move_to(pilot, screen, row)
        await pilot.press("enter")
        await settle_until(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        form = app.screen
        assert isinstance(form, PersonForm) and form.person_key == row.person_key
        assert focused_path(form) == "id_number" == row.fields[0]
        assert field(form, "id_number").value and "ID03" in screen_text(form)
        await pilot.press("escape")
        await settle_until(pilot, lambda: app.screen is screen)
        await settle(pilot, screen)
        assert screen.filter.rule == "ID03" and str(screen.query_one("#f-rule").value) == "ID03"  # type: ignore[attr-defined]
        assert screen.current_row is not None and screen.current_row.id == row.id


async def test_enter_focuses_a_history_field(audited_demo: db.DbTarget) -> None:
    """A finding on a pregnancy's outcome date focuses that line of the pregnancy history."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await choose_rule(pilot, screen, "prg4")
        await pilot.press("enter")
        await settle(pilot, screen)
        await pilot.press("shift+tab", "shift+tab")
        row = screen.current_row
        assert row is not None and row.rule == "PRG4"
        await pilot.press("enter")
        await settle_until(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        assert focused_path(app.screen) == row.fields[0] and row.fields[0].startswith("woman.pregnancies[")


async def test_enter_on_a_household_finding_opens_the_household_form(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await choose_rule(pilot, screen, "hh05")
        await pilot.press("enter")
        await settle(pilot, screen)
        await pilot.press("shift+tab", "shift+tab")
        row = screen.current_row
        assert row is not None and row.person_key is None and row.fields == ("household.status",)
        await pilot.press("enter")
        await settle_until(pilot, lambda: isinstance(app.screen, HouseholdForm) and app.screen.ready)
        assert app.screen.code == row.household_code  # type: ignore[attr-defined]
        assert focused_path(app.screen) == "household.status"


async def test_a_fix_keeps_the_filters_and_drops_the_finding(audited_demo: db.DbTarget) -> None:
    """Filter 村 + 规则 REQ1 (民族 empty) + 级别 E, Enter, type the ethnicity, F2, Esc: back on the list, the
    filters are kept and the fixed finding is gone; F5 keeps them too."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        req1 = await finding_page(FindingFilter(unit=TOWNSHIP, rule="REQ1"))
        village = req1.rows[0].village_code
        await pilot.press("tab")
        while screen.filter.unit != village:
            await pilot.press("right")
            await settle(pilot, screen)
        await pilot.press("tab", "r", "e", "q", "1")
        await settle_until(pilot, lambda: isinstance(app.screen, RulePicker))
        await pilot.press("enter")
        await settle(pilot, screen)
        await pilot.press("tab", "right")  # 级别 E
        await settle(pilot, screen)
        chosen = (screen.filter.unit, screen.filter.rule, screen.filter.severity)
        assert chosen == (village, "REQ1", "E")
        before = screen.page.total
        row = screen.page.rows[0]
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # 级别 → 规则 → 村 → the list
        assert screen.focused is screen.query_one(DataTable)
        assert screen.current_row is not None and screen.current_row.id == row.id
        await pilot.press("enter")
        await settle_until(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        form = app.screen
        assert focused_path(form) == "ethnicity"
        await pilot.press("0", "1", "f2")  # a burst: 汉族, save
        await settle_until(pilot, lambda: form.stored and not form.dirty and not form.saving)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle_until(pilot, lambda: app.screen is screen)
        await settle(pilot, screen)
        assert (screen.filter.unit, screen.filter.rule, screen.filter.severity) == chosen
        assert [str(screen.query_one(s).value) for s in ("#f-village", "#f-rule", "#f-severity")] == list(chosen)  # type: ignore[attr-defined]
        assert screen.page.total == before - 1 and row.id not in [r.id for r in screen.page.rows]
        stored = await db.scalar("SELECT ethnicity FROM person WHERE key = ?", [row.person_key])
        assert stored == "01"
        await pilot.press("f5")
        await settle(pilot, screen)
        assert (screen.filter.unit, screen.filter.rule, screen.filter.severity) == chosen
        assert str(screen.query_one("#f-rule").value) == "REQ1"  # type: ignore[attr-defined]


async def test_f8_exports_what_the_filter_shows(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "out"
    out.mkdir()
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, export_dir=out)
        await choose_rule(pilot, screen, "mar7")
        await pilot.press("enter")
        await settle(pilot, screen)
        await pilot.press("tab", "right")  # 级别 E
        await settle(pilot, screen)
        assert (screen.filter.rule, screen.filter.severity) == ("MAR7", "E")
        shown_ids = screen.page.total
        await pilot.press("f8")
        await settle(pilot, screen)
        files = list(out.glob("*.xlsx"))
        assert len(files) == 1
        assert "规则 MAR7" in text_of(screen, "#review-status")
    book = openpyxl.load_workbook(files[0])
    rules = []
    for sheet in book.worksheets[1:]:
        top = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
        rules += [(row[4].value, row[5].value) for row in sheet.iter_rows(min_row=top + 1) if row[0].value]
    assert len(rules) == shown_ids and set(rules) == {("MAR7", "错误")}


async def test_long_messages_wrap_in_the_detail(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await choose_rule(pilot, screen, "dup1")  # long messages (two persons named)
        await pilot.press("enter")
        await settle(pilot, screen)
        await pilot.press("shift+tab", "shift+tab")
        longest = max(screen.page.rows, key=lambda r: len(r.message))
        await move_to(pilot, screen, longest)
        row = screen.current_row
        assert row is not None and len(row.message) > 80
        detail = text_of(screen, "#review-detail")
        assert len(detail.splitlines()) >= 3
        assert "".join(row.message.split()) in "".join(detail.split())  # the whole message, not cut
        assert "…" not in detail


def burst(pilot: Pilot, keys: list[str]) -> None:
    """Post several keys at once, as one terminal read over SSH delivers them."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_rule_list_takes_a_burst_of_keys(audited_demo: db.DbTarget) -> None:
    """Typed on the rule filter in one burst — "mar", down, down, Enter — the list opens once, narrows to the
    MAR rules and picks the third of them; nothing is left over to open it again."""
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("tab", "tab")
        mar = [c.code for c in screen.rules if c.code.startswith("MAR")]
        assert len(mar) >= 3
        burst(pilot, ["m", "a", "r", "down", "down", "enter"])
        await settle(pilot, screen)
        await settle_until(pilot, lambda: app.screen is screen and screen.filter.rule != "")
        await settle(pilot, screen)
        assert app.screen is screen and not any(isinstance(s, RulePicker) for s in app.screen_stack)
        assert screen.filter.rule == mar[2]
        assert {r[1] for r in table_rows(screen)} == {mar[2]}
