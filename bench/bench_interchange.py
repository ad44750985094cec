"""Benchmark of the household file in format version 3: the export with its extra tables (closed months,
sign-offs, change events, their reversals and field changes, the histories) against the same export without
them (version-1 content), in the same run, on a private copy of a database.

    python -m bench.bench_interchange --db PATH

Figures (``name value unit (baseline …, ratio …)``), each the best of two runs:

* ``export_households_v2`` — :func:`store.exporter.export_households` of the whole database; baseline: the same
  export with no extra tables declared;
* ``extra_rows`` — rows of the extra tables written, per second.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import Figure, Report

ROUNDS = 2


async def _export(db_path: Path, out: Path, sections: bool) -> float:
    from store import db, interchange_tables
    from store.exporter import export_households

    saved = interchange_tables.SECTIONS
    interchange_tables.SECTIONS = saved if sections else ()
    try:
        async with db.database(db_path, create=False):
            start = time.perf_counter()
            await export_households(out, operator="bench")
            return time.perf_counter() - start
    finally:
        interchange_tables.SECTIONS = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    report = Report("interchange")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "db.sqlite3"
        shutil.copy(args.db, copy)  # the export writes the audit log: never the original
        out = Path(folder) / "out.jsonl"
        base = min(asyncio.run(_export(copy, out, False)) for _ in range(ROUNDS))
        v2 = min(asyncio.run(_export(copy, out, True)) for _ in range(ROUNDS))
        with out.open(encoding="utf-8") as handle:
            rows = sum(1 for line in handle if not line.startswith(('{"unit"', '{"household"', '{"format"')))
    report.add(Figure("export_households_v2", v2, "s", base, "export without extra tables"))
    report.add(Figure("extra_rows", rows / max(v2 - base, 1e-9), "rows/s"))


if __name__ == "__main__":
    main()
