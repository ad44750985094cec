"""Benchmark of the 本年累计 columns and the period returns against the monthly export.

    python -m bench.bench_periods --db PATH [--month YYYY-MM] [--unit CODE]

The database is copied first (the statistical-year setting and the closes are written to it). Figures:

* ``ytd_earlier_months`` — :func:`exports.month_source.earlier_in_year` alone for the month (January start:
  every earlier month of the year, all open, in one pass); baseline: the monthly export of the month;
* ``ytd_closed_months`` — the same once the earlier months are closed (drawn from their kept figures);
* ``halfyear_export`` — the half-year workbook of the month's half (six months as sent); same baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from bench.common import Figure, Report, county_workspace


async def _run(database: Path, month: str, unit: str, folder: Path) -> dict[str, float]:
    from exports.month_source import earlier_in_year
    from exports.monthly import close_monthly, export_monthly
    from exports.periods import export_period
    from exports.request import Month, resolve_unit, villages_of
    from store import db
    from store.domain.periods import year_to_date

    out: dict[str, float] = {}
    async with db.database(database, create=False):
        scope = await resolve_unit(unit)
        codes = [code for code, _ in await villages_of(scope)]
        period = Month(int(month[:4]), int(month[5:7]))
        start = time.perf_counter()
        await export_monthly(folder / "monthly.xlsx", month, unit=unit, operator="bench")
        out["export"] = time.perf_counter() - start
        start = time.perf_counter()
        await earlier_in_year(scope.code, period, codes, 1)
        out["ytd_open"] = time.perf_counter() - start
        start = time.perf_counter()
        half = f"{month[:4]}-H{1 if period.month <= 6 else 2}"
        await export_period(folder / "half.xlsx", "halfyear", half, unit=unit, operator="bench")
        out["halfyear"] = time.perf_counter() - start
        for earlier in year_to_date(month, 1)[:-1]:
            await close_monthly(earlier, unit, operator="bench", force=True)
        start = time.perf_counter()
        await earlier_in_year(scope.code, period, codes, 1)
        out["ytd_closed"] = time.perf_counter() - start
        out["persons"] = float(await db.scalar("SELECT count(*) FROM person") or 0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="an existing Renkou SQLite database (copied first)")
    parser.add_argument("--month", default="2026-11", help="reporting month")
    parser.add_argument("--unit", default="", help="unit code (default: everything)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    report = Report("periods")
    with county_workspace(args, report, copy=True) as (database, folder):
        result = asyncio.run(_run(database, args.month, args.unit, folder))
    export = f"monthly export of {args.month} ({result['persons']:.0f} persons)"
    report.add(Figure("ytd_earlier_months", result["ytd_open"], "s", result["export"], export))
    report.add(Figure("ytd_closed_months", result["ytd_closed"], "s", result["export"], export))
    report.add(Figure("halfyear_export", result["halfyear"], "s", result["export"], export))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
