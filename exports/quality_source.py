"""The 质量 sheet's figures: the indicators of `docs/spec/quality.md` per village and in total, from `checks.quality`.

This module is the only place the monthly workbook touches the quality indicators. The sheet shows what the
quality panel computes (pooled totals, thresholds and verdicts included) with one difference: 已婚育龄妇女数
and 逻辑错误条数 are the workbook's own (:mod:`exports.monthly_figures`: the 户籍 married WCBA at month end
that 避孕节育 counts, and the logic errors on their records), and the rates, score and verdicts that depend
on them are recomputed from them, so no two sheets of one workbook disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from checks.quality import INDICATORS, TITLES
from exports.monthly_figures import SharedFigures
from exports.returns_spec import TOTAL_LABEL, UNIT_HEADER


@dataclass(frozen=True)
class QualityColumn:
    """An indicator column: `kind` count, rate (``0.0%``), score (``0.0``) or text."""

    key: str
    header: str
    kind: str


_KIND = {"persons": "count", "married_wcba": "count", "logic_errors": "count", "score": "score", "passed": "text"}

#: the indicators of docs/spec/quality.md in sheet order, titled as `renkou quality` titles them
QUALITY_COLUMNS: tuple[QualityColumn, ...] = tuple(
    QualityColumn(key, TITLES[key], _KIND.get(key, "rate")) for key in INDICATORS
)


@dataclass(frozen=True)
class QualityRow:
    """A unit's indicator values (None: undefined) and their threshold status (pass/near/fail/None)."""

    code: str
    label: str
    values: tuple[object, ...]
    statuses: tuple[str | None, ...]


@dataclass(frozen=True)
class QualitySheet:
    """The 质量 sheet: village rows then 合计, and a note on where the figures come from."""

    columns: tuple[QualityColumn, ...]
    rows: tuple[QualityRow, ...]
    note: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (UNIT_HEADER, *(c.header for c in self.columns))


def _row(code: str, label: str, values: dict[str, Any], verdicts: dict[str, str], passed: bool) -> QualityRow:
    cells: list[object] = []
    statuses: list[str | None] = []
    for column in QUALITY_COLUMNS:
        if column.key == "passed":
            cells.append("是" if passed else "否")
            statuses.append("pass" if passed else "fail")
        else:
            cells.append(values.get(column.key))
            statuses.append(verdicts.get(column.key))
    return QualityRow(code, label, tuple(cells), tuple(statuses))


async def quality_sheet(
    unit_code: str,
    villages: Sequence[tuple[str, str]],
    as_of: dt.date,
    month: str,
    figures: SharedFigures | None = None,
) -> QualitySheet:
    """The indicators at `as_of` (timeliness for `month`) for `villages` and their pooled total; with
    `figures`, married WCBA and logic errors are the workbook's (see the module docstring)."""
    from checks.quality import QualityConfig, UnitCounts, compute_quality
    from checks.quality import all_pass as quality_all_pass
    from checks.quality import verdicts as quality_verdicts
    from store.findings import AS_OF_KEY
    from store.settings import get_setting

    config = QualityConfig()
    units = {u.unit_code: u for u in await compute_quality(as_of, month=month, config=config)}
    rows = []
    pooled = UnitCounts()
    for code, name in villages:
        unit = units.get(code)
        if unit is None:
            continue
        counts = unit.counts
        if figures is not None:
            counts = replace(counts, married_wcba=figures.married_wcba.get(code, 0),
                             logic_errors=figures.logic_errors.get(code, 0))  # fmt: skip
        pooled.add(counts)
        values = counts.indicators(config.logic_multiplier)
        verdicts = quality_verdicts(values, config)
        rows.append(_row(code, name, values, verdicts, quality_all_pass(verdicts)))
    values = pooled.indicators(config.logic_multiplier)
    verdicts = quality_verdicts(values, config)
    rows.append(_row("", TOTAL_LABEL, values, verdicts, quality_all_pass(verdicts)))
    audited = await get_setting(AS_OF_KEY)
    if audited:
        note = (f"错误类指标取自 {audited} 的逻辑审核结果；人口数按当前在册（含流入人口）计算，"
                f"已婚育龄妇女数与避孕节育表相同（{as_of:%Y-%m-%d} 在册的户籍已婚育龄妇女）。")  # fmt: skip
    else:
        note = "尚未进行逻辑审核（在问题清单中按 F5 审核），错误类指标暂按无错误计算，仅供参考。"
    if any(not u.timeliness_final for u in units.values()):
        note += "本月录入及时率在次月 5 日截止后才是最终结果。"
    if not any(units[code].counts.items_verified for code, _ in villages if code in units):
        note += "主要数据项准确率须在抽查核实表填好并读入后才有数值。"
    return QualitySheet(QUALITY_COLUMNS, tuple(rows), note)
