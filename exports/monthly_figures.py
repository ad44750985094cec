"""The quantities more than one sheet of the monthly workbook shows, each defined once.

* 已婚育龄妇女 — the unit's 户籍 married WCBA at month end (`docs/spec/returns.md`): the 避孕节育 column, and
  the 质量 sheet's 已婚育龄妇女数 (the denominator of its 逻辑关系误差率);
* 逻辑错误条数 — E findings of the logic rules on those women's records, one per (rule, woman): the 质量
  sheet's column and the 说明 sheet's figure;
* 期末人口 — 户籍 persons present at month end (人口变动). The 质量 sheet's 人口数 is a different quantity
  (every active person the unit manages today, 流入 included) and the 说明 sheet says so;
* 未处理的错误 — every open E finding of the stored audit (all rules, all persons), on the 说明 sheet;
* the figures of the histories (本月取环, 本月流出返回, 本月户间迁移 / 分户 / 并户): read by
  :func:`exports.monthly_data.read_history_figures`, put into the sheets' counts by :func:`add_counts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exports.monthly_tables import Table
from exports.returns_spec import CONTRACEPTION, FIGURE_SHEETS, POPULATION

#: the headers under which the shared quantities appear
MARRIED_WCBA = "已婚育龄妇女"
POPULATION_END = "期末人口"


@dataclass(frozen=True)
class SharedFigures:
    """Per village code ('' = the whole unit): 户籍 married WCBA, logic errors and 期末人口; and the unit's
    open E findings."""

    married_wcba: Mapping[str, int]
    logic_errors: Mapping[str, int]
    population: Mapping[str, int]
    open_errors: int = 0

    @property
    def total_logic_errors(self) -> int:
        return self.logic_errors.get("", 0)


def _column(tables: Sequence[Table], sheet: str, header: str) -> dict[str, int]:
    table = next(t for t in tables if t.spec.key == sheet)
    return {row.code: int(table.value(row, header) or 0) for row in table.rows}


def shared_figures(tables: Sequence[Table], logic_errors: Mapping[str, int], open_errors: int) -> SharedFigures:
    """The shared quantities from the figure sheets and the logic errors per village (summed into '')."""
    married = _column(tables, CONTRACEPTION.key, MARRIED_WCBA)
    errors = {code: int(logic_errors.get(code, 0)) for code in married if code}
    errors[""] = sum(errors.values())
    return SharedFigures(married, errors, _column(tables, POPULATION.key, POPULATION_END), open_errors)


def add_counts(
    counts: Mapping[str, dict[str, list[int]]], figures: Mapping[str, Mapping[str, Mapping[str, int]]]
) -> None:
    """Add per-village counts (sheet key → village → column → n) into the sheets' count rows (sheet key →
    village → counts aligned with the sheet's count columns)."""
    for spec in FIGURE_SHEETS:
        headers = spec.count_headers
        for village, columns in figures.get(spec.key, {}).items():
            row = counts[spec.key].setdefault(village, [0] * len(headers))
            for header, n in columns.items():
                row[headers.index(header)] += n
