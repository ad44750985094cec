"""Tortoise SQLite engine tuned for several operators sharing one database file.

Differences from `tortoise.backends.sqlite`:
- write transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
  instead of failing with "database is locked" when a read lock is upgraded (design §7);
- DATE and TIMESTAMP columns come back as `datetime.date` / `datetime.datetime`, as on PostgreSQL, so
  raw queries give the same Python values on both backends.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


def _convert_date(raw: bytes) -> dt.date:
    return dt.date.fromisoformat(raw.decode()[:10])


def _convert_timestamp(raw: bytes) -> dt.datetime:
    return dt.datetime.fromisoformat(raw.decode())


sqlite3.register_converter("DATE", _convert_date)
sqlite3.register_converter("TIMESTAMP", _convert_timestamp)
sqlite3.register_adapter(dt.date, dt.date.isoformat)
sqlite3.register_adapter(dt.datetime, lambda value: value.isoformat(" "))


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that takes the write lock up front."""

    def _in_transaction(self) -> TransactionContext:
        from tortoise.backends.base.client import NestedTransactionContext

        return NestedTransactionContext(ImmediateTransactionWrapper(self))

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # pragma: no cover - lock time-out
            raise TransactionManagementError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's context, made safe when ``BEGIN IMMEDIATE`` times out (another writer holds the database):
    its ``__aenter__`` would leave the transaction's connection installed and the lock taken, so every later
    transaction of the app would hang. Here a failed begin puts both back before the error goes up."""

    async def __aenter__(self) -> Any:
        try:
            return await super().__aenter__()
        except TransactionManagementError:
            get_connections().reset(self.token)
            self._trxlock.release()
            raise


class ImmediateSqliteClient(SqliteClient):
    """SQLite client whose transactions are ``BEGIN IMMEDIATE`` and whose dates are typed."""

    async def create_connection(self, with_db: bool) -> None:
        if not self._connection:
            self._connection = await aiosqlite.connect(
                self.filename, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
            )
            self._connection._conn.row_factory = sqlite3.Row
            for pragma, value in self.pragmas.items():
                cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
                await cursor.close()
            await self._post_connect()

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        async with self.acquire_connection() as connection:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                await connection.executemany(query, values)
            except Exception:
                await connection.rollback()
                raise
            else:
                await connection.commit()


client_class = ImmediateSqliteClient
