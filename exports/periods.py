"""``renkou export halfyear|annual``: the period returns (半年报、年报) of a statistical year
(`docs/spec/returns.md`, "Period returns").

A period's figures are its months' figures as sent (`exports.month_source`: a closed month's kept figures,
an open month's computed now), per village: counts over time are summed, a count at a moment is taken at the
period's start (期初人口) or end (期末人口, the women and flow stocks), rates are recomputed from the summed
counts. The 分月情况 sheet lists every month's 人口变动 figures, so the sum can be checked on paper.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from pathlib import Path

from exports import monthly_data
from exports.month_source import MonthFigures, base_headers, month_figures
from exports.monthly_data import ChangeRow
from exports.monthly_frozen import from_json
from exports.monthly_model import MonthlyReturns, Summary
from exports.monthly_tables import build_table
from exports.period_model import MONTHS_SPEC, MonthLine, PeriodReturns, Span
from exports.request import Month, Progress, real_name, resolve_unit, villages_of
from exports.returns_spec import (
    CLOSING_COLUMNS,
    FIGURE_SHEETS,
    OPENING_COLUMNS,
    POPULATION,
    SheetSpec,
    period_header,
)
from exports.target import AtomicFile, check_target, publish
from store import months, stat_year
from store.domain.periods import Period, parse_period
from store.errors import StoreError
from store.masking import mask_id

__all__ = ["build_period", "combine", "export_period", "period_request", "period_specs"]


def _period_spec(spec: SheetSpec) -> SheetSpec:
    """A figure sheet as the period returns show it: its month columns (no 本年累计), 本月 read as 本期."""
    base = set(base_headers(spec.key))
    columns = tuple(
        replace(c, header=period_header(c.header), group=period_header(c.group), numerator=period_header(c.numerator),
                denominator=period_header(c.denominator))
        for c in spec.columns
        if c.kind != "count" or c.header in base
    )  # fmt: skip
    return SheetSpec(spec.key, spec.name, spec.title, columns)


def period_specs() -> tuple[SheetSpec, ...]:
    """The figure sheets of the period returns."""
    return tuple(_period_spec(spec) for spec in FIGURE_SHEETS)


def combine(key: str, figures: list[MonthFigures]) -> dict[str, list[int]]:
    """village → a figure sheet's period counts from its months' counts (see the module docstring)."""
    headers = base_headers(key)
    out: dict[str, list[int]] = {}
    villages = sorted({v for f in figures for v in f.counts[key]})
    for village in villages:
        rows = [f.counts[key].get(village, [0] * len(headers)) for f in figures]
        values = []
        for i, header in enumerate(headers):
            if header in OPENING_COLUMNS:
                values.append(rows[0][i])
            elif header in CLOSING_COLUMNS:
                values.append(rows[-1][i])
            else:
                values.append(sum(r[i] for r in rows))
        out[village] = values
    return out


async def period_request(kind: str, text: str, *, today: dt.date | None = None) -> tuple[Period, tuple[str, ...]]:
    """The period asked for (``halfyear``: ``YYYY-H1``/``YYYY-H2``; ``annual``: ``YYYY``) on the database's
    statistical year, and its months that have begun."""
    start = await stat_year.stat_year_start()
    period = parse_period(text, start)
    if period is None or (kind == "halfyear") != bool(period.half):
        example = "2026-H1 或 2026-H2" if kind == "halfyear" else "2026"
        raise StoreError(f"期间 {(text or '').strip() or '（空）'} 无效，应写成 {example}。")
    today = today or dt.date.today()
    begun = tuple(m for m in period.months if dt.date(int(m[:4]), int(m[5:7]), 1) <= today)
    if not begun:
        raise StoreError(f"{period.label}（{period.span}）还没有开始，不能导出。")
    return period, begun


def _month(text: str) -> Month:
    return Month(int(text[:4]), int(text[5:7]))


def _state(figures: MonthFigures) -> str:
    """How a month's figures were obtained, in words."""
    closes = {c.id: c for c in figures.closes.values() if c is not None}
    if not closes:
        return "未封账"
    if figures.closed_villages == len(figures.closes):
        return "已封账"
    return f"部分封账（{figures.closed_villages} 个村）"


