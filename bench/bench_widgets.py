"""Entry widgets: key press → updated screen (Pilot) against a bare Textual ``Input``, and bytes written
to the terminal per typed character (design §5: latency ≤ 2× the bare Input at median and p95; ≤ 300 B).

    python -m bench.bench_widgets                 # 3 rounds × 60 keys per widget
    python -m bench.bench_widgets --keys 200 --json bench/results/bench_widgets.json

Latency is measured two ways, at 80×24, the widgets in turn within each round so machine noise hits them
alike: ``key_pilot`` like ``bench.run``'s bare-Input baseline (``pilot.press(key)`` + ``pilot.pause()``,
which includes Pilot's idle-detection sleeps), and ``key_to_frame``: from posting the key event to the
app (idle before) until the frame showing it has been written to the terminal — the finer figure.
Bytes are counted with a driver that renders like a real terminal driver (not headless) and counts
what it would write.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.widget import Widget
from textual.widgets import Input

from bench.common import Figure, Report, median, percentile

TODAY = date(2026, 5, 20)


class CountingDriver(HeadlessDriver):
    """A headless driver that lets the app render and keeps what it would write to the terminal."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.log: list[str] = []
        self.written = 0

    @property
    def is_headless(self) -> bool:
        return False  # so App._display renders and writes

    def write(self, data: str) -> None:
        self.log.append(data)
        self.written += len(data.encode("utf-8"))

    def flush(self) -> None:
        """Nothing buffered."""


class OneWidget(App[None]):
    """An app holding one widget, focused; ``frame`` is set each time a frame has been written."""

    def __init__(self, factory: Callable[[], Widget], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.factory = factory
        self.frame = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield self.factory()

    def post_display_hook(self) -> None:
        self.frame.set()


def _reset(widget: Widget) -> None:
    """Empty the widget (between runs of keys; not timed)."""
    widget.value = ""  # type: ignore[attr-defined]
    widget.focus()


async def bytes_per_key(factory: Callable[[], Widget], keys: list[str], repeat: int = 1) -> list[int]:
    """Bytes written to an 80×24 terminal for each key typed into the widget ``factory`` makes
    (``keys`` typed ``repeat`` times, the widget emptied in between)."""
    app = OneWidget(factory, driver_class=CountingDriver)
    counts: list[int] = []
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        driver = app._driver
        assert isinstance(driver, CountingDriver)
        widget = app.query_one("*", Widget)
        widget.focus()
        await pilot.pause()
        for run in range(repeat):
            if run:
                _reset(widget)
                await pilot.pause()
            for key in keys:
                before = driver.written
                await pilot.press(key)
                await pilot.pause()
                counts.append(driver.written - before)
    return counts


async def key_latencies(factory: Callable[[], Widget], keys: list[str], count: int) -> list[float]:
    """Seconds from key press to updated screen, ``count`` keys cycling through ``keys`` (reset after each run)."""
    app = OneWidget(factory)
    latencies: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one("*", Widget)
        widget.focus()
        await pilot.pause()
        for index in range(count):
            if index and index % len(keys) == 0:
                _reset(widget)
                await pilot.pause()
            start = time.perf_counter()
            await pilot.press(keys[index % len(keys)])
            await pilot.pause()
            latencies.append(time.perf_counter() - start)
    return latencies


async def frame_latencies(factory: Callable[[], Widget], keys: list[str], count: int) -> list[float]:
    """Seconds from a key event reaching the app to the frame that shows it written to the terminal
    (the app idle before each key; ``count`` keys cycling through ``keys``, reset after each run)."""
    app = OneWidget(factory, driver_class=CountingDriver)
    latencies: list[float] = []
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        driver = app._driver
        assert isinstance(driver, CountingDriver)
        widget = app.query_one("*", Widget)
        widget.focus()
        await pilot.pause()
        for index in range(count):
            if index and index % len(keys) == 0:
                _reset(widget)
            await pilot.pause()
            key = keys[index % len(keys)]
            app.frame.clear()
            before = driver.written
            start = time.perf_counter()
            app.post_message(events.Key(key, key))
            while driver.written == before:
                app.frame.clear()
                await asyncio.wait_for(app.frame.wait(), 5)
            latencies.append(time.perf_counter() - start)
    return latencies


def subjects() -> dict[str, tuple[Callable[[], Widget], list[str]]]:
    """Widget name → (factory, keys typed without leaving the widget)."""
    from tui.widgets import CodeField, DateField, IdField, SafeInput

    return {
        "bare_input": (lambda: Input(compact=True), list("abcdefghij")),
        "safe_input": (SafeInput, list("abcdefghij")),
        "safe_input_cjk": (SafeInput, list("张三丰李四王五赵六钱")),
        "date_field": (lambda: DateField(today=TODAY), list("1985031")),
        "code_field": (lambda: CodeField("ethnicity"), list("hz")),
        "id_field": (lambda: IdField(today=TODAY), list("43042619820615002")),
    }


Measured = dict[str, list[float]]


async def measure(keys: int, rounds: int) -> tuple[Measured, Measured, dict[str, list[int]]]:
    """Pilot latencies, key-to-frame latencies (all rounds) and bytes per key for every subject."""
    cases = subjects()
    pilot: Measured = {name: [] for name in cases}
    frame: Measured = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (factory, typed) in cases.items():
            pilot[name] += await key_latencies(factory, typed, keys)
            frame[name] += await frame_latencies(factory, typed, keys)
    sizes = {
        name: await bytes_per_key(factory, typed, max(1, 20 // len(typed))) for name, (factory, typed) in cases.items()
    }
    return pilot, frame, sizes


def _ratios(report: Report, method: str, latencies: Measured) -> None:
    """Median and p95 of each widget against the bare Input measured the same way."""
    bare = latencies["bare_input"]
    bare_median, bare_p95 = median(bare) * 1000, percentile(bare, 95) * 1000
    report.add(Figure(f"widget_{method}_bare_input_median", bare_median, "ms"))
    report.add(Figure(f"widget_{method}_bare_input_p95", bare_p95, "ms"))
    for name, values in latencies.items():
        if name != "bare_input":
            report.add(
                Figure(f"widget_{method}_{name}_median", median(values) * 1000, "ms", bare_median, "bare Input", "≤ 2×")
            )
            report.add(
                Figure(
                    f"widget_{method}_{name}_p95", percentile(values, 95) * 1000, "ms", bare_p95, "bare Input", "≤ 2×"
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=60, help="keys per widget per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = Report("bench_widgets")
    pilot, frame, sizes = asyncio.run(measure(args.keys, args.rounds))
    _ratios(report, "key_pilot", pilot)
    _ratios(report, "key_to_frame", frame)
    for name, counts in sizes.items():
        target = "" if name == "bare_input" else "≤ 300 B"
        report.add(Figure(f"widget_bytes_per_char_{name}", median([float(c) for c in counts]), "B", target=target))
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
