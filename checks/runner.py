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

from checks import confirm as _confirm
from checks.auditor import Auditor
from checks.config import AuditConfig
from checks.drive import _run, _sqlite_path
from checks.inline import load_context
from checks.model import Finding
from checks.parallel import _run_parallel, _workers
from checks.passes import Progress, _global_context_plan, _households_plan
from checks.plans import CHUNK, Plan, _marks
from checks.settings import _stored_as_of, load_config

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

    start = time.perf_counter()
    today = today or dt.date.today()
    as_of = as_of or today
    config = config or await load_config()
    auditor = Auditor(as_of, today=today, config=config, pins=await _confirm.load_pins())
    total = int(await db.scalar("SELECT count(*) FROM household") or 0)
    dialect = db.dialect()
    findings: list[Finding] = []

    def plans() -> Plan:
        ctx = yield from _global_context_plan(auditor, dialect)
        return (yield from _households_plan(auditor, ctx, findings, progress, total))

    path = _sqlite_path()
    workers = _workers(total)
    if path is not None and workers > 1:
        households, persons, findings, pins = await _run_parallel(path, auditor, workers, total, progress)
        auditor.new_pins.update(pins)
    else:
        households, persons = await _run(plans)
    findings.sort(key=Finding.sort_key)
    if store:
        await _store(findings, None, as_of)
        await _confirm.save_pins(auditor, prune=True)
    return AuditSummary(as_of, households, persons, findings, time.perf_counter() - start)


async def _partner_households(codes: Sequence[str]) -> set[str]:
    """Households whose findings may change when `codes` change: those named by stored findings of `codes`
    (or naming their persons), and those of women whose history links a member of `codes`."""
    from store import db

    found: set[str] = set()
    keys: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        chunk = list(codes[start : start + CHUNK])
        marks = _marks(len(chunk))
        for row in await db.fetch(f"SELECT related_json FROM finding WHERE household_code IN ({marks})", chunk):
            keys.update(json.loads(row[0] or "[]"))
        rows = await db.fetch(
            "SELECT DISTINCT w.household_id FROM child c JOIN person w ON w.id = c.woman_id "
            f"JOIN person m ON m.id = c.member_id WHERE m.household_id IN ({marks})", chunk)  # fmt: skip
        found.update(r[0] for r in rows)
    listed = sorted(keys)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows = await db.fetch(f"SELECT DISTINCT household_id FROM person WHERE key IN ({_marks(len(chunk))})", chunk)
        found.update(r[0] for r in rows)
    return found


async def reaudit_households(codes: Sequence[str], as_of: dt.date | None = None) -> list[Finding]:
    """Re-audit households after a write, with the households of their partners (spouses, duplicates,
    mothers and women whose history links them, before and after the write); replaces their findings.
    Returns the new findings of the given households."""
    from store.records import load_households

    codes = list(dict.fromkeys(codes))
    as_of = as_of or await _stored_as_of() or dt.date.today()
    config = await load_config()
    affected = set(codes) | await _partner_households(codes)
    records = await load_households(sorted(affected))
    ctx = await load_context(list(records.values()), as_of, config)
    affected |= ctx.households
    more = sorted(affected - set(records))
    if more:
        records.update(await load_households(more))
        ctx = await load_context(list(records.values()), as_of, config)
    auditor = Auditor(as_of, config=config, pins=ctx.pins)
    env = auditor.env(ctx)
    findings: list[Finding] = []
    for code in sorted(records):
        findings.extend(auditor.audit_household(records[code], env))
    findings.sort(key=Finding.sort_key)
    await _store(findings, sorted(set(records) | set(codes)), as_of)
    await _confirm.save_pins(auditor)
    wanted = set(codes)
    return [f for f in findings if f.household_code in wanted]


async def _store(findings: list[Finding], households: list[str] | None, as_of: dt.date) -> None:
    """Replace the stored findings (of `households`, or all) in one transaction."""
    from tortoise.transactions import in_transaction

    from store import db
    from store.schema import set_setting

    rows = [(f.rule, f.severity, f.scope, f.household_code, f.unit, f.person_key,
             json.dumps(list(f.related), ensure_ascii=False), json.dumps(list(f.fields), ensure_ascii=False),
             f.message, f.confirmed) for f in findings]  # fmt: skip
    async with in_transaction() as client:
        if households is None:
            await db.execute("DELETE FROM finding", (), client)
            await set_setting("audit_as_of", as_of.isoformat(), client)
        else:
            for start in range(0, len(households), CHUNK):
                chunk = households[start : start + CHUNK]
                await db.execute(f"DELETE FROM finding WHERE household_code IN ({_marks(len(chunk))})", chunk, client)
        await db.execute_many(
            "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
            "fields_json, message, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
            client,
        )
