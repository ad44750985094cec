"""The quality panel (数据质量) driven with Textual's Pilot over an audited demo township: the figures shown are
those of `checks.quality.compute_quality`, the improvement list, D, Enter and F5."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from checks.quality import UnitQuality, compute_quality
from store import db
from tests.support.apps import make_app
from tests.support.data import AUDIT_AS_OF as AS_OF
from tests.support.data import TOWNSHIP
from tui.screens.quality import QualityScreen, children_of, gain_text, group, percent
from tui.screens.review import ReviewScreen

RATES = {"完整率": "completeness_rate", "误差率": "logic_error_rate", "身份证": "id_valid_rate",
         "及时率": "timeliness_rate", "准确率": "accuracy_rate"}  # fmt: skip
HEADERS = ["村", "人口", "已婚育妇", "完整率", "误差率", "身份证", "重复", "及时率", "准确率", "得分"]


async def compute() -> list[UnitQuality]:
    return await compute_quality(AS_OF, today=AS_OF)


async def settle(pilot: Pilot, screen: QualityScreen) -> None:
    for _ in range(3):
        await pilot.pause()
        await screen.workers.wait_for_complete()
    await pilot.pause()


async def open_quality(pilot: Pilot, unit: str = TOWNSHIP) -> QualityScreen:
    await pilot.pause()
    screen = QualityScreen(unit, compute=compute if unit != TOWNSHIP else None)
    pilot.app.push_screen(screen)
    await settle(pilot, screen)
    return screen


def rows_of(screen: QualityScreen) -> list[dict[str, str]]:
    table = screen.query_one(DataTable)
    return [dict(zip(HEADERS, (str(c).strip() for c in table.get_row_at(i)), strict=True))
            for i in range(table.row_count)]  # fmt: skip


def text_of(screen: QualityScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_rows_match_compute_quality(audited_demo: db.DbTarget) -> None:
    units = await compute()
    township, villages = children_of(units, TOWNSHIP)
    assert township is not None and len(villages) == 3
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        rows = rows_of(screen)
        assert [r["村"] for r in rows] == [v.unit_name for v in villages] + ["合计"]
        for row, unit in zip(rows, [*villages, township], strict=True):
            assert row["人口"] == group(unit.values["persons"])
            assert row["已婚育妇"] == group(unit.values["married_wcba"])
            for header, key in RATES.items():
                shown = percent(unit.values[key])
                mark = "✗" if unit.verdicts.get(key) in ("near", "fail") else ""
                assert row[header] == shown + mark, (header, unit.unit_code)
            assert row["重复"].rstrip("✗") == str(unit.counts.duplicates)
            assert row["得分"] == f"{unit.values['score']:.1f}" + ("✓" if unit.passed else "✗")
        title = text_of(screen, "#q-left") + " " + text_of(screen, "#q-right")
        assert township.unit_name in title and "截至 2026-11-15" in title
        assert f"得分 {township.values['score']:.1f}" in title
        assert ("未达标" in title) == (not township.passed)
        # colours follow the verdicts
        table = screen.query_one(DataTable)
        for index, unit in enumerate([*villages, township]):
            cell = table.get_row_at(index)[HEADERS.index("完整率")]
            verdict = unit.verdicts["completeness_rate"]
            assert str(cell.style) == {"pass": "green", "near": "yellow", "fail": "bold red"}[verdict]


async def test_improvements_follow_the_cursor(audited_demo: db.DbTarget) -> None:
    units = await compute()
    township, villages = children_of(units, TOWNSHIP)
    assert township is not None
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        for index, unit in enumerate([*villages, township]):
            if index:
                await pilot.press("down")
                await settle(pilot, screen)
            assert f"── {unit.unit_name}：先改这些" in text_of(screen, "#quality-panel-title")
            panel = text_of(screen, "#quality-panel")
            assert unit.improvements, unit.unit_code
            rule, gain = unit.improvements[0]
            first = panel.splitlines()[0]
            assert first.startswith(f"1 {rule}") and f"可提高 {gain_text(gain)} 分" in first
            open_count = await db.scalar(
                "SELECT count(*) FROM finding WHERE rule = ? AND confirmed = ? AND substr(village_code, 1, ?) = ?",
                [rule, False, len(unit.unit_code), unit.unit_code],
            )
            assert f"{open_count} 条" in first
            assert len(panel.splitlines()) == min(5, len(unit.improvements))


async def test_d_shows_numerators_and_denominators(audited_demo: db.DbTarget) -> None:
    units = await compute()
    _, villages = children_of(units, TOWNSHIP)
    first = villages[0].counts
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        await pilot.press("d")
        assert "分子/分母" in text_of(screen, "#quality-panel-title")
        panel = text_of(screen, "#quality-panel")
        assert f"完整率 {group(first.persons - first.incomplete)}/{group(first.persons)}" in panel
        assert f"误差率 {group(first.logic_errors)}/({group(first.married_wcba)}×10)" in panel
        await pilot.press("d")
        assert "先改这些" in text_of(screen, "#quality-panel-title")


async def test_enter_opens_review_of_the_village(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.unit_code == screen.rows[1].unit_code
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_county_rows_are_townships_and_enter_drills_down(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot, "")
        rows = rows_of(screen)
        assert rows[-1]["村"] == "合计" and len(rows) == 2  # the demo county has one township
        assert str(screen.query_one(DataTable).ordered_columns[0].label).strip() == "乡镇"
        await pilot.press("enter")
        await pilot.pause()
        inner = app.screen
        assert isinstance(inner, QualityScreen) and inner.unit_code == TOWNSHIP
        await settle(pilot, inner)
        assert len(rows_of(inner)) == 4


async def test_f5_recomputes(audited_demo: db.DbTarget) -> None:
    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        assert any(r["完整率"] != "100.0%" for r in rows_of(screen))
        await db.execute("DELETE FROM finding")
        await pilot.press("f5")
        await settle(pilot, screen)
        rows = rows_of(screen)
        assert {r["完整率"] for r in rows} == {"100.0%"} and {r["重复"] for r in rows} == {"0"}
        assert "没有可提高得分的问题" in text_of(screen, "#quality-panel")


async def test_shows_computing_until_ready(audited_demo: db.DbTarget) -> None:
    gate = asyncio.Event()

    async def slow() -> list[UnitQuality]:
        await gate.wait()
        return await compute()

    app = make_app(audited_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = QualityScreen(TOWNSHIP, compute=slow)
        app.push_screen(screen)
        await pilot.pause()
        assert text_of(screen, "#quality-panel-title") == "计算中…"
        assert screen.query_one(DataTable).row_count == 0
        gate.set()
        await settle(pilot, screen)
        assert screen.query_one(DataTable).row_count == 4
