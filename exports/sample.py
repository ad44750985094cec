"""``renkou export sample``: the verification sample (抽查) as a printable checklist, one sheet per village.

Each row is one sampled woman with her main items as recorded and a blank 核实结果 column beside each.
A hidden 人员编号 column and the 说明 sheet's 抽查月份 let :mod:`exports.sample_results` read the filled
checklist back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exports.monthly_model import Summary
from exports.request import Month, Progress, parse_month, real_name
from exports.sample_items import ITEMS
from exports.sample_source import VillageDraw, draw_sample
from exports.sheets import HEADER_ROW, write_headers, write_title
from exports.styles import Styles, close_workbook, open_workbook, print_setup, set_widths, sheet_name
from exports.target import AtomicFile, check_target, publish
from store import db
from store.records import load_households

NOTES_SHEET = "说明"
MONTH_LABEL = "抽查月份"
KEY_HEADER = "人员编号"
RECORDED_HEADER = "登记"
RESULT_HEADER = "核实结果"
LEAD_HEADERS = ("序号", "户号")
#: the signature line under every village's checklist
SIGNATURES = ("核实人（签字）：", "核实日期：", "村负责人（签字）：")
INSTRUCTION = (
    "到户逐项核实：登记情况正确的，在“核实结果”栏打 √；不正确的，填写正确的值（不清楚正确值的填 ×）。"
    "全部核实并签字后交回乡镇，由信息员把本表读入系统，计算主要数据项准确率。"
)


@dataclass(frozen=True)
class SampleRow:
    """A sampled woman: her household and the recorded value of each main item."""

    household: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class VillageSample:
    """The checklist of one village."""

    code: str
    name: str
    draw: VillageDraw
    rows: tuple[SampleRow, ...]


async def _villages(draws: list[VillageDraw]) -> list[VillageSample]:
    names = {r[0]: r[1] for r in await db.fetch("SELECT code, name FROM unit WHERE level = 'village'")}
    keys = [k for d in draws for k in d.keys]
    where: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = await db.fetch(
            f"SELECT key, household_id FROM person WHERE key IN ({','.join('?' * len(chunk))})", chunk
        )
        where.update((r[0], r[1]) for r in rows)
    records = await load_households(sorted(set(where.values())))
    persons = {m["key"]: (code, m) for code, r in records.items() for m in r["members"]}
    out = []
    for draw in draws:
        rows = []
        for key in draw.keys:
            if key in persons:
                code, person = persons[key]
                rows.append(SampleRow(code, key, tuple(item.recorded(person) for item in ITEMS)))
        rows.sort(key=lambda r: (r.household, r.key))
        out.append(VillageSample(draw.village, names.get(draw.village, draw.village), draw, tuple(rows)))
    return out


async def export_sample(out: Path, month: str, *, operator: str, progress: Progress | None = None) -> Summary:
    """Write the verification checklist of `month` (``YYYY-MM``) to `out`."""
    period = parse_month(month)
    path = check_target(out)
    if progress:
        progress(0, 3)
    villages = await _villages(await draw_sample(period))
    if progress:
        progress(1, 3)
    women = sum(len(v.rows) for v in villages)
    now = dt.datetime.now().replace(microsecond=0)
    with AtomicFile(path) as target:
        preparer = await real_name(operator)
        await asyncio.to_thread(write_sample, target.tmp, period, villages, preparer, now, path)
        if progress:
            progress(2, 3)
        await publish(target, operator, f"sample month={period.text} 村 {len(villages)} 个 {women} 人")
    if progress:
        progress(3, 3)
    label = f"{period.label} 已婚育龄妇女抽查核实表"
    return Summary(path=path, sheets=len(villages) + 1, rows=women, label=label, villages=len(villages))


def write_sample(
    path: Path, month: Month, villages: list[VillageSample], operator: str, now: dt.datetime, shown: Path
) -> None:
    """Write the checklist workbook: one sheet per village, then 说明 (`operator`: the name printed under 制表)."""
    workbook, st = open_workbook(path)
    workbook.set_properties({"title": f"{month.label} 已婚育龄妇女抽查核实表", "author": operator})
    workbook.set_custom_property("renkou_sample_month", month.text)
    footer = f"{month.label} 抽查　制表：{operator}　{now:%Y-%m-%d %H:%M}"
    taken = {NOTES_SHEET}
    for village in villages:
        _village_sheet(workbook, st, sheet_name(village.name, taken), village, month, footer)
    _notes(workbook, st, month, villages, operator, now)
    close_workbook(workbook, shown)


def _village_sheet(workbook: Any, st: Styles, title: str, village: VillageSample, month: Month, footer: str) -> None:
    sheet = workbook.add_worksheet(title)
    headers = [*LEAD_HEADERS]
    groups = ["", ""]
    widths = [4.5, 9.0]
    for item in ITEMS:
        headers += [RECORDED_HEADER, RESULT_HEADER]
        groups += [item.label, item.label]
        widths += [item.width, max(item.width, 9.0)]
    headers.append(KEY_HEADER)
    groups.append("")
    widths.append(10.0)
    set_widths(sheet, widths)
    key_col = len(headers) - 1
    sheet.set_column(key_col, key_col, 10.0, None, {"hidden": True})
    draw = village.draw
    note = f"在册已婚育龄妇女（含流动人口）{draw.married_wcba} 人，按 {draw.rate:.0%} 抽查 {len(village.rows)} 人。"
    if draw.full_recheck:
        note += "本村逻辑关系误差率超过 10%，须逐户全面复核。"
    write_title(
        sheet,
        st,
        key_col,
        f"{village.name} {month.label} 已婚育龄妇女抽查核实表",
        note,
        f"村代码 {village.code}",
        widths,
    )
    row = write_headers(sheet, st, HEADER_ROW, headers, groups, widths)
    first = row
    for number, sample in enumerate(village.rows, start=1):
        sheet.write_number(row, 0, number, st.text_center)
        sheet.write_string(row, 1, f"{sample.household[12:14]}组{sample.household[14:]}", st.text_center)
        for index, value in enumerate(sample.values):
            sheet.write_string(row, 2 + 2 * index, value, st.text)
            sheet.write_blank(row, 3 + 2 * index, None, st.blank_input)
        sheet.write_string(row, key_col, sample.key, st.text)
        sheet.set_row(row, 24)
        row += 1
    sheet.merge_range(row + 1, 0, row + 1, key_col - 1, INSTRUCTION, st.note)
    sheet.set_row(row + 1, 30)
    for col, label in zip((0, key_col // 3, 2 * key_col // 3), SIGNATURES, strict=True):
        sheet.write_string(row + 3, col, label, st.signature)
    sheet.set_row(row + 3, 24)
    print_setup(sheet, header_rows=(HEADER_ROW, first - 1), freeze=(first, 2), footer_left=footer)
    sheet.print_area(0, 0, row + 3, key_col - 1)


def _notes(
    workbook: Any, st: Styles, month: Month, villages: list[VillageSample], operator: str, now: dt.datetime
) -> None:
    sheet = workbook.add_worksheet(NOTES_SHEET)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90)
    write_title(sheet, st, 2, f"{month.label} 已婚育龄妇女抽查核实表说明")
    women = sum(len(v.rows) for v in villages)
    recheck = [v.name for v in villages if v.draw.full_recheck]
    lines = [
        (MONTH_LABEL, month.text),
        ("抽查人数", f"{len(villages)} 个村，共 {women} 人"),
        ("抽查方法", "按村人口规模确定抽查比例（2000 人及以上 5%，1000–1999 人 10%，不足 1000 人 15%），"
         "在已婚育龄妇女中按固定规则抽取，可重复核对。"),
        ("核实方法", INSTRUCTION),
        ("须全面复核的村", "、".join(recheck) if recheck else "无"),
        ("生成时间", f"{now:%Y-%m-%d %H:%M:%S}"),
        ("生成人", operator),
    ]  # fmt: skip
    for row, (label, text) in enumerate(lines, start=2):
        sheet.write_string(row, 0, label, st.note_bold)
        sheet.write_string(row, 1, text, st.note)
        sheet.set_row(row, 30 if len(text) > 45 else 18)
    print_setup(sheet, header_rows=None, freeze=None, footer_left=f"{month.label} 抽查")
