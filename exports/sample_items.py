"""The main items (主要数据项) checked for each woman of the verification sample, and how results are read.

An item's recorded value is printed on the checklist; the verifier writes the result beside it: a tick
(√) when the record is right, else the correct value (or just ×). Writing the recorded value itself also
counts as right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.codes import TABLES

CORRECT_MARKS = frozenset({"√", "✓", "✔", "☑", "对", "正确", "无误", "核实无误", "是", "ok", "OK", "Ok"})
WRONG_MARKS = frozenset({"×", "✗", "✘", "☒", "x", "X", "错", "错误", "不对", "否"})


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def _woman(person: dict[str, Any]) -> dict[str, Any]:
    return person.get("woman") or {}


def _births(person: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in _woman(person).get("children") or () if c.get("blood") == "1"]


def _children(person: dict[str, Any]) -> str:
    return str(len(_births(person)))


def _last_birth(person: dict[str, Any]) -> str:
    dates = [c["birth_date"] for c in _births(person) if c.get("birth_date")]
    return _date(max(dates)) if dates else ""


def _method(person: dict[str, Any]) -> str:
    contraception = _woman(person).get("contraception") or {}
    return TABLES["contraception_method"].label(contraception.get("method")) if contraception.get("method") else ""


def _pregnant(person: dict[str, Any]) -> str:
    open_ = [g for g in _woman(person).get("pregnancies") or () if g.get("outcome") is None and g.get("lmp")]
    return "现孕" if open_ else "未孕"


def _marital(person: dict[str, Any]) -> str:
    return TABLES["marital_status"].label(person.get("marital_status")) if person.get("marital_status") else ""


@dataclass(frozen=True)
class Item:
    """A main item: its key, its header on the checklist, its width and how to print the recorded value."""

    key: str
    label: str
    width: float
    recorded: Callable[[dict[str, Any]], str]


ITEMS: tuple[Item, ...] = (
    Item("name", "姓名", 8, lambda p: p.get("name") or ""),
    Item("id_number", "身份证号", 19, lambda p: p.get("id_number") or ""),
    Item("marital_status", "婚姻状况", 6, _marital),
    Item("first_marriage_date", "初婚日期", 10.5, lambda p: _date(p.get("first_marriage_date"))),
    Item("children", "子女数", 5, _children),
    Item("last_birth", "末孩出生日期", 10.5, _last_birth),
    Item("contraception", "避孕节育措施", 10, _method),
    Item("pregnancy", "现孕情况", 6, _pregnant),
)
ITEM_BY_LABEL = {item.label: item for item in ITEMS}


def _plain(text: str) -> str:
    return "".join(str(text).split())


def judge(recorded: str, result: Any) -> bool | None:
    """True when the verifier marked the item right, False when wrong, None when not verified (blank)."""
    if result is None:
        return None
    text = _plain(result if not isinstance(result, float) or not result.is_integer() else int(result))
    if not text:
        return None
    if text in CORRECT_MARKS:
        return True
    if text in WRONG_MARKS:
        return False
    return text == _plain(recorded)


def corrected_value(result: Any) -> str:
    """The value the verifier wrote (empty for a bare mark)."""
    if result is None:
        return ""
    text = str(result).strip()
    return "" if _plain(text) in CORRECT_MARKS or _plain(text) in WRONG_MARKS else text
