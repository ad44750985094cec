"""Test data: the example household file and the audited demo township."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from store import db

TESTS = Path(__file__).resolve().parents[1]
#: A copy of shared/spec/examples/households.jsonl (test_import_export checks it is still identical).
EXAMPLE_FILE = TESTS / "data" / "households.jsonl"
SHARED_EXAMPLE = TESTS.parents[1] / "shared" / "spec" / "examples" / "households.jsonl"

#: the reference date of the audited demo township below
AUDIT_AS_OF = dt.date(2026, 11, 15)
#: the demo township (城关镇) and, in the example file, 周建军户 of 东风村一组: 周建军 h12-1, 陈美华 h12-2
#: (wife), two children
TOWNSHIP = "430426101"
CODE = "430426101201010012"


async def build_audited_demo(path: Path, *, persons: int = 2000, error_rate: float = 0.05) -> None:
    """A demo township with planted faults at `path` (fixed seed), audited at AUDIT_AS_OF."""
    from checks.engine import run_audit
    from store.demo_build import build_demo

    target = db.resolve(path)
    await build_demo(target, persons=persons, seed=3, error_rate=error_rate, as_of=AUDIT_AS_OF)
    async with db.database(target, create=False):
        await run_audit(AUDIT_AS_OF, today=AUDIT_AS_OF)


async def import_example(path: Path, *, operator: str = "import") -> db.DbTarget:
    """A fresh SQLite database at `path` holding the example households (left closed)."""
    from store.importer import import_file

    target = db.resolve(path)
    async with db.database(target):
        await import_file(EXAMPLE_FILE, operator=operator)
    return target


async def add_accounts() -> None:
    """In the open database: an admin (boss, 王主任) and an operator (clerk, 李敏), password secret123."""
    from store import users

    await users.create_user("boss", "王主任", "secret123", "admin", iterations=1000)
    await users.create_user("clerk", "李敏", "secret123", "operator", iterations=1000)
