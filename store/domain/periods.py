"""Statistical years and their periods (统计年度, 上半年/下半年, 全年) for the period returns.

A database's statistical year starts in January (January–December, the default) or in October
(October–September, the former population-and-family-planning statistical year). A statistical year is named
by the calendar year it ends in: with an October start, ``2026`` runs from 2025-10 to 2026-09. A period is
named ``YYYY`` (the whole year), ``YYYY-H1`` or ``YYYY-H2`` (its first or second six months). Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["STAT_YEAR_STARTS", "Period", "parse_period", "period_of_month", "year_to_date"]

#: the months a statistical year may start in
STAT_YEAR_STARTS = (1, 10)

_PERIOD = re.compile(r"(\d{4})(?:-[Hh]([12]))?")


def _add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Period:
    """A period of a statistical year: `half` 0 (the whole year), 1 or 2."""

    year: int
    half: int
    start_month: int = 1

    @property
    def months(self) -> tuple[str, ...]:
        """Its months, ``YYYY-MM``, in order."""
        first_year, first = _add(self.year, self.start_month, -12) if self.start_month != 1 else (self.year, 1)
        skip, count = {0: (0, 12), 1: (0, 6), 2: (6, 6)}[self.half]
        out = []
        for n in range(skip, skip + count):
            y, m = _add(first_year, first, n)
            out.append(f"{y:04d}-{m:02d}")
        return tuple(out)

    @property
    def text(self) -> str:
        """``2026``, ``2026-H1`` or ``2026-H2``."""
        return str(self.year) if not self.half else f"{self.year}-H{self.half}"

    @property
    def label(self) -> str:
        """``2026年上半年`` / ``2026年下半年`` / ``2026年`` (``2026统计年度…`` for an October year)."""
        year = f"{self.year}年" if self.start_month == 1 else f"{self.year}统计年度"
        return year + {0: "", 1: "上半年", 2: "下半年"}[self.half]

    @property
    def span(self) -> str:
        """``2025年10月至2026年3月``."""
        first, last = self.months[0], self.months[-1]
        return f"{int(first[:4])}年{int(first[5:])}月至{int(last[:4])}年{int(last[5:])}月"


def parse_period(text: str, start_month: int = 1) -> Period | None:
    """The period named by ``YYYY``, ``YYYY-H1`` or ``YYYY-H2``; None when `text` is not one."""
    match = _PERIOD.fullmatch((text or "").strip())
    if match is None or int(match.group(1)) < 1900:
        return None
    return Period(int(match.group(1)), int(match.group(2) or 0), start_month)


def period_of_month(month: str, start_month: int = 1) -> Period:
    """The statistical year (a whole-year :class:`Period`) a ``YYYY-MM`` month belongs to."""
    year, number = int(month[:4]), int(month[5:7])
    return Period(year + 1 if start_month != 1 and number >= start_month else year, 0, start_month)


def year_to_date(month: str, start_month: int = 1) -> tuple[str, ...]:
    """The months of `month`'s statistical year up to and including it (本年累计)."""
    months = period_of_month(month, start_month).months
    return months[: months.index(month) + 1]
