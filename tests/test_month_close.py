"""Closing months (封账), late reports (补报) and reviewers' sign-offs (审核签字): `store.months`,
`store.domain.months`, the frozen returns of `exports.monthly` and ``renkou month``.

The township of `tests/support/export_fixture.py` (figures of 2025-10 known by construction) is closed for
October on 5 November 2025; a birth dated in October keyed afterwards is counted in November as 补报.
Decision (documented in docs/spec/returns.md): reopening a month and closing it again recomputes it from the
records as they are then; each change line keeps the counting month it got when it was recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from textual.widgets import Static

from exports.monthly import export_monthly
from store import access, changes, db, months, schema, service, users
from store.domain.months import counting_month, is_late, next_month, reporting_month
from store.errors import StoreError
from store.importer import import_file
from store.models import SCHEMA_VERSION
from store.records import load_households
from tests.support.apps import make_app
from tests.support.clock import freeze_today
from tests.support.data import TOWNSHIP as DEMO_TOWNSHIP
from tests.support.data import add_accounts
from tests.support.export_fixture import DONGFENG, EXPECTED, HONGXING, MONTH, TOWNSHIP, XINMIN, write_fixture
from tests.support.pilot import settle, shown
from tests.support.workbooks import header_row, table
from tui import services
from tui.cli import main
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.quality import QualityScreen
from tui.screens.review import ReviewScreen

NOVEMBER = "2025-11"
H4 = f"{DONGFENG}010004"  # 吴芳 (d2), pregnant at the end of October
H2 = f"{DONGFENG}010002"  # 周德厚 (b1), died 2025-10-12
FIGURE_SHEETS = ("人口变动", "出生情况", "避孕节育", "孕情婚姻", "流动人口", "变更清单", "质量")


def test_counting_month() -> None:
    oct5, nov3 = dt.date(2025, 10, 5), dt.datetime(2025, 11, 3, 9, 0)
    assert counting_month(oct5, nov3, set()) == "2025-10"  # nothing closed: its own month
    assert counting_month(oct5, nov3, {"2025-09"}) == "2025-10"
    assert counting_month(oct5, nov3, {"2025-10"}) == "2025-11"  # late: the month it is entered in
    assert counting_month(oct5, nov3, {"2025-10", "2025-11"}) == "2025-12"  # ... or the next open one
    assert counting_month(oct5, dt.date(2026, 2, 1), {"2025-10"}) == "2026-02"
    assert counting_month(oct5, dt.date(2025, 9, 30), {"2025-10"}) == "2025-11"  # entered before: its month on
    assert next_month("2025-12") == "2026-01"
    assert reporting_month(dt.date(2026, 1, 3)) == "2025-12"
    assert is_late(oct5, "2025-11") and not is_late(oct5, "2025-10") and not is_late(oct5, None)


def cells(path: Path, sheets: tuple[str, ...] = FIGURE_SHEETS) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {name: [[c.value for c in row] for row in book[name].iter_rows()] for name in sheets}


def notes(path: Path) -> dict[str, str]:
    sheet = openpyxl.load_workbook(path)["说明"]
    return {str(r[0].value): str(r[1].value) for r in sheet.iter_rows(min_row=3) if r[0].value and r[1].value}


def village_row(path: Path, sheet: str, village: str) -> dict[str, object]:
    headers, rows = table(openpyxl.load_workbook(path)[sheet])
    return {h: c.value for h, c in zip(headers, rows[village], strict=True)}


def change_lines(path: Path) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(path)["变更清单"]
    top = header_row(sheet)
    return [tuple(c.value for c in r) for r in sheet.iter_rows(min_row=top + 1) if r[1].value]


async def export(tmp_path: Path, month: str, name: str) -> Path:
    out = tmp_path / f"{name}.xlsx"
    await export_monthly(out, month, unit=TOWNSHIP, operator="统计员乙")
    return out


async def late_birth(day: str = "2025-10-28") -> changes.SavedChange:
    """A birth dated in October keyed through the change entry's service (as the F4 screen saves it)."""
    return await changes.save_change("birth", H4, {"mother": "d2", "name": "孙小雨", "sex": "2", "birth_date": day,
                                                   "policy": "1"}, operator="李敏")  # fmt: skip


