"""The stored audit: the ``finding`` table.

* :func:`run_audit` audits the whole database (the two passes of :mod:`checks.passes`, in one process or,
  on a large SQLite database, in several — :mod:`checks.parallel`) and replaces the ``finding`` table;
* :func:`reaudit_households` re-audits given households and the households of their partners after a write
  and replaces their findings.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from checks.auditor import Auditor
from checks.config import AuditConfig
from checks.drive import run_plan, sqlite_path
from checks.in_force import overlay_records
from checks.inline import load_context
from checks.model import Finding
from checks.parallel import run_parallel, worker_count
from checks.passes import Progress, global_context_plan, households_plan
from checks.plans import CHUNK, Plan, marks
from checks.settings import load_config, stored_as_of

__all__ = ["AuditSummary", "reaudit_households", "run_audit"]


@dataclass
class AuditSummary:
    """What a whole-database audit found."""

    as_of: dt.date
    households: int = 0
    persons: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> Counter[str]:
        """Findings per severity (confirmed warnings included)."""
        return Counter(f.severity for f in self.findings)


async def run_audit(
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    *,
    config: AuditConfig | None = None,
    today: dt.date | None = None,
    store: bool = True,
) -> AuditSummary:
    """Audit the whole database at `as_of` (default today); replace the ``finding`` table."""
    from store import db
    from store.confirmations import load_pins

    start = time.perf_counter()
    today = today or dt.date.today()
    as_of = as_of or today
    config = config or await load_config()
    auditor = Auditor(as_of, today=today, config=config, pins=await load_pins())
    total = int(await db.scalar("SELECT count(*) FROM household") or 0)
    dialect = db.dialect()
    findings: list[Finding] = []

    def plans() -> Plan:
        ctx = yield from global_context_plan(auditor, dialect)
        return (yield from households_plan(auditor, ctx, findings, progress, total))

    path = sqlite_path()
    workers = worker_count(total)
    if path is not None and workers > 1:
        households, persons, findings, pins = await run_parallel(path, auditor, workers, total, progress)
        auditor.new_pins.update(pins)
    else:
        households, persons = await run_plan(plans)
    findings.sort(key=Finding.sort_key)
    if store:
        await _store(findings, None, as_of, auditor)
    return AuditSummary(as_of, households, persons, findings, time.perf_counter() - start)


async def _partner_households(codes: Sequence[str]) -> set[str]:
    """Households whose findings may change when `codes` change: those named by stored findings of `codes`
    (or naming their persons), and those of women whose history links a member of `codes`."""
    from store import db

    found: set[str] = set()
    keys: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        chunk = list(codes[start : start + CHUNK])
        holes = marks(len(chunk))
        for row in await db.fetch(f"SELECT related_json FROM finding WHERE household_code IN ({holes})", chunk):
            keys.update(json.loads(row[0] or "[]"))
        rows = await db.fetch(
            "SELECT DISTINCT w.household_id FROM child c JOIN person w ON w.id = c.woman_id "
            f"JOIN person m ON m.id = c.member_id WHERE m.household_id IN ({holes})", chunk)  # fmt: skip
        found.update(r[0] for r in rows)
    listed = sorted(keys)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows = await db.fetch(f"SELECT DISTINCT household_id FROM person WHERE key IN ({marks(len(chunk))})", chunk)
        found.update(r[0] for r in rows)
    return found


async def reaudit_households(codes: Sequence[str], as_of: dt.date | None = None) -> list[Finding]:
    """Re-audit households after a write, with the households of their partners (spouses, duplicates,
    mothers and women whose history links them, before and after the write); replaces their findings.
    Returns the new findings of the given households."""
    from store.records import load_households

    codes = list(dict.fromkeys(codes))
    as_of = as_of or await stored_as_of() or dt.date.today()
    config = await load_config()
    affected = set(codes) | await _partner_households(codes)
    records = await load_households(sorted(affected))
    await overlay_records(records, as_of)
    ctx = await load_context(list(records.values()), as_of, config)
    affected |= ctx.households
    more = sorted(affected - set(records))
    if more:
        records.update(await load_households(more))
        await overlay_records(records, as_of)
        ctx = await load_context(list(records.values()), as_of, config)
    auditor = Auditor(as_of, config=config, pins=ctx.pins)
    env = auditor.env(ctx)
    findings: list[Finding] = []
    for code in sorted(records):
        findings.extend(auditor.audit_household(records[code], env))
    findings.sort(key=Finding.sort_key)
    await _store(findings, sorted(set(records) | set(codes)), as_of, auditor)
    wanted = set(codes)
    return [f for f in findings if f.household_code in wanted]


async def _store(findings: list[Finding], households: list[str] | None, as_of: dt.date, auditor: Auditor) -> None:
    """Replace the stored findings (of `households`, or all) and store the confirmation pins the audit made
    (a whole audit keeps only the pins it used), in one transaction."""
    from store.findings import replace_findings

    await replace_findings(findings, households, as_of, auditor.new_pins)
