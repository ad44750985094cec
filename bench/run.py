"""Benchmark runner: builds (and caches) the synthetic county, runs the benchmarks that exist, prints one
line per figure (``name value unit (baseline …, ratio …)``) and writes ``bench/results/latest.json``.

    python -m bench.run --persons 400000          # the county of design §5
    python -m bench.run --persons 20000 --quick   # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import RESULTS, ROOT, Figure, Report, county_db, median, percentile, timed_async


def bench_startup(report: Report, runs: int) -> None:
    """Process start to a usable first screen in a real 80×24 terminal: Renkou (login screen of a demo database)
    against a hello-world Textual app with one Input, best of `runs` each (:mod:`bench.startup_probe`)."""
    from bench.startup_probe import run

    run(None, runs, report)


async def _bare_input_latencies(keys: int) -> list[float]:
    import time

    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(compact=True)

    latencies = []
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for index in range(keys):
            start = time.perf_counter()
            await pilot.press("abcdefghij"[index % 10])
            await pilot.pause()
            latencies.append(time.perf_counter() - start)
    return latencies


def bench_input_baseline(report: Report, keys: int) -> None:
    """Key press to updated screen in a bare Textual Input (the baseline for form latency)."""
    latencies = asyncio.run(_bare_input_latencies(keys))
    report.add(Figure("input_key_bare_median", median(latencies) * 1000, "ms"))
    report.add(Figure("input_key_bare_p95", percentile(latencies, 95) * 1000, "ms"))


async def _export(database: Path, out: Path) -> tuple[int, int]:
    from store import db
    from store.exporter import export_households

    async with db.database(database, create=False):
        return await export_households(out, operator="bench")


async def _import(database: Path, source: Path) -> None:
    from store import db
    from store.importer import import_file

    async with db.database(database):
        report = await import_file(source, operator="bench")
        if report.errors:
            raise SystemExit(f"import failed: {report.errors[:3]}")


def bench_roundtrip(report: Report, database: Path, persons: int) -> None:
    """Export the county to JSONL, import it into a fresh database, export again: time and identity."""
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / ".cache") as folder:
        first, copy, second = Path(folder) / "a.jsonl", Path(folder) / "copy.sqlite3", Path(folder) / "b.jsonl"
        seconds, (_households, people) = timed_async(lambda: _export(database, first))
        report.add(Figure("export_households", seconds, "s", target="—"))
        report.add(Figure("jsonl_size", first.stat().st_size / 1e6, "MB"))
        seconds, _ = timed_async(lambda: _import(copy, first))
        report.add(Figure("import_households", seconds, "s", target="< 120 s for 400 000 persons"))
        report.add(Figure("import_rate", people / seconds, "persons/s"))
        timed_async(lambda: _export(copy, second))
        identical = first.read_bytes() == second.read_bytes()
        report.add(Figure("roundtrip_identical", 1.0 if identical else 0.0, "bool", target="1"))


def bench_subsuite(report: Report, module: str, *args: str) -> None:
    """Run another benchmark script in its own process (so its memory figures are its own), relaying its lines."""
    result = RESULTS / f"{module.rsplit('.', 1)[-1]}.json"
    proc = subprocess.run([sys.executable, "-m", module, *args, "--json", str(result)], cwd=ROOT, text=True,
                          capture_output=True)  # fmt: skip
    print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        print(f"{module} failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
        return
    for item in json.loads(result.read_text(encoding="utf-8")):
        report.figures.append(Figure(**{k: v for k, v in item.items() if k != "ratio"}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached county")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="sections to skip: roundtrip startup input audit exports tui widgets app"
    )
    args = parser.parse_args(argv)
    report = Report("latest")
    database, seconds = county_db(args.persons, args.seed, rebuild=args.rebuild)
    if seconds:
        report.add(Figure("demo_generation", seconds, "s", target="< 180 s for 400 000 persons"))
    report.add(Figure("database_size", database.stat().st_size / 1e6, "MB"))
    report.add(Figure("database_size_per_1000_persons", database.stat().st_size / 1e3 / args.persons, "MB"))
    if "roundtrip" not in args.skip:
        bench_roundtrip(report, database, args.persons)
    if "startup" not in args.skip:
        bench_startup(report, 3)
    if "input" not in args.skip:
        bench_input_baseline(report, 30 if args.quick else 200)
    if "audit" not in args.skip:
        bench_subsuite(report, "bench.bench_audit", "--persons", str(args.persons), "--seed", str(args.seed))
    if "exports" not in args.skip:
        bench_subsuite(report, "bench.bench_exports", "--db", str(database))
    if "tui" not in args.skip:
        bench_subsuite(report, "bench.bench_tui", "--db", str(database))
    if "widgets" not in args.skip:
        bench_subsuite(report, "bench.bench_widgets")
    if "app" not in args.skip:
        quick = ["--reps", "5", "--forms", "50", "--changes", "20", "--reaudits", "10", "--exports", "10"]
        bench_subsuite(report, "bench.bench_app", "--db", str(database), *(quick if args.quick else []))
    print(f"results: {report.write()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