async def _month_changes(
    prefix: str, month: Month, names: dict[str, str], figures: MonthFigures, cache: dict[int, MonthlyReturns]
) -> list[ChangeRow]:
    """The month's change lines as sent: a closed village's from the kept returns, the others' now."""
    out = []
    if any(c is None for c in figures.closes.values()):
        live = await monthly_data.read_changes(prefix, month, names)
        out.extend(r for r in live if figures.closes.get(r.household[:12]) is None)
    for village, close in figures.closes.items():
        if close is None:
            continue
        kept = cache.get(close.id)
        if kept is None:
            kept = cache[close.id] = from_json(months.verified_figures(close))
        out.extend(r for r in kept.changes if r.household[:12] == village)
    return out


async def build_period(
    kind: str, text: str, *, unit: str = "", operator: str, progress: Progress | None = None,
    today: dt.date | None = None,
) -> PeriodReturns:  # fmt: skip
    """Compute everything the period workbook shows (no file is written)."""
    period, begun = await period_request(kind, text, today=today)
    scope = await resolve_unit(unit)
    villages = await villages_of(scope)
    codes = [code for code, _ in villages]
    names = dict(villages)
    cache: dict[int, MonthlyReturns] = {}
    figures: list[MonthFigures] = []
    changes: list[ChangeRow] = []
    sources = []
    for n, text_month in enumerate(begun):
        month = _month(text_month)
        found = await month_figures(scope.code, month, codes, cache=cache)
        figures.append(found)
        changes.extend(await _month_changes(scope.code, month, names, found, cache))
        sources.append(_source_line(month, found))
        if progress:
            progress(n + 1, len(begun) + 1)
    tables = tuple(build_table(spec, villages, combine(spec.key, figures)) for spec in period_specs())
    lines = []
    for found in figures:
        total = [sum(col) for col in zip(*found.counts[POPULATION.key].values(), strict=True)]
        lines.append(MonthLine(found.month, _state(found), tuple(total or [0] * len(MONTHS_SPEC.columns))))
    first, last = _month(begun[0]).first, _month(begun[-1]).last
    return PeriodReturns(
        unit=scope,
        period=period,
        month=Span(first, last, period.label, period.text),
        generated_at=dt.datetime.now().replace(microsecond=0),
        operator=operator,
        tables=tables,
        lines=tuple(lines),
        changes=tuple(changes),
        sources=tuple(sources),
        preparer=await real_name(operator),
        complete=len(begun) == len(period.months) and last < (today or dt.date.today()),
    )


def _source_line(month: Month, figures: MonthFigures) -> str:
    """``2026年1月：已封账（城关镇，2026-02-03 10:00 封账，校验码 1a2b3c4d…）``."""
    closes = {c.id: c for c in figures.closes.values() if c is not None}
    state = _state(figures)
    if not closes:
        return f"{month.label}：{state}，按生成时的数据计算。"
    details = "；".join(
        f"{c.unit_code or '全部'} 于 {c.closed_at:%Y-%m-%d %H:%M} 封账，校验码 {c.digest[:16]}…"
        for c in closes.values()
    )
    return f"{month.label}：{state}，取封账时上报的数字（{details}）。"


async def export_period(
    out: Path, kind: str, text: str, *, unit: str = "", operator: str, progress: Progress | None = None,
    full_ids: bool = True,
) -> Summary:  # fmt: skip
    """Write the half-year or annual returns of `unit` to `out` (ID numbers masked unless `full_ids`)."""
    from exports.period_writer import write_period

    await period_request(kind, text)
    await resolve_unit(unit)
    path = check_target(out)
    data = await build_period(kind, text, unit=unit, operator=operator, progress=progress)
    if not full_ids:
        data = replace(data, changes=tuple(replace(c, id_number=mask_id(c.id_number)) for c in data.changes))
    with AtomicFile(path) as target:
        cells = await asyncio.to_thread(write_period, target.tmp, data, shown=path)
        scope = f"{data.unit.name}({data.unit.code or '全部'})"
        await publish(target, operator, f"{kind} unit={scope} period={data.period.text} 月 {len(data.lines)} 个")
    if progress:
        progress(1, 1)
    return Summary(
        path=path,
        sheets=len(FIGURE_SHEETS) + 3,
        label=data.title("半年报" if data.period.half else "年报"),
        rows=len(data.tables[0].rows),
        villages=len(data.tables[0].rows) - 1,
        cells=cells,
        details={"changes": len(data.changes), "months": len(data.lines)},
    )
