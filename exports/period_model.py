"""Everything the period workbook shows, as plain data (built by :mod:`exports.periods`, drawn by
:mod:`exports.period_writer`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from exports.month_source import base_headers
from exports.monthly_data import ChangeRow
from exports.monthly_tables import Table, TableRow
from exports.request import Month, Unit
from exports.returns_spec import POPULATION, TOTAL_LABEL, Column, SheetSpec, period_header
from store.domain.periods import Period

__all__ = ["MONTHS_SPEC", "MonthLine", "PeriodReturns", "Span", "months_table"]


@dataclass(frozen=True)
class Span:
    """The dates of a period (what the sheets' 统计时段 line shows)."""

    first: dt.date
    last: dt.date
    label: str
    text: str


@dataclass(frozen=True)
class MonthLine:
    """One month of a period: its figures' source and the unit's 人口变动 base figures."""

    month: str
    state: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class PeriodReturns:
    """The content of one period workbook."""

    unit: Unit
    period: Period
    month: Span
    generated_at: dt.datetime
    operator: str
    tables: tuple[Table, ...]
    lines: tuple[MonthLine, ...]
    changes: tuple[ChangeRow, ...]
    sources: tuple[str, ...]
    preparer: str = ""
    complete: bool = True

    @property
    def prepared_by(self) -> str:
        return self.preparer or self.operator

    def title(self, what: str) -> str:
        """``城关镇 2026年上半年 人口变动情况``."""
        return f"{self.unit.name} {self.period.label} {what}"


MONTHS_SPEC = SheetSpec(
    "months", "分月情况", "分月人口变动情况", tuple(Column(h) for h in base_headers(POPULATION.key))
)


def months_table(data: PeriodReturns) -> Table:
    """The 分月情况 sheet: a row per month (its label and source) and the period's row last."""
    rows = [
        TableRow(line.month, f"{Month(int(line.month[:4]), int(line.month[5:7])).label}（{line.state}）", line.values)
        for line in data.lines
    ]
    population = data.tables[0]
    by_header = {c.header: v for c, v in zip(population.spec.columns, population.rows[-1].values, strict=True)}
    total = tuple(by_header[period_header(c.header)] for c in MONTHS_SPEC.columns)
    rows.append(TableRow("", f"{TOTAL_LABEL}（{data.period.label}）", total))
    return Table(MONTHS_SPEC, tuple(rows))
