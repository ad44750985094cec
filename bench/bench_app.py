"""The whole app where the clerk waits between records (issue 13): Pilot at 80×24 on a copy of the cached county.

    python -m bench.bench_app --persons 400000            # the county of design §5 (built when missing)
    python -m bench.bench_app --db PATH --reps 20 --forms 500
    python -m bench.bench_app --persons 100000 --trace    # + the objects that grow between form 100 and 400

Figures (median and p95 over ``--reps`` repetitions; ``name value unit (baseline …, ratio …) [target …]``):

* ``app_tree_root`` — a browse screen pushed until its tree shows the county's first level (target ≤ 100 ms);
  baseline: the query the root used before schema 6 (one GROUP BY over every person and finding of the county)
  run alone, best of ``--reps``;
* ``app_form_open`` — Enter on a person in the tree until the person form is usable: every field mounted, a field
  focused, no "加载中…", and that frame written to the terminal (target ≤ 150 ms); the baseline is a bare
  Textual screen with one ``Input`` pushed until focused and drawn;
* ``app_next_member`` — Ctrl+N until the next member is usable and drawn (target ≤ 150 ms);
* ``app_*_half_frames`` — frames written while the form was on screen but not usable ("加载中…" or a body being
  rebuilt), per opening (target 0); checked only while an opening is timed (the check queries every static of
  the form: run on every frame it cost each typed key more than the key itself);
* ``app_save`` — F2 on a changed person until saved, re-audited and the form idle again (target ≤ 100 ms);
* ``app_key_form`` — a key typed in the person form on the county until its frame is written, against a bare
  ``Input`` (as :mod:`bench.bench_forms` does);
* the simulated hour: ``--forms`` person forms opened (each with a Ctrl+N and back to the tree), ``--changes``
  change lines keyed on the change-entry screen (死亡 found by ID number, one batch per village visit),
  ``--reaudits`` re-audits of single households and ``--exports`` errors-list exports through the F8 dialog,
  interleaved in ten blocks; the resident memory (``/proc/self/statm``) after each block, ``app_hour_rss_final``
  (target ≤ 150 MB; baseline: the resident memory before the hour) and ``app_hour_rss_slope`` — KB per form
  opened, least squares over the samples of the second half of the hour (target ≈ 0; baseline: the slope of as
  many bare Textual screens with one ``Input`` pushed and popped in the same app, Textual's own growth). The first
  half fills Rich's and Textual's bounded render caches: every tree line is styled with its node's id, a tree
  level read again gets new ids, so each household jumped to brings new styles until ``Strip.render_ansi``
  (16 384 styles) and the like are full, around 250 forms; their fill at the end is printed (``# caches``), and
  the slope over the samples after the first two blocks, filling included, as ``# slope from …``.

The county is copied to a temporary folder first (the bench saves into it); the copy gets the search indexes and
a stored audit when the county has none (as :mod:`bench.bench_tui` does), the cached file is never written.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import inspect
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from bench.common import Figure, Report, county_db, median, percentile

TIMEOUT = 30.0
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    """Resident memory of this process now, in MB (``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


class FrameDriver(HeadlessDriver):
    """A headless driver that lets the app render every frame (as a terminal driver would) and counts the bytes,
    keeping nothing (the hour would otherwise grow the memory it measures)."""

    written = 0

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written += len(data.encode("utf-8"))

    def flush(self) -> None:
        """Nothing buffered."""


def _app_class() -> type[Any]:
    from tui.app import RenkouApp
    from tui.screens.person_form import PersonForm

    class BenchApp(RenkouApp):
        """Renkou that notes each frame written: when, and whether a person form was on screen but not usable."""

        CSS_PATH = str(Path(inspect.getfile(RenkouApp)).parent / str(RenkouApp.CSS_PATH))

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.frame = asyncio.Event()
            self.frames = 0
            self.half_frames = 0
            self.last_frame = 0.0
            self.watch_half = False  # set while an opening is timed: the check queries the form's statics
            self.watch: Callable[[], bool] | None = None  # a step's goal, checked after each frame while timed
            self.watched_at: float | None = None  # when the first frame was written with `watch` holding

        def post_display_hook(self) -> None:
            self.frames += 1
            self.last_frame = time.perf_counter()
            screen = self.screen
            if self.watch_half and isinstance(screen, PersonForm) and not usable(screen):
                self.half_frames += 1
            if self.watch is not None and self.watched_at is None and self.watch():
                self.watched_at = self.last_frame
            self.frame.set()

    return BenchApp


def make_app() -> Any:
    """Renkou as the bench drives it: logged in as ``bench`` on the open database, no idle lock, frames
    rendered by :class:`FrameDriver` (run it with ``run_test(size=(80, 24), headless=False)``)."""
    app = _app_class()(target_label="bench", is_demo=True, needs_login=False, username="bench", idle_minutes=0)
    app.driver_class = FrameDriver
    return app


async def started(app: Any, pilot: Pilot) -> None:
    """Wait until the browse screen shows the tree's first level."""
    from tui.screens.browse import BrowseScreen, HouseholdTree

    def filled() -> bool:
        screen = app.screen
        return isinstance(screen, BrowseScreen) and screen.query_one(HouseholdTree).root.data is not None

    await until(filled)
    await app.workers.wait_for_complete()
    await pilot.pause()


def usable(form: Any) -> bool:
    """The person form shows its fields (all mounted), one has the focus, no "加载中…" is left."""
    if not form.ready or not form.is_mounted:
        return False
    focused = form.app.focused
    owner = getattr(focused, "field", None)
    if owner is None or owner.screen is not form:
        return False
    body = form.query_one("#form-body")
    return not any("加载中" in str(s.renderable) for s in body.query(Static) if hasattr(s, "renderable"))


def showing(form: Any) -> bool:
    """The form's fields show its current member (after Ctrl+N: not still the one before)."""
    from tests.support.pilot import field

    try:
        return bool(field(form, "name").value == (form.person.get("name") or ""))
    except LookupError:
        return False


async def until(condition: Callable[[], bool], timeout: float | None = None) -> float:
    """Wait (polling every millisecond) until `condition` holds; the perf_counter time it did."""
    deadline = time.perf_counter() + (timeout or TIMEOUT)
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def ready_drawn(app: Any, condition: Callable[[], bool]) -> tuple[float, float]:
    """Wait until `condition` holds, then for the first frame written while it held: (ready, drawn) times. That
    frame may precede the moment this task saw the condition (a loaded machine runs the app's refresh before the
    poll): an idle app writes no further frame, so waiting for the next one would wait for ever."""
    app.watch, app.watched_at = condition, None
    try:
        ready = await until(condition)
        while app.watched_at is None:
            app.frame.clear()
            await asyncio.wait_for(app.frame.wait(), TIMEOUT)
        return ready, float(app.watched_at)
    finally:
        app.watch = None


async def next_frame(app: Any, after: float) -> float:
    """The time of the first frame written after `after` (waiting for it)."""
    while app.last_frame <= after:
        app.frame.clear()
        await asyncio.wait_for(app.frame.wait(), TIMEOUT)
    return float(app.last_frame)


# --- the county ---------------------------------------------------------------------------------------------


async def _prepare_cache(database: Path) -> None:
    """The search indexes and a stored audit in the county copy (when it has none)."""
    from bench.bench_tui import _prepare
    from store import db

    async with db.database(database, create=False):
        await _prepare()


def copy_county(database: Path, folder: Path) -> Path:
    """A copy of the county to write into."""
    target = folder / "county.sqlite3"
    shutil.copyfile(database, target)
    return target


async def samples(count: int, changes: int) -> dict[str, Any]:
    """Persons to open (households of 3+ members without open errors, spread over the county) and persons to
    key a death for (other households, active, with an 18-digit ID number), grouped by village."""
    from store import db

    rows = await db.fetch(
        "SELECT p.household_id, p.key FROM person p JOIN (SELECT household_id FROM person "
        "WHERE cancel_reason IS NULL GROUP BY 1 HAVING count(*) >= 3) h ON h.household_id = p.household_id "
        "WHERE p.cancel_reason IS NULL AND p.household_id NOT IN (SELECT household_code FROM finding "
        "WHERE severity = 'E' AND NOT confirmed) AND p.seq = 1 ORDER BY (p.id * 7919) % 1000003 LIMIT ?",
        [count],
    )
    forms = [(r[0], r[1]) for r in rows]
    used = {code for code, _ in forms}
    rows = await db.fetch(
        "SELECT p.household_id, p.id_number FROM person p WHERE p.cancel_reason IS NULL AND p.relation <> '02' "
        "AND length(p.id_number) = 18 AND p.death_date IS NULL ORDER BY (p.id * 104729) % 1000003 LIMIT ?",
        [changes * 3],
    )
    deaths: list[tuple[str, str]] = []
    seen: set[str] = set()
    numbers: set[str] = set()
    for code, number in rows:
        if code in used or code in seen or number in numbers:
            continue
        seen.add(code)
        numbers.add(number)
        deaths.append((code, number))
    unique = await db.fetch(
        "SELECT id_number FROM person WHERE id_number IN ({}) GROUP BY 1 HAVING count(*) = 1".format(
            ",".join("?" * len(deaths))
        ),
        [n for _, n in deaths],
    ) if deaths else []  # fmt: skip
    once = {r[0] for r in unique}
    deaths = [d for d in deaths if d[1] in once][:changes]
    return {"forms": forms, "deaths": deaths}


# --- steps a clerk takes ------------------------------------------------------------------------------------


def _browse(app: Any) -> Any:
    from tui.screens.browse import BrowseScreen

    screen = app.screen
    assert isinstance(screen, BrowseScreen), screen
    return screen


async def to_tree_person(app: Any, pilot: Pilot, code: str, key: str) -> None:
    """Put the tree cursor on a person (the search does this) and let the screen settle."""
    from tui.screens.browse import HouseholdTree

    browse = _browse(app)
    browse.show_household(code, key, log=False)
    tree = browse.query_one(HouseholdTree)

    def there() -> bool:
        node = tree.cursor_node
        shown = browse.detail is not None and browse.detail.code == code
        return shown and node is not None and node.data is not None and node.data.key == key

    await until(there)
    tree.focus()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_form(app: Any, pilot: Pilot, key: str) -> tuple[float, float, int]:
    """Enter on the person at the cursor: (seconds to usable, seconds to its frame, half-drawn frames)."""
    from tui.screens.person_form import PersonForm

    half = app.half_frames
    app.watch_half = True
    start = time.perf_counter()
    app.post_message(events.Key("enter", None))
    try:
        ready, drawn = await ready_drawn(app, lambda: isinstance(app.screen, PersonForm)
                                         and app.screen.person_key == key and usable(app.screen))  # fmt: skip
    finally:
        app.watch_half = False
    return ready - start, drawn - start, app.half_frames - half


async def next_member(app: Any) -> tuple[float, float, int]:
    """Ctrl+N in the open form: (seconds to usable, seconds to its frame, half-drawn frames)."""
    form = app.screen
    before = form.person_key
    half = app.half_frames
    app.watch_half = True
    start = time.perf_counter()
    app.post_message(events.Key("ctrl+n", None))
    try:
        ready, drawn = await ready_drawn(app, lambda: form.person_key != before and usable(form) and showing(form))
    finally:
        app.watch_half = False
    return ready - start, drawn - start, app.half_frames - half


async def close_form(app: Any, pilot: Pilot) -> None:
    """Esc back to the tree (answering 放弃 if something was typed)."""
    from tui.screens.browse import BrowseScreen
    from tui.screens.form_dialogs import ChoiceDialog

    await app.workers.wait_for_complete()
    await pilot.press("escape")
    if isinstance(app.screen, ChoiceDialog):
        await pilot.press("d")
    await until(lambda: isinstance(app.screen, BrowseScreen))
    await app.workers.wait_for_complete()


async def save_form(app: Any, pilot: Pilot, text: str, prof: Profiled | None = None) -> float:
    """Type `text` into 职业 of the open form, let the inline audit settle, F2: seconds until saved and re-audited
    (the form idle, 已保存 shown)."""
    from tests.support.pilot import field

    form = app.screen
    target = field(form, "occupation")
    target.input.focus()
    await pilot.pause()
    await pilot.press("ctrl+u", *text)
    await until(lambda: form.dirty)
    await asyncio.sleep(0.3)
    await app.workers.wait_for_complete()
    await pilot.pause()
    if prof is not None:
        prof.start("save")
    start = time.perf_counter()
    app.post_message(events.Key("f2", None))
    await until(lambda: form.saving)
    done = await until(lambda: not form.saving and not form.dirty and not _busy(form))
    if prof is not None:
        prof.stop("save")
    return done - start


def _busy(screen: Screen[Any]) -> bool:
    return any(w.node is screen and not w.is_finished for w in screen.app.workers)


async def tree_root(app: Any, pilot: Pilot) -> float:
    """The browse screen replaced by a new one until its tree shows the county's first level (seconds)."""
    from tui.screens.browse import BrowseScreen, HouseholdTree

    await app.pop_screen()
    await pilot.pause()
    screen = BrowseScreen()
    start = time.perf_counter()
    app.push_screen(screen)

    def filled() -> bool:
        if not screen.is_mounted:
            return False
        tree = screen.query_one(HouseholdTree)
        return tree.root.data is not None and bool(tree.root.children)

    _, drawn = await ready_drawn(app, filled)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return drawn - start


async def change_lines(app: Any, pilot: Pilot, village: str, deaths: list[tuple[str, str]], when: str) -> None:
    """Key a death for each (household, ID number) on the change-entry screen of `village`, then leave."""
    from tui.keys import reporting_month
    from tui.screens.changes import ChangeEntryScreen

    screen = ChangeEntryScreen(month=reporting_month(), unit_code=village)
    app.push_screen(screen)
    await until(lambda: screen.is_mounted and app.screen is screen)
    await app.workers.wait_for_complete()
    for n, (_code, number) in enumerate(deaths, 1):
        await pilot.press("2", *number)
        await until(lambda number=number: bool(screen.hits) and screen.hits[0].household_code is not None
                    and screen.query_one("#ce-search", Input).value.strip() == number)  # fmt: skip
        await pilot.press("enter")
        await until(lambda: screen.record is not None and screen.fields_ready())
        await pilot.press(*when)
        await pilot.pause()
        await pilot.press("enter")
        await until(lambda n=n: len(screen.batch) == n and not screen.saving)
        await app.workers.wait_for_complete()
    await pilot.press("escape")
    await until(lambda: app.screen is not screen)
    await app.workers.wait_for_complete()


async def export_errors(app: Any, pilot: Pilot, unit: str, folder: Path) -> None:
    """F8 → 2 问题清单 for `unit` into `folder`, until written, then close."""
    from tui.screens.export import ExportScreen

    screen = ExportScreen(unit, folder=folder)
    app.push_screen(screen)
    await until(lambda: screen.is_mounted and app.screen is screen)
    await pilot.press("2")
    await pilot.pause()
    screen.action_start()
    await until(lambda: screen.written is not None, timeout=300)
    await app.workers.wait_for_complete()
    await pilot.press("escape")
    await until(lambda: app.screen is not screen)


# --- baselines ------------------------------------------------------------------------------------------------


async def grouped_root_query() -> float:
    """Seconds the county root's counts took before schema 6: one GROUP BY over a computed prefix of every
    person's and every finding's household code (the raw queries, without the app)."""
    from store import db
    from store.browse import next_code

    top = await db.fetch("SELECT code FROM unit ORDER BY length(code), code LIMIT 1")
    code = str(top[0][0])
    kids = await db.fetch("SELECT code FROM unit WHERE parent_id = ? ORDER BY code LIMIT 1", [code])
    width, end = len(str(kids[0][0])) if kids else len(code), next_code(code)
    start = time.perf_counter()
    await db.fetch(f"SELECT substr(household_id, 1, {width}), count(*) FROM person WHERE household_id >= ? "
                   "AND household_id < ? AND cancel_reason IS NULL GROUP BY 1", [code, end])  # fmt: skip
    await db.fetch(f"SELECT substr(household_code, 1, {width}), severity, count(*) FROM finding "
                   "WHERE household_code >= ? AND household_code < ? AND NOT confirmed AND severity IN ('E', 'W') "
                   "GROUP BY 1, 2", [code, end])  # fmt: skip
    return time.perf_counter() - start


async def bare_cycles(app: Any, count: int, samples: int = 10) -> list[tuple[int, float]]:
    """`count` bare screens pushed and popped: (screens so far, resident MB) after each tenth, collected."""
    out = []
    for block in range(samples):
        for _ in range(count // samples):
            await bare_push(app)
        gc.collect()
        out.append(((block + 1) * (count // samples), rss_mb()))
    return out


class _BareScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Input(compact=True, id="bare")

    def on_mount(self) -> None:
        self.query_one(Input).focus()


async def bare_push(app: Any) -> float:
    """A bare Textual screen with one Input pushed until focused and drawn (seconds)."""
    screen = _BareScreen()
    start = time.perf_counter()
    app.push_screen(screen)
    _, drawn = await ready_drawn(app, lambda: screen.is_mounted and app.focused is screen.query_one(Input))
    app.pop_screen()
    await asyncio.sleep(0.01)
    return drawn - start


async def form_keys(app: Any, pilot: Pilot, count: int, prof: Profiled | None = None) -> list[float]:
    """Keys typed into 职业 of the open form: seconds from the key to its frame (app idle before each)."""
    from tests.support.pilot import field

    form = app.screen
    target = field(form, "occupation")
    target.input.focus()
    await pilot.pause()
    latencies = []
    for index in range(count):
        if index and index % 10 == 0:
            await pilot.press("ctrl+u")
            await asyncio.sleep(0.3)
            await app.workers.wait_for_complete()
        await pilot.pause()
        key = "abcdefghij"[index % 10]
        if prof:
            prof.start("form_keys")
        start = time.perf_counter()
        app.post_message(events.Key(key, key))
        await next_frame(app, start)
        latencies.append(time.perf_counter() - start)
        if prof:
            prof.stop("form_keys")
        await asyncio.sleep(0.2)
        await app.workers.wait_for_complete()
    return latencies


class Profiled:
    """pyinstrument around some steps (``--profile NAME``; pyinstrument is not a dependency: install it)."""

    def __init__(self, names: list[str]) -> None:
        self.names = set(names)
        self.profilers: dict[str, Any] = {}

    def start(self, name: str) -> None:
        if name in self.names:
            from pyinstrument import Profiler

            # a key's work runs in the app's tasks, not the bench's: profile every task for it
            mode = "disabled" if name == "form_keys" else "enabled"
            profiler = self.profilers.setdefault(name, Profiler(interval=0.0005, async_mode=mode))
            profiler.start()

    def stop(self, name: str) -> None:
        if name in self.profilers:
            self.profilers[name].stop()

    def write(self) -> None:
        from bench.common import RESULTS

        RESULTS.mkdir(parents=True, exist_ok=True)
        for name, profiler in self.profilers.items():
            path = RESULTS / f"profile-{name}.txt"
            from pyinstrument.renderers import ConsoleRenderer

            parts = [profiler.output_text(unicode=True, show_all=False)]
            for mode in ("self", "total"):
                flat = profiler.output(ConsoleRenderer(unicode=True, flat=True, flat_time=mode))
                parts.append(f"--- flat, {mode} time ---\n" + "\n".join(flat.splitlines()[:80]))
            path.write_text("\n".join(parts), encoding="utf-8")
            profiler.last_session.save(str(path.with_suffix(".pyisession")))
            print(f"# profile of {name}: {path}", flush=True)


# --- the run --------------------------------------------------------------------------------------------------


class Run:
    """Everything measured in one app run."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.counts: dict[str, list[int]] = {}
        self.rss: list[tuple[int, float]] = []
        self.rss_start = 0.0
        self.bare_rss: list[tuple[int, float]] = []
        self.hour_seconds = 0.0
        self.trace: list[str] = []
        self.caches: list[str] = []
        self.persons = 0

    def add(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)

    def count(self, name: str, n: int) -> None:
        self.counts.setdefault(name, []).append(n)


async def measure(database: Path, folder: Path, args: argparse.Namespace) -> Run:
    from store import db

    run = Run()
    prof = Profiled(args.profile)
    hour_forms = args.forms
    async with db.database(database, create=False):
        picked = await samples(args.reps * 3 + hour_forms + 10, args.changes)
        run.persons = int(await db.scalar("SELECT count(*) FROM person") or 0)
        app = make_app()
        async with app.run_test(size=(80, 24), headless=False) as pilot:
            await started(app, pilot)
            forms = list(picked["forms"])
            # baselines
            for _ in range(args.reps):
                run.add("bare_push", await bare_push(app))
            # the tree root, and the grouped query it replaced
            for _ in range(args.reps):
                prof.start("tree_root")
                run.add("tree_root", await tree_root(app, pilot))
                prof.stop("tree_root")
                run.add("grouped_root_query", await grouped_root_query())
            # opening forms, Ctrl+N, saving
            for n in range(args.reps):
                code, key = forms.pop()
                await to_tree_person(app, pilot, code, key)
                prof.start("form_open")
                ready, drawn, half = await open_form(app, pilot, key)
                prof.stop("form_open")
                run.add("form_open_ready", ready)
                run.add("form_open", drawn)
                run.count("form_open_half", half)
                await app.workers.wait_for_complete()
                await pilot.pause()
                prof.start("next_member")
                ready, drawn, half = await next_member(app)
                prof.stop("next_member")
                run.add("next_member_ready", ready)
                run.add("next_member", drawn)
                run.count("next_member_half", half)
                await app.workers.wait_for_complete()
                await asyncio.sleep(0.05)
                run.add("save", await save_form(app, pilot, f"bench{n}", prof))
                if n == 0:
                    run.times["form_keys"] = await form_keys(app, pilot, args.keys, prof)
                await close_form(app, pilot)
            # the simulated hour (and before it, Textual's own growth per screen)
            if args.hour:
                run.bare_rss = await bare_cycles(app, hour_forms)
            gc.collect()
            run.rss_start = rss_mb()
            run.rss.append((0, run.rss_start))
            deaths = list(picked["deaths"])
            blocks = 10 if args.hour else 0
            opened = 0
            start = time.perf_counter()
            when = death_date()
            census: list[dict[str, tuple[int, int]]] = []
            for block in range(blocks):
                for _ in range(hour_forms // blocks):
                    code, key = forms.pop()
                    await to_tree_person(app, pilot, code, key)
                    await open_form(app, pilot, key)
                    await app.workers.wait_for_complete()
                    await next_member(app)
                    await close_form(app, pilot)
                    opened += 1
                    if args.trace and opened in (hour_forms // 5, hour_forms * 4 // 5):
                        census.append(object_census())
                        if len(census) == 2:
                            run.trace = census_growth(census[0], census[1], hour_forms * 3 // 5)
                mine = deaths[block * len(deaths) // blocks : (block + 1) * len(deaths) // blocks]
                if mine:
                    await change_lines(app, pilot, mine[0][0][:12], mine, when)
                for n in range(args.reaudits // blocks):
                    from tui import services

                    await services.reaudit([forms[-1 - n][0]])
                for _ in range(args.exports // blocks):
                    await export_errors(app, pilot, forms[-1][0][:12], folder)
                gc.collect()
                run.rss.append((opened, rss_mb()))
                print(f"# block {block + 1}/{blocks}: {opened} forms, rss {run.rss[-1][1]:.1f} MB, "
                      f"{time.perf_counter() - start:.0f} s", file=sys.__stdout__, flush=True)  # fmt: skip
            run.hour_seconds = time.perf_counter() - start
            if args.hour:
                run.caches = render_caches()
        prof.write()
    return run


def death_date() -> str:
    """A date in the reporting month, as typed (YYYYMMDD)."""
    from tui.keys import reporting_month

    year, month = (int(x) for x in reporting_month().split("-"))
    return dt.date(year, month, 3).strftime("%Y%m%d")


def render_caches(top: int = 6) -> list[str]:
    """The fill of the `top` functools caches holding most entries (Rich's and Textual's render caches)."""
    import functools

    rows = []
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            info = obj.cache_info()
            name = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
            rows.append((info.currsize, name, info.maxsize))
    rows.sort(reverse=True)
    return [f"{name} {size}/{maxsize}" for size, name, maxsize in rows[:top]]


def object_census() -> dict[str, tuple[int, int]]:
    """Live objects by type after a collection: type name → (count, bytes of the objects themselves)."""
    gc.collect()
    out: dict[str, list[int]] = {}
    for obj in gc.get_objects():
        kind = type(obj)
        entry = out.setdefault(f"{kind.__module__}.{kind.__qualname__}", [0, 0])
        entry[0] += 1
        entry[1] += sys.getsizeof(obj, 0)
    return {k: (v[0], v[1]) for k, v in out.items()}


def census_growth(first: dict[str, tuple[int, int]], second: dict[str, tuple[int, int]], forms: int) -> list[str]:
    """The 15 types that grew most (bytes) between two censuses, per form opened in between."""
    grown = []
    for name, (count, size) in second.items():
        before = first.get(name, (0, 0))
        grown.append((size - before[1], count - before[0], name))
    grown.sort(reverse=True)
    return [f"{name}: {count:+d} objects ({count / forms:+.1f}/form), {size / 1024:+.0f} KiB "
            f"({size / 1024 / forms:+.2f} KiB/form)" for size, count, name in grown[:15]]  # fmt: skip


def report(run: Run, args: argparse.Namespace, persons: int) -> Report:
    out = Report("bench_app")
    t = run.times
    bare_mid, bare_p95 = median(t["bare_push"]) * 1000, percentile(t["bare_push"], 95) * 1000
    out.add(Figure("app_bare_screen_push_median", bare_mid, "ms"))
    grouped = min(t["grouped_root_query"]) * 1000
    for label, value in (("median", median(t["tree_root"])), ("p95", percentile(t["tree_root"], 95))):
        out.add(Figure(f"app_tree_root_{label}", value * 1000, "ms", grouped, "the grouped root query before schema 6",
                       "≤ 100 ms"))  # fmt: skip
    for name, target, base in (("form_open", "≤ 150 ms", "bare"),
                               ("form_open_ready", "", "bare"), ("next_member", "≤ 150 ms", "bare"),
                               ("next_member_ready", "", "bare"), ("save", "≤ 100 ms", None)):  # fmt: skip
        values = t[name]
        mid, p95 = median(values) * 1000, percentile(values, 95) * 1000
        out.add(Figure(f"app_{name}_median", mid, "ms", bare_mid if base else None,
                       "bare screen push" if base else "", target))  # fmt: skip
        out.add(Figure(f"app_{name}_p95", p95, "ms", bare_p95 if base else None,
                       "bare screen push" if base else "", target))  # fmt: skip
    for name in ("form_open_half", "next_member_half"):
        out.add(Figure(f"app_{name}_frames", sum(run.counts[name]) / len(run.counts[name]), "per opening",
                       target="0"))  # fmt: skip
    bare_keys = asyncio.run(_bare_keys(args.keys))
    keys = t["form_keys"]
    for label, fn in (("median", median), ("p95", lambda v: percentile(v, 95))):
        base = fn(bare_keys) * 1000
        out.add(Figure(f"app_key_bare_input_{label}", base, "ms"))
        out.add(Figure(f"app_key_form_{label}", fn(keys) * 1000, "ms", base, "bare Input", "≤ 2×"))
    if len(run.rss) < 2:
        return out
    out.add(Figure("app_hour_forms_opened", run.rss[-1][0], "forms"))
    out.add(Figure("app_hour_duration", run.hour_seconds, "s"))
    out.add(Figure("app_hour_rss_final", run.rss[-1][1], "MB", run.rss_start, "RSS before the hour", "≤ 150 MB"))
    warm = run.rss[len(run.rss) // 2 :] if len(run.rss) > 4 else run.rss
    kb = slope([float(x) for x, _ in warm], [y * 1000 for _, y in warm])
    early = run.rss[3:] if len(run.rss) > 4 else run.rss
    bare = run.bare_rss[2:] if len(run.bare_rss) > 3 else run.bare_rss
    bare_kb = slope([float(x) for x, _ in bare], [y * 1000 for _, y in bare])
    out.add(Figure("app_hour_rss_slope", kb, "KB/form", bare_kb, "bare screen pushed and popped, KB/screen",
                   "≈ 0 (no growth per form)"))  # fmt: skip
    print("# rss samples (forms, MB): " + ", ".join(f"({x}, {y:.1f})" for x, y in run.rss), flush=True)
    print("# bare screens (screens, MB): " + ", ".join(f"({x}, {y:.1f})" for x, y in run.bare_rss), flush=True)
    print(f"# slope from {warm[0][0]} forms: {kb:.1f} KB/form; from {early[0][0]} forms (render caches filling): "
          f"{slope([float(x) for x, _ in early], [y * 1000 for _, y in early]):.1f} KB/form", flush=True)  # fmt: skip
    if run.caches:
        print("# caches at the end of the hour (entries/bound): " + ", ".join(run.caches), flush=True)
    print(f"# county {persons} persons; {args.reps} repetitions", flush=True)
    for line in run.trace:
        print(f"# grew {line}", flush=True)
    return out


async def _bare_keys(count: int) -> list[float]:
    from bench.bench_forms import bare_run

    latencies, _ = await bare_run(list("abcdefghij"), count)
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="an existing Renkou SQLite database (not modified)")
    parser.add_argument("--persons", type=int, default=400_000, help="size of the synthetic county (without --db)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=20, help="repetitions of each timed step")
    parser.add_argument("--keys", type=int, default=40, help="keys typed for the key latency")
    parser.add_argument("--forms", type=int, default=500, help="person forms opened in the simulated hour")
    parser.add_argument("--changes", type=int, default=300, help="change lines keyed in the simulated hour")
    parser.add_argument("--reaudits", type=int, default=20)
    parser.add_argument("--exports", type=int, default=10)
    parser.add_argument("--trace", action="store_true", help="objects that grew between 1/5 and 4/5 of the forms")
    parser.add_argument(
        "--profile", nargs="*", default=[], help="pyinstrument: tree_root form_open next_member save form_keys"
    )
    parser.add_argument("--hour", action=argparse.BooleanOptionalAction, default=True, help="the simulated hour")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    database = args.db
    if database is None:
        database, _ = county_db(args.persons, args.seed)
    with tempfile.TemporaryDirectory(dir=database.parent) as name:
        folder = Path(name)
        os.environ["XDG_DATA_HOME"] = str(folder)  # drafts, crash log and exports of the run stay here
        os.environ["XDG_CONFIG_HOME"] = str(folder)
        copy = copy_county(database, folder)
        asyncio.run(_prepare_cache(copy))  # the copy: the cached county is shared and never written
        run = asyncio.run(measure(copy, folder, args))
    result = report(run, args, run.persons)
    print(f"results: {result.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
