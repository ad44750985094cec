"""The raw-SQL helpers: the default connection, ``?`` placeholders on both dialects, reads and writes.

The bottom of the store: every other store module (the schema, the settings, the bulk paths) runs its SQL
through these. :mod:`store.db` re-exports them next to opening and closing the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

__all__ = ["conn", "dialect", "execute", "execute_many", "fetch", "fetch_dicts", "fetch_tuples", "marks", "q", "scalar"]


def marks(n: int) -> str:
    """`n` comma-separated ``?`` placeholders."""
    return ",".join("?" * n)


def conn() -> BaseDBAsyncClient:
    """The default connection."""
    return connections.get("default")


def dialect(client: BaseDBAsyncClient | None = None) -> str:
    """ "sqlite" or "postgres"."""
    return (client or conn()).capabilities.dialect


def q(sql: str, client: BaseDBAsyncClient | None = None) -> str:
    """Adapt ``?`` placeholders to the connection's dialect (``$1, $2…`` on PostgreSQL)."""
    if dialect(client) != "postgres":
        return sql
    parts = sql.split("?")
    out = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        out.append(f"${index}")
        out.append(part)
    return "".join(out)


async def fetch(sql: str, params: Sequence[Any] = (), client: BaseDBAsyncClient | None = None) -> list[Any]:
    """Rows of a query (sqlite3.Row or asyncpg.Record: both index by position and by name)."""
    client = client or conn()
    _, rows = await client.execute_query(q(sql, client), list(params))
    return list(rows)


async def fetch_dicts(
    sql: str, params: Sequence[Any] = (), client: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    client = client or conn()
    return await client.execute_query_dict(q(sql, client), list(params))


async def scalar(sql: str, params: Sequence[Any] = (), client: BaseDBAsyncClient | None = None) -> Any:
    """The first column of the first row, or None."""
    rows = await fetch(sql, params, client)
    return rows[0][0] if rows else None


async def execute(sql: str, params: Sequence[Any] = (), client: BaseDBAsyncClient | None = None) -> int:
    """Run a statement; returns the number of rows it changed."""
    client = client or conn()
    changed, _ = await client.execute_query(q(sql, client), list(params))
    return changed


async def execute_many(sql: str, rows: Iterable[Sequence[Any]], client: BaseDBAsyncClient | None = None) -> None:
    """Run a statement once per row (inside the caller's transaction when `client` is one)."""
    client = client or conn()
    batch = [list(row) for row in rows]
    if batch:
        await client.execute_many(q(sql, client), batch)


async def fetch_tuples(sql: str, params: Sequence[Any] = (), client: BaseDBAsyncClient | None = None) -> list[Any]:
    """Rows of a big read, indexable by position only: plain tuples on SQLite (about a third faster than
    ``sqlite3.Row``), records on PostgreSQL."""
    client = client or conn()
    if dialect(client) != "sqlite":
        return await fetch(sql, params, client)
    async with client.acquire_connection() as connection:
        cursor = await connection.execute(sql, list(params))
        try:
            cursor.row_factory = None
            return list(await cursor.fetchall())
        finally:
            await cursor.close()
