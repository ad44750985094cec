"""``renkou export monthly``: the monthly returns workbook (`docs/spec/returns.md`) of a unit for a month, and
closing a month (封账): a closed month's workbook is drawn from the figures kept when it was closed."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from exports import monthly_data
from exports.consistency import evaluate
from exports.month_source import earlier_in_year, fill_year_to_date
from exports.monthly_figures import add_counts, shared_figures
from exports.monthly_frozen import from_json, to_json
from exports.monthly_model import Closing, MonthlyReturns, Summary
from exports.monthly_part import part_of
from exports.monthly_tables import build_table
from exports.quality_source import quality_sheet
from exports.request import Progress, Unit, parse_month, real_name, resolve_unit, same_name_villages, villages_of
from exports.returns_spec import FIGURE_SHEETS, POPULATION
from exports.target import AtomicFile, check_target, publish
from store import months, stat_year
from store.errors import StoreError
from store.masking import mask_id


async def build_monthly(
    month: str, *, unit: str = "", operator: str, progress: Progress | None = None, today: dt.date | None = None
) -> MonthlyReturns:
    """Compute everything the workbook shows (no file is written)."""
    period = parse_month(month, today=today)
    scope = await resolve_unit(unit)
    villages = await villages_of(scope)
    total = await monthly_data.count_persons(scope.code)
    counts = await monthly_data.read_counts(
        scope.code, period, [code for code, _ in villages], progress=progress, total=total + 1
    )
    add_late(counts.counts[POPULATION.key], await monthly_data.read_late(scope.code, period))
    add_counts(counts.counts, await monthly_data.read_history_figures(scope.code, period))
    codes = [code for code, _ in villages]
    earlier = await earlier_in_year(scope.code, period, codes, await stat_year.stat_year_start())
    fill_year_to_date(counts.counts[POPULATION.key], earlier)
    tables = tuple(build_table(spec, villages, counts.counts[spec.key]) for spec in FIGURE_SHEETS)
    names = dict(villages)
    logic = await monthly_data.logic_errors_by_village(scope.code, period, [code for code, _ in villages])
    figures = shared_figures(tables, logic, await monthly_data.open_error_count(scope.code))
    quality = await quality_sheet(scope.code, villages, period.last, period.text, figures)
    return MonthlyReturns(
        unit=scope,
        month=period,
        generated_at=dt.datetime.now().replace(microsecond=0),
        operator=operator,
        tables=tables,
        violations=tuple(evaluate(tables, quality=quality, figures=figures)),
        changes=tuple(await monthly_data.read_changes(scope.code, period, names)),
        quality=quality,
        open_errors=figures.open_errors,
        figures=figures,
        preparer=await real_name(operator),
        persons=counts.persons,
        no_entry_date=counts.no_entry_date,
        left_out=counts.left_out,
        same_names=tuple(await same_name_villages(villages)),
        signoffs=await signoff_lines(scope.code, period.text, villages),
    )


def add_late(population: dict[str, list[int]], late: dict[str, dict[str, int]]) -> None:
    """Put the 补报 counts (:func:`exports.monthly_data.read_late`) into the 人口变动 counts per village."""
    headers = POPULATION.count_headers
    for village, columns in late.items():
        row = population.setdefault(village, [0] * len(headers))
        for header, n in columns.items():
            row[headers.index(header)] += n


async def signoff_lines(prefix: str, month: str, villages: list[tuple[str, str]]) -> tuple[str, ...]:
    """The 审核人 lines of the villages: who signed each off, when, and the open errors then."""
    signed = await months.signoffs(prefix, month)
    return tuple(f"{name}：{signed[code].line if code in signed else '未签字'}" for code, name in villages)


async def closed_returns(month: str, unit: str = "", *, operator: str) -> MonthlyReturns | None:
    """The workbook content kept when the unit's month was closed (checked against its SHA-256), shown as
    exported now by `operator` — for a month closed for a unit containing this one, this unit's part of it
    (`exports.monthly_part`); None when the month is not closed for the unit."""
    period = parse_month(month)
    scope = await resolve_unit(unit)
    closed = await months.find_close(scope.code, period.text) or await months.covering_close(scope.code, period.text)
    if closed is None:
        return None
    kept = from_json(months.verified_figures(closed))
    within = ""
    if closed.unit_code != scope.code:  # closed for a unit containing this one: this unit's part of it
        within = f"{kept.unit.name}（{kept.unit.code or '全部'}）"
        kept = part_of(kept, scope, await villages_of(scope))
    when = dt.datetime.now().replace(microsecond=0)
    return replace(kept, generated_at=when, operator=operator,
                   closed=Closing(closed.closed_at, closed.closed_by, closed.digest, within))  # fmt: skip


@dataclass(frozen=True)
class CloseResult:
    """A month just closed, and the villages that had no sign-off (closed anyway with ``force``)."""

    closed: months.ClosedMonth
    unit: Unit
    unsigned: tuple[tuple[str, str], ...]


async def close_monthly(
    month: str, unit: str = "", *, operator: str, force: bool = False, today: dt.date | None = None,
    progress: Progress | None = None,
) -> CloseResult:  # fmt: skip
    """Close a unit's month (封账): compute its returns and keep them (`store.months.close_month`). Refused for
    a month that has not ended, and — unless `force` — while some of its villages have no sign-off."""
    today = today or dt.date.today()
    period = parse_month(month, today=today)
    if period.last >= today:
        raise StoreError(f"{period.label}还没有结束，不能封账。请在月末以后封账。")
    scope = await resolve_unit(unit)
    unsigned = tuple(await months.villages_not_signed(scope.code, period.text))
    if unsigned and not force:
        names = "、".join(name for _, name in unsigned[:10]) + (
            f" 等 {len(unsigned)} 个村" if len(unsigned) > 10 else ""
        )
        raise StoreError(f"以下村的 {period.text} 还没有审核签字：{names}。请先签字，或加 --force 仍然封账。")
    already = await months.covering_close(scope.code, period.text)
    if already is not None:
        raise StoreError(f"{period.text} 已于 {already.closed_at:%Y-%m-%d %H:%M} 封账，不能重复封账。")

    async def figures() -> str:  # computed inside the close's write transaction (`store.months.close_month`)
        data = await build_monthly(period.text, unit=unit, operator=operator, progress=progress, today=today)
        return to_json(data)

    closed = await months.close_month(scope.code, period.text, figures, operator)
    return CloseResult(closed, scope, unsigned)


async def export_monthly(
    out: Path, month: str, *, unit: str = "", operator: str, progress: Progress | None = None,
    full_ids: bool = True,
) -> Summary:  # fmt: skip
    """Write the monthly returns of `unit` (default: everything) for `month` (``YYYY-MM``) to `out`; the ID
    numbers of the changes sheet masked (`store.masking`) unless `full_ids`."""
    from exports.monthly_writer import write_monthly

    parse_month(month)
    await resolve_unit(unit)
    path = check_target(out)
    data = await closed_returns(month, unit, operator=operator)
    if data is None:
        data = await build_monthly(month, unit=unit, operator=operator, progress=progress)
    if not full_ids:
        data = replace(data, changes=tuple(replace(c, id_number=mask_id(c.id_number)) for c in data.changes))
    with AtomicFile(path) as target:
        cells = await asyncio.to_thread(write_monthly, target.tmp, data, shown=path)
        scope = f"{data.unit.name}({data.unit.code or '全部'})"
        await publish(
            target, operator, f"monthly unit={scope} month={data.month.text} 村 {len(data.tables[0].rows) - 1} 个"
        )
    if progress:
        progress(data.persons + 1, data.persons + 1)
    return Summary(
        path=path,
        sheets=len(FIGURE_SHEETS) + 3,
        label=data.title("月报表"),
        rows=len(data.tables[0].rows),
        villages=len(data.tables[0].rows) - 1,
        violations=len(data.violations),
        cells=cells,
        details={"changes": len(data.changes), "open_errors": data.open_errors},
    )
