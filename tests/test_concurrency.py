"""Several operators writing one SQLite file at once: no "database is locked" (design §7)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import db
from tests.support.data import EXAMPLE_FILE, import_example
from tests.support.pg import PG_REQUIRED, PG_URL, pg_admin, pg_reason
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


# --- races between real processes, on SQLite and PostgreSQL (issue 11, point 2) ---------------------------

NEW_CODE = "430426101201019999"

CREATOR = """
import asyncio, copy, json, sys, time
from store import db
from store.errors import ConflictError
from store.interchange import parse_object
from store.service import save_household

async def work(target, line, start, tasks):
    async with db.database(target, create=False):
        record = parse_object(json.loads(line)).household
        await asyncio.sleep(max(0.0, start - time.time()))
        results = await asyncio.gather(*(save_household(copy.deepcopy(record), operator="w") for _ in range(tasks)),
                                       return_exceptions=True)
    out = {"ok": 0, "conflicts": [], "other": []}
    for result in results:
        if isinstance(result, ConflictError):
            out["conflicts"].append(str(result))
        elif isinstance(result, BaseException):
            out["other"].append(f"{type(result).__name__}: {result}")
        else:
            out["ok"] += 1
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(work(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
"""

PAIR_SAVER = """
import asyncio, copy, json, sys, time
from store import db
from store.errors import ConflictError
from store.records import load_households
from store.service import save_households

async def work(target, codes, rounds, start):
    out = {"ok": 0, "conflicts": 0, "other": []}
    async with db.database(target, create=False):
        await asyncio.sleep(max(0.0, start - time.time()))
        while out["ok"] < rounds and len(out["other"]) < 5:
            stored = await load_households(codes)
            records = [copy.deepcopy(stored[code]) for code in codes]
            for record in records:
                member = record["members"][0]
                member["occupation"] = str(int(member["occupation"]) + 1)
            began = time.perf_counter()
            try:
                await save_households(records, operator="w")
            except ConflictError:
                out["conflicts"] += 1
            except Exception as exc:
                out["other"].append(f"{type(exc).__name__}: {exc} ({time.perf_counter() - began:.2f} s)")
            else:
                out["ok"] += 1
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(work(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])))
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the example households, closed, for processes to share (SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"
        asyncio.run(import_example(path))
        yield str(path)
        return
    reason = asyncio.run(pg_reason())
    if reason:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (RENKOU_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    name = f"renkou_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(pg_admin(f"CREATE DATABASE {name}"))
    url = f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    try:
        asyncio.run(import_example(url))  # type: ignore[arg-type]
        yield url
    finally:
        asyncio.run(pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def spawn(script: str, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def collect(procs: list[subprocess.Popen[str]]) -> list[dict]:
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in outputs]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def new_household_line() -> str:
    """The example household 0012 as a new household: another code, other person keys."""
    line = next(x for x in EXAMPLE_FILE.read_text(encoding="utf-8").splitlines() if '"430426101201010012"' in x)
    return line.replace("430426101201010012", NEW_CODE).replace('"h12-', '"n99-')


def test_creating_the_same_household_at_once_gives_one_success_and_chinese_conflicts(shared_db: str) -> None:
    """80 creations of one new household from 8 processes at the same moment: one is stored, the other 79
    get the Chinese conflict message (on PostgreSQL too: no duplicate-key error in English)."""
    processes, tasks = 8, 10
    start = time.time() + 3.0
    procs = [spawn(CREATOR, shared_db, new_household_line(), str(start), str(tasks)) for _ in range(processes)]
    results = collect(procs)
    assert [r["other"] for r in results] == [[]] * processes
    assert sum(r["ok"] for r in results) == 1
    conflicts = [c for r in results for c in r["conflicts"]]
    assert len(conflicts) == processes * tasks - 1
    assert {c for c in conflicts} == {
        "这一户已被其他人修改（或不是从数据库打开的），没有保存。请重新打开这一户，核对后再录入您的修改。"
    }


def test_two_household_saves_in_opposite_order_never_fail(shared_db: str) -> None:
    """120 saves of the same two households, half of the processes naming them in the opposite order: no
    deadlock reaches anyone (no error other than a version conflict, which the worker reloads after), and no
    update is lost (each save adds one to both counters)."""
    from store.records import load_households
    from store.service import save_households

    async def codes_and_reset() -> list[str]:
        async with db.database(shared_db, create=False):
            codes = [str(r[0]) for r in await db.fetch("SELECT code FROM household ORDER BY code")][:2]
            records = list((await load_households(codes)).values())
            for record in records:
                record["members"][0]["occupation"] = "0"
            await save_households(records, operator="setup")
            return codes

    codes = asyncio.run(codes_and_reset())
    processes, rounds = 4, 30
    start = time.time() + 3.0
    orders = [codes if n % 2 == 0 else codes[::-1] for n in range(processes)]
    results = collect([spawn(PAIR_SAVER, shared_db, ",".join(o), str(rounds), str(start)) for o in orders])
    assert [r["other"] for r in results] == [[]] * processes
    assert sum(r["ok"] for r in results) == processes * rounds == 120

    async def counters() -> list[str]:
        async with db.database(shared_db, create=False):
            stored = await load_households(codes)
            return [stored[code]["members"][0]["occupation"] for code in codes]

    assert asyncio.run(counters()) == ["120", "120"]
