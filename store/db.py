"""Opening and closing the database; the raw-SQL helpers of :mod:`store.sql` are re-exported here.

A database is named by a file path (SQLite, the default) or a ``postgres://`` URL (:mod:`store.target`, whose
names are re-exported here). Tortoise keeps its
state in a context variable, so the CLI opens the database in ``main()`` around the work it does
(design §7) through :func:`database`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from store import faults
from store.errors import StoreError
from store.redact import redact
from store.sql import conn as conn
from store.sql import dialect as dialect
from store.sql import execute as execute
from store.sql import execute_many as execute_many
from store.sql import fetch as fetch
from store.sql import fetch_dicts as fetch_dicts
from store.sql import fetch_tuples as fetch_tuples
from store.sql import marks as marks
from store.sql import q as q
from store.sql import scalar as scalar
from store.target import APP_NAME as APP_NAME
from store.target import DB_FILE as DB_FILE
from store.target import DEMO_DB_FILE as DEMO_DB_FILE
from store.target import DbTarget as DbTarget
from store.target import check_sqlite_writable as check_sqlite_writable
from store.target import data_dir as data_dir
from store.target import resolve as resolve

BUSY_TIMEOUT_MS = 10_000


def tortoise_config(target: DbTarget) -> dict[str, Any]:
    """The Tortoise configuration for a target."""
    if target.kind == "sqlite":
        connection: dict[str, Any] = {
            "engine": "store.sqlite_engine",
            "credentials": {
                "file_path": str(target.path) if target.path else ":memory:",
                "journal_mode": "WAL",
                "foreign_keys": "ON",
                "synchronous": "FULL",
                "busy_timeout": BUSY_TIMEOUT_MS,
            },
        }
    else:
        connection = expand_db_url(target.url)
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": ["store.models"], "default_connection": "default"}},
        "use_tz": False,
        "timezone": "Asia/Shanghai",
    }


async def open_db(target: DbTarget, *, create: bool = True) -> None:
    """Initialise Tortoise for `target`, creating or migrating the schema as needed."""
    from store import schema

    faults.remember_database(target.path if target.kind == "sqlite" else None)
    if target.kind == "sqlite" and target.path is not None:
        check_sqlite_writable(target.path, create)
    try:
        await Tortoise.init(config=tortoise_config(target), _enable_global_fallback=True)
        await schema.ensure_schema(create=create)
    except (OSError, ConnectionError, DBConnectionError) as exc:
        await close_db()
        full = faults.translate(exc, path=target.path, what="打开数据库")
        if isinstance(full, faults.DiskFullError):
            raise full from exc
        raise StoreError(
            f"无法连接数据库 {target.label}：{redact(str(exc))}。请检查数据库地址和服务是否已启动。"
        ) from exc
    except BaseException:
        await close_db()
        raise


async def close_db() -> None:
    """Close every connection and forget the Tortoise state."""
    from tortoise import context as tortoise_context

    try:
        await Tortoise.close_connections()
        await Tortoise._reset_apps()
    finally:
        tortoise_context._global_context = None
        tortoise_context._current_context.set(None)


@asynccontextmanager
async def database(db: str | os.PathLike[str] | DbTarget | None, *, create: bool = True) -> AsyncIterator[DbTarget]:
    """Open the database for the duration of a ``with`` block."""
    target = db if isinstance(db, DbTarget) else resolve(db)
    await open_db(target, create=create)
    try:
        yield target
    finally:
        await close_db()


# --- SQLite file helpers ------------------------------------------------------------------------------

BULK_CACHE_KB = 65_536


@asynccontextmanager
async def bulk_cache() -> AsyncIterator[None]:
    """A larger SQLite page cache for the duration of a bulk write (imports of a county touch far more index
    pages than the default 2 MB cache holds); the previous size is restored afterwards."""
    if dialect() != "sqlite":
        yield
        return
    previous = await scalar("PRAGMA cache_size")
    await execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    try:
        yield
    finally:
        await execute(f"PRAGMA cache_size = {int(previous)}")


def sqlite_file() -> str | None:
    """The file of the open SQLite database (None on PostgreSQL or for an in-memory database)."""
    if dialect() != "sqlite":
        return None
    path = getattr(conn(), "filename", None)
    return None if not path or path == ":memory:" else str(path)


def open_snapshot_reader(path: str) -> sqlite3.Connection:
    """A read-only connection to an SQLite database file holding one consistent snapshot (an open read
    transaction), usable from a worker thread or process: the audit reads a county through it without
    holding the app's connection. Dates come back typed, as through Tortoise."""
    import store.sqlite_engine  # noqa: F401  (registers the DATE and TIMESTAMP converters)

    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, detect_types=sqlite3.PARSE_DECLTYPES,
                             check_same_thread=False)  # fmt: skip
    reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    reader.execute("BEGIN")
    return reader
