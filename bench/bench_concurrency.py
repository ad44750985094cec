"""Benchmark of concurrent saves (issue 11): `--processes` processes × `--saves` saves through
:func:`store.service.save_household`, on SQLite and on PostgreSQL, all on the same few households.

    python -m bench.bench_concurrency [--processes 8] [--saves 200] [--households 4] [--pg URL] [--no-sqlite]

Each save opens a household as stored, adds one to a counter (the first member's occupation) and saves it; a
version conflict (someone saved in between) is counted and the worker opens it again, as a clerk would. Per
backend the figures are: saves committed, conflicts, errors other than conflicts (must be 0), lost updates
(the counters' expected total minus their stored total; must be 0), and the median and 95th percentile of
the time one save call took (committed saves and conflicts alike). Not a timed test: it reports numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import ROOT, Figure, Report, median, percentile

WORKER = """
import asyncio, copy, json, random, sys, time
from store import db
from store.errors import ConflictError
from store.records import load_households
from store.service import save_household

async def work(target, codes, saves, start, seed):
    rng = random.Random(seed)
    out = {"saves": 0, "conflicts": 0, "other": [], "times": [], "per_code": {c: 0 for c in codes}}
    async with db.database(target, create=False):
        await asyncio.sleep(max(0.0, start - time.time()))
        while out["saves"] < saves and len(out["other"]) < 20:
            code = rng.choice(codes)
            record = copy.deepcopy((await load_households([code]))[code])
            member = record["members"][0]
            member["occupation"] = str(int(member["occupation"]) + 1)
            began = time.perf_counter()
            try:
                await save_household(record, operator="bench")
            except ConflictError:
                out["conflicts"] += 1
            except Exception as exc:
                out["other"].append(f"{type(exc).__name__}: {exc}"[:300])
            else:
                out["saves"] += 1
                out["per_code"][code] += 1
            out["times"].append(time.perf_counter() - began)
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(work(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])))
"""


async def prepare(target: str, households: int) -> list[str]:
    """Import the example households (plus copies under new codes) and set every counter to 0."""
    from store import db
    from store.importer import import_file
    from store.records import load_households
    from store.service import save_households

    example = ROOT / "tests" / "data" / "households.jsonl"
    lines = example.read_text(encoding="utf-8").splitlines()
    units = [line for line in lines if line.startswith('{"unit"')]
    template = next(line for line in lines if '"430426101201010012"' in line)
    extra = [template.replace("430426101201010012", f"4304261012010180{n:02d}").replace('"h12-', f'"b{n}-')
             for n in range(households)]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(units + extra) + "\n")
    try:
        async with db.database(target):
            await import_file(Path(handle.name), operator="bench")
            codes = [f"4304261012010180{n:02d}" for n in range(households)]
            records = list((await load_households(codes)).values())
            for record in records:
                record["members"][0]["occupation"] = "0"
            await save_households(records, operator="bench")
    finally:
        os.unlink(handle.name)
    return codes


async def counters(target: str, codes: list[str]) -> dict[str, int]:
    from store import db
    from store.records import load_households

    async with db.database(target, create=False):
        stored = await load_households(codes)
    return {code: int(stored[code]["members"][0]["occupation"]) for code in codes}


def spawn(*argv: str) -> subprocess.Popen[str]:
    """One worker process."""
    return subprocess.Popen([sys.executable, "-c", WORKER, *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def run_backend(report: Report, name: str, target: str, args: argparse.Namespace) -> None:
    codes = asyncio.run(prepare(target, args.households))
    start = time.time() + 2.0 + 0.3 * args.processes  # every process connected before the first save
    argv = [",".join(codes), str(args.saves), str(start)]
    procs = [spawn(target, *argv, str(n)) for n in range(args.processes)]
    began = time.perf_counter()
    outputs = [p.communicate() for p in procs]
    wall = time.perf_counter() - began
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise SystemExit(f"worker failed ({name}): {err[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    times = [t for r in results for t in r["times"]]
    expected = {code: sum(r["per_code"][code] for r in results) for code in codes}
    stored = asyncio.run(counters(target, codes))
    lost = sum(expected.values()) - sum(stored.values())
    others = [o for r in results for o in r["other"]]
    report.add(Figure(f"{name}_saves", sum(r["saves"] for r in results), "saves",
                      target=f"{args.processes}×{args.saves}"))  # fmt: skip
    report.add(Figure(f"{name}_conflicts", sum(r["conflicts"] for r in results), "conflicts"))
    report.add(Figure(f"{name}_other_errors", len(others), "errors", target="0"))
    report.add(Figure(f"{name}_lost_updates", lost, "updates", target="0"))
    report.add(Figure(f"{name}_save_median", median(times) * 1000, "ms"))
    report.add(Figure(f"{name}_save_p95", percentile(times, 95) * 1000, "ms"))
    report.add(Figure(f"{name}_wall", wall, "s"))
    for line in others[:5]:
        print(f"  {name} error: {line}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--households", type=int, default=4)
    parser.add_argument("--pg", default=os.environ.get("RENKOU_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    report = Report("concurrency")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run_backend(report, "sqlite", str(Path(folder) / "bench.sqlite3"), args)
    if not args.no_pg:
        run_pg(report, args)
    report.write()
    return 0


def run_pg(report: Report, args: argparse.Namespace) -> None:
    """The PostgreSQL run, on a database of its own (created and dropped here)."""
    import asyncpg

    admin = args.pg.replace("postgres://", "postgresql://")
    name = f"renkou_bench_{uuid.uuid4().hex[:10]}"

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin_sql(f"CREATE DATABASE {name}"))
    except Exception as exc:  # no server: report the SQLite figures alone
        print(f"PostgreSQL not reachable at {args.pg}: {exc}", flush=True)
        return
    try:
        run_backend(report, "postgres", f"{args.pg.rsplit('/', 1)[0]}/{name}", args)
    finally:
        asyncio.run(admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    raise SystemExit(main())
