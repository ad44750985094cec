"""Marital status and its dates as a new member brings them (迁入, 流入): what each status needs.

The audit demands them (REQ3 初婚日期 for the ever-married, REQ4 婚姻变动日期 for 22 23 30 40, MAR3 no dates
for 10 未婚, MAR8 the change not before the first marriage); a line that adds a member asks for them at once.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["CHANGE_STATUSES", "EVER_MARRIED", "marital_problem", "needs_change_date", "needs_first_marriage"]

EVER_MARRIED = frozenset({"20", "21", "22", "23", "30", "40"})
CHANGE_STATUSES = frozenset({"22", "23", "30", "40"})


def needs_first_marriage(status: str | None) -> bool:
    """Whether a person of this status needs a 初婚日期."""
    return (status or "") in EVER_MARRIED


def needs_change_date(status: str | None) -> bool:
    """Whether a person of this status needs a 婚姻变动日期 (再婚, 复婚, 丧偶, 离婚)."""
    return (status or "") in CHANGE_STATUSES


def marital_problem(status: str | None, first: dt.date | None, change: dt.date | None,
                    born: dt.date | None) -> str | None:  # fmt: skip
    """The Chinese message for marital facts that do not fit together, or None."""
    status = status or ""
    if status in ("", "10", "90"):
        if first is not None or change is not None:
            return "未婚（或未说明）不应填写初婚日期或婚姻变动日期。"
        return None
    if first is None:
        return "已婚、丧偶或离婚的人请填写初婚日期。"
    if born is not None and first < born:
        return f"初婚日期 {first.isoformat()} 早于出生日期 {born.isoformat()}。"
    if status in CHANGE_STATUSES:
        if change is None:
            return "再婚、复婚、丧偶或离婚的人请填写婚姻变动日期。"
        if change < first:
            return f"婚姻变动日期 {change.isoformat()} 早于初婚日期 {first.isoformat()}。"
    elif change is not None:
        return "初婚（未再婚）的人不应填写婚姻变动日期。"
    return None
