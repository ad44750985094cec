"""Reporting months (报告月份) and the month in which a change is counted (统计月份).

A month is ``YYYY-MM`` text. Once a unit's month is closed (封账), a change dated in it is no longer counted
there: it is counted, as a late report (补报), in the first open month from the month it is entered in.
Each change's counting month is decided once, when it is recorded (:func:`counting_month`); reopening or
closing months later never moves it. Pure functions: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

__all__ = ["counting_month", "is_late", "month_of", "next_month", "reporting_month", "valid_month"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_of(day: dt.date | dt.datetime) -> str:
    """The ``YYYY-MM`` month of a date or date-time."""
    return f"{day.year:04d}-{day.month:02d}"


def next_month(month: str) -> str:
    """The month after `month` (``2026-12`` → ``2027-01``)."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def valid_month(text: str) -> bool:
    """Whether `text` is a ``YYYY-MM`` month."""
    return bool(_MONTH.fullmatch(text or ""))


def counting_month(event_date: dt.date, entered_at: dt.date | dt.datetime, closed_months: Collection[str]) -> str:
    """The month a change dated `event_date`, entered at `entered_at`, is counted in, given the months
    closed for its village at entry time: its own month while that is open; else the first open month from
    the later of its own month and the month of entry (a late report, 补报)."""
    own = month_of(event_date)
    if own not in closed_months:
        return own
    month = max(own, month_of(entered_at))
    while month in closed_months:
        month = next_month(month)
    return month


def is_late(event_date: dt.date, report_month: str | None) -> bool:
    """Whether a change is counted after the month it is dated in (补报)."""
    return bool(report_month) and month_of(event_date) < str(report_month)


def reporting_month(today: dt.date) -> str:
    """The month being reported on `today`: the previous calendar month (returns are sent after month end)."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return month_of(first)
