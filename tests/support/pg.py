"""The PostgreSQL server of the PG variants of the store tests (``RENKOU_TEST_PG_URL``)."""

from __future__ import annotations

import importlib.util
import os

PG_URL = os.environ.get("RENKOU_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_REQUIRED = os.environ.get("RENKOU_REQUIRE_PG") == "1"


async def pg_admin(sql: str) -> None:
    """Run one statement on the admin database."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://"), timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    if importlib.util.find_spec("asyncpg") is None:
        return "asyncpg is not installed"
    try:
        await pg_admin("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc}"
    return None


_PG_REASON: list[str | None] = []


async def pg_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here (None: they can); asked once per session."""
    if not _PG_REASON:
        _PG_REASON.append(await _pg_available())
    return _PG_REASON[0]