@pytest.fixture
async def township(store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> db.DbTarget:
    """The fixture township on 5 November 2025."""
    freeze_today(monkeypatch, dt.date(2025, 11, 5), dt.datetime(2025, 11, 5, 10, 0))
    report = await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")
    assert report.errors == []
    return store_db


async def test_closed_october_stays_and_the_late_birth_counts_in_november(township: db.DbTarget,
                                                                          tmp_path: Path) -> None:  # fmt: skip
    before = await export(tmp_path, MONTH, "before")
    result = await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    assert result.closed.month == MONTH and result.closed.unit_code == TOWNSHIP and result.closed.is_closed
    assert [name for _, name in result.unsigned] == ["东风村", "红星村", "新民村"]
    closed = await export(tmp_path, MONTH, "closed")
    assert cells(closed) == cells(before)  # the closed figures are the ones computed at closing
    assert notes(closed)["封账"].startswith("已于 2025-11-05 10:00 封账（封账人：审核员）")
    assert result.closed.digest in notes(closed)["封账"]

    saved = await late_birth()
    rows = await db.fetch("SELECT event_date, report_month, correction FROM change_event WHERE kind = 'birth' "
                          "AND person_id = (SELECT id FROM person WHERE key = ?)", [saved.person_key])  # fmt: skip
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [(dt.date(2025, 10, 28), NOVEMBER, False)]

    again = await export(tmp_path, MONTH, "again")
    assert cells(again) == cells(closed)  # every cell of every figure sheet, whatever is edited later
    assert notes(again)["封账"] == notes(closed)["封账"]

    november = await export(tmp_path, NOVEMBER, "november")
    population = village_row(november, "人口变动", "东风村")
    assert population["补报出生"] == 1 and population["出生"] == 0
    assert village_row(november, "人口变动", "合计")["补报出生"] == 1
    assert village_row(november, "人口变动", "红星村")["补报出生"] == 0
    late = [line for line in change_lines(november) if line[2] == "孙小雨"]
    assert [(line[4], line[5].date()) for line in late] == [("出生（补报）", dt.date(2025, 10, 28))]

    # reopening: admins only, with a reason; closing again recomputes October with the birth
    with pytest.raises(access.AccessDenied, match="只有管理员可以重新打开已封账的月份"):
        access.require(access.Actor("clerk", "李敏", "operator"), access.Action.MONTH_REOPEN)
    with pytest.raises(StoreError, match="理由"):
        await services.reopen_month(MONTH, TOWNSHIP, "  ", "boss")
    reopened = await services.reopen_month(MONTH, TOWNSHIP, "补录东风村出生一人", "boss")
    assert reopened.reopened_by == "boss" and not reopened.is_closed
    assert await months.find_close(TOWNSHIP, MONTH) is None
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    recomputed = await export(tmp_path, MONTH, "recomputed")
    births = EXPECTED["人口变动"]["出生"]
    assert village_row(recomputed, "人口变动", "东风村")["出生"] == births[0] + 1
    assert village_row(recomputed, "人口变动", "合计")["出生"] == births[3] + 1
    # the birth keeps the counting month it got when it was keyed (November), so it is no October change line
    assert not [line for line in change_lines(recomputed) if line[2] == "孙小雨"]
    history = await services.month_history(TOWNSHIP)
    assert [(c.month, c.is_closed, c.reopen_reason) for c in history] == [
        (MONTH, False, "补录东风村出生一人"), (MONTH, True, None)]  # fmt: skip
    log = await db.fetch("SELECT username, action, detail FROM audit_log WHERE action LIKE 'month%' ORDER BY id")
    assert [tuple(r) for r in log][1] == ("boss", "month_reopen", "补录东风村出生一人")


async def test_a_correction_of_a_closed_month_is_a_line_of_the_current_one(township: db.DbTarget,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    closed = await export(tmp_path, MONTH, "closed")
    record = (await load_households([H2]))[H2]
    b1 = next(p for p in record["members"] if p["key"] == "b1")
    b1["death_date"] = dt.date(2025, 10, 14)  # the death was on the 14th, not the 12th
    await service.save_household(record, operator="李敏")
    assert cells(await export(tmp_path, MONTH, "again")) == cells(closed)
    november = await export(tmp_path, NOVEMBER, "november")
    lines = [(line[4], line[5].date()) for line in change_lines(november) if line[2] == "周德厚"]
    assert lines == [("死亡（更正）", dt.date(2025, 10, 12)), ("死亡（补报）", dt.date(2025, 10, 14))]
    assert village_row(november, "人口变动", "东风村")["补报死亡"] == 0  # withdrawn −1, the new date +1


async def test_closing_needs_an_ended_month_and_happens_once(township: db.DbTarget) -> None:
    with pytest.raises(StoreError, match="还没有结束"):
        await services.close_month(NOVEMBER, "审核员", TOWNSHIP, force=True)
    await services.close_month(MONTH, "审核员", "", force=True)  # the whole database
    with pytest.raises(StoreError, match="已由上级单位"):
        await months.close_month(TOWNSHIP, MONTH, "{}", "审核员")
    with pytest.raises(StoreError, match="不能重复封账"):
        await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    state = await services.month_state(DONGFENG)
    assert state.month == MONTH and state.text == "2025-10 已封账"
    with pytest.raises(StoreError, match="已于 2025-11-05 10:00 封账"):
        await services.sign_off_month(MONTH, DONGFENG, "rev", "张审核")


async def test_tampered_figures_are_refused(township: db.DbTarget, tmp_path: Path) -> None:
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    await db.execute("UPDATE month_close SET figures = replace(figures, '东风村', '西风村')")
    with pytest.raises(StoreError, match="校验码不符"):
        await export(tmp_path, MONTH, "tampered")


async def test_sign_off_then_close(township: db.DbTarget, tmp_path: Path) -> None:
    state = await services.month_state(DONGFENG)
    assert state.text == "2025-10 未封账 未签字"
    await db.execute("INSERT INTO finding (rule, severity, scope, household_code, village_code, message, "
                     "related_json, fields_json, confirmed) VALUES ('ID1', 'E', 'person', ?, ?, 'x', '[]', '[]', ?)",
                     [H4, DONGFENG, False])  # fmt: skip
    signed = await services.sign_off_month(MONTH, DONGFENG, "rev", "张审核")
    assert (signed.signed_by, signed.open_errors) == ("rev", 1)
    assert (await services.month_state(DONGFENG)).text == "2025-10 未封账 已签字"
    with pytest.raises(StoreError, match="不是村"):
        await services.sign_off_month(MONTH, TOWNSHIP, "rev", "张审核")
    with pytest.raises(StoreError, match=r"红星村、新民村.*--force"):
        await services.close_month(MONTH, "rev", TOWNSHIP)
    for village in (HONGXING, XINMIN):
        await services.sign_off_month(MONTH, village, "rev", "张审核")
    result = await services.close_month(MONTH, "rev", TOWNSHIP)
    assert result.unsigned == ()
    signoffs = notes(await export(tmp_path, MONTH, "signed"))["审核人"].splitlines()
    assert signoffs == ["东风村：张审核 2025-11-05 10:00（签字时错误 1 条）",
                        "红星村：张审核 2025-11-05 10:00（签字时错误 0 条）",
                        "新民村：张审核 2025-11-05 10:00（签字时错误 0 条）"]  # fmt: skip


async def test_migration_from_version_2_keeps_every_record(township: db.DbTarget) -> None:
    await late_birth("2025-11-02")
    tables = ("unit", "household", "person", "child", "pregnancy", "change_event", "audit_log", "name_key")
    counts = {t: await db.scalar(f"SELECT count(*) FROM {t}") for t in tables}
    events = [tuple(r) for r in await db.fetch("SELECT id, kind, event_date, person_id FROM change_event ORDER BY id")]
    # the database as version 2 had it: no month tables, no counting month on the change lines
    await db.execute("DROP INDEX idx_event_report_month")
    for stmt in ("DROP TABLE month_close", "DROP TABLE month_signoff",
                 "ALTER TABLE change_event DROP COLUMN report_month", "ALTER TABLE change_event DROP COLUMN correction"):  # fmt: skip
        await db.execute(stmt)
    await schema.set_setting("schema_version", "2")
    await schema.ensure_schema()
    assert await schema.schema_version() == SCHEMA_VERSION
    assert {t: await db.scalar(f"SELECT count(*) FROM {t}") for t in tables} == counts
    after = await db.fetch(
        "SELECT id, kind, event_date, person_id, report_month, correction FROM change_event ORDER BY id"
    )
    assert [tuple(r)[:4] for r in after] == events
    assert all(r[4] == f"{r[2]:%Y-%m}" and not r[5] for r in after)
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)  # the new tables work
    assert (await services.month_state(TOWNSHIP)).text == "2025-10 已封账"


async def accounts(path: str) -> None:
    async with db.database(path, create=False):
        for name, real, role in (
            ("boss", "王主任", "admin"),
            ("rev", "张审核", "reviewer"),
            ("clerk", "李敏", "operator"),
        ):
            await users.create_user(name, real, "secret123", role, iterations=1000)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_month_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "m.sqlite3")
    assert run(capsys, "import", str(write_fixture(tmp_path / "f.jsonl")), "--db", path)[0] == 0
    asyncio.run(accounts(path))
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    as_ = {"boss": ("--db", path, "--user", "boss"), "rev": ("--db", path, "--user", "rev"),
           "clerk": ("--db", path, "--user", "clerk")}  # fmt: skip

    code, _, err = run(capsys, "month", "close", MONTH, "--unit", TOWNSHIP, *as_["clerk"])
    assert code != 0 and "录入员不能封账。" in err
    code, _, err = run(capsys, "month", "signoff", MONTH, "--unit", DONGFENG, *as_["clerk"])
    assert code != 0 and "录入员不能审核签字。" in err
    code, out, _ = run(capsys, "month", "signoff", MONTH, "--unit", DONGFENG, *as_["rev"])
    assert code == 0 and "已签字" in out and "张审核" in out
    code, _, err = run(capsys, "month", "close", MONTH, "--unit", TOWNSHIP, *as_["rev"])
    assert code != 0 and "红星村、新民村" in err and "--force" in err
    code, out, _ = run(capsys, "month", "close", MONTH, "--unit", TOWNSHIP, "--force", *as_["rev"])
    assert code == 0 and "已封账：城关镇 2025-10" in out and "红星村、新民村" in out
    code, out, _ = run(capsys, "month", "status", *as_["clerk"])
    assert code == 0
    assert out.splitlines()[1].startswith(f"{TOWNSHIP}\t2025-10\t已封账\trev\t")
    code, _, err = run(capsys, "month", "reopen", MONTH, "--unit", TOWNSHIP, "--reason", "更正", *as_["rev"])
    assert code != 0 and "只有管理员可以重新打开已封账的月份。" in err
    with pytest.raises(SystemExit):
        run(capsys, "month", "reopen", MONTH, "--unit", TOWNSHIP, *as_["boss"])
    assert "--reason" in capsys.readouterr().err
    code, out, _ = run(capsys, "month", "reopen", MONTH, "--unit", TOWNSHIP, "--reason", "补录出生", *as_["boss"])
    assert code == 0 and "已重新打开" in out
    code, out, _ = run(capsys, "month", "status", "--unit", DONGFENG, *as_["clerk"])
    assert "已重新打开\trev" in out and "boss" in out and "理由：补录出生" in out
    code, out, _ = run(capsys, "log", *as_["boss"])
    assert "\tboss\tmonth_reopen\t" in out and "\trev\tmonth_close\t" in out and "\trev\tmonth_signoff\t" in out


