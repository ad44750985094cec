"""Several operators writing one SQLite file at once: no "database is locked" (design §7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.data import EXAMPLE_FILE
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import asyncio, sys
from store import db
from store.audit import log_action
from tortoise.transactions import in_transaction

async def work(path, worker, rounds):
    async with db.database(path):
        for i in range(rounds):
            async with in_transaction() as client:
                n = await db.scalar("SELECT count(*) FROM audit_log", (), client)
                await log_action(f"w{worker}", "test", str(n), "", client)
                await db.execute("UPDATE person SET occupation = ? WHERE key = 'h12-1'", [f"{worker}-{i}"], client)

asyncio.run(work(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


def test_parallel_writers_do_not_fail(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    assert main(["import", str(EXAMPLE_FILE), "--db", str(path)]) == 0
    workers, rounds = 4, 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(w), str(rounds)], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for w in range(workers)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, errors
    import sqlite3

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'test'").fetchone()[0] == workers * rounds
