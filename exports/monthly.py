"""``renkou export monthly``: the monthly returns workbook (`docs/spec/returns.md`) of a unit for a month."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from exports import monthly_data
from exports.consistency import evaluate
from exports.monthly_figures import shared_figures
from exports.monthly_model import MonthlyReturns, Summary
from exports.monthly_tables import build_table
from exports.quality_source import quality_sheet
from exports.request import Progress, parse_month, real_name, resolve_unit, same_name_villages, villages_of
from exports.returns_spec import FIGURE_SHEETS
from exports.target import AtomicFile, check_target, publish


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
    )


async def export_monthly(
    out: Path, month: str, *, unit: str = "", operator: str, progress: Progress | None = None
) -> Summary:
    """Write the monthly returns of `unit` (default: everything) for `month` (``YYYY-MM``) to `out`."""
    from exports.monthly_writer import write_monthly

    parse_month(month)
    await resolve_unit(unit)
    path = check_target(out)
    data = await build_monthly(month, unit=unit, operator=operator, progress=progress)
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
