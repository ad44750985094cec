"""Online backups of an SQLite database with rotation, and restore after an integrity check (design §4).

A backup is a consistent copy taken with SQLite's online backup API while others keep working, checked with
``PRAGMA integrity_check`` and renamed into place only when complete. Rotation keeps every backup of the
last day, the newest of each day for 30 days and the newest of each month for 5 years. A restore checks the
file first, saves the current database as a backup, then copies the file into the live database through
the same API (other sessions see either the old or the new data, never a mix).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from store.errors import StoreError

PREFIX = "renkou-"
SUFFIX = ".sqlite3"
STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^renkou-(\d{8}-\d{6})(?:-[a-z-]+)?\.sqlite3$")
DAILY_DAYS = 30
MONTHLY_MONTHS = 60
#: pages copied per step of the backup API (progress is reported between steps)
PAGES_PER_STEP = 4096

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Backup:
    """A backup file and when it was taken (from its name)."""

    path: Path
    taken_at: dt.datetime

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def default_folder(database: Path) -> Path:
    """Where backups of `database` go unless told otherwise: a ``backups`` folder beside it."""
    return database.parent / "backups"


def list_backups(folder: Path) -> list[Backup]:
    """The backups in `folder`, oldest first (other files are ignored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            found.append(Backup(path, dt.datetime.strptime(match.group(1), STAMP)))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name))


def _disk_message(exc: BaseException) -> str | None:
    text = str(exc).lower()
    if "full" in text or "no space" in text or getattr(exc, "errno", None) == 28:
        return "磁盘空间不足，备份未完成（未留下不完整的文件）。请清理磁盘或用 --dir 指定其他位置后重试。"
    return None


def _copy(source: sqlite3.Connection, destination: sqlite3.Connection, progress: Progress | None) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        if progress:
            progress(total - remaining, total)

    source.backup(destination, pages=PAGES_PER_STEP, progress=step)


def check_file(path: Path) -> int:
    """Check that `path` is an intact Renkou database this program can open; returns its schema version,
    else raises :class:`StoreError` with a Chinese message."""
    from store.models import SCHEMA_VERSION

    if not path.is_file():
        raise StoreError(f"找不到备份文件 {path}。")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise StoreError(f"{path} 不是 Renkou 数据库备份（文件格式不对）。")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"无法打开 {path}：{exc}。") from None
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            raise StoreError(f"备份文件 {path} 已损坏（完整性检查：{result[0]}），不能用于恢复。请换一个备份。")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"person", "household", "setting", "audit_log"} <= tables:
            raise StoreError(f"{path} 不是 Renkou 数据库（缺少人员或设置表）。")
        row = conn.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"备份文件 {path} 无法读取（{exc}），不能用于恢复。") from None
    finally:
        conn.close()
    if row is None or not str(row[0]).isdigit():
        raise StoreError(f"{path} 缺少结构版本信息，不是完整的 Renkou 数据库备份。")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise StoreError(f"备份的结构版本为 {version}，高于本程序支持的 {SCHEMA_VERSION}。请先升级 Renkou。")
    return version


def create_backup(
    database: Path,
    folder: Path | None = None,
    *,
    label: str = "",
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Backup:
    """Copy the live `database` into `folder` (default: :func:`default_folder`) and check the copy."""
    if not database.is_file():
        raise StoreError(f"找不到数据库 {database}，没有可备份的内容。")
    folder = folder or default_folder(database)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"无法建立备份目录 {folder}（{exc.strerror or exc}）。请用 --dir 指定可写的目录。") from None
    taken = (now or dt.datetime.now()).replace(microsecond=0)
    name = f"{PREFIX}{taken:{STAMP}}{'-' + label if label else ''}{SUFFIX}"
    final = folder / name
    tmp = folder / f".{name}.part"
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            source.execute("PRAGMA busy_timeout = 10000")
            copy = sqlite3.connect(tmp)
            try:
                _copy(source, copy, progress)
                copy.execute("PRAGMA journal_mode = DELETE")
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise StoreError("备份副本未通过完整性检查，已删除。请稍后重试；若再次失败，请检查磁盘。")
            finally:
                copy.close()
        finally:
            source.close()
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        message = _disk_message(exc)
        if message:
            raise StoreError(message) from None
        raise StoreError(f"备份失败（{exc}），未留下不完整的文件。") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Backup(final, taken)


def _month_index(day: dt.datetime) -> int:
    return day.year * 12 + day.month - 1


def rotation_keep(backups: list[Backup], now: dt.datetime) -> set[Path]:
    """The backups rotation keeps: all of the last 24 hours, the newest of each day of the last
    :data:`DAILY_DAYS` days and the newest of each month of the last :data:`MONTHLY_MONTHS` months."""
    keep: set[Path] = set()
    newest_of_day: dict[dt.date, Backup] = {}
    newest_of_month: dict[int, Backup] = {}
    for backup in backups:  # oldest first: later ones replace earlier ones
        newest_of_day[backup.taken_at.date()] = backup
        newest_of_month[_month_index(backup.taken_at)] = backup
        if backup.taken_at >= now - dt.timedelta(days=1):
            keep.add(backup.path)
    for day, backup in newest_of_day.items():
        if (now.date() - day).days < DAILY_DAYS:
            keep.add(backup.path)
    for month, backup in newest_of_month.items():
        if _month_index(now) - month < MONTHLY_MONTHS:
            keep.add(backup.path)
    return keep


def rotate(folder: Path, now: dt.datetime | None = None) -> list[Path]:
    """Delete the backups rotation does not keep; returns what was deleted."""
    backups = list_backups(folder)
    keep = rotation_keep(backups, now or dt.datetime.now())
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def restore_into(database: Path, source_file: Path, progress: Progress | None = None) -> None:
    """Replace the contents of the live `database` with `source_file` (checked with :func:`check_file`
    before). The copy runs as one write transaction on the live file; on failure nothing changes."""
    try:
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        try:
            live = sqlite3.connect(database)
            try:
                live.execute("PRAGMA busy_timeout = 30000")
                _copy(source, live, progress)
            finally:
                live.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise StoreError("数据库正被其他人使用，恢复未进行。请让其他人退出 Renkou 后重试。") from None
        raise StoreError(f"恢复失败（{exc}），当前数据库未改动。") from None
