"""Period returns (半年报、年报) and the 本年累计 columns (`docs/spec/returns.md`, "Period returns"): real
workbooks of the small demo township (events over every month of 2025–2026) read back with openpyxl.

Every additive figure of a period equals the sum of its months' monthly workbooks, a count at a moment its
first (期初人口) or last month's; a closed month counts with the figures it was closed with, even after a
later edit of a fact dated in it; both statistical years (January and October starts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from exports.monthly import export_monthly
from exports.periods import export_period
from exports.returns_spec import CLOSING_COLUMNS, FIGURE_SHEETS, OPENING_COLUMNS, YTD_COLUMNS, period_header
from store import changes, db, stat_year
from store.codes import HOUSEHOLDER
from store.domain.periods import Period, parse_period, year_to_date
from store.errors import StoreError
from tests.support.clock import freeze_today
from tests.support.data import TOWNSHIP
from tests.support.workbooks import table
from tui import services
from tui.cli import main

TODAY = dt.date(2026, 11, 20)
FIGURES = tuple(spec.name for spec in FIGURE_SHEETS)
#: the count columns of a period's five sheets (the monthly ones without 本年累计)
COUNTS = sum(1 for spec in FIGURE_SHEETS for c in spec.columns if c.kind == "count" and c.header not in YTD_COLUMNS)


def figures(path: Path, sheets: tuple[str, ...] = FIGURES) -> dict[str, dict[str, dict[str, object]]]:
    """sheet → row label → header → value."""
    book = openpyxl.load_workbook(path)
    out = {}
    for name in sheets:
        headers, rows = table(book[name])
        out[name] = {label: {h: c.value for h, c in zip(headers[1:], cells[1:], strict=True)}
                     for label, cells in rows.items()}  # fmt: skip
    return out


async def monthly_books(tmp_path: Path, months: tuple[str, ...]) -> list[dict[str, dict[str, dict[str, object]]]]:
    out = []
    for month in months:
        path = tmp_path / f"m-{month}.xlsx"
        await export_monthly(path, month, unit=TOWNSHIP, operator="统计员")
        out.append(figures(path))
    return out


def assert_period_is_sum(period: dict, months: list[dict]) -> int:
    """Every count of every figure sheet and row of the period workbook against its monthly workbooks;
    returns how many cells were compared."""
    compared = 0
    for spec in FIGURE_SHEETS:
        for label, row in period[spec.name].items():
            for column in spec.columns:
                if column.kind != "count" or column.header in YTD_COLUMNS:
                    continue
                values = [int(m[spec.name][label][column.header] or 0) for m in months]
                if column.header in OPENING_COLUMNS:
                    expected = values[0]
                elif column.header in CLOSING_COLUMNS:
                    expected = values[-1]
                else:
                    expected = sum(values)
                assert row[period_header(column.header)] == expected, f"{spec.name} {label} {column.header}"
                compared += 1
    return compared


@pytest.fixture
async def demo(small_demo: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> db.DbTarget:
    freeze_today(monkeypatch, TODAY, dt.datetime(2026, 11, 20, 9, 0))
    return small_demo


async def late_death(day: str) -> str:
    """A death dated `day`, keyed today (a fact of an earlier month)."""
    rows = await db.fetch(
        "SELECT key, household_id FROM person WHERE relation <> ? AND death_date IS NULL AND cancel_date IS NULL "
        "AND mgmt = '01' AND moved_in_date IS NULL AND birth_date < '2020-01-01' ORDER BY id LIMIT 1",
        [HOUSEHOLDER],
    )
    key, household = str(rows[0][0]), str(rows[0][1])
    await changes.save_change("death", household, {"person": key, "date": day}, operator="录入员")
    return key


def test_periods_of_both_statistical_years() -> None:
    assert Period(2026, 1).months == tuple(f"2026-{m:02d}" for m in range(1, 7))
    assert Period(2026, 2, 10).months == tuple(f"2026-{m:02d}" for m in range(4, 10))
    assert Period(2026, 0, 10).months[0] == "2025-10" and Period(2026, 0, 10).months[-1] == "2026-09"
    assert parse_period("2026-h2", 10) == Period(2026, 2, 10) and parse_period("26-H1") is None
    assert year_to_date("2025-11", 10) == ("2025-10", "2025-11")
    assert year_to_date("2026-02", 1) == ("2026-01", "2026-02")


async def test_half_year_is_the_sum_of_its_months_with_a_closed_month_as_sent(demo: db.DbTarget,
                                                                                tmp_path: Path) -> None:  # fmt: skip
    march = tmp_path / "march-closed.xlsx"
    await services.close_month("2026-03", "审核员", TOWNSHIP, force=True)
    await export_monthly(march, "2026-03", unit=TOWNSHIP, operator="统计员")
    before = figures(march)
    await late_death("2026-03-15")  # a fact of the closed March, keyed in November: counted there as 补报
    months = await monthly_books(tmp_path, Period(2026, 1).months)
    assert months[2] == before  # March is drawn from its closed figures
    out = tmp_path / "h1.xlsx"
    summary = await export_period(out, "halfyear", "2026-H1", unit=TOWNSHIP, operator="统计员")
    assert summary.details["months"] == 6
    period = figures(out)
    assert assert_period_is_sum(period, months) == 4 * COUNTS  # 3 villages and 合计, every count column
    assert period["人口变动"]["合计"]["期末人口"] == months[-1]["人口变动"]["合计"]["期末人口"]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [*FIGURES, "分月情况", "变更清单", "说明"]
    headers, rows = table(book["分月情况"])
    labels = list(rows)
    assert labels[:3] == ["2026年1月（未封账）", "2026年2月（未封账）", "2026年3月（已封账）"]
    deaths = headers.index("死亡")
    assert sum(rows[label][deaths].value for label in labels[:6]) == rows["合计（2026年上半年）"][deaths].value
    notes = {str(r[0].value): str(r[1].value) for r in book["说明"].iter_rows(min_row=3) if r[0].value and r[1].value}
    assert "2026年3月：已封账，取封账时上报的数字" in notes["各月来源"]
    assert "孕情婚姻" in book.sheetnames and "本期怀孕" in [c.value for c in book["孕情婚姻"][4]]
    # 本年累计 of June: the months January–June as sent (March closed, the others in one pass each side of it)
    for label, row in months[-1]["人口变动"].items():
        for ytd, column in YTD_COLUMNS.items():
            assert row[ytd] == sum(int(m["人口变动"][label][column]) for m in months), (label, ytd)
    # the late death is in November's 补报, not in the half year's 死亡
    assert period["人口变动"]["合计"]["死亡"] == sum(int(m["人口变动"]["合计"]["死亡"]) for m in months)


async def test_october_year_and_year_to_date_columns(demo: db.DbTarget, tmp_path: Path) -> None:
    await stat_year.set_stat_year_start(10, by="管理员")
    year = Period(2026, 0, 10)
    months = await monthly_books(tmp_path, year.months)
    out = tmp_path / "year.xlsx"
    await export_period(out, "annual", "2026", unit=TOWNSHIP, operator="统计员")
    assert assert_period_is_sum(figures(out), months) == 4 * COUNTS
    assert openpyxl.load_workbook(out)["人口变动"]["A1"].value.endswith("2026统计年度 人口变动情况")
    # 本年累计 of each month: the sum of the statistical year's months so far (October 2025 onwards)
    for n, month in enumerate(months):
        for label, row in month["人口变动"].items():
            for ytd, column in YTD_COLUMNS.items():
                assert row[ytd] == sum(int(m["人口变动"][label][column]) for m in months[: n + 1]), (n, label, ytd)
    assert any(months[-1]["人口变动"]["合计"][ytd] for ytd in YTD_COLUMNS)
    half = tmp_path / "h2.xlsx"
    await export_period(half, "halfyear", "2026-H2", unit=TOWNSHIP, operator="统计员")
    assert assert_period_is_sum(figures(half), months[6:]) == 4 * COUNTS


async def test_year_to_date_restarts_with_the_statistical_year(demo: db.DbTarget, tmp_path: Path) -> None:
    january = await monthly_books(tmp_path, ("2025-12", "2026-01"))
    for label, row in january[1]["人口变动"].items():  # January start: January's own figures
        assert [row[y] for y in YTD_COLUMNS] == [row[c] for c in YTD_COLUMNS.values()], label
    await stat_year.set_stat_year_start(10, by="管理员")
    october = await monthly_books(tmp_path, ("2025-12", "2026-01"))
    assert october[1]["人口变动"]["合计"]["本年累计出生"] >= january[1]["人口变动"]["合计"]["本年累计出生"]


async def test_bad_periods_are_refused(demo: db.DbTarget, tmp_path: Path) -> None:
    for kind, text, message in (
        ("halfyear", "2026", "期间 2026 无效，应写成 2026-H1 或 2026-H2。"),
        ("annual", "2026-H1", "期间 2026-H1 无效，应写成 2026。"),
        ("annual", "2027", "2027年（2027年1月至2027年12月）还没有开始，不能导出。"),
    ):
        with pytest.raises(StoreError) as caught:
            await export_period(tmp_path / "x.xlsx", kind, text, operator="统计员")
        assert str(caught.value) == message
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(StoreError, match="统计年度只能从 1 月开始"):
        await stat_year.set_stat_year_start(7, by="管理员")
    assert await stat_year.stat_year_start() == 1


def test_cli_stat_year_and_annual(small_demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(small_demo_file.read_bytes())
    assert main(["settings", "stat-year", "--db", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "统计年度：1 月至 12 月。"
    assert main(["settings", "stat-year", "10", "--db", str(path)]) == 0
    assert "上年 10 月至本年 9 月" in capsys.readouterr().out
    out = tmp_path / "y.xlsx"
    assert main(["export", "annual", "--year", "2026", "--db", str(path), "--out", str(out)]) == 0
    assert "2026统计年度 年报：12 个月" in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["分月情况"]["A4"].value == "2025年10月（未封账）"
