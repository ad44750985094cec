"""Benchmark of closing a month (封账): closing the county's month against exporting its monthly workbook.

    python -m bench.bench_month_close --persons 400000     # builds (and caches) the synthetic county
    python -m bench.bench_month_close --db PATH [--month YYYY-MM] [--unit CODE]

The database is copied first (closing writes to it). Figures (one line each):

* ``month_close`` — :func:`exports.monthly.close_monthly` (the returns computed, serialised as JSON with its
  SHA-256 and stored), best of three (the month is reopened between rounds); baseline: the monthly export
  of the same month and unit (:func:`exports.monthly.export_monthly`), best of three (target ≤ 2×);
* ``closed_export`` — exporting the closed month (drawn from the stored figures), against the same baseline;
* ``figures_kb`` — the size of the stored JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from pathlib import Path

from bench.common import Figure, Report, add_county_arguments, county_workspace, warm_county

ROUNDS = 3


async def _latest_month() -> str:
    """The last complete month before today."""
    before = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return before.strftime("%Y-%m")


async def _run(database: Path, month: str | None, unit: str, folder: Path) -> dict[str, float]:
    from exports.monthly import close_monthly, export_monthly
    from store import db, months

    out: dict[str, float] = {}
    async with db.database(database, create=False):  # migrates an older cached county first
        month = month or await _latest_month()
        persons = await warm_county()
        exports, closes, closed_exports = [], [], []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            await export_monthly(folder / "monthly.xlsx", month, unit=unit, operator="bench")
            exports.append(time.perf_counter() - start)
        for n in range(ROUNDS):
            start = time.perf_counter()
            result = await close_monthly(month, unit, operator="bench", force=True)
            closes.append(time.perf_counter() - start)
            start = time.perf_counter()
            await export_monthly(folder / "closed.xlsx", month, unit=unit, operator="bench")
            closed_exports.append(time.perf_counter() - start)
            out["figures_kb"] = len(result.closed.figures.encode("utf-8")) / 1024
            if n < ROUNDS - 1:
                await months.reopen_month(result.closed.unit_code, month, "bench", "bench")
        out.update(export=min(exports), close=min(closes), closed_export=min(closed_exports), persons=persons)
        print(f"# {database.name}: {persons} persons, month {month}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_county_arguments(parser, "an existing Renkou SQLite database (copied first)")
    args = parser.parse_args(argv)
    report = Report("month_close")
    with county_workspace(args, report, copy=True) as (database, folder):
        result = asyncio.run(_run(database, args.month, args.unit, folder))
    export = f"monthly export of the same month ({result['persons']:.0f} persons)"
    report.add(Figure("month_close", result["close"], "s", result["export"], export, "≤ 2×"))
    report.add(Figure("closed_export", result["closed_export"], "s", result["export"], export))
    report.add(Figure("figures_kb", result["figures_kb"], "KiB"))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
