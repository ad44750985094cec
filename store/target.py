"""Where the data lives, before any database library is loaded: the ``--db`` value resolved to an SQLite file or
a PostgreSQL URL, and the checks of an SQLite file that need only the standard library (so that the TUI can
refuse a database it cannot open before it starts, and paint its first screen while the ORM loads).
:mod:`store.db` re-exports these names."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from store import faults
from store.errors import StoreError
from store.private import create_private, private_dir

__all__ = ["APP_NAME", "DB_FILE", "DEMO_DB_FILE", "DbTarget", "check_sqlite_writable", "data_dir", "resolve"]

APP_NAME = "renkou"
DB_FILE = "renkou.sqlite3"
DEMO_DB_FILE = "demo.sqlite3"


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


def check_sqlite_writable(path: Path, create: bool) -> None:
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
