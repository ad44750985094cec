"""Shared fixtures: a fresh database per test, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store import db

#: A copy of shared/spec/examples/households.jsonl (test_interchange checks it is still identical).
EXAMPLE_FILE = Path(__file__).parent / "data" / "households.jsonl"
SHARED_EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "spec" / "examples" / "households.jsonl"

PG_URL = os.environ.get("RENKOU_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_REQUIRED = os.environ.get("RENKOU_REQUIRE_PG") == "1"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"), timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return "asyncpg is not installed"
    try:
        await _pg_admin("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"
    return None


_PG_REASON: list[str | None] = []


async def pg_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here (None: they can); asked once per session."""
    if not _PG_REASON:
        _PG_REASON.append(await _pg_available())
    return _PG_REASON[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[db.DbTarget]:
    """An open, empty database (SQLite file, or a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        target = db.resolve(tmp_path / "test.sqlite3")
        async with db.database(target):
            yield target
        return
    reason = await pg_reason()
    if reason:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (RENKOU_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    name = f"renkou_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f"CREATE DATABASE {name}")
    base = PG_URL.rsplit("/", 1)[0]
    target = db.resolve(f"{base}/{name}")
    try:
        async with db.database(target):
            yield target
    finally:
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A path for an SQLite database file that does not exist yet."""
    return tmp_path / "renkou.sqlite3"


#: the reference date of the audited demo township below
AUDIT_AS_OF = dt.date(2026, 11, 15)


async def build_audited_demo(path: Path) -> None:
    """A demo township of 2 000 persons with planted faults at `path`, audited at AUDIT_AS_OF."""
    from checks.engine import run_audit
    from store.demo_build import build_demo

    target = db.resolve(path)
    await build_demo(target, persons=2000, seed=3, error_rate=0.05, as_of=AUDIT_AS_OF)
    async with db.database(target):
        await run_audit(AUDIT_AS_OF, today=AUDIT_AS_OF)


@pytest.fixture(scope="session")
def audited_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The audited demo township (built once per test session; tests work on copies)."""
    path = tmp_path_factory.mktemp("audited-demo") / "demo.sqlite3"
    asyncio.run(build_audited_demo(path))
    return path


@pytest.fixture
async def audited_demo(audited_demo_file: Path, tmp_path: Path) -> AsyncIterator[db.DbTarget]:
    """A private copy of the audited demo township, open."""
    path = tmp_path / "demo.sqlite3"
    shutil.copy(audited_demo_file, path)
    async with db.database(path, create=False) as target:
        yield target
