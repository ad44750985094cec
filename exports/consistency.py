"""Internal consistency checks of the returns (`docs/spec/domain.md` §6.5), evaluated on the computed figures.

Each check compares two signed sums of columns of one sheet in every row (villages and 合计); each
cross-sheet check compares a column of one sheet with a column of another in every row both have (the
quantities several sheets show, :mod:`exports.monthly_figures`, and the subsets one sheet counts of
another's). A failed check never stops the export: the cells involved are flagged and the 说明 sheet lists
it with a hint at the usual cause in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from exports.monthly_figures import SharedFigures
from exports.monthly_tables import Table
from exports.quality_source import QualitySheet
from exports.returns_spec import (
    BIRTHS,
    CONTRACEPTION,
    FLOWS,
    METHOD_HEADERS,
    NOTES_SHEET,
    POPULATION,
    PREGNANCY,
    QUALITY_SHEET,
)

Terms = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Check:
    """``sum(left) op sum(right)`` with op ``=`` or ``≤``; `hint` says what in the data breaks it."""

    sheet: str
    left: Terms
    op: str
    right: Terms
    hint: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(h for h, _ in (*self.left, *self.right))

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """(sheet, header) of every column the check involves."""
        return tuple((self.sheet, h) for h in self.headers)

    @property
    def text(self) -> str:
        return f"{_terms_text(self.left)} {self.op} {_terms_text(self.right)}"

    def where(self, row_label: str) -> str:
        return f"{self.sheet}表 {row_label}"


@dataclass(frozen=True)
class CrossCheck:
    """``left_sheet.left op right_sheet.right`` in every row (unit) both sheets have."""

    left_sheet: str
    left: str
    op: str
    right_sheet: str
    right: str
    hint: str = ""

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        return ((self.left_sheet, self.left), (self.right_sheet, self.right))

    @property
    def text(self) -> str:
        return f"{self.left_sheet}表“{self.left}” {self.op} {self.right_sheet}表“{self.right}”"

    def where(self, row_label: str) -> str:
        return row_label


@dataclass(frozen=True)
class Violation:
    """A check that fails in one row."""

    check: Check | CrossCheck
    row_label: str
    row_code: str
    left: int
    right: int

    @property
    def message(self) -> str:
        return (
            f"{self.check.where(self.row_label)}：{self.check.text} 不成立"
            f"（左边 {self.left}，右边 {self.right}）。{self.check.hint}"
        )


def _terms_text(terms: Terms) -> str:
    text = ""
    for header, sign in terms:
        if not text:
            text = header if sign > 0 else f"−{header}"
        else:
            text += f" {'+' if sign > 0 else '−'} {header}"
    return text


def _plus(*headers: str) -> Terms:
    return tuple((h, 1) for h in headers)


CHECKS: tuple[Check, ...] = (
    Check(
        POPULATION.name,
        _plus("期末人口"),
        "=",
        (("期初人口", 1), ("出生", 1), ("死亡", -1), ("迁入", 1), ("迁出", -1), ("其他减少", -1)),
        "请检查迁入、死亡、注销日期是否早于出生日期或迁入日期。",
    ),
    Check(
        BIRTHS.name,
        _plus("男", "女"),
        "=",
        _plus("出生合计"),
        "通常是生养史中孩子的性别为“未知”或“未说明”，请补录性别。",
    ),
    Check(
        BIRTHS.name,
        _plus("一孩", "二孩", "三孩及以上"),
        "=",
        _plus("出生合计"),
        "通常是生养史中孩子的孩次为空，请补录孩次。",
    ),
    Check(
        BIRTHS.name,
        _plus("政策内", "政策外"),
        "=",
        _plus("出生合计"),
        "通常是生养史中孩子的政策属性为空，请补录政策属性。",
    ),
    Check(CONTRACEPTION.name, _plus(*METHOD_HEADERS), "=", _plus("措施合计")),
    Check(CONTRACEPTION.name, _plus("措施合计"), "≤", _plus("已婚育龄妇女")),
    Check(PREGNANCY.name, _plus("其中未达法定婚龄"), "≤", _plus("女性初婚人数")),
    Check(FLOWS.name, _plus("流入已婚育龄妇女"), "≤", _plus("流入人口")),
    Check(FLOWS.name, _plus("流出已婚育龄妇女"), "≤", _plus("流出人口")),
    Check(FLOWS.name, _plus("本月新增流入"), "≤", _plus("流入人口")),
    Check(FLOWS.name, _plus("本月新增流出"), "≤", _plus("流出人口")),
)


#: the 说明 sheet's figures, by the names the cross checks use
NOTE_OPEN_ERRORS = "未处理的错误"
NOTE_LOGIC_ERRORS = "逻辑错误条数"

CROSS_CHECKS: tuple[CrossCheck, ...] = (
    CrossCheck(CONTRACEPTION.name, "已婚育龄妇女", "=", QUALITY_SHEET, "已婚育龄妇女数",
               "两表的已婚育龄妇女应为同一口径（月末在册的户籍已婚育龄妇女）。"),
    CrossCheck(QUALITY_SHEET, "逻辑错误条数", "=", NOTES_SHEET, NOTE_LOGIC_ERRORS,
               "质量表的逻辑错误条数应与说明中的逻辑错误条数相同。"),
    CrossCheck(NOTES_SHEET, NOTE_LOGIC_ERRORS, "≤", NOTES_SHEET, NOTE_OPEN_ERRORS,
               "逻辑错误是未处理错误的一部分。"),
    CrossCheck(FLOWS.name, "流出已婚育龄妇女", "≤", CONTRACEPTION.name, "已婚育龄妇女",
               "流出的已婚育龄妇女是户籍已婚育龄妇女的一部分。"),
    CrossCheck(FLOWS.name, "流出人口", "≤", POPULATION.name, "期末人口", "流出人口是户籍人口的一部分。"),
)  # fmt: skip


def _sum(table: Table, values: Sequence[object], terms: Terms) -> int:
    return sum(int(values[table.spec.index(h)] or 0) * sign for h, sign in terms)


def evaluate(
    tables: Iterable[Table],
    checks: Sequence[Check] = CHECKS,
    *,
    quality: QualitySheet | None = None,
    figures: SharedFigures | None = None,
    cross: Sequence[CrossCheck] = CROSS_CHECKS,
) -> list[Violation]:
    """Every failed check in every row of `tables`, in sheet and row order; then every failed cross-sheet
    check over `tables`, the 质量 sheet (`quality`) and the 说明 figures (`figures`), those present."""
    tables = list(tables)
    found: list[Violation] = []
    for table in tables:
        mine = [c for c in checks if c.sheet == table.spec.name]
        for row in table.rows:
            for check in mine:
                left, right = _sum(table, row.values, check.left), _sum(table, row.values, check.right)
                if (check.op == "=" and left != right) or (check.op == "≤" and left > right):
                    found.append(Violation(check, row.label, row.code, left, right))
    found.extend(_cross(_sheet_values(tables, quality, figures), cross))
    return found


#: sheet name → row code → (row label, header → value)
SheetValues = dict[str, dict[str, tuple[str, Mapping[str, object]]]]


def _sheet_values(tables: Sequence[Table], quality: QualitySheet | None, figures: SharedFigures | None) -> SheetValues:
    out: SheetValues = {}
    for table in tables:
        out[table.spec.name] = {
            row.code: (row.label, dict(zip((c.header for c in table.spec.columns), row.values, strict=True)))
            for row in table.rows
        }
    if quality is not None:
        headers = [c.header for c in quality.columns]
        out[QUALITY_SHEET] = {r.code: (r.label, dict(zip(headers, r.values, strict=True))) for r in quality.rows}
    if figures is not None:
        notes = {NOTE_OPEN_ERRORS: figures.open_errors, NOTE_LOGIC_ERRORS: figures.total_logic_errors}
        out[NOTES_SHEET] = {"": ("合计", notes)}
    return out


def _cross(values: SheetValues, checks: Sequence[CrossCheck]) -> list[Violation]:
    found = []
    for check in checks:
        left_rows, right_rows = values.get(check.left_sheet), values.get(check.right_sheet)
        if left_rows is None or right_rows is None:
            continue
        for code, (label, left_values) in left_rows.items():
            if code not in right_rows:
                continue
            left = int(left_values.get(check.left) or 0)  # type: ignore[call-overload]
            right = int(right_rows[code][1].get(check.right) or 0)  # type: ignore[call-overload]
            if (check.op == "=" and left != right) or (check.op == "≤" and left > right):
                found.append(Violation(check, label, code, left, right))
    return found
