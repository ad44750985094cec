"""Drawing the period returns workbook (半年报、年报, xlsxwriter) from a :class:`exports.periods.PeriodReturns`:
the five figure sheets, 分月情况, 变更清单 and 说明, with the monthly workbook's sheet layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exports.monthly_writer import NOTE_WIDTH, changes_sheet, figure_sheet, notes_body
from exports.period_model import PeriodReturns, months_table
from exports.returns_spec import NOTES_SHEET
from exports.sheets import write_title
from exports.styles import Styles, close_workbook, open_workbook

#: the definitions the period returns add to the monthly ones (`docs/spec/returns.md`, "Period returns")
PERIOD_DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "统计年度",
        "统计年度按本数据库的设置：1 月至 12 月，或上年 10 月至本年 9 月（以结束的年份命名）。"
        "上半年为统计年度的前 6 个月，下半年为后 6 个月。",
    ),
    (
        "期间数字",
        "各表的数字由期间内各月的数字汇总：出生、死亡、迁入、迁出、其他减少、补报、本期怀孕、本期活产等"
        "各月发生的数字为各月之和；期初人口取第一个月的期初人口；期末人口、已婚育龄妇女、各种措施人数、"
        "期末怀孕人数、流入和流出人口取最后一个月的月末数字；比率按汇总后的人数重新计算。",
    ),
    (
        "已封账月份",
        "已封账的月份取封账时上报的数字（与当时报出的月报表一致），以后的修改作为补报计入以后的月份；"
        "未封账的月份按生成时的数据计算。分月情况表列出各月的人口变动数字及其来源。",
    ),
)


def write_period(path: Path, data: PeriodReturns, *, shown: Path | None = None) -> int:
    """Write the workbook to `path`; returns the number of cells written."""
    workbook, st = open_workbook(path)
    what = "半年报" if data.period.half else "年报"
    workbook.set_properties({"title": data.title(what), "author": data.prepared_by, "company": data.unit.name,
                             "created": data.generated_at})  # fmt: skip
    footer = f"{data.unit.name} {data.period.label}　制表：{data.prepared_by}　{data.generated_at:%Y-%m-%d %H:%M}"
    cells = 0
    for table in data.tables:
        cells += figure_sheet(workbook, st, data, table, {}, footer)
    cells += figure_sheet(workbook, st, data, months_table(data), {}, footer)
    cells += changes_sheet(workbook, st, data, footer)
    cells += _notes(workbook, st, data, footer)
    close_workbook(workbook, shown or path)
    return cells


def _notes(workbook: Any, st: Styles, data: PeriodReturns, footer: str) -> int:
    sheet = workbook.add_worksheet(NOTES_SHEET)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, NOTE_WIDTH)
    what = "半年报" if data.period.half else "年报"
    write_title(sheet, st, 2, data.title(f"{what}说明"))
    span = f"{data.month.first:%Y-%m-%d} 0 时至 {data.month.last:%Y-%m-%d} 24 时"
    facts: list[tuple[str, str, Any]] = [
        ("单位", f"{data.unit.name}" + (f"（{data.unit.code}）" if data.unit.code else ""), st.note),
        ("统计期间", f"{data.period.label}（{data.period.span}，{span}）", st.note),
        ("生成时间", f"{data.generated_at:%Y-%m-%d %H:%M:%S}", st.note),
        ("生成人", data.prepared_by, st.note),
        ("各月来源", "\n".join(data.sources), st.note),
    ]
    if not data.complete:
        late = "本期尚未结束，表中数字截至生成时间，只含已经开始的月份；期末以后请重新导出。"
        facts.append(("注意", late, st.note_flag))
    return notes_body(sheet, st, facts, PERIOD_DEFINITIONS, footer)
