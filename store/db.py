"""Opening and closing the database; the raw-SQL helpers of :mod:`store.sql` are re-exported here.

A database is named by a file path (SQLite, the default) or a ``postgres://`` URL. Tortoise keeps its
state in a context variable, so the CLI opens the database in ``main()`` around the work it does
(design §7) through :func:`database`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from store import faults
from store.errors import StoreError
from store.private import create_private, private_dir
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

APP_NAME = "renkou"
DB_FILE = "renkou.sqlite3"
DEMO_DB_FILE = "demo.sqlite3"
BUSY_TIMEOUT_MS = 10_000


def data_dir() -> Path:
    """The per-user data directory (platformdirs), created on demand."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


@dataclass(frozen=True)
class DbTarget:
    """Where the data lives: an SQLite file or a PostgreSQL URL."""

    kind: str  # "sqlite" or "postgres"
    url: str
    path: Path | None = None

    @property
    def label(self) -> str:
        """A short human-readable name (never shows a password)."""
        if self.path is not None:
            return str(self.path)
        return self.url.split("@")[-1]


def resolve(db: str | os.PathLike[str] | None, *, demo: bool = False) -> DbTarget:
    """Turn a ``--db`` value (path or URL, or None for the default) into a :class:`DbTarget`."""
    if db is None or str(db) == "":
        env = os.environ.get("RENKOU_DB")
        db = env if env else data_dir() / (DEMO_DB_FILE if demo else DB_FILE)
    text = str(db)
    if text.startswith(("postgres://", "postgresql://")):
        return DbTarget("postgres", "postgres://" + text.split("://", 1)[1])
    if text.startswith("sqlite://"):
        text = text[len("sqlite://") :]
    path = Path(text).expanduser()
    return DbTarget("sqlite", str(path), path.resolve() if text != ":memory:" else None)


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


def _check_sqlite_writable(path: Path, create: bool) -> None:
    """Fail early, in Chinese, when the database file cannot be opened for writing."""
    if path.exists():
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise StoreError(f"数据库文件 {path} 不可写。请检查文件权限，或用 --db 指定可写的位置。")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
                probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            full = faults.translate(exc, path=path, what="打开数据库")
            if isinstance(full, faults.DiskFullError):
                raise full from exc
            raise StoreError(f"{path} 不是 Renkou 数据库或已损坏（{exc}）。请检查 --db 参数，或从备份恢复。") from exc
        return
    if not create:
        raise StoreError(f"数据库 {path} 不存在。请先用 renkou import 或 renkou demo 建立，或检查 --db 参数。")
    try:
        private_dir(path.parent)
    except OSError as exc:
        raise StoreError(f"无法创建目录 {path.parent}（{exc.strerror}）。请用 --db 指定可写的位置。") from exc
    if not os.access(path.parent, os.W_OK):
        raise StoreError(f"目录 {path.parent} 不可写，无法建立数据库。请用 --db 指定可写的位置。")
    try:  # an empty file is an empty database; SQLite gives its -wal and -shm files the same mode
        create_private(path)
    except OSError as exc:
        raise StoreError(f"无法建立数据库文件 {path}（{exc.strerror}）。请用 --db 指定可写的位置。") from exc


async def open_db(target: DbTarget, *, create: bool = True) -> None:
    """Initialise Tortoise for `target`, creating or migrating the schema as needed."""
    from store import schema

    faults.remember_database(target.path if target.kind == "sqlite" else None)
    if target.kind == "sqlite" and target.path is not None:
        _check_sqlite_writable(target.path, create)
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
