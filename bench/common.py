"""Shared helpers of the benchmark scripts: timing, result lines, the cached synthetic county."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Figure:
    """One measured figure, optionally against a baseline measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.value / self.baseline

    def line(self) -> str:
        text = f"{self.name} {self.value:.4g} {self.unit}"
        if self.baseline is not None:
            ratio = "—" if self.ratio is None else f"{self.ratio:.2f}"  # a baseline of 0 has no ratio
            text += f" (baseline {self.baseline_name} {self.baseline:.4g} {self.unit}, ratio {ratio})"
        if self.target:
            text += f" [target {self.target}]"
        return text


class Report:
    """Collects figures, prints each as it comes, writes JSON at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.figures: list[Figure] = []

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def write(self, path: Path | None = None) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = path or RESULTS / f"{self.title}.json"
        data = [asdict(f) | {"ratio": f.ratio} for f in self.figures]
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by `fn()` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_async(coro_fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``asyncio.run(coro_fn())`` and its result."""
    return timed(lambda: asyncio.run(coro_fn()))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) of `values`."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def county_db(persons: int, seed: int = 1, error_rate: float = 0.0, *, rebuild: bool = False) -> tuple[Path, float]:
    """The cached synthetic county database (built with ``renkou demo`` when missing) and its build time
    (0.0 when it came from the cache)."""
    from store import db
    from store.demo_build import build_demo

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"county-{persons}-s{seed}-e{error_rate}.sqlite3"
    if path.exists() and not rebuild:
        return path, 0.0
    seconds, _ = timed_async(
        lambda: build_demo(db.resolve(path), persons=persons, seed=seed, error_rate=error_rate, force=True)
    )
    return path, seconds


# --- the county a benchmark works on ---------------------------------------------------------------------------


def add_county_arguments(parser: argparse.ArgumentParser, db_help: str) -> None:
    """``--db``, ``--persons``, ``--seed``, ``--month``, ``--unit`` and ``--json``: the county and what to time."""
    parser.add_argument("--db", type=Path, default=None, help=db_help)
    parser.add_argument("--persons", type=int, default=400_000, help="size of the synthetic county (without --db)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--month", default=None, help="reporting month (default: chosen by the benchmark)")
    parser.add_argument("--unit", default="", help="unit code (default: everything)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")


@contextmanager
def county_workspace(args: argparse.Namespace, report: Report, *, copy: bool) -> Iterator[tuple[Path, Path]]:
    """The county to measure and a temporary folder under the cache for what the run writes: ``--db``, or the
    cached synthetic county (its build time reported as ``demo_generation`` when it had to be built); with
    `copy`, the database is copied into the folder first (the benchmark writes to it)."""
    source = args.db
    if source is None:
        source, seconds = county_db(args.persons, args.seed)
        if seconds:
            report.add(Figure("demo_generation", seconds, "s"))
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        folder = Path(tmp)
        database = source
        if copy:
            database = folder / "county.sqlite3"
            shutil.copy(source, database)
        yield database, folder


async def warm_county() -> int:
    """In the open county: its persons, after one query over them (the first query of a cold file pays for
    reading it from disk)."""
    from store import db

    await db.scalar("SELECT count(*) FROM person WHERE birth_date > ?", [dt.date(1900, 1, 1)])
    return int(await db.scalar("SELECT count(*) FROM person") or 0)
