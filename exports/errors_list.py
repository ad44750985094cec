"""``renkou export errors``: open findings per village as a printable to-do list with a correction column."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from exports.findings import OpenFinding, open_findings
from exports.monthly_model import Summary
from exports.request import Progress, Unit, real_name, resolve_unit, villages_of
from exports.sheets import HEADER_ROW, write_headers, write_title
from exports.styles import (
    Styles,
    close_workbook,
    display_width,
    open_workbook,
    print_setup,
    set_widths,
    sheet_name,
    text_lines,
)
from exports.target import AtomicFile, check_target, publish

SUMMARY_SHEET = "汇总"
SUMMARY_HEADERS = ("村", "村代码", "错误", "预警", "提示", "合计", "涉及户数")
HEADERS = ("序号", "户编码", "姓名", "身份证号", "规则", "级别", "问题说明", "涉及项目及现值", "填写更正")
CORRECTION_HEADER = "填写更正"
INSTRUCTION = "请逐条到户核实，在“填写更正”栏写明正确的值；预警经核实无误的，写“核实无误”并注明理由。"


@dataclass(frozen=True)
class ErrorsList:
    """What the errors workbook shows."""

    unit: Unit
    villages: tuple[tuple[str, str], ...]
    findings: tuple[OpenFinding, ...]
    generated_at: dt.datetime
    #: who is printed under 制表: the operator's real name (the login when the account has none)
    operator: str
    full_ids: bool
    #: the filter the list was made with, as the clerk reads it ('' = every open finding)
    criteria: str = ""


@dataclass(frozen=True)
class ErrorsFilter:
    """Which findings the list holds, as the review list filters them: severities (None: all), a rule
    ('' = all) and the confirmed state (False: open only, True: confirmed only, None: both)."""

    severities: tuple[str, ...] | None = None
    rule: str = ""
    confirmed: bool | None = False

    def describe(self) -> str:
        """The filter in words for the sheet's subtitle ('' for the default: every open finding)."""
        parts = []
        if self.severities is not None:
            parts.append("级别 " + "、".join(SEVERITY_WORDS.get(s, s) for s in self.severities))
        if self.rule:
            parts.append(f"规则 {self.rule}")
        if self.confirmed is not False:
            parts.append("状态 " + ("已核实" if self.confirmed else "全部"))
        return "；".join(parts)


SEVERITY_WORDS = {"E": "错误", "W": "预警", "I": "提示"}


async def export_errors(
    out: Path,
    *,
    unit: str = "",
    operator: str,
    is_admin: bool,
    progress: Progress | None = None,
    only: ErrorsFilter | None = None,
) -> Summary:
    """Write the open findings of `unit` (default: everything), one sheet per village; ID numbers are
    masked unless `is_admin`. `only` narrows the list as the review screen's filter does."""
    only = only or ErrorsFilter()
    scope = await resolve_unit(unit)
    path = check_target(out)
    if progress:
        progress(0, 3)
    findings = await open_findings(
        scope.code, full_ids=is_admin, severities=only.severities, rule=only.rule, confirmed=only.confirmed
    )
    if progress:
        progress(1, 3)
    data = ErrorsList(
        scope,
        tuple(await villages_of(scope)),
        tuple(findings),
        dt.datetime.now().replace(microsecond=0),
        await real_name(operator),
        is_admin,
        only.describe(),
    )
    with AtomicFile(path) as target:
        sheets = await asyncio.to_thread(write_errors, target.tmp, data, shown=path)
        if progress:
            progress(2, 3)
        ids = "完整身份证号" if is_admin else "身份证号已遮盖"
        criteria = f" {data.criteria}" if data.criteria else ""
        await publish(
            target, operator, f"errors unit={scope.name}({scope.code or '全部'}){criteria} {len(findings)} 条 {ids}"
        )
    if progress:
        progress(3, 3)
    errors = sum(1 for f in findings if f.severity == "E")
    label = f"{scope.name} 逻辑审核问题清单"
    return Summary(
        path=path, sheets=sheets, rows=len(findings), label=label, villages=sheets - 1, details={"E": errors}
    )


def write_errors(path: Path, data: ErrorsList, *, shown: Path | None = None) -> int:
    """Write the workbook; returns the number of sheets. (`shown`: the target named in messages)."""
    workbook, st = open_workbook(path)
    workbook.set_properties({"title": f"{data.unit.name} 逻辑审核问题清单", "author": data.operator})
    footer = f"{data.unit.name}　制表：{data.operator}　{data.generated_at:%Y-%m-%d %H:%M}"
    names = dict(data.villages)
    by_village = {code: list(items) for code, items in groupby(data.findings, key=lambda f: f.village)}
    taken = {SUMMARY_SHEET}
    _summary_sheet(workbook, st, data, by_village, footer)
    for code in sorted(by_village):
        name = names.get(code, code)
        title = sheet_name(name, taken)
        _village_sheet(workbook, st, title, f"{name}（{code}）", by_village[code], data, footer)
    close_workbook(workbook, shown or path)
    return 1 + len(by_village)


