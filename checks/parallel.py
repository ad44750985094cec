"""The whole-database audit of a large SQLite database in several processes.

:func:`run_parallel` splits the households into code ranges, each audited by a ``python -m checks.worker``
process that runs :func:`audit_range` (both passes of :mod:`checks.passes` over its own read-only connection).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from itertools import pairwise

from checks.auditor import Auditor
from checks.config import AuditConfig
from checks.drive import drive_sync, open_reader
from checks.model import Finding
from checks.passes import Progress, global_context_plan, households_plan
from checks.plans import Plan

__all__ = ["PARALLEL_THRESHOLD", "audit_range", "run_parallel", "worker_count"]

#: households below which the whole audit stays in one process.
PARALLEL_THRESHOLD = 20_000


def worker_count(households: int) -> int:
    """How many processes audit a database of this size (``RENKOU_AUDIT_WORKERS`` overrides)."""
    import os

    text = os.environ.get("RENKOU_AUDIT_WORKERS")
    if text and text.isdigit():
        return max(1, int(text))
    if households < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def audit_range(
    path: str, as_of: dt.date, today: dt.date, config: AuditConfig, pins: dict[str, str], after: str, upto: str
) -> tuple[int, int, list[Finding], dict[str, str]]:
    """One worker process: the global context, then the households in (after, upto]."""
    auditor = Auditor(as_of, today=today, config=config, pins=pins)
    findings: list[Finding] = []

    def plans() -> Plan:
        ctx = yield from global_context_plan(auditor, "sqlite")
        return (yield from households_plan(auditor, ctx, findings, None, 0, after, upto))

    conn = open_reader(path)
    try:
        households, persons = drive_sync(plans(), conn)
    finally:
        conn.close()
    return households, persons, findings, auditor.new_pins


async def run_parallel(
    path: str, auditor: Auditor, workers: int, total: int, progress: Progress | None
) -> tuple[int, int, list[Finding], dict[str, str]]:
    """Split the households into `workers` code ranges, each audited by a ``python -m checks.worker``
    process (a plain subprocess: no multiprocessing start-method pitfalls, nothing imported but `checks`)."""
    import os
    import pickle
    import sys
    from pathlib import Path

    from store import db

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}

    bounds = [""]
    for i in range(1, workers):
        rows = await db.fetch("SELECT code FROM household ORDER BY code LIMIT 1 OFFSET ?", [total * i // workers])
        if rows and rows[0][0] > bounds[-1]:
            bounds.append(rows[0][0])
    bounds.append("\uffff")

    async def one(low: str, high: str) -> tuple[int, int, list[Finding], dict[str, str]]:
        job = (path, auditor.as_of, auditor.today, auditor.config, auditor.pins, low, high)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "checks.worker", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await proc.communicate(pickle.dumps(job))
        if proc.returncode != 0:
            raise RuntimeError(f"审核子进程失败：{err.decode(errors='replace').strip()[-500:]}")
        return pickle.loads(out)

    households = persons = 0
    findings: list[Finding] = []
    pins: dict[str, str] = {}
    for job in asyncio.as_completed([one(low, high) for low, high in pairwise(bounds)]):
        h, n, found, made = await job
        households += h
        persons += n
        findings.extend(found)
        pins.update(made)
        if progress:
            progress(households, total)
    return households, persons, findings, pins
