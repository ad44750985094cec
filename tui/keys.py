"""The reporting month the screens share (the keys themselves are in :mod:`tui.bindings`)."""

from __future__ import annotations

import datetime as dt


def reporting_month(today: dt.date | None = None) -> str:
    """The month clerks key and report now: the previous one (reports come in by the 5th), ``YYYY-MM``."""
    first = (today or dt.date.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")
