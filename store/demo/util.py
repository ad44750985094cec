"""Small helpers of the generator: weighted choice and whole-day / whole-year date arithmetic."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import accumulate
from typing import Any


class WeightedChoice:
    """Weighted choice over fixed items (bisect over cumulative weights: fast)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [p[0] for p in pairs]
        self.cum = list(accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cum, rng.random() * self.total)]


def add_years(d: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March (the day the age is reached)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return date(d.year + years, 3, 1)


def age_at(birth: date, d: date) -> int:
    """Completed years (周岁) at `d`."""
    return d.year - birth.year - ((d.month, d.day) < (birth.month, birth.day))


def iso(d: date | None) -> str | None:
    """ISO date text, or None."""
    return d.isoformat() if d is not None else None


def days(n: int) -> timedelta:
    """A span of `n` whole days."""
    return timedelta(days=n)
