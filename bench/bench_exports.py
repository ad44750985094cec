"""Benchmark of the monthly returns workbook (design §5): the whole export against xlsxwriter writing the same
number of cells in the same run.

    python -m bench.bench_exports --db PATH [--month YYYY-MM] [--unit CODE]
    python -m bench.bench_exports --persons 400000        # builds (and caches) the synthetic county

Figures (one line each, ``name value unit (baseline …, ratio …)``):

* ``monthly_workbook`` — :func:`exports.monthly.export_monthly` end to end (queries, the person counts, quality
  indicators, the workbook written and renamed into place), best of three; baseline: xlsxwriter writing exactly
  the workbook's cells (read back from it: same sheets, values and kinds, no formats), best of three (target
  ≤ 3 × and ≤ 10 s for 400 000 persons);
* ``monthly_workbook_vs_numbers`` — the same export against xlsxwriter writing as many plain numbers;
* ``monthly_compute`` / ``monthly_write`` — the two halves: the figures from the database (baseline: one raw
  ``sqlite3`` pass reading the person columns the returns need), and drawing the workbook (baseline: the
  xlsxwriter cells above);
* ``monthly_person_rate`` — persons counted per second;
* ``errors_workbook`` — :func:`exports.errors_list.export_errors` for the whole database (after an audit).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from pathlib import Path

from bench.common import Figure, Report, add_county_arguments, county_workspace, warm_county

#: each timing is the best of this many runs (export and baselines alike)
ROUNDS = 3


def baseline_cells(path: Path, cells: int, sheets: int) -> float:
    """Seconds xlsxwriter takes to write `cells` numbers spread over `sheets` sheets (16 columns a row)."""
    import xlsxwriter

    start = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(path))
    per_sheet = -(-cells // sheets)
    written = 0
    for index in range(sheets):
        sheet = workbook.add_worksheet(f"S{index}")
        for n in range(min(per_sheet, cells - written)):
            sheet.write_number(n // 16, n % 16, n)
        written += per_sheet
    workbook.close()
    return time.perf_counter() - start


def workbook_cells(path: Path) -> list[tuple[str, list[tuple[int, int, object]]]]:
    """The non-empty cells of a workbook, per sheet: (row, column, value), 0-based."""
    from exports.xlsx_read import read_workbook

    book = read_workbook(path)
    return [(name, [(r - 1, c - 1, v) for (r, c), v in sorted(book.cells(name).items())]) for name in book.sheet_names]


def baseline_same_cells(path: Path, sheets: list[tuple[str, list[tuple[int, int, object]]]]) -> float:
    """Seconds xlsxwriter takes to write exactly the given cells (strings as strings, numbers as numbers —
    dates are numbers in a workbook), without formats."""
    import xlsxwriter

    start = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(path))
    for name, cells in sheets:
        sheet = workbook.add_worksheet(name)
        for row, col, value in cells:
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, float(value))  # type: ignore[arg-type]
    workbook.close()
    return time.perf_counter() - start


def baseline_person_pass(database: Path) -> float:
    """Seconds one raw sqlite3 pass takes to read the person columns the monthly returns use."""
    import sqlite3

    columns = ("id, household_id, sex, mgmt, birth_date, moved_in_date, death_date, cancel_reason, cancel_date, "
               "marital_status, first_marriage_date, flow_since, contraception_method, contraception_since")  # fmt: skip
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        start = time.perf_counter()
        for _ in conn.execute(f"SELECT {columns} FROM person"):
            pass
        return time.perf_counter() - start


async def _latest_month() -> str:
    """The last complete month before the newest change event (a month with activity)."""
    from store import db

    newest = await db.scalar("SELECT max(event_date) FROM change_event WHERE event_date <= ?", [dt.date.today()])
    day = newest if isinstance(newest, dt.date) else dt.date.today()
    before = day.replace(day=1) - dt.timedelta(days=1)
    return before.strftime("%Y-%m")


async def _run(database: Path, month: str | None, unit: str, folder: Path, errors: bool) -> dict[str, float]:
    from exports.errors_list import export_errors
    from exports.monthly import build_monthly, export_monthly
    from exports.monthly_writer import write_monthly
    from store import db

    out: dict[str, float] = {}
    async with db.database(database, create=False):
        month = month or await _latest_month()
        persons = await warm_county()
        times = []
        for _ in range(ROUNDS):  # best of ROUNDS, as for the baselines
            start = time.perf_counter()
            summary = await export_monthly(folder / "monthly.xlsx", month, unit=unit, operator="bench")
            times.append(time.perf_counter() - start)
        out["monthly_workbook"] = min(times)
        start = time.perf_counter()
        data = await build_monthly(month, unit=unit, operator="bench")
        out["monthly_compute"] = time.perf_counter() - start
        start = time.perf_counter()
        write_monthly(folder / "again.xlsx", data)
        out["monthly_write"] = time.perf_counter() - start
        out["cells"] = summary.cells
        out["sheets"] = summary.sheets
        out["persons"] = persons
        out["villages"] = summary.villages
        out["changes"] = summary.details.get("changes", 0)
        print(f"# {database.name}: {persons} persons, {summary.villages} villages, month {month}, "
              f"{summary.cells} cells, {out['changes']:.0f} changes", flush=True)  # fmt: skip
        if errors:
            findings = int(await db.scalar("SELECT count(*) FROM finding") or 0)
            if not findings:
                from checks.engine import run_audit

                await run_audit()
            start = time.perf_counter()
            summary = await export_errors(folder / "errors.xlsx", operator="bench", is_admin=False)
            out["errors_workbook"] = time.perf_counter() - start
            out["errors_rows"] = summary.rows
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_county_arguments(parser, "an existing Renkou SQLite database")
    parser.add_argument("--errors", action="store_true", help="also time the errors list (runs the audit if needed)")
    args = parser.parse_args(argv)
    report = Report("exports")
    with county_workspace(args, report, copy=False) as (database, folder):
        result = asyncio.run(_run(database, args.month, args.unit, folder, args.errors))
        written = workbook_cells(folder / "monthly.xlsx")
        same = min(baseline_same_cells(folder / f"same{i}.xlsx", written) for i in range(ROUNDS))
        numbers = min(
            baseline_cells(folder / f"base{i}.xlsx", int(result["cells"]), int(result["sheets"])) for i in range(ROUNDS)
        )
        raw = min(baseline_person_pass(database) for _ in range(2))
    count = sum(len(cells) for _, cells in written)
    cells = f"xlsxwriter writing the workbook's {count} cells, same values and kinds"
    target = "≤ 3× and ≤ 10 s for 400 000 persons"
    report.add(Figure("monthly_workbook", result["monthly_workbook"], "s", same, cells, target))
    report.add(Figure("monthly_workbook_vs_numbers", result["monthly_workbook"], "s", numbers,
                      f"xlsxwriter writing {int(result['cells'])} numbers"))  # fmt: skip
    report.add(Figure("monthly_compute", result["monthly_compute"], "s", raw, "raw sqlite3 person pass"))
    report.add(Figure("monthly_write", result["monthly_write"], "s", same, cells))
    report.add(Figure("monthly_person_rate", result["persons"] / result["monthly_compute"], "persons/s"))
    if "errors_workbook" in result:
        report.add(
            Figure("errors_workbook", result["errors_workbook"], "s", target=f"{result['errors_rows']:.0f} findings")
        )
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
