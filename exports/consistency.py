"""Internal consistency checks of the returns (`docs/spec/domain.md` §6.5), evaluated on the computed figures.

Each check compares two signed sums of columns of one sheet in every row (villages and 合计). A failed
check never stops the export: the cells involved are flagged and the 说明 sheet lists it with a hint at
the usual cause in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from exports.monthly_tables import Table
from exports.returns_spec import BIRTHS, CONTRACEPTION, FLOWS, METHOD_HEADERS, POPULATION, PREGNANCY

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
    def text(self) -> str:
        return f"{_terms_text(self.left)} {self.op} {_terms_text(self.right)}"


@dataclass(frozen=True)
class Violation:
    """A check that fails in one row."""

    check: Check
    row_label: str
    row_code: str
    left: int
    right: int

    @property
    def message(self) -> str:
        return (
            f"{self.check.sheet}表 {self.row_label}：{self.check.text} 不成立"
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


def _sum(table: Table, values: Sequence[object], terms: Terms) -> int:
    return sum(int(values[table.spec.index(h)] or 0) * sign for h, sign in terms)


def evaluate(tables: Iterable[Table], checks: Sequence[Check] = CHECKS) -> list[Violation]:
    """Every failed check in every row of `tables`, in sheet and row order."""
    found: list[Violation] = []
    for table in tables:
        mine = [c for c in checks if c.sheet == table.spec.name]
        for row in table.rows:
            for check in mine:
                left, right = _sum(table, row.values, check.left), _sum(table, row.values, check.right)
                if (check.op == "=" and left != right) or (check.op == "≤" and left > right):
                    found.append(Violation(check, row.label, row.code, left, right))
    return found
