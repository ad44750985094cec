"""The person form: key press → updated screen against a bare Textual ``Input``, and bytes written to the
terminal per typed character in the form (design §5: ≤ 2× the bare Input at median and p95; ≤ 300 B).

    python -m bench.bench_forms                  # 3 rounds × 40 keys per subject
    python -m bench.bench_forms --keys 80 --json bench/results/bench_forms.json

The form is the real ``PersonForm`` on the example households (a fresh SQLite file), with its inline
audit and drafts running. Latency is ``key_to_frame`` as in :mod:`bench.bench_widgets`: from posting the
key event (app idle before) to the first frame that shows it written to the terminal. The debounced inline
audit repaints later; the bytes per character therefore count everything written until the form is idle
again after the key (the echo, the 未保存 mark, the audit's findings list and label colours).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from textual import events
from textual.app import App
from textual.widget import Widget
from textual.widgets import Input

from bench.bench_widgets import CountingDriver, OneWidget
from bench.common import Figure, Report, median, percentile

CODE = "430426101201010012"
SETTLE = 0.3  # seconds after a key for the debounced audit (0.15 s) to repaint


class FormApp(App[None]):
    """The person form of one member, alone on screen; ``frame`` is set when a frame has been written."""

    CSS_PATH = None
    username = "bench"

    def __init__(self, path: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.path = path
        self.frame = asyncio.Event()
        self.form: Widget | None = None

    def on_mount(self) -> None:
        from tui.screens.person_form import PersonForm

        self.form = PersonForm(CODE, "h12-1")
        self.push_screen(self.form)  # type: ignore[arg-type]

    def post_display_hook(self) -> None:
        self.frame.set()


async def _ready(app: App[None], pilot: object, path: str) -> Widget:
    """Wait for the form, focus the field typed into and return it."""
    from tui.screens.person_form import PersonForm

    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if isinstance(app.screen, PersonForm) and app.screen.ready:
            break
    form = app.screen
    assert isinstance(form, PersonForm), form
    field = form._fields[path]
    field.focus()
    await pilot.pause()  # type: ignore[attr-defined]
    return field


async def _frames(app: App[None], pilot: object, target: Widget, keys: list[str], count: int,
                  settle: float) -> tuple[list[float], list[int]]:  # fmt: skip
    """Key-to-frame seconds and bytes written per key (until idle `settle` seconds later)."""
    driver = app._driver
    assert isinstance(driver, CountingDriver)
    latencies: list[float] = []
    sizes: list[int] = []
    for index in range(count):
        if index and index % len(keys) == 0:
            target.value = ""  # type: ignore[attr-defined]
            await asyncio.sleep(settle)
        await pilot.pause()  # type: ignore[attr-defined]
        key = keys[index % len(keys)]
        app.frame.clear()  # type: ignore[attr-defined]
        before = driver.written
        start = time.perf_counter()
        app.post_message(events.Key(key, key))
        while driver.written == before:
            app.frame.clear()  # type: ignore[attr-defined]
            await asyncio.wait_for(app.frame.wait(), 5)  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(settle)
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        sizes.append(driver.written - before)
    return latencies, sizes


async def form_run(db_path: str, field: str, keys: list[str], count: int) -> tuple[list[float], list[int]]:
    from store import db, drafts

    async with db.database(db_path, create=False):
        drafts.discard(await drafts.key_for(FormApp.username, CODE))  # the run before left its typing as a draft
        app = FormApp(db_path, driver_class=CountingDriver)
        async with app.run_test(size=(80, 24), headless=False) as pilot:
            target = await _ready(app, pilot, field)
            return await _frames(app, pilot, target, keys, count, SETTLE)


async def bare_run(keys: list[str], count: int) -> tuple[list[float], list[int]]:
    app = OneWidget(lambda: Input(compact=True), driver_class=CountingDriver)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        widget = app.query_one(Input)
        widget.focus()
        await pilot.pause()
        return await _frames(app, pilot, widget, keys, count, 0.0)


async def make_db(folder: Path) -> str:
    """The example households in a fresh SQLite file."""
    from store import db
    from store.importer import import_file
    from tests.conftest import EXAMPLE_FILE

    path = folder / "forms.sqlite3"
    async with db.database(path):
        await import_file(EXAMPLE_FILE, operator="bench")
    return str(path)


async def measure(keys: int, rounds: int, folder: Path) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    db_path = await make_db(folder)
    ascii_keys, cjk_keys = list("abcdefghij"), list("张三丰李四王五赵六钱")
    latency: dict[str, list[float]] = {"bare_input": [], "form_occupation": [], "form_name_cjk": []}
    sizes: dict[str, list[int]] = {name: [] for name in latency}
    for _ in range(rounds):
        for name, run in (("bare_input", lambda: bare_run(ascii_keys, keys)),
                          ("form_occupation", lambda: form_run(db_path, "occupation", ascii_keys, keys)),
                          ("form_name_cjk", lambda: form_run(db_path, "name", cjk_keys, keys))):  # fmt: skip
            times, written = await run()
            latency[name] += times
            sizes[name] += written
    return latency, sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=40, help="keys per subject per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = Report("bench_forms")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder  # drafts of the run stay in the temporary folder
        latency, sizes = asyncio.run(measure(args.keys, args.rounds, Path(folder)))
    bare = latency["bare_input"]
    bare_median, bare_p95 = median(bare) * 1000, percentile(bare, 95) * 1000
    report.add(Figure("form_key_to_frame_bare_input_median", bare_median, "ms"))
    report.add(Figure("form_key_to_frame_bare_input_p95", bare_p95, "ms"))
    for name in ("form_occupation", "form_name_cjk"):
        values = latency[name]
        report.add(
            Figure(f"{name}_key_to_frame_median", median(values) * 1000, "ms", bare_median, "bare Input", "≤ 2×")
        )
        report.add(
            Figure(f"{name}_key_to_frame_p95", percentile(values, 95) * 1000, "ms", bare_p95, "bare Input", "≤ 2×")
        )
    for name, counts in sizes.items():
        target = "" if name == "bare_input" else "≤ 300 B"
        report.add(Figure(f"{name}_bytes_per_char", median([float(c) for c in counts]), "B", target=target))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
