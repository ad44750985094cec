"""Benchmark of the online backup under heavy writing (design §4, issue 11): the backup of a demo county idle
against the same backup while writer processes save continuously, in the same run.

    python -m bench.bench_backup [--persons 50000] [--writers 4] [--rounds 3] [--legacy]

Figures (one line each, ``name value unit (baseline …, ratio …)``):

* ``backup_busy`` — :func:`store.backup.create_backup` while `--writers` processes keep saving (each save one
  ``BEGIN IMMEDIATE`` transaction updating a person and appending to the audit log, ``synchronous=FULL``),
  best of `--rounds`; baseline: the same backup with no writers (target ≤ 3 ×);
* ``writer_saves_per_s`` — the saves the writers committed per second during the busy backups (they are not
  starved by the backup);
* ``backup_legacy_busy`` (with ``--legacy``) — the previous method (backup API in steps, the read transaction
  closed between steps, so every commit of a writer restarts the copy) under the same load, given up after
  `--legacy-cap` seconds.

The demo county is built once and cached under bench/.cache (``renkou demo --persons N --no-audit``); each
run works on a copy of it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, ROOT, Figure, Report

WRITER = """
import os, random, sqlite3, sys, time
from pathlib import Path
path, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(path, isolation_level=None, timeout=60)
conn.execute("PRAGMA synchronous = FULL")
conn.execute("PRAGMA busy_timeout = 60000")
top = conn.execute("SELECT max(id) FROM person").fetchone()[0]
n = 0
while not stop.exists():
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE person SET occupation = ?, version = version + 1 WHERE id = ?",
                 [str(n % 9), random.randint(1, top)])
    conn.execute("COMMIT")
    n += 1
print(n)
"""


def county(persons: int) -> Path:
    """The cached demo county of that size (built without an audit)."""
    from store import db
    from store.demo_build import build_demo

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"backup-demo-{persons}.sqlite3"
    if not path.exists():
        print(f"building the demo county of {persons} persons …", flush=True)
        asyncio.run(build_demo(db.resolve(path), persons=persons, seed=1, as_of=dt.date(2026, 11, 1), force=True))
    return path


class Writers:
    """`count` writer processes saving continuously into `database` until stopped."""

    def __init__(self, database: Path, count: int, work: Path) -> None:
        self.stop = work / "stop"
        self.stop.unlink(missing_ok=True)
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(database), str(self.stop)], stdout=subprocess.PIPE, text=True
            )
            for _ in range(count)
        ]
        self.started = time.perf_counter()

    def finish(self) -> tuple[int, float]:
        """Stop the writers; the saves they committed and the seconds they ran."""
        self.stop.write_text("", encoding="utf-8")
        saves = sum(int(p.communicate(timeout=120)[0] or 0) for p in self.procs)
        return saves, time.perf_counter() - self.started


def legacy_backup(database: Path, target: Path, cap: float) -> float | None:
    """The previous method: backup API steps with the read transaction closed in between. Seconds taken, or
    None when it had not finished after `cap` seconds."""
    from store.backup import PAGES_PER_STEP

    start = time.perf_counter()

    def step(_status: int, _remaining: int, _total: int) -> None:
        if time.perf_counter() - start > cap:
            raise TimeoutError

    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=PAGES_PER_STEP, progress=step)
    except TimeoutError:
        return None
    finally:
        copy.close()
        source.close()
        target.unlink(missing_ok=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--legacy", action="store_true", help="also time the previous backup method under load")
    parser.add_argument("--legacy-cap", type=float, default=120.0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from store import backup

    report = Report("backup")
    with tempfile.TemporaryDirectory(prefix="renkou-bench-backup-") as tmp:
        work = Path(tmp)
        database = work / "renkou.sqlite3"
        shutil.copyfile(county(args.persons), database)
        with sqlite3.connect(database) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        print(f"database: {args.persons} persons, {pages * 4096 / 1_048_576:.0f} MB", flush=True)
        folder = work / "backups"
        idle = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            backup.create_backup(database, folder, label="idle")
            idle.append(time.perf_counter() - start)
        busy = []
        writers = Writers(database, args.writers, work)
        try:
            time.sleep(1.0)  # the writers are saving
            for _ in range(args.rounds):
                start = time.perf_counter()
                made = backup.create_backup(database, folder, label="busy")
                busy.append(time.perf_counter() - start)
                assert backup.check_file(made.path) >= 1
        finally:
            saves, ran = writers.finish()
        report.add(Figure("backup_idle", min(idle), "s", target=f"all: {', '.join(f'{t:.2f}' for t in idle)}"))
        report.add(Figure("backup_busy", min(busy), "s", baseline=min(idle), baseline_name="backup_idle",
                          target=f"≤ 3 ×; all: {', '.join(f'{t:.2f}' for t in busy)}"))  # fmt: skip
        report.add(Figure("backup_busy_worst", max(busy), "s", baseline=min(idle), baseline_name="backup_idle"))
        report.add(Figure("writer_saves_per_s", saves / ran, "saves/s", target=f"{args.writers} writers"))
        if args.legacy:
            writers = Writers(database, args.writers, work)
            try:
                time.sleep(1.0)
                took = legacy_backup(database, work / "legacy.sqlite3", args.legacy_cap)
            finally:
                writers.finish()
            value = took if took is not None else args.legacy_cap
            note = "finished" if took is not None else f"not finished after {args.legacy_cap:.0f} s"
            report.add(Figure("backup_legacy_busy", value, "s", baseline=min(idle), baseline_name="backup_idle",
                              target=note))  # fmt: skip
    print(f"results: {report.write()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
