"""Builds ``tests/data/schema2.sqlite3``: a database as Renkou wrote it at schema version 2 (commit 6d2703c^).

Run with the old code first on the path, from a checkout of that commit (``git archive 6d2703c^ | tar -x``)::

    PYTHONPATH=OLD python tests/data/build_schema2.py OUT.sqlite3

A demo township (155 persons, planted faults, audited), then one household saved through the service with a
changed contraception (a history row and a change event) and a confirmed warning, and an account: every table
of version 2 holds rows. Kept beside the fixture for the record; the tests only read the fixture.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


async def build(path: Path) -> None:
    import datetime as dt

    from checks.engine import run_audit
    from store import db, service, users
    from store.demo_build import build_demo
    from store.records import iter_households

    target = db.resolve(path)
    await build_demo(target, persons=150, seed=5, error_rate=0.1)
    async with db.database(target):
        await users.create_user("boss", "管理员", "secret123", role="admin", by="system")
        async for batch in iter_households():
            record = next(r for r in batch if any((p.get("woman") or {}).get("contraception") for p in r["members"]))
            break
        woman = next(p for p in record["members"] if (p.get("woman") or {}).get("contraception"))
        woman["woman"]["contraception"] = {"method": "02", "since": "2026-09-01", "failure": None}
        woman["confirmations"] = [{"rule": "W001", "fields": ["birth_date"], "reason": "户口簿核实",
                                   "by": "boss", "at": "2026-11-01 10:00:00"}]  # fmt: skip
        await service.save_household(record, operator="boss")
        await run_audit(dt.date(2026, 11, 15), today=dt.date(2026, 11, 15))


if __name__ == "__main__":
    asyncio.run(build(Path(sys.argv[1])))
