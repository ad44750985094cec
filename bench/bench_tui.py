"""Benchmark of the browse screen's queries (design §5): opening tree levels, a household, and search while
typing, on the synthetic county.

    python -m bench.bench_tui --persons 400000        # the cached synthetic county (built when missing)
    python -m bench.bench_tui --db PATH

Figures (median of the repeats, one line each; p95 in the name ``…_p95``):

* ``tree_top`` — the county and its townships with persons and open E/W counts (once per start; scans persons);
* ``tree_township`` / ``tree_village`` / ``tree_group`` — the children of the biggest township, village (its
  groups) and group (its households) (target: open a village ≤ 100 ms);
* ``household_open`` — members of the biggest household in the tree plus its detail (target ≤ 100 ms);
  ``household_live_audit`` — the household audited as it is stored now (shown after the detail);
* ``search_*`` — :func:`store.search.search` for a one-character surname, a full name, two- and
  three-letter initials, an ID-number tail, an ID prefix, a household code tail and a query that finds
  nothing (target ≤ 50 ms each).

The county gets the search indexes of ``store.schema`` if it was built before they existed, and an audit if it
has no stored findings (so that the counts have something to count).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import Figure, Report, county_db, median, percentile

REPEATS = 21


async def _time(fn: Callable[[], Awaitable[Any]], repeats: int = REPEATS) -> tuple[float, float]:
    """(median, p95) seconds of `fn()` after one warm-up call."""
    await fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return median(times), percentile(times, 95)


async def _prepare() -> None:
    """The search indexes and stored findings the screen expects."""
    from store import db, schema

    for stmt in schema._SQLITE_EXTRA:
        if stmt.startswith("CREATE INDEX"):
            await db.execute(stmt)
    if not await db.scalar("SELECT 1 FROM finding LIMIT 1"):
        from checks.engine import run_audit

        print("# no stored findings: running the audit once", flush=True)
        await run_audit()


async def _samples() -> dict[str, str]:
    """Real codes and names of the county to open and search for."""
    from store import db
    from store.pinyin import name_initials

    biggest: dict[str, str] = {}
    for key, width in (("township", 9), ("village", 12), ("group", 14), ("household", 18)):
        row = await db.fetch(
            f"SELECT substr(household_id, 1, {width}), count(*) FROM person GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        biggest[key] = row[0][0]
    name = (await db.fetch("SELECT name, count(*) FROM person WHERE length(name) = 3 GROUP BY 1 "
                           "ORDER BY 2 DESC LIMIT 1"))[0][0]  # fmt: skip
    number = (await db.fetch(
        "SELECT id_number FROM person WHERE id_number IS NOT NULL ORDER BY id DESC LIMIT 1"))[0][0]  # fmt: skip
    initials = name_initials(name)[0]
    return biggest | {
        "surname": name[0], "name": name, "initials2": initials[:2], "initials3": initials,
        "id_tail": number[-4:], "id_prefix": number[:10], "household_tail": biggest["household"][-6:],
        "nothing": "qqqqqq",
    }  # fmt: skip


async def _run(database: Path) -> tuple[dict[str, tuple[float, float]], dict[str, str], int]:
    from store import browse, db, search
    from store.browse import Node
    from tui.screens.browse import live_issues

    out: dict[str, tuple[float, float]] = {}
    async with db.database(database, create=False):
        await _prepare()
        persons = int(await db.scalar("SELECT count(*) FROM person") or 0)
        s = await _samples()
        out["tree_top"] = await _time(browse.top, 5)
        out["tree_township"] = await _time(lambda: browse.unit_children(s["township"]))
        out["tree_village"] = await _time(lambda: browse.children(Node("unit", s["village"], "", level="village")))
        out["tree_group"] = await _time(lambda: browse.group_households(s["group"]))

        async def open_household() -> None:
            await browse.household_persons(s["household"])
            await browse.household_detail(s["household"])

        out["household_open"] = await _time(open_household)
        out["household_live_audit"] = await _time(lambda: live_issues(s["household"]))
        for key in ("surname", "name", "initials2", "initials3", "id_tail", "id_prefix", "household_tail", "nothing"):
            out[f"search_{key}"] = await _time(lambda key=key: search.search(s[key]))
    return out, s, persons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="an existing Renkou SQLite database")
    parser.add_argument("--persons", type=int, default=400_000, help="size of the synthetic county (without --db)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    report = Report("tui")
    database = args.db
    if database is None:
        database, seconds = county_db(args.persons, args.seed)
        if seconds:
            report.add(Figure("demo_generation", seconds, "s"))
    result, samples, persons = asyncio.run(_run(database))
    print(f"# {database.name}: {persons} persons; biggest village {samples['village']}, household "
          f"{samples['household']}; searches: " + ", ".join(f"{k}={samples[k]!r}" for k in (
              "surname", "name", "initials2", "initials3", "id_tail", "id_prefix", "household_tail")), flush=True)  # fmt: skip
    targets = {"tree_village": "≤ 100 ms", "household_open": "≤ 100 ms"}
    for name, (mid, p95) in result.items():
        target = targets.get(name, "≤ 50 ms" if name.startswith("search_") else "")
        report.add(Figure(name, mid * 1000, "ms", target=target))
        report.add(Figure(f"{name}_p95", p95 * 1000, "ms"))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
