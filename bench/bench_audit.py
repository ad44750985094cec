"""Benchmark of the logic audit (design §5): whole-database audit, single-record audit, quality indicators.

    python -m bench.bench_audit --persons 100000            # builds or reuses the data set
    python -m bench.bench_audit --persons 400000 --json out.json

Figures (one line each, ``name value unit (baseline …, ratio …)``):

* ``raw_person_pass`` — baseline: one raw ``sqlite3`` pass reading every person row;
* ``audit_whole`` — :func:`checks.engine.run_audit` (target ≤ 10 × the baseline and ≤ 15 s for 400 000);
* ``audit_record_median`` / ``_p95`` — :func:`checks.engine.audit_record` on one household (≤ 5 ms);
* ``quality_after_audit`` — :func:`checks.quality.compute_quality` (≤ 2 s);
* ``audit_peak_rss`` — peak resident memory of the audit process (≤ 400 MB; the audit runs in a child
  process so that the figure is the audit's own).

The data set is the demo county of ``renkou demo`` (``store.demo``) with planted faults (``--error-rate``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
AS_OF = dt.date(2026, 11, 15)

# --- data set ------------------------------------------------------------------------------------------


def dataset(persons: int, seed: int, error_rate: float, rebuild: bool = False) -> tuple[Path, float]:
    """The demo county of that size (cached under bench/.cache) and how long building it took (0: cached)."""
    from store import db
    from store.demo_build import build_demo

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"audit-demo-{persons}-s{seed}-e{error_rate}.sqlite3"
    if path.exists() and not rebuild:
        return path, 0.0
    start = time.perf_counter()
    asyncio.run(build_demo(db.resolve(path), persons=persons, seed=seed, error_rate=error_rate, as_of=AS_OF,
                           force=True))  # fmt: skip
    return path, time.perf_counter() - start


# --- measurements --------------------------------------------------------------------------------------


def raw_pass(path: Path) -> float:
    """Baseline: one raw sqlite3 pass reading every person row (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        conn = sqlite3.connect(path)
        for _row in conn.execute("SELECT * FROM person"):
            pass
        conn.close()
        best = min(best, time.perf_counter() - start)
    return best


def _vm_hwm_mb() -> float | None:
    """Peak resident memory of this process from /proc (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _child_audit(path: str) -> None:
    """Run in a child process: the whole audit, then its own figures as JSON on stdout."""
    import resource

    from checks.engine import run_audit
    from checks.quality import compute_quality
    from store import db

    async def work() -> dict[str, Any]:
        async with db.database(db.resolve(path)):
            start = time.perf_counter()
            summary = await run_audit(AS_OF, today=AS_OF)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            await compute_quality(AS_OF, today=AS_OF)
            quality = time.perf_counter() - start
        return {"seconds": seconds, "quality": quality, "persons": summary.persons, "findings": len(summary.findings),
                "by_severity": dict(summary.counts())}  # fmt: skip

    result = asyncio.run(work())
    # VmHWM: the peak of this process image (ru_maxrss would include the parent's RSS at fork on Linux)
    own = _vm_hwm_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result.update(rss_mb=own, worker_rss_mb=workers)
    print(json.dumps(result))


def whole_audit(path: Path, workers: int | None) -> dict[str, Any]:
    env = dict(__import__("os").environ)
    if workers:
        env["RENKOU_AUDIT_WORKERS"] = str(workers)
    out = subprocess.run([sys.executable, "-m", "bench.bench_audit", "--child-audit", str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def single_record(path: Path, samples: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `audit_record` (context already loaded) and of `load_context`, per household."""
    from checks.engine import Auditor, audit_record, load_config, load_context
    from store import db
    from store.records import load_households

    async def work() -> tuple[list[float], list[float]]:
        async with db.database(db.resolve(path)):
            codes = [r[0] for r in await db.fetch("SELECT code FROM household ORDER BY code")]
            rnd = random.Random(5)
            chosen = rnd.sample(codes, min(samples, len(codes)))
            records = await load_households(chosen)
            config = await load_config()
            auditor = Auditor(AS_OF, today=AS_OF, config=config)
            audit_ms, context_ms = [], []
            for code in chosen:
                record = records[code]
                start = time.perf_counter()
                ctx = await load_context(record, AS_OF, config)
                context_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                audit_record(record, ctx, AS_OF, auditor=auditor)
                audit_ms.append((time.perf_counter() - start) * 1000)
            return audit_ms, context_ms

    return asyncio.run(work())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of the logic audit (design §5).")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=None, help="audit processes (default: automatic)")
    parser.add_argument("--samples", type=int, default=300, help="households timed for audit_record")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument("--child-audit", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_audit:
        _child_audit(args.child_audit)
        return 0
    from bench.common import Figure, Report, median, percentile

    path, built = dataset(args.persons, args.seed, args.error_rate, args.rebuild)
    report = Report("audit")
    if built:
        report.add(Figure("dataset_build", built, "s", target=f"renkou demo, {args.persons} persons"))
    base = report.add(Figure("raw_person_pass", raw_pass(path), "s", target="baseline"))
    audit = whole_audit(path, args.workers)
    scale = f"≤ 10× and ≤ {15 * audit['persons'] / 400_000:.1f} s at this size"
    report.add(Figure("audit_whole", audit["seconds"], "s", base.value, "raw sqlite3 person pass", scale))
    report.add(Figure("audit_persons_per_s", audit["persons"] / audit["seconds"], "persons/s"))
    report.add(Figure("audit_findings", audit["findings"], "findings", target=json.dumps(audit["by_severity"])))
    report.add(Figure("audit_peak_rss", audit["rss_mb"], "MB", target="≤ 400 MB"))
    if audit["worker_rss_mb"]:
        report.add(Figure("audit_worker_peak_rss", audit["worker_rss_mb"], "MB",
                          target="largest audit worker (ru_maxrss: includes the audit process's RSS at spawn)"))  # fmt: skip
    report.add(Figure("quality_after_audit", audit["quality"], "s", target="≤ 2 s"))
    audit_ms, context_ms = single_record(path, args.samples)
    report.add(Figure("audit_record_median", median(audit_ms), "ms", target="≤ 5 ms"))
    report.add(Figure("audit_record_p95", percentile(audit_ms, 95), "ms"))
    report.add(Figure("load_context_median", median(context_ms), "ms"))
    if args.json:
        report.write(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
