"""The monthly workbook agrees with itself: each quantity several sheets show (married WCBA, logic errors)
has one value, the cross-sheet checks hold and catch a disagreement, undefined ratios are blank, printed
pages name the operator's real name, carry signature lines and give the app's keys, never a CLI command.
Read back with openpyxl, on the export fixture and on the audited demo township."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from exports import sample
from exports.consistency import CROSS_CHECKS, evaluate
from exports.errors_list import ErrorsFilter, export_errors
from exports.monthly import build_monthly, export_monthly
from exports.monthly_tables import build_table
from exports.monthly_writer import SIGNATURES, write_monthly
from exports.returns_spec import BIRTHS, FIGURE_SHEETS
from exports.sample_source import VillageDraw
from store import db, users
from store.importer import import_file
from tests.support.data import TOWNSHIP as DEMO_TOWNSHIP
from tests.support.export_fixture import DONGFENG, EXPECTED_ROWS, HONGXING, MONTH, TOWNSHIP, write_fixture
from tests.support.workbooks import table

FLAG_FILL = "FFC7CE"
REAL_NAME = "张会计"
LOGIN = "zhangkj"


async def _account() -> None:
    await users.create_user(LOGIN, REAL_NAME, "secret123", "operator", iterations=1000)


def _texts(book: openpyxl.Workbook) -> list[str]:
    """Every string cell and page footer of the workbook."""
    out = []
    for sheet in book:
        out.append(sheet.oddFooter.left.text or "")
        out += [str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    return out


def _note(book: openpyxl.Workbook, label: str) -> str:
    sheet = book["说明"]
    return next(str(row[1].value) for row in sheet.iter_rows() if row[0].value == label)


def assert_agrees(book: openpyxl.Workbook) -> None:
    """The cross-sheet equalities, read from the cells as a reviewer reads them."""
    _, contraception = table(book["避孕节育"])
    quality_headers, quality = table(book["质量"])
    _, flows = table(book["流动人口"])
    _, population = table(book["人口变动"])
    married = quality_headers.index("已婚育龄妇女数")
    assert list(contraception) == list(quality)
    for unit, cells in contraception.items():
        assert quality[unit][married].value == cells[1].value, unit  # 已婚育龄妇女
        assert flows[unit][4].value <= cells[1].value, unit  # 流出已婚育龄妇女 ⊂ 户籍 married WCBA
        assert flows[unit][3].value <= population[unit][7].value, unit  # 流出人口 ⊂ 期末人口
    logic = quality["合计"][quality_headers.index("逻辑错误条数")].value
    assert logic == sum(quality[u][quality_headers.index("逻辑错误条数")].value for u in quality if u != "合计")
    stated = int(re.match(r"(\d+) 条", _note(book, "逻辑错误条数")).group(1))  # type: ignore[union-attr]
    open_errors = int(re.match(r"(\d+) 条 E 级错误", _note(book, "未处理的错误")).group(1))  # type: ignore[union-attr]
    assert stated == logic <= open_errors
    assert "均已核对一致" in _note(book, "一致性检查")
    notes = "\n".join(_texts(book))
    assert "人口数与期末人口" in notes and "含流入人口" in notes


def assert_printed_for_clerks(book: openpyxl.Workbook) -> None:
    """Real name under 制表, signature lines under every figure table, app keys instead of commands."""
    texts = _texts(book)
    assert not [t for t in texts if "renkou" in t.lower()]
    assert "F6" in _note(book, "未处理的错误") and "F8" in _note(book, "未处理的错误")
    for sheet in book:
        assert f"制表：{REAL_NAME}" in sheet.oddFooter.left.text and LOGIN not in sheet.oddFooter.left.text
    assert _note(book, "生成人") == REAL_NAME
    for spec in FIGURE_SHEETS:
        sheet = book[spec.name]
        line = [str(c.value) for row in sheet.iter_rows(min_row=sheet.max_row) for c in row if c.value]
        assert line == [f"{SIGNATURES[0]}{REAL_NAME}", *SIGNATURES[1:]], spec.name
        assert "审核人：" in line and "负责人：" in line


async def test_fixture_workbook_agrees_with_itself(store_db: db.DbTarget, tmp_path: Path) -> None:
    from checks.engine import run_audit

    await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")
    await _account()
    await run_audit(dt.date(2025, 10, 31))
    out = tmp_path / "月报.xlsx"
    await export_monthly(out, MONTH, unit=TOWNSHIP, operator=LOGIN)
    book = openpyxl.load_workbook(out)
    assert_agrees(book)
    assert_printed_for_clerks(book)
    # the fixture: 东风村's four 户籍 married WCBA on both sheets; 红星村's married woman is 流入, on neither
    _, quality = table(book["质量"])
    assert [quality[r][2].value for r in EXPECTED_ROWS] == [4, 0, 0, 4]


async def test_demo_workbook_agrees_with_itself(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    await _account()
    out = tmp_path / "月报.xlsx"
    await export_monthly(out, "2026-10", unit=DEMO_TOWNSHIP, operator=LOGIN)
    book = openpyxl.load_workbook(out)
    assert_agrees(book)
    assert_printed_for_clerks(book)
    _, quality = table(book["质量"])
    assert quality["合计"][2].value > 100 and quality["合计"][4].value > 0  # a real township, real errors


async def test_a_cross_sheet_disagreement_is_flagged_on_both_sheets(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")
    data = await build_monthly(MONTH, unit=TOWNSHIP, operator="tester")
    assert data.violations == ()
    # the 质量 sheet claims one more married WCBA in 东风村 than 避孕节育 counts
    rows = list(data.quality.rows)
    first = rows[0]
    assert first.code == DONGFENG
    rows[0] = dataclasses.replace(first, values=(first.values[0], first.values[1] + 1, *first.values[2:]))  # type: ignore[operator]
    quality = dataclasses.replace(data.quality, rows=tuple(rows))
    found = evaluate(data.tables, quality=quality, figures=data.figures)
    assert [(v.check, v.row_code, v.left, v.right) for v in found] == [(CROSS_CHECKS[0], DONGFENG, 4, 5)]
    assert "避孕节育表“已婚育龄妇女” = 质量表“已婚育龄妇女数” 不成立" in found[0].message
    # the notes' logic errors disagreeing with the 质量 sheet's
    figures = dataclasses.replace(data.figures, logic_errors={**data.figures.logic_errors, "": 7})
    assert any(v.check is CROSS_CHECKS[1] for v in evaluate(data.tables, quality=data.quality, figures=figures))
    out = tmp_path / "月报.xlsx"
    write_monthly(out, dataclasses.replace(data, quality=quality, violations=tuple(found)))
    book = openpyxl.load_workbook(out)
    _, contraception = table(book["避孕节育"])
    _, quality_rows = table(book["质量"])
    for cell in (contraception["东风村"][1], quality_rows["东风村"][2]):
        assert cell.fill.fgColor.rgb.endswith(FLAG_FILL) and cell.comment is not None
    assert "1 处不一致" in _note(book, "一致性检查")


def test_sex_ratio_blank_without_boys_or_girls() -> None:
    """One girl: no boys, so the ratio is undefined (blank), not 0.0; one boy: blank, as before."""
    spec = BIRTHS
    width = len(spec.count_headers)

    def births(boys: int, girls: int) -> list[int]:
        counts = [0] * width
        counts[spec.count_headers.index("出生合计")] = boys + girls
        counts[spec.count_headers.index("男")] = boys
        counts[spec.count_headers.index("女")] = girls
        return counts

    villages = [("1", "一村"), ("2", "二村"), ("3", "三村")]
    built = build_table(spec, villages, {"1": births(0, 1), "2": births(1, 0), "3": births(3, 2)})
    ratios = [built.value(row, "出生人口性别比") for row in built.rows]
    assert ratios == [None, None, pytest.approx(150.0), pytest.approx(4 / 3 * 100)]


async def test_errors_list_honours_the_filter_and_names_the_preparer(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    await _account()
    rule, village = (await db.fetch(
        "SELECT rule, village_code FROM finding WHERE severity = 'E' GROUP BY rule, village_code "
        "ORDER BY count(*) DESC LIMIT 1"))[0]  # fmt: skip
    expected = await db.scalar(
        "SELECT count(*) FROM finding WHERE severity = 'E' AND rule = ? AND village_code = ? AND confirmed = ?",
        [rule, village, False],
    )
    out = tmp_path / "问题清单.xlsx"
    summary = await export_errors(
        out, unit=village, operator=LOGIN, is_admin=False, only=ErrorsFilter(("E",), rule, False)
    )
    assert summary.rows == expected > 0
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[1]
    top = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=top + 1) if row[0].value is not None]
    assert len(rows) == expected and {(r[4], r[5]) for r in rows} == {(rule, "错误")}
    assert f"规则 {rule}" in str(book["汇总"]["A2"].value) and "级别 错误" in str(book["汇总"]["A2"].value)
    assert all(f"制表：{REAL_NAME}" in s.oddFooter.left.text for s in book)
    assert not [t for t in _texts(book) if "renkou" in t.lower()]


async def test_sample_has_signature_lines_and_the_real_name(
    store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def draw(month: object) -> list[VillageDraw]:
        return [VillageDraw(DONGFENG, ("d2", "a2"), married_wcba=4, rate=0.15),
                VillageDraw(HONGXING, ("f2",), married_wcba=1, rate=0.15)]  # fmt: skip

    monkeypatch.setattr(sample, "draw_sample", draw)
    await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
    await _account()
    out = tmp_path / "抽查.xlsx"
    await sample.export_sample(out, MONTH, operator=LOGIN)
    book = openpyxl.load_workbook(out)
    for name in ("东风村", "红星村"):
        sheet = book[name]
        line = [str(c.value) for row in sheet.iter_rows(min_row=sheet.max_row) for c in row if c.value]
        assert line == list(sample.SIGNATURES)
        assert f"制表：{REAL_NAME}" in sheet.oddFooter.left.text
        area = sheet.print_area[0] if isinstance(sheet.print_area, list) else sheet.print_area
        assert str(sheet.max_row) in str(area)  # the signature line is printed
    assert not [t for t in _texts(book) if "renkou" in t.lower()]
    notes = book["说明"]
    assert REAL_NAME in [row[1].value for row in notes.iter_rows() if row[0].value == "生成人"]
