"""Benchmark of a person's timeline (历史数据): opening the screen of a person with 50 entries in the county.

    python -m bench.bench_timeline                      # the cached 400 000-person county (built if missing)
    python -m bench.bench_timeline --db PATH [--entries 50] [--rounds 10]

The database is copied first (the run migrates it and saves the person). A woman with change events gets
field changes (her occupation edited through the save path) until her timeline has `--entries` entries.
The timeline is opened as F5 opens it (:func:`tui.screens.timeline.open_timeline`: loaded, then pushed), at
80×24; the first opening of an app builds the screen (``*_first``), the `--rounds` openings after it refill
the screen the app keeps (best and median). Baseline: pushing a bare screen with a title and an empty
``DataTable``, in the same rounds. Figures (target ≤ 100 ms for the opening):

* ``timeline_open`` — Pilot, as before: from the key's work starting (the load) until the table holds every
  entry, then one more ``pilot.pause()`` (a frame drawn). Pilot's idle detection sleeps in 20 ms steps, so
  this figure and its baseline carry tens of ms of waiting;
* ``timeline_frame`` — the finer figure (like ``key_to_frame`` of :mod:`bench.bench_widgets`): from the same
  start until the frame showing the filled table (its status line and the number of its first change event)
  has been written to the terminal (a driver that renders like a real one and keeps what it writes);
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

from bench.bench_widgets import CountingDriver
from bench.common import CACHE, Figure, Report, county_db, median

ROUNDS = 10


class HostApp(App[None]):
    """An empty app the screens are pushed onto, acting as a demo admin (``tui.acting``); ``on_frame`` is
    called after each frame."""

    CSS_PATH = None
    username = "bench"
    is_demo = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_frame: Callable[[], None] | None = None

    def post_display_hook(self) -> None:
        if self.on_frame is not None:
            self.on_frame()


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


class Subject:
    """What is opened in a round: `open()` starts it (as a key would), `ready()` says it is filled, `marks` are
    texts its filled frame shows."""

    def __init__(self, open: Callable[[], None], ready: Callable[[], bool], marks: tuple[str, ...]) -> None:
        self.open, self.ready, self.marks = open, ready, marks


async def _pilot_open(app: HostApp, pilot: Any, subject: Subject) -> float:
    """Seconds from `subject.open()` until it is ready, then one more Pilot pause."""
    await pilot.pause()
    start = time.perf_counter()
    subject.open()
    await _until(app, pilot, subject.ready)
    seconds = time.perf_counter() - start
    app.pop_screen()
    await pilot.pause()
    return seconds


async def _frame_open(app: HostApp, pilot: Any, subject: Subject) -> float:
    """Seconds from `subject.open()` until the first frame written after it is ready, the marks written."""
    driver = app._driver
    assert isinstance(driver, CountingDriver)
    await pilot.pause()
    first = len(driver.log)
    shown: list[float] = []

    def frame() -> None:
        if not shown and subject.ready():
            written = "".join(driver.log[first:])
            if all(mark in written for mark in subject.marks):
                shown.append(time.perf_counter())

    app.on_frame = frame
    start = time.perf_counter()
    subject.open()
    await _until(app, pilot, lambda: bool(shown))
    app.on_frame = None
    app.pop_screen()
    await pilot.pause()
    return shown[0] - start


def _subjects(app: HostApp, key: str, count: int, marks: tuple[str, ...]) -> tuple[Subject, Subject]:
    """The bare screen and the timeline of the person, opened on `app`."""
    from tui.screens.timeline import TimelineScreen, open_timeline

    def bare_ready() -> bool:
        screen = app.screen
        return isinstance(screen, BareScreen) and screen.is_mounted and bool(screen.query(DataTable))

    def timeline_ready() -> bool:
        screen = app.screen
        return (isinstance(screen, TimelineScreen) and screen.is_mounted and screen.history is not None
                and screen.query_one(DataTable).row_count == count)  # fmt: skip

    bare = Subject(lambda: app.push_screen(BareScreen()), bare_ready, ("历史数据",))
    timeline = Subject(lambda: open_timeline(app.screen, key), timeline_ready, marks)
    return bare, timeline


async def _openings(app: HostApp, key: str, count: int, marks: tuple[str, ...], rounds: int,
                    frames: bool) -> dict[str, list[float]]:  # fmt: skip
    """`rounds` + 1 openings of each subject, alternating (the first timeline opening builds the screen);
    timed to the written frame (`frames`, the app writing to a :class:`CountingDriver`) or with Pilot."""
    measure = _frame_open if frames else _pilot_open
    bares: list[float] = []
    opens: list[float] = []
    async with app.run_test(size=(80, 24), headless=not frames) as pilot:
        bare, timeline = _subjects(app, key, count, marks)
        for _ in range(rounds + 1):
            bares.append(await measure(app, pilot, bare))
            opens.append(await measure(app, pilot, timeline))
    return {"bares": bares, "opens": opens}


async def _run(database: Path, entries: int, rounds: int) -> dict[str, Any]:
    from store import db
    from store.timeline import person_timeline

    async with db.database(database, create=False):  # migrates the cached county to the current schema
        persons = int(await db.scalar("SELECT count(*) FROM person") or 0)
        key, pid = await _person(entries)
        timeline = await person_timeline(pid)
        count = len(timeline)
        queries, rows = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            await person_timeline(pid)
            queries.append(time.perf_counter() - start)
            start = time.perf_counter()
            await db.fetch("SELECT * FROM person WHERE id = ?", [pid])
            rows.append(time.perf_counter() - start)
        # the status line and the number of the first change event (a row of the table, shown only there)
        number = next(str(e.event_id) for e in timeline[:10] if e.event_id is not None)
        marks = (f"共 {count} 条", number)
        pilot = await _openings(HostApp(), key, count, marks, rounds, frames=False)
        frame = await _openings(HostApp(driver_class=CountingDriver), key, count, marks, rounds, frames=True)
        print(f"# {database.name}: {persons} persons; person {key}: {count} timeline entries", flush=True)
    return {"pilot": pilot, "frame": frame, "queries": queries, "rows": rows, "count": count}


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
    for name, runs in (("timeline_open", result["pilot"]), ("timeline_frame", result["frame"])):
        opens, bares = runs["opens"], runs["bares"]
        kept, bare = sorted(opens[1:]), sorted(bares[1:])
        report.add(Figure(f"{name}_first", opens[0] * ms, "ms", bares[0] * ms, "bare screen push", "≤ 100 ms"))
        report.add(Figure(f"{name}_best", kept[0] * ms, "ms", bare[0] * ms, "bare screen push", "≤ 100 ms"))
        report.add(Figure(f"{name}_median", median(kept) * ms, "ms", median(bare) * ms, "bare screen push",
                          "≤ 100 ms"))  # fmt: skip
    queries, rows = sorted(result["queries"]), sorted(result["rows"])
    report.add(Figure("timeline_query_median", median(queries) * ms, "ms", median(rows) * ms, "the person's row"))
    report.add(Figure("timeline_entries", result["count"], "entries"))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
