"""The figures of one month per village, as sent: a village whose month is closed (by its own close or by
a close of a unit containing it) gives the figures kept at closing (`exports.monthly_frozen`), any other
village the figures computed from the records now. The period returns and the 本年累计 columns sum these,
so a period agrees with the monthly returns the county received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from exports import monthly_data
from exports.monthly_figures import add_counts
from exports.monthly_frozen import from_json
from exports.monthly_model import MonthlyReturns
from exports.request import Dates, Month
from exports.returns_spec import FIGURE_SHEETS, POPULATION, YTD_COLUMNS
from store import months

__all__ = ["MonthFigures", "add_late", "base_headers", "counts_from_table_rows", "month_figures"]


def base_headers(key: str) -> tuple[str, ...]:
    """The count headers of a figure sheet that a month computes (the 本年累计 columns are sums of months)."""
    spec = next(s for s in FIGURE_SHEETS if s.key == key)
    return tuple(h for h in spec.count_headers if h not in YTD_COLUMNS)


def add_late(population: dict[str, list[int]], late: dict[str, dict[str, int]], headers: Sequence[str]) -> None:
    """Put the 补报 counts (:func:`exports.monthly_data.read_late`) into the 人口变动 counts per village."""
    for village, columns in late.items():
        row = population.setdefault(village, [0] * len(headers))
        for header, n in columns.items():
            row[list(headers).index(header)] += n


@dataclass
class MonthFigures:
    """sheet key → village code → counts (aligned with :func:`base_headers`); and, per village, the close
    its figures were taken from (None: computed from the records now)."""

    month: str
    counts: dict[str, dict[str, list[int]]]
    closes: dict[str, months.ClosedMonth | None] = field(default_factory=dict)

    @property
    def closed_villages(self) -> int:
        return sum(1 for c in self.closes.values() if c is not None)


def counts_from_table_rows(kept: MonthlyReturns, key: str, village: str) -> list[int] | None:
    """A village's counts of a sheet in kept (closed) returns, by header (columns a later version added
    count 0); None when the village has no row there."""
    table = next((t for t in kept.tables if t.spec.key == key), None)
    if table is None:
        return None
    row = next((r for r in table.rows if r.code == village), None)
    if row is None:
        return None
    values = {c.header: v for c, v in zip(table.spec.columns, row.values, strict=True) if c.kind == "count"}
    return [int(values.get(h) or 0) for h in base_headers(key)]


def _covering(village: str, closes: Sequence[months.ClosedMonth]) -> months.ClosedMonth | None:
    found = [c for c in closes if village.startswith(c.unit_code)]
    return max(found, key=lambda c: len(c.unit_code)) if found else None


async def live_counts(prefix: str, month: Month, villages: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """Every figure sheet's base counts per village computed from the records now (补报 included)."""
    counts = (await monthly_data.read_counts(prefix, month, villages)).counts
    add_counts(counts, await monthly_data.read_history_figures(prefix, month))
    out = {spec.key: {v: [row[i] for i in _base_slots(spec.key)] for v, row in counts[spec.key].items()}
           for spec in FIGURE_SHEETS}  # fmt: skip
    add_late(out[POPULATION.key], await monthly_data.read_late(prefix, month), base_headers(POPULATION.key))
    return out


def _base_slots(key: str) -> list[int]:
    spec = next(s for s in FIGURE_SHEETS if s.key == key)
    return [i for i, h in enumerate(spec.count_headers) if h not in YTD_COLUMNS]


async def month_figures(
    prefix: str, month: Month, villages: Sequence[str], *, cache: dict[int, MonthlyReturns] | None = None
) -> MonthFigures:
    """The month's base counts of the unit `prefix` per village (see the module docstring)."""
    cache = {} if cache is None else cache
    rows = await months.closes_of_month(month.text)
    covering = {v: _covering(v, rows) for v in villages}
    counts: dict[str, dict[str, list[int]]] = {spec.key: {} for spec in FIGURE_SHEETS}
    if any(c is None for c in covering.values()):
        counts = await live_counts(prefix, month, villages)
    for village, close in covering.items():
        if close is None:
            continue
        kept = cache.get(close.id)
        if kept is None:
            kept = cache[close.id] = from_json(months.verified_figures(close))
        for spec in FIGURE_SHEETS:
            found = counts_from_table_rows(kept, spec.key, village)
            counts[spec.key][village] = found if found is not None else [0] * len(base_headers(spec.key))
    return MonthFigures(month.text, counts, covering)


#: the 人口变动 columns the 本年累计 columns sum (counts over time: additive over any stretch of days)
FLOW_HEADERS = tuple(YTD_COLUMNS.values())


async def earlier_in_year(prefix: str, month: Month, villages: Sequence[str], start_month: int) -> dict[str, list[int]]:
    """village → the 人口变动 base counts of the 本年累计 columns (:data:`FLOW_HEADERS`; the others 0) summed over
    the months of `month`'s statistical year before it, each as sent: a month closed for some village from
    the kept figures (:func:`month_figures`); a stretch of months open for every village counted from the
    records in one pass over its days (its flows are the sum of its months')."""
    from store.domain.periods import year_to_date

    base = base_headers(POPULATION.key)
    slots = [base.index(h) for h in FLOW_HEADERS]
    out: dict[str, list[int]] = {}

    def add(counts: dict[str, list[int]]) -> None:
        for village, row in counts.items():
            total = out.setdefault(village, [0] * len(base))
            for i in slots:
                total[i] += row[i]

    cache: dict[int, MonthlyReturns] = {}
    run: list[Month] = []

    async def flush() -> None:
        if run:
            stretch = Dates(run[0].first, run[-1].last)
            counts = (await monthly_data.read_counts(prefix, stretch, villages)).counts[POPULATION.key]
            add({v: [row[i] for i in _base_slots(POPULATION.key)] for v, row in counts.items()})
            run.clear()

    for text in year_to_date(month.text, start_month)[:-1]:
        earlier = Month(int(text[:4]), int(text[5:7]))
        closes = await months.closes_of_month(text)
        if not any(_covering(v, closes) for v in villages) and not any(prefix.startswith(c.unit_code) for c in closes):
            run.append(earlier)
            continue
        await flush()
        add((await month_figures(prefix, earlier, villages, cache=cache)).counts[POPULATION.key])
    await flush()
    return out


def fill_year_to_date(population: dict[str, list[int]], earlier: dict[str, list[int]]) -> None:
    """Set the 本年累计 columns of the month's 人口变动 counts (full count rows, `POPULATION.count_headers`):
    the earlier months' sums (:func:`earlier_in_year`) plus the month's own."""
    headers = POPULATION.count_headers
    base = base_headers(POPULATION.key)
    width = len(headers)
    for village in set(population) | set(earlier):
        row = population.setdefault(village, [0] * width)
        before = earlier.get(village, [0] * len(base))
        for ytd, column in YTD_COLUMNS.items():
            row[headers.index(ytd)] = row[headers.index(column)] + before[base.index(column)]
