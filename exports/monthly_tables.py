"""Village rows and the 合计 row of a figure sheet, with rates recomputed from counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exports.returns_spec import TOTAL_LABEL, SheetSpec

Value = int | float | None


@dataclass(frozen=True)
class TableRow:
    """One row of a figure sheet: the unit's code ('' for 合计), its label and the figure values."""

    code: str
    label: str
    values: tuple[Value, ...]

    @property
    def is_total(self) -> bool:
        return self.code == ""


@dataclass(frozen=True)
class Table:
    """A figure sheet's rows: villages in code order, then 合计."""

    spec: SheetSpec
    rows: tuple[TableRow, ...]

    def value(self, row: TableRow, header: str) -> Value:
        return row.values[self.spec.index(header)]


def _figures(spec: SheetSpec, counts: Sequence[int]) -> tuple[Value, ...]:
    """All column values of a row from its count columns (rates and ratios computed). A rate is blank when
    its denominator is 0; a ratio (出生人口性别比) also when its numerator is 0: with no boys or no girls
    it is undefined, not 0."""
    by_header = dict(zip(spec.count_headers, counts, strict=True))
    values: list[Value] = []
    for column in spec.columns:
        if column.kind == "count":
            values.append(by_header[column.header])
            continue
        numerator, denominator = by_header[column.numerator], by_header[column.denominator]
        undefined = not denominator or (column.kind == "ratio" and not numerator)
        values.append(None if undefined else numerator / denominator * column.scale)
    return tuple(values)


def build_table(spec: SheetSpec, villages: Sequence[tuple[str, str]], counts: Mapping[str, Sequence[int]]) -> Table:
    """Rows for `villages` ((code, name) in order; villages without counts get zeros), then 合计."""
    width = len(spec.count_headers)
    rows = []
    total = [0] * width
    listed = {code for code, _ in villages}
    extra = [(code, code) for code in sorted(counts) if code not in listed]
    for code, name in [*villages, *extra]:
        village_counts = counts.get(code) or [0] * width
        total = [a + b for a, b in zip(total, village_counts, strict=True)]
        rows.append(TableRow(code, name, _figures(spec, village_counts)))
    rows.append(TableRow("", TOTAL_LABEL, _figures(spec, total)))
    return Table(spec, tuple(rows))
