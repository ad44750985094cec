"""The entry fields of each change kind on the monthly change entry screen (layout only, no data access).

A kind's fields are rows of (name, label, widget). :func:`build_rows` makes fresh widgets for a kind and
:func:`read_values` turns what was typed into the ``fields`` dict of :func:`store.changes.apply_change`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from tui.widgets import CodeField, DateField, IdField, SafeInput

__all__ = ["FIELD_ROWS", "build_rows", "read_values", "shown_texts"]


def _text(width: int, restrict: str | None = None, *, select_on_focus: bool = True) -> Callable[[str], Widget]:
    def make(name: str) -> Widget:
        field = SafeInput(advance_on_enter=True, max_length=width, select_on_focus=select_on_focus, name=name)
        field.styles.width = width + 1
        if restrict:
            field.restrict = restrict
        return field

    return make


def _code(table: str, default: str | None = None) -> Callable[[str], Widget]:
    return lambda name: CodeField(table, default, name=name)


def _date(name: str) -> Widget:
    return DateField(future="error", name=name)


def _later(name: str) -> Widget:
    """A date that may be in the future (预产期)."""
    return DateField(future="allow", name=name)


def _id(name: str) -> Widget:
    return IdField(name=name)


Row = list[tuple[str, str, Callable[[str], Widget]]]

# the ID number before sex and birth date: a valid number fills them
_PERSON: list[Row] = [
    [("name", "姓名", _text(8)), ("id_number", "身份证号", _id)],
    [("sex", "性别", _code("sex")), ("birth_date", "出生日期", _date), ("relation", "关系", _code("relation"))],
]
_MARITAL: Row = [
    ("marital_status", "婚姻", _code("marital_status", "10")),
    ("first_marriage_date", "初婚", _date),
    ("marriage_change_date", "婚变", _date),
]
#: fields holding a yes/no answer (Y 是, N 否), read as a bool
YES_NO = frozenset({"join"})

#: kind → rows of (field name, label, widget factory); the values are read by :func:`read_values`.
FIELD_ROWS: dict[str, list[Row]] = {
    "birth": [
        [
            ("order", "孩次", _text(2, r"[0-9]*")),
            ("name", "姓名", _text(8, select_on_focus=False)),
            ("sex", "性别", _code("sex")),
        ],
        [("birth_date", "出生日期", _date), ("id_number", "身份证号", _id)],
        [("policy", "政策属性", _code("child_policy")), ("blood", "血缘", _code("child_blood", "1"))],
    ],
    "death": [[("date", "死亡日期", _date), ("new_head", "新户主序号", _text(2, r"[0-9]*"))]],
    "move_in": [
        *_PERSON,
        [
            ("date", "迁入日期", _date),
            ("from_code", "迁出地代码", _text(6, r"[0-9]*")),
            ("reason", "迁入原因", _text(8)),
        ],
        _MARITAL,
    ],
    "move_out": [
        [("date", "迁出日期", _date), ("reason", "原因", _code("cancel_reason", "02"))],
        [("to_code", "迁往地代码", _text(6, r"[0-9]*")), ("to_place", "迁往地", _text(16))],
    ],
    "marriage": [
        [("status", "婚姻状况", _code("marital_status")), ("date", "结婚日期", _date)],
        [("spouse_name", "配偶姓名", _text(8)), ("spouse_id_number", "配偶身份证", _id)],
        [("spouse_place_code", "配偶户籍地", _text(12, r"[0-9]*")), ("join", "迁入本户Y/N", _text(1, r"[YyNn]*"))],
    ],
    "divorce": [[("date", "离婚日期", _date)]],
    "widowed": [[("date", "丧偶日期", _date)]],
    "pregnancy": [[("lmp", "末次月经", _date), ("edd", "预产期", _later)], [("reported", "报告日期", _date)]],
    "outcome": [[("outcome", "妊娠结局", _code("pregnancy_outcome")), ("date", "结局日期", _date)]],
    "contraception": [
        [("method", "措施", _code("contraception_method")), ("date", "措施日期", _date)],
        [("failure", "失败类型", _code("contraception_failure"))],
    ],
    "inflow": [
        *_PERSON,
        [
            ("date", "流入日期", _date),
            ("place_code", "户籍地代码", _text(6, r"[0-9]*")),
            ("reason", "流动原因", _text(8)),
        ],
        _MARITAL,
    ],
    "outflow": [
        [("date", "流出日期", _date), ("place_code", "流入地代码", _text(6, r"[0-9]*"))],
        [("place", "流入地", _text(16)), ("reason", "原因", _text(8))],
    ],
    "cancel": [[("reason", "注销原因", _code("cancel_reason", "99")), ("date", "注销日期", _date)]],
}


def build_rows(kind: str) -> list[list[tuple[str, str, Widget]]]:
    """Fresh widgets for the fields of a kind, named by their field (``widget.name``)."""
    rows = []
    for row in FIELD_ROWS.get(kind, []):
        built = []
        for name, label, make in row:
            widget = make(name)
            built.append((name, label, widget))
        rows.append(built)
    return rows


def value_of(widget: Widget) -> Any:
    """What a field holds: a date, a code, or text (None when empty)."""
    if isinstance(widget, DateField):
        return widget.value_date
    if isinstance(widget, CodeField):
        return widget.code
    if isinstance(widget, IdField):
        return widget.value.strip() or None
    if isinstance(widget, SafeInput):
        return widget.value.strip() or None
    return None


def problem_of(widget: Widget) -> str | None:
    """The field's own error (an impossible date, an unknown code, a wrong ID), or None."""
    if isinstance(widget, DateField | CodeField | IdField):
        return widget.error
    return None


def read_values(widgets: dict[str, Widget]) -> dict[str, Any]:
    """The fields dict of the kind from its widgets."""
    values = {name: value_of(widget) for name, widget in widgets.items()}
    for name in YES_NO & values.keys():
        values[name] = str(values[name] or "").upper() == "Y" or None
    return {k: v for k, v in values.items() if v is not None}


def shown_texts(widgets: dict[str, Widget]) -> dict[str, str]:
    """The text each field shows (a kind's defaults included), to tell a line the clerk has keyed from one
    that is as the kind starts."""
    return {name: str(getattr(widget, "value", "") or "").strip() for name, widget in widgets.items()}


def set_value(widget: Widget, value: Any) -> None:
    """Put a suggested value in a field."""
    if isinstance(widget, DateField):
        widget.value_date = value if isinstance(value, dt.date) else None
    elif isinstance(widget, CodeField):
        widget.code = value
    elif isinstance(widget, IdField):
        widget.value = "" if value is None else str(value)
    elif isinstance(widget, SafeInput):
        widget.value = "" if value is None else str(value)
        widget.cursor_position = len(widget.value)
