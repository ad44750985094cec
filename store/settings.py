"""The ``setting`` table: key/value facts about the database (schema version, demo flag, audit date,
audit configuration, confirmation pins, verification results).

Reads and writes go through here. A read-modify-write (:func:`update_setting`, :func:`update_json`) runs in
one write transaction: on SQLite it holds the write lock from the start (``BEGIN IMMEDIATE``), on
PostgreSQL a transaction-scoped advisory lock on the key serialises concurrent updates of the same key,
so two writers never lose each other's changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store import sql

__all__ = ["get_json", "get_setting", "put_json", "put_setting", "set_setting", "update_json", "update_setting"]


async def get_setting(key: str, default: str | None = None, client: BaseDBAsyncClient | None = None) -> str | None:
    """A value of the ``setting`` table (`default` when the key is not set)."""
    value = await sql.scalar("SELECT value FROM setting WHERE key = ?", [key], client)
    return default if value is None else str(value)


async def put_setting(key: str, value: str, client: BaseDBAsyncClient | None = None) -> None:
    """Insert or replace a value (one statement; inside the caller's transaction when `client` is one)."""
    await sql.execute(
        "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
        client,
    )


#: the historical name of :func:`put_setting`
set_setting = put_setting


async def _lock_key(key: str, client: BaseDBAsyncClient) -> None:
    """Serialise read-modify-writes of `key` (SQLite's ``BEGIN IMMEDIATE`` already holds the write lock)."""
    if sql.dialect(client) == "postgres":
        await sql.fetch("SELECT pg_advisory_xact_lock(hashtext(?))", [f"setting:{key}"], client)


async def update_setting(
    key: str, change: Callable[[str | None], str | None], client: BaseDBAsyncClient | None = None
) -> str | None:
    """Read a value, compute the new one with `change` (None: leave it as it is) and store it, in one write
    transaction (the caller's when `client` is one). Returns the value now stored."""
    if client is None:
        async with in_transaction() as own:
            return await update_setting(key, change, own)
    await _lock_key(key, client)
    old = await get_setting(key, None, client)
    new = change(old)
    if new is None or new == old:
        return old
    await put_setting(key, new, client)
    return new


async def get_json(key: str, default: Any = None, client: BaseDBAsyncClient | None = None) -> Any:
    """A JSON value of the ``setting`` table (`default` when not set)."""
    text = await get_setting(key, None, client)
    return default if text is None else json.loads(text)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))


async def put_json(key: str, value: Any, client: BaseDBAsyncClient | None = None) -> None:
    """Store a value as JSON."""
    await put_setting(key, _dumps(value), client)


async def update_json(
    key: str, change: Callable[[Any], Any], default: Any = None, client: BaseDBAsyncClient | None = None
) -> Any:
    """:func:`update_setting` for a JSON value: `change` gets the stored value (or `default`) and returns the
    new one. Returns the value now stored."""

    def text(old: str | None) -> str | None:
        return _dumps(change(default if old is None else json.loads(old)))

    stored = await update_setting(key, text, client)
    return default if stored is None else json.loads(stored)
