"""Drawing the monthly returns workbook (xlsxwriter) from a :class:`MonthlyReturns`."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exports.consistency import NOTE_LOGIC_ERRORS, NOTE_OPEN_ERRORS, Violation
from exports.monthly_model import MonthlyReturns, Printed
from exports.monthly_notes import DEFINITIONS
from exports.monthly_tables import Table
from exports.quality_source import QualitySheet
from exports.returns_spec import (
    CHANGES_HEADERS,
    CHANGES_SHEET,
    CHANGES_TITLE,
    NOTES_SHEET,
    QUALITY_SHEET,
    QUALITY_TITLE,
)
from exports.sheets import HEADER_ROW, header_width, text_widths, write_headers, write_title
from exports.styles import (
    Styles,
    close_workbook,
    display_width,
    fit_width,
    open_workbook,
    print_setup,
    set_widths,
    text_lines,
)

NOTE_WIDTH = 72
DATE_SAMPLE = "2026-10-31"
DATETIME_SAMPLE = "2026-10-31 00:00"


def write_monthly(path: Path, data: MonthlyReturns, *, shown: Path | None = None) -> int:
    """Write the workbook to `path`; returns the number of cells written. (`shown`: the target named in messages)."""
    workbook, st = open_workbook(path)
    workbook.set_properties(
        {
            "title": data.title("月报表"),
            "author": data.prepared_by,
            "company": data.unit.name,
            "created": data.generated_at,
        }
    )
    footer = f"{data.unit.name} {data.month.label}　制表：{data.prepared_by}　{data.generated_at:%Y-%m-%d %H:%M}"
    flagged = _flags(data.violations)
    cells = 0
    for table in data.tables:
        cells += figure_sheet(workbook, st, data, table, flagged, footer)
    cells += changes_sheet(workbook, st, data, footer)
    cells += _quality_sheet(workbook, st, data, data.quality, flagged, footer)
    cells += _notes_sheet(workbook, st, data, footer)
    close_workbook(workbook, shown or path)
    return cells


def _flags(violations: tuple[Violation, ...]) -> dict[tuple[str, str], dict[str, list[str]]]:
    """(sheet, row code) → header → messages of the checks that failed there."""
    out: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for v in violations:
        for sheet, header in v.check.cells:
            out[(sheet, v.row_code)][header].append(v.message)
    return out


def _period(data: Printed) -> str:
    return f"统计时段：{data.month.first:%Y-%m-%d} 至 {data.month.last:%Y-%m-%d}"


def _unit_width(labels: list[str]) -> float:
    return max(10.0, fit_width(labels, maximum=30))


def figure_sheet(workbook: Any, st: Styles, data: Printed, table: Table, flagged: dict, footer: str) -> int:
    """A sheet of village rows (a figure table) with its title, two-level header and signature line."""
    spec = table.spec
    sheet = workbook.add_worksheet(spec.name)
    headers = spec.headers
    groups = ("", *(c.group for c in spec.columns))
    widths = [_unit_width([r.label for r in table.rows]), *(header_width(c.header) for c in spec.columns)]
    set_widths(sheet, widths)
    write_title(sheet, st, len(headers), data.title(spec.title), _period(data), "单位：人", widths)
    first_data = write_headers(sheet, st, HEADER_ROW, headers, groups, widths)
    row = first_data
    cells = len(headers) * (first_data - HEADER_ROW)
    for table_row in table.rows:
        total = table_row.is_total
        sheet.write_string(row, 0, table_row.label, st.unit_total if total else st.unit)
        marks = flagged.get((spec.name, table_row.code), {})
        for col, (column, value) in enumerate(zip(spec.columns, table_row.values, strict=True), start=1):
            messages = marks.get(column.header)
            variant = ("total_flag" if total else "flag") if messages else ("total" if total else "")
            fmt = st.figure(column.kind, variant)
            if value is None:
                sheet.write_blank(row, col, None, fmt)
            else:
                sheet.write_number(row, col, value, fmt)
            if messages:
                sheet.write_comment(row, col, "\n".join(dict.fromkeys(messages)), {"x_scale": 3, "y_scale": 2})
        cells += len(headers)
        row += 1
    signature_lines(sheet, st, row + 1, widths, data.prepared_by)
    print_setup(sheet, header_rows=(HEADER_ROW, first_data - 1), freeze=(first_data, 1), footer_left=footer)
    return cells


#: the signature line under every figure table of the returns (who made, checked and answers for it)
SIGNATURES = ("制表人：", "审核人：", "负责人：", "报出日期：")


def signature_lines(sheet: Any, st: Styles, row: int, widths: list[float], preparer: str) -> None:
    """制表人 (filled with `preparer`), 审核人, 负责人 and 报出日期 at `row`, spread over the table's columns
    (`widths`) so that each has room for its text and a signature after it."""
    starts = [sum(widths[:i]) for i in range(len(widths))]
    spacing = sum(widths) / len(SIGNATURES)
    free_from = 0.0  # the first offset not taken by the previous label and room to sign after it
    for n, label in enumerate(SIGNATURES):
        text = label + (preparer if n == 0 else "")
        wanted = max(n * spacing, free_from)
        col = next((i for i, start in enumerate(starts) if start >= wanted), len(widths) - 1)
        sheet.write_string(row, col, text, st.signature)
        free_from = starts[col] + display_width(text) + 6
    sheet.set_row(row, 24)


def changes_sheet(workbook: Any, st: Styles, data: Printed, footer: str) -> int:
    """The 变更清单 sheet of `data.changes`."""
    sheet = workbook.add_worksheet(CHANGES_SHEET)
    rows = data.changes
    columns = [
        [r.village for r in rows], [r.household for r in rows], [r.name for r in rows], [r.id_number for r in rows],
        [r.kind for r in rows], [DATE_SAMPLE], [DATETIME_SAMPLE], [r.entered_by for r in rows],
    ]  # fmt: skip
    widths = text_widths(CHANGES_HEADERS, columns)
    set_widths(sheet, widths)
    write_title(sheet, st, len(CHANGES_HEADERS), data.title(CHANGES_TITLE), _period(data), f"共 {len(rows)} 条", widths)
    row = write_headers(sheet, st, HEADER_ROW, CHANGES_HEADERS, [""] * len(CHANGES_HEADERS), widths)
    first_data = row
    for change in rows:
        sheet.write_string(row, 0, change.village, st.text)
        sheet.write_string(row, 1, change.household, st.text_center)
        sheet.write_string(row, 2, change.name, st.text)
        sheet.write_string(row, 3, change.id_number, st.text_center)
        sheet.write_string(row, 4, change.kind, st.text_center)
        _write_date(sheet, row, 5, change.date, st.date)
        _write_date(sheet, row, 6, change.entered_at, st.datetime)
        sheet.write_string(row, 7, change.entered_by, st.text)
        row += 1
    if not rows:
        none = "本月没有变更记录。" if isinstance(data, MonthlyReturns) else "本期没有变更记录。"
        sheet.merge_range(row, 0, row, len(CHANGES_HEADERS) - 1, none, st.text_center)
        row += 1
    print_setup(sheet, header_rows=(HEADER_ROW, first_data - 1), freeze=(first_data, 3), footer_left=footer)
    if rows:
        sheet.autofilter(first_data - 1, 0, row - 1, len(CHANGES_HEADERS) - 1)
    return (row - HEADER_ROW) * len(CHANGES_HEADERS)


_EPOCH = dt.datetime(1899, 12, 30)
#: from this day on, serial numbers count days from _EPOCH (before it Excel counts a 29 February 1900)
_SERIAL_FROM = dt.datetime(1900, 3, 1)


@functools.lru_cache(maxsize=4096)
def excel_serial(value: dt.date | dt.datetime) -> float:
    """The Excel serial number of a date or a (naive) date-time, as `write_datetime` stores it (1900 system)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _write_date(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """A date cell: the serial number with a date format (what `write_datetime` writes, without its cost)."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif value < _SERIAL_FROM.date() if not isinstance(value, dt.datetime) else value < _SERIAL_FROM:
        sheet.write_datetime(row, col, value, fmt)  # Excel's 1900 leap-year quirk: let xlsxwriter handle it
    else:
        sheet.write_number(row, col, excel_serial(value), fmt)


def _quality_sheet(
    workbook: Any, st: Styles, data: MonthlyReturns, quality: QualitySheet, flagged: dict, footer: str
) -> int:
    sheet = workbook.add_worksheet(QUALITY_SHEET)
    headers = quality.headers
    labels = [r.label for r in quality.rows] or [data.unit.name]
    widths = [_unit_width(labels), *(header_width(c.header) for c in quality.columns)]
    set_widths(sheet, widths)
    as_of = f"指标时点：{data.month.last:%Y-%m-%d}（月末）"
    write_title(
        sheet, st, len(headers), data.title(QUALITY_TITLE), as_of, "绿：达标　黄：差 5 个百分点以内　红：未达标", widths
    )
    row = write_headers(sheet, st, HEADER_ROW, headers, [""] * len(headers), widths)
    first_data = row
    for quality_row in quality.rows:
        total = quality_row.code == ""
        sheet.write_string(row, 0, quality_row.label, st.unit_total if total else st.unit)
        marks = flagged.get((QUALITY_SHEET, quality_row.code), {})
        for col, (column, value, status) in enumerate(
            zip(quality.columns, quality_row.values, quality_row.statuses, strict=True), start=1
        ):
            messages = marks.get(column.header)
            variant = ("total_flag" if total else "flag") if messages else (status or ("total" if total else ""))
            fmt = st.figure(column.kind, variant)
            if value is None:
                sheet.write_blank(row, col, None, fmt)
            elif isinstance(value, str):
                sheet.write_string(row, col, value, fmt)
            else:
                sheet.write_number(row, col, value, fmt)
            if messages:
                sheet.write_comment(row, col, "\n".join(dict.fromkeys(messages)), {"x_scale": 3, "y_scale": 2})
        row += 1
    if quality.note:
        sheet.merge_range(row + 1, 0, row + 1, len(headers) - 1, quality.note, st.note)
        sheet.set_row(row + 1, 30)
    print_setup(sheet, header_rows=(HEADER_ROW, first_data - 1), freeze=(first_data, 1), footer_left=footer)
    return (row - HEADER_ROW) * len(headers)


def _notes_sheet(workbook: Any, st: Styles, data: MonthlyReturns, footer: str) -> int:
    sheet = workbook.add_worksheet(NOTES_SHEET)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, NOTE_WIDTH)
    write_title(sheet, st, 2, data.title("月报表说明"))
    facts: list[tuple[str, str, Any]] = [
        ("单位", f"{data.unit.name}" + (f"（{data.unit.code}）" if data.unit.code else ""), st.note),
        (
            "报告月份",
            f"{data.month.label}（{data.month.first:%Y-%m-%d} 0 时至 {data.month.last:%Y-%m-%d} 24 时）",
            st.note,
        ),
        ("生成时间", f"{data.generated_at:%Y-%m-%d %H:%M:%S}", st.note),
        ("生成人", data.prepared_by, st.note),
        (
            NOTE_OPEN_ERRORS,
            f"{data.open_errors} 条 E 级错误（全部规则、全部人员，以最近一次逻辑审核的结果为准）。"
            "在主界面按 F6 进入逻辑审核逐条处理，在逻辑审核中按 F8 导出问题清单。",
            st.note_flag if data.open_errors else st.note,
        ),
        (
            NOTE_LOGIC_ERRORS,
            f"{data.figures.total_logic_errors} 条：其中户籍已婚育龄妇女记录上的逻辑错误（每人每条规则计一条），"
            "即质量表的“逻辑错误条数”合计，用于计算逻辑关系误差率。",
            st.note,
        ),
    ]
    if data.closed is not None:
        closed = data.closed
        facts.append(
            (
                "封账",
                f"已于 {closed.closed_at:%Y-%m-%d %H:%M} 封账（封账人：{closed.closed_by}）。表中数字为封账时保存的数字，"
                f"以后的修改计入以后月份的补报，不改变本表。校验码（SHA-256）：{closed.digest}"
                + (f"。本单位的数字取自上级单位{closed.within}封账时保存的报表。" if closed.within else ""),
                st.note,
            )
        )
    if data.signoffs:
        facts.append(("审核人", "\n".join(data.signoffs), st.note))
    if data.month.last >= data.generated_at.date() and data.closed is None:
        facts.append(("注意", "本月尚未结束，表中数字截至生成时间；月末以后请重新导出。", st.note_flag))
    if data.no_entry_date or data.left_out:
        facts.append(
            (
                "未参加统计的记录",
                f"缺出生日期和迁入日期的 {data.no_entry_date} 人；离开日期不晚于进入日期的 {data.left_out} 人。",
                st.note_flag,
            )
        )
    if data.same_names:
        facts.append(("同名的村", "以下村名不止一个，表中按代码顺序排列：\n" + "\n".join(data.same_names), st.note))
    if data.violations:
        lines = [f"{i}. {v.message}" for i, v in enumerate(data.violations, start=1)]
        facts.append(
            ("一致性检查", f"有 {len(lines)} 处不一致，相关单元格已标为红色：\n" + "\n".join(lines), st.note_flag)
        )
    else:
        facts.append(
            (
                "一致性检查",
                "各表的合计与分项、男女合计、孩次合计、人口平衡关系，以及各表之间的已婚育龄妇女、逻辑错误条数、"
                "流出人口均已核对一致。",
                st.note,
            )
        )
    return notes_body(sheet, st, facts, DEFINITIONS, footer)


def notes_body(sheet: Any, st: Styles, facts: list[tuple[str, str, Any]], definitions: Sequence[tuple[str, str]],
               footer: str) -> int:  # fmt: skip
    """The 说明 sheet's facts from row 2, then 口径说明 with `definitions`, printed on portrait pages; returns
    twice the rows written (the caller's row budget)."""
    row = 2
    for label, text, fmt in facts:
        row = note_row(sheet, st, row, label, text, fmt)
    row += 1
    sheet.write_string(row, 0, "口径说明", st.note_bold)
    row += 1
    for label, text in definitions:
        row = note_row(sheet, st, row, label, text, st.note)
    print_setup(sheet, header_rows=None, freeze=None, footer_left=footer, landscape=False)
    return row * 2


def note_row(sheet: Any, st: Styles, row: int, label: str, text: str, fmt: Any) -> int:
    """One fact of a notes sheet (label, text); returns the next row."""
    sheet.write_string(row, 0, label, st.note_bold)
    sheet.write_string(row, 1, text, fmt)
    lines = max(text_lines(text, NOTE_WIDTH), text_lines(label, 14))
    sheet.set_row(row, 14 * lines + 5)
    return row + 1
