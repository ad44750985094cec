"""Date arithmetic of the audit conventions (`docs/spec/rules.md`): 周岁 ages, year and month offsets, "future".

A 29 February birthday is reached on 1 March in common years; "x months before D" is the same day of
the month x months earlier, clamped to that month's end.
"""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["add_years", "age", "fmt", "is_future", "months_before"]


def age(birth: dt.date, at: dt.date) -> int:
    """Completed years (周岁) at `at` of a person born on `birth` (negative before the birth)."""
    years = at.year - birth.year
    if (at.month, at.day) < (birth.month, birth.day):
        years -= 1
    return years


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February → 1 March in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(day.year + years, 3, 1)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` earlier, clamped to the end of that month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= 28:
        return dt.date(year, month, day.day)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_future(day: dt.date | None, cut: dt.date) -> bool:
    """Whether `day` is after `cut` (= the later of `as_of` and the run day)."""
    return day is not None and day > cut


def fmt(value: object) -> str:
    """A value as shown in a message: dates as YYYY-MM-DD, None as 空."""
    if value is None or value == "":
        return "空"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
