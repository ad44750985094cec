"""Low-level failures told in the user's words: a full disk, and the races PostgreSQL reports in English.

Every layer that can meet a raw driver error — the service, the importer, the command line's error handler,
the TUI's job handler, the exports — asks :func:`translate` for the :class:`~store.errors.StoreError` to show.
A full disk is recognised however it surfaces: ``OSError`` ENOSPC/EDQUOT, SQLite's "database or disk is
full" (SQLITE_FULL), an SQLite I/O error while the database's disk has (almost) no room left, or
PostgreSQL's SQLSTATE 53100. The message says that the disk is full, how much room to make, and that nothing
was lost (a failed write is rolled back) — never that the database is damaged or must be restored.

PostgreSQL races (:func:`is_retryable`, :func:`is_unique_violation`) are resolved by the service: a deadlock
or serialization failure is retried, a duplicate key ends as the same conflict message SQLite gives.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from store.errors import ConflictError, StoreError

#: errno values of a full disk (quota exceeded counts: the clerk's remedy is the same)
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13
SQLITE_IOERR = 10
PG_DISK_FULL = "53100"
PG_UNIQUE_VIOLATION = "23505"
PG_DEADLOCK = "40P01"
PG_SERIALIZATION = "40001"
#: an SQLite I/O error on a disk with less room than this is taken for a full disk
LOW_SPACE_BYTES = 4 * 1_048_576
#: the least room to ask for (a save, the WAL, the next backup's margin)
MIN_NEED_BYTES = 10 * 1_048_576
MB = 1_048_576

#: the SQLite file in use (set when it is opened), for the free-space check and the size estimate
database_path: Path | None = None

CONFLICT_MESSAGE = "这一户或其中的人员刚被其他人保存（或建立），没有保存。请重新打开这一户，核对后再录入您的修改。"


class DiskFullError(StoreError):
    """The disk (or a PostgreSQL server's disk) is full; nothing was written."""


def remember_database(path: Path | None) -> None:
    """Note the SQLite file in use (None for PostgreSQL or in-memory)."""
    global database_path
    database_path = path


def chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, the exceptions it wraps (Tortoise keeps the driver's as its first argument) and its causes."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in current.args[:1] if isinstance(a, BaseException))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of `exc` or of an exception it wraps (None: not a server error)."""
    for item in chain(exc):
        state = getattr(item, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk of `folder` (its nearest existing ancestor); None when it cannot be told."""
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def _low_space(*paths: Path | None) -> bool:
    for path in paths:
        free = free_bytes(path.parent) if path is not None else None
        if free is not None and free < LOW_SPACE_BYTES:
            return True
    return False


def is_disk_full(exc: BaseException, path: Path | None = None) -> bool:
    """Whether `exc` means the disk is full; when SQLite reports only an I/O error, the disks of `path` and
    of the database in use are checked for room."""
    for item in chain(exc):
        if isinstance(item, OSError) and item.errno in DISK_FULL_ERRNOS:
            return True
        if getattr(item, "sqlstate", None) == PG_DISK_FULL:
            return True
        if isinstance(item, sqlite3.Error):
            code = getattr(item, "sqlite_errorcode", None)
            text = str(item).lower()
            if (code is not None and code & 0xFF == SQLITE_FULL) or "database or disk is full" in text:
                return True
            io_error = (code is not None and code & 0xFF == SQLITE_IOERR) or "disk i/o error" in text
            if io_error and _low_space(path, database_path):
                return True
        elif "database or disk is full" in str(item).lower():  # a wrapper that kept only the text
            return True
    return False


def needed_bytes(path: Path | None = None) -> int:
    """The room to ask for: the database file plus 10 % (room for the WAL, a backup copy, an import),
    at least :data:`MIN_NEED_BYTES`."""
    path = path or database_path
    size = 0
    if path is not None:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
    return max(MIN_NEED_BYTES, int(size * 1.1))


def size_text(n: int) -> str:
    """A byte count in MB, rounded up (never shows "0.0 MB" for a small need)."""
    return f"{max(0.1, -(-n * 10 // MB) / 10):.1f} MB"


def disk_full_message(*, folder: Path | None, need: int, what: str = "操作", kept: str = "") -> str:
    """The one wording of a full disk: where, how much room to make, and that nothing was lost."""
    where = f"{folder} 所在的" if folder is not None else "数据库所在的"
    free = free_bytes(folder) if folder is not None else None
    left = f"（只剩 {free / MB:.1f} MB）" if free is not None else ""
    saved = kept or "已有的数据没有丢失，数据库没有改动。"
    return f"磁盘已满：{where}磁盘没有空间了{left}，{what}没有完成。{saved}请至少腾出 {size_text(need)} 后重试。"


def translate(exc: BaseException, *, path: Path | None = None, need: int | None = None, what: str = "操作",
              kept: str = "") -> StoreError | None:  # fmt: skip
    """The user's message for a low-level failure, or None when `exc` is none this module knows.

    `path`: the file or database the operation wrote (default: the SQLite database in use); `need`: the room
    it needs (default: :func:`needed_bytes`); `what`: the operation, in Chinese; `kept`: what was kept, in
    Chinese (default: the data was not lost)."""
    if isinstance(exc, StoreError):
        return exc
    if is_disk_full(exc, path):
        target = path or database_path
        state = sqlstate(exc)
        folder = None if state == PG_DISK_FULL or target is None else target.parent
        if state == PG_DISK_FULL:
            message = (
                f"数据库服务器的磁盘已满，{what}没有完成。{kept or '已有的数据没有丢失，数据库没有改动。'}"
                "请让管理员为数据库服务器腾出磁盘空间后重试。"
            )
        else:
            message = disk_full_message(folder=folder, need=need or needed_bytes(path), what=what, kept=kept)
        return DiskFullError(message)
    if is_unique_violation(exc):
        return ConflictError(CONFLICT_MESSAGE)
    return None


def is_unique_violation(exc: BaseException) -> bool:
    """Whether `exc` is a duplicate key (two sessions created the same household or person at once)."""
    return sqlstate(exc) == PG_UNIQUE_VIOLATION


def is_retryable(exc: BaseException) -> bool:
    """Whether PostgreSQL aborted the transaction for a race the caller may simply run again (deadlock,
    serialization failure)."""
    return sqlstate(exc) in (PG_DEADLOCK, PG_SERIALIZATION)
