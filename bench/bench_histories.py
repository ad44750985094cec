"""Benchmark of the histories on a county: the 5 → 6 upgrade that seeds them, the returns' figures read from
them, and what the audit reads to find the persons whose state on its audit date differs from today's.

    python -m bench.bench_histories --db PATH [--month YYYY-MM]     # a schema-5 county (copied first)

Figures (one line each), against the monthly export of the same month measured in the same run:

* ``migration`` — opening the copy: the 5 → 6 step (tables, columns, every person's first entries);
* ``history_figures`` — :func:`exports.monthly_data.read_history_figures` (取环, 流出返回, moves);
* ``audit_changed_scan`` — :func:`checks.in_force.changed_plan` (once per whole-database audit).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from pathlib import Path

from bench.common import Figure, Report, county_workspace


async def _run(database: Path, month: str | None, folder: Path) -> dict[str, float]:
    from checks.drive import drive_async
    from checks.in_force import changed_plan
    from exports.monthly import export_monthly
    from exports.monthly_data import read_history_figures
    from exports.request import parse_month
    from store import db, schema

    out: dict[str, float] = {}
    start = time.perf_counter()
    async with db.database(database, create=False):  # migrates the schema-5 copy
        out["migration"] = time.perf_counter() - start
        out["version"] = await schema.schema_version()
        out["persons"] = int(await db.scalar("SELECT count(*) FROM person") or 0)
        out["entries"] = 0
        for table in ("contraception_history", "marriage_history", "mgmt_history", "residence_history"):
            out["entries"] += int(await db.scalar(f"SELECT count(*) FROM {table}") or 0)
        before = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        month = month or before.strftime("%Y-%m")
        start = time.perf_counter()
        await export_monthly(folder / "monthly.xlsx", month, operator="bench")
        out["export"] = time.perf_counter() - start
        start = time.perf_counter()
        await read_history_figures("", parse_month(month))
        out["history_figures"] = time.perf_counter() - start
        start = time.perf_counter()
        await drive_async(changed_plan(before))
        out["changed"] = time.perf_counter() - start
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a schema-5 Renkou SQLite database (copied first)")
    parser.add_argument("--month", default=None, help="reporting month (default: the previous month)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    report = Report("histories")
    with county_workspace(args, report, copy=True) as (database, folder):
        result = asyncio.run(_run(database, args.month, folder))
    print(f"# {result['persons']:.0f} persons, schema {result['version']:.0f}, {result['entries']:.0f} entries")
    export = "monthly export of the same month"
    report.add(Figure("migration", result["migration"], "s", result["export"], export))
    report.add(Figure("history_figures", result["history_figures"], "s", result["export"], export))
    report.add(Figure("audit_changed_scan", result["changed"], "s", result["export"], export))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
