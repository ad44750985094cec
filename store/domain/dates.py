"""Dates in records (a date, or ISO text as drafts and forms hold them) and ages in completed years (周岁)."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["age_on", "date_or_none", "report_day", "to_date"]


def to_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or ISO text (its first 10 characters); None for None or ''; ValueError
    for text that is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def date_or_none(value: Any) -> dt.date | None:
    """Like :func:`to_date`, but None for text that is not a date."""
    try:
        return to_date(value)
    except ValueError:
        return None


def age_on(birth_date: Any, on: dt.date) -> int | None:
    """Completed years (周岁) on a date, or None without a (valid) birth date."""
    born = date_or_none(birth_date)
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def report_day(month: str, today: dt.date) -> dt.date:
    """The suggested report date of a line keyed for `month` (``YYYY-MM``): today when today is in that
    month, else the month's last day (a month keyed after it ended), or its first day (keyed ahead)."""
    year, number = (int(part) for part in month.split("-"))
    first = dt.date(year, number, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return min(max(today, first), last)
