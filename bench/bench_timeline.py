"""Benchmark of a person's timeline (历史数据): opening the screen of a person with 50 entries in the county.

    python -m bench.bench_timeline                      # the cached 400 000-person county (built if missing)
    python -m bench.bench_timeline --db PATH [--entries 50] [--rounds 10]

The database is copied first (the run migrates it and saves the person). A woman with change events gets
field changes (her occupation edited through the save path) until her timeline has `--entries` entries.
Figures (best and median of the rounds, one line each):

* ``timeline_open`` — from pushing ``TimelineScreen`` (Pilot, 80×24) until its table holds every entry and a
  frame was drawn; baseline: pushing a bare screen with an empty ``DataTable`` the same way (target ≤ 100 ms);
* ``timeline_query`` — :func:`store.timeline.person_timeline` alone; baseline: reading the person's row.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Static

from bench.common import CACHE, Figure, Report, county_db, median

ROUNDS = 10


class HostApp(App[None]):
    """An empty app the screens are pushed onto, acting as a demo admin (``tui.acting``)."""

    CSS_PATH = None
    username = "bench"
    is_demo = True


class BareScreen(Screen[None]):
    """The baseline: a title and an empty table."""

    def compose(self) -> ComposeResult:
        yield Static("历史数据")
        yield DataTable()


async def _person(entries: int) -> tuple[str, int]:
    """A woman with change events, edited until her timeline has `entries` entries; her key and id."""
    from store import db, service
    from store.records import load_households
    from store.timeline import person_timeline

    row = await db.fetch(
        "SELECT p.key, p.id, p.household_id FROM person p JOIN change_event e ON e.person_id = p.id "
        "WHERE p.has_woman_record = ? AND p.cancel_reason IS NULL AND p.death_date IS NULL "
        "GROUP BY p.id, p.key, p.household_id ORDER BY count(*) DESC, p.id LIMIT 1",
        [True],
    )
    key, pid, code = str(row[0][0]), int(row[0][1]), str(row[0][2])
    n = 0
    while len(await person_timeline(pid)) < entries:
        record = (await load_households([code]))[code]
        person = next(p for p in record["members"] if p["key"] == key)
        person["occupation"] = f"务农{n}" if n % 2 else f"务工{n}"
        await service.save_household(record, operator="bench")
        n += 1
    return key, pid


async def _until(app: App[None], pilot: Any, ready: Callable[[], bool]) -> None:
    for _ in range(2000):
        if ready():
            break
        await pilot.pause()
    else:
        raise RuntimeError("the screen did not get ready")
    await pilot.pause()  # one more frame: the table drawn


async def _open(app: App[None], pilot: Any, screen: Screen[None], ready: Callable[[], bool]) -> float:
    await pilot.pause()
    start = time.perf_counter()
    app.push_screen(screen)
    await _until(app, pilot, ready)
    seconds = time.perf_counter() - start
    app.pop_screen()
    await pilot.pause()
    return seconds


async def _run(database: Path, entries: int, rounds: int) -> dict[str, Any]:
    from store import db
    from store.timeline import person_timeline
    from tui.screens.timeline import TimelineScreen

    async with db.database(database, create=False):  # migrates the cached county to the current schema
        persons = int(await db.scalar("SELECT count(*) FROM person") or 0)
        key, pid = await _person(entries)
        count = len(await person_timeline(pid))
        queries, rows = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            await person_timeline(pid)
            queries.append(time.perf_counter() - start)
            start = time.perf_counter()
            await db.fetch("SELECT * FROM person WHERE id = ?", [pid])
            rows.append(time.perf_counter() - start)
        app = HostApp()
        opens, bares = [], []
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(rounds):
                bare = BareScreen()
                bares.append(await _open(app, pilot, bare, lambda s=bare: s.is_mounted and bool(s.query(DataTable))))
                screen = TimelineScreen(key)

                def drawn(s: TimelineScreen = screen) -> bool:
                    return s.is_mounted and s.history is not None and s.query_one(DataTable).row_count == count

                opens.append(await _open(app, pilot, screen, drawn))
        print(f"# {database.name}: {persons} persons; person {key}: {count} timeline entries", flush=True)
    return {"opens": opens, "bares": bares, "queries": queries, "rows": rows, "count": count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="an existing Renkou SQLite database (copied first)")
    parser.add_argument("--persons", type=int, default=400_000, help="size of the synthetic county (without --db)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--entries", type=int, default=50, help="timeline entries of the person")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    report = Report("timeline")
    source = args.db
    if source is None:
        source, seconds = county_db(args.persons, args.seed)
        if seconds:
            report.add(Figure("demo_generation", seconds, "s"))
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        database = Path(tmp) / "county.sqlite3"
        shutil.copy(source, database)
        result = asyncio.run(_run(database, args.entries, args.rounds))
    ms = 1000
    opens, bares, queries, rows = (sorted(v) for v in (result["opens"], result["bares"], result["queries"],
                                                          result["rows"]))  # fmt: skip
    report.add(Figure("timeline_open_best", opens[0] * ms, "ms", bares[0] * ms, "bare screen push", "≤ 100 ms"))
    report.add(Figure("timeline_open_median", median(opens) * ms, "ms", median(bares) * ms, "bare screen push",
                      "≤ 100 ms"))  # fmt: skip
    report.add(Figure("timeline_query_median", median(queries) * ms, "ms", median(rows) * ms, "the person's row"))
    report.add(Figure("timeline_entries", result["count"], "entries"))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