# --- the TUI: F9 on the review screen (sign-off), F9 on the quality panel (close), the tree's state -------


async def test_review_f9_signs_the_village_off(audited_demo: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReviewScreen(DEMO_TOWNSHIP)
        app.push_screen(screen)
        await settle(pilot, lambda: screen.counts.errors > 0)
        await pilot.press("f9")  # the whole township: sign-off goes by village
        await settle(pilot)
        assert "审核签字按村进行" in app.notices[-1]
        await pilot.press("tab", "right")  # 村: 全部 → the first village
        await settle(pilot, lambda: len(screen.filter.unit) == 12)
        village = screen.filter.unit
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "审核签字" in shown(app.screen.query_one(Static)) and "2026-11" in shown(app.screen.query_one(Static))
        await pilot.press("y")
        await settle(pilot, lambda: bool(app.notices) and app.notices[-1].startswith("已签字"))
    signed = (await months.signoffs(village, "2026-11"))[village]
    assert signed.signed_by == "tester" and signed.open_errors == await months.open_errors(village) > 0


async def test_quality_f9_closes_the_township_after_asking(audited_demo: db.DbTarget,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    await add_accounts()
    clerk = make_app(audited_demo, "clerk")
    async with clerk.run_test(size=(80, 24)) as pilot:
        screen = QualityScreen(DEMO_TOWNSHIP)
        clerk.push_screen(screen)
        await settle(pilot, lambda: screen.unit is not None)
        await pilot.press("f9")
        await settle(pilot)
        assert clerk.notices[-1] == "录入员不能封账。"
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = QualityScreen(DEMO_TOWNSHIP)
        app.push_screen(screen)
        await settle(pilot, lambda: screen.unit is not None and screen.month_text != "")
        assert "11月未封账" in shown(screen.query_one("#q-right"))
        await pilot.press(*["down"] * len(screen.rows))  # a burst: to the township's own row (the last)
        await settle(pilot, lambda: screen.selected is screen.unit)
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "还没有审核签字" in shown(app.screen.query_one(Static))
        await pilot.press("n")  # cancel: nothing closed
        await settle(pilot)
        assert await months.find_close(DEMO_TOWNSHIP, "2026-11") is None
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("y")
        await settle(pilot, lambda: "已封账" in shown(screen.query_one("#q-right")))
        assert "11月已封账" in shown(screen.query_one("#q-right"))
    closed = await months.find_close(DEMO_TOWNSHIP, "2026-11")
    assert closed is not None and closed.closed_by == "tester"


async def test_the_tree_shows_the_reporting_month(audited_demo: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, dt.date(2026, 12, 3), dt.datetime(2026, 12, 3, 9, 0))
    await months.close_month(DEMO_TOWNSHIP, "2026-11", "{}", "审核员")
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        await settle(pilot, lambda: "〔" in str(tree.border_title))
        assert tree.border_title == "户 〔11月已封账〕"
