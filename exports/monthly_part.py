"""A unit's part of a month closed for a unit containing it (a village of a closed township, a township of a
closed county): its rows of the kept returns, so its workbook shows the figures that were sent, never figures
computed again from records edited since (`docs/spec/returns.md`, "Closed months and late reports").

Counts are the unit's village rows as kept, the 合计 row is recomputed from them (rates from summed counts);
the change list, the consistency findings and the 审核人 lines are those of its villages. The 质量 sheet's
合计 pools counts the kept returns do not hold: for one village it is that village's row, for several it is
left blank (the notes say so).
"""

from __future__ import annotations

from dataclasses import replace

from exports.monthly_figures import shared_figures
from exports.monthly_model import MonthlyReturns
from exports.monthly_tables import Table, build_table
from exports.quality_source import QualityRow, QualitySheet
from exports.request import Unit
from exports.returns_spec import TOTAL_LABEL

__all__ = ["part_of"]


def _table(table: Table, villages: list[tuple[str, str]]) -> Table:
    spec = table.spec
    codes = {code for code, _ in villages}
    counts = {}
    for row in table.rows:
        if row.code in codes:
            counts[row.code] = [int(v or 0) for c, v in zip(spec.columns, row.values, strict=True) if c.kind == "count"]
    return build_table(spec, villages, counts)


def _quality(sheet: QualitySheet, codes: set[str]) -> QualitySheet:
    rows = [r for r in sheet.rows if r.code in codes]
    if len(rows) == 1:
        total = QualityRow("", TOTAL_LABEL, rows[0].values, rows[0].statuses)
    else:
        total = QualityRow("", TOTAL_LABEL, tuple(None for _ in sheet.columns), tuple(None for _ in sheet.columns))
    note = sheet.note + ("" if len(rows) == 1 else "合计行不能由封账时保存的数字重新计算，留空；请看各村数字。")
    return QualitySheet(sheet.columns, (*rows, total), note)


def part_of(kept: MonthlyReturns, unit: Unit, villages: list[tuple[str, str]]) -> MonthlyReturns:
    """The returns of `unit` (its `villages`, (code, name)) cut out of `kept`, the returns of a unit containing
    it."""
    present = {r.code for r in kept.tables[0].rows}
    villages = [(code, name) for code, name in villages if code in present]
    codes = {code for code, _ in villages}
    names = {name for _, name in villages}
    tables = tuple(_table(t, villages) for t in kept.tables)
    logic = {code: n for code, n in kept.figures.logic_errors.items() if code in codes}
    return replace(
        kept,
        unit=unit,
        tables=tables,
        violations=tuple(v for v in kept.violations if v.row_code in codes),
        changes=tuple(c for c in kept.changes if c.household.startswith(unit.code)),
        quality=_quality(kept.quality, codes),
        figures=shared_figures(tables, logic, kept.open_errors),
        signoffs=tuple(line for line in kept.signoffs if line.split("：", 1)[0] in names),
        same_names=(),
    )
