"""Shared fixtures: a fresh database per test, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import os
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