def _summary_sheet(
    workbook: Any, st: Styles, data: ErrorsList, by_village: dict[str, list[OpenFinding]], footer: str
) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    widths = [16.0, 15.0, 8.0, 8.0, 8.0, 8.0, 10.0]
    set_widths(sheet, widths)
    total = len(data.findings)
    write_title(
        sheet,
        st,
        len(SUMMARY_HEADERS),
        f"{data.unit.name} 逻辑审核问题清单",
        _subtitle(data, total),
        f"{data.generated_at:%Y-%m-%d %H:%M}",
        widths,
    )
    row = write_headers(sheet, st, HEADER_ROW, SUMMARY_HEADERS, [""] * len(SUMMARY_HEADERS), widths)
    first = row
    names = dict(data.villages)
    codes = sorted(set(names) | set(by_village))
    sums = [0, 0, 0, 0, 0]
    for code in codes:
        items = by_village.get(code, [])
        counts = [sum(1 for f in items if f.severity == s) for s in ("E", "W", "I")]
        figures = [*counts, len(items), len({f.household for f in items})]
        sums = [a + b for a, b in zip(sums, figures, strict=True)]
        sheet.write_string(row, 0, names.get(code, code), st.unit)
        sheet.write_string(row, 1, code, st.text_center)
        for col, value in enumerate(figures, start=2):
            sheet.write_number(row, col, value, st.figure("count"))
        row += 1
    sheet.write_string(row, 0, "合计", st.unit_total)
    sheet.write_blank(row, 1, None, st.unit_total)
    for col, value in enumerate(sums, start=2):
        sheet.write_number(row, col, value, st.figure("count", "total"))
    sheet.merge_range(row + 2, 0, row + 2, len(SUMMARY_HEADERS) - 1, INSTRUCTION, st.note)
    sheet.set_row(row + 2, 30)
    print_setup(sheet, header_rows=(HEADER_ROW, first - 1), freeze=(first, 1), footer_left=footer, landscape=False)


def _subtitle(data: ErrorsList, total: int) -> str:
    if not data.criteria:
        return f"未处理的问题共 {total} 条（以最近一次逻辑审核结果为准）"
    return f"按筛选（{data.criteria}）共 {total} 条（以最近一次逻辑审核结果为准）"


def _village_sheet(
    workbook: Any, st: Styles, title: str, label: str, items: Sequence[OpenFinding], data: ErrorsList, footer: str
) -> None:
    sheet = workbook.add_worksheet(title)
    id_width = 20.0 if data.full_ids else 12.0
    name_width = max(8.0, min(16.0, max((display_width(f.name) for f in items), default=0) + 2.0))
    widths = [5.0, 20.0, name_width, id_width, 7.0, 6.0, 44.0, 34.0, 26.0]
    set_widths(sheet, widths)
    errors = sum(1 for f in items if f.severity == "E")
    write_title(
        sheet,
        st,
        len(HEADERS),
        f"{label} 逻辑审核问题清单",
        f"共 {len(items)} 条，其中错误 {errors} 条。{INSTRUCTION}",
        "",
    )
    row = write_headers(sheet, st, HEADER_ROW, HEADERS, [""] * len(HEADERS), widths)
    first = row
    for number, finding in enumerate(items, start=1):
        flag = st.figure("text", "flag") if finding.severity == "E" else st.text_center
        sheet.write_number(row, 0, number, st.text_center)
        sheet.write_string(row, 1, finding.household, st.text_center)
        sheet.write_string(row, 2, finding.name, st.text)
        sheet.write_string(row, 3, finding.id_number, st.text_center)
        sheet.write_string(row, 4, finding.rule, st.text_center)
        sheet.write_string(row, 5, finding.severity_label, flag)
        sheet.write_string(row, 6, finding.message, st.text_wrap)
        sheet.write_string(row, 7, finding.values, st.text_wrap)
        sheet.write_blank(row, 8, None, st.blank_input)
        lines = max(text_lines(finding.message, widths[6]), text_lines(finding.values, widths[7]), 2)
        sheet.set_row(row, 13.5 * lines + 4)
        row += 1
    sheet.autofilter(first - 1, 0, row - 1, len(HEADERS) - 1)
    print_setup(sheet, header_rows=(HEADER_ROW, first - 1), freeze=(first, 3), footer_left=footer)
