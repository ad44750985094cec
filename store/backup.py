"""Online backups of an SQLite database with rotation, and restore after a full check (design §4).

A backup is a consistent snapshot of the live database taken while others keep working: the copy runs inside
one read transaction of the source, so writers that commit meanwhile neither restart it nor leak into it
(the time it takes does not grow with the write load). The copy is written to a hidden ``.part`` file
reserved with ``O_EXCL``, checked with ``PRAGMA integrity_check``, fsynced and only then given its final
name, which carries the identity of the database (:mod:`store.identity`) and the time to the microsecond:
``renkou-<id8>-YYYYMMDD-HHMMSS-ffffff[-label].sqlite3``. Temporary files of an interrupted run are removed by
the next one and are never listed as backups.

Rotation works per database (per id; files named the old way, ``renkou-YYYYMMDD-HHMMSS.sqlite3``, form one
series of their own): it keeps every backup of the last day, the newest of each day for 30 days and the
newest of each month for 5 years.

A restore checks the file first (integrity, schema version range, and every table and column the models
define), prepares a staging copy beside the live database (keeping the live database's identity and raising
every person's and household's version above the highest the live database had, so a form opened before
the restore gets a conflict instead of overwriting), and copies it into the live database in one write
transaction (other sessions see either the old or the new data, never a mix). When that fails, the live
database is compared with a digest taken before, and the message says truthfully whether it is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from store import faults, identity
from store.errors import StoreError
from store.private import create_private, private_dir

PREFIX = "renkou-"
SUFFIX = ".sqlite3"
STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(
    r"^renkou-(?:(?P<id>[0-9a-f]{8})-)?(?P<stamp>\d{8}-\d{6})(?:-(?P<us>\d{6}))?(?:-(?P<label>[a-z][a-z-]*))?"
    r"\.sqlite3$"
)
#: temporary files of a backup or restore run: ``.<name>.<pid>.part`` and the journals SQLite puts beside it
_PART = re.compile(r"^\.renkou-.*\.(?P<pid>\d+)\.part(?:-journal|-wal|-shm)?$")
#: a temporary file older than this is stale even when its process id is in use again
STALE_AFTER = dt.timedelta(hours=12)
DAILY_DAYS = 30
MONTHLY_MONTHS = 60
#: pages copied per step of the backup API (progress is reported between steps; the source keeps one read
#: transaction across all steps, so the steps never restart)
PAGES_PER_STEP = 4096
#: how long a restore waits for the write lock of the live database
RESTORE_WAIT_S = 30.0

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Backup:
    """A backup file, when it was taken and of which database (from its name)."""

    path: Path
    taken_at: dt.datetime
    #: the first 8 hex digits of the database id; None for a file named the old way (no identity)
    database: str | None = None
    label: str = ""

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def series(self) -> str:
        """The rotation series: one per database, and one for all files named the old way."""
        return self.database or ""


def default_folder(database: Path) -> Path:
    """Where backups of `database` go unless told otherwise: a ``backups`` folder beside it."""
    return database.parent / "backups"


def parse_name(path: Path) -> Backup | None:
    """The backup a file name describes, or None when the name is not a backup's."""
    match = _NAME.match(path.name)
    if not match:
        return None
    taken = dt.datetime.strptime(match["stamp"], STAMP).replace(microsecond=int(match["us"] or 0))
    return Backup(path, taken, match["id"], match["label"] or "")


def list_backups(folder: Path) -> list[Backup]:
    """The backups in `folder`, oldest first (temporary and other files are ignored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        item = parse_name(path)
        if item is not None and path.is_file():
            found.append(item)
    return sorted(found, key=lambda b: (b.taken_at, b.path.name))


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: rely on the age alone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_parts(folder: Path, now: float | None = None) -> list[Path]:
    """Delete the temporary files an interrupted (killed) backup or restore left in `folder`: those of a
    process that no longer runs, or older than :data:`STALE_AFTER`. Returns what was deleted."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for path in folder.iterdir():
        match = _PART.match(path.name)
        if not match:
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        pid = int(match["pid"])
        if (pid != os.getpid() and not _pid_alive(pid)) or age > STALE_AFTER.total_seconds():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _remove_part(tmp: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def _disk_message(exc: BaseException, folder: Path | None = None, database: Path | None = None) -> str | None:
    text = str(exc).lower()
    if "full" in text or "no space" in text or faults.is_disk_full(exc, database):
        return faults.disk_full_message(folder=folder, need=faults.needed_bytes(database), what="备份",
                                        kept="没有留下不完整的文件，数据库没有改动。") + "也可以用 --dir 指定其他磁盘上的目录。"  # fmt: skip
    return None


def _copy(source: sqlite3.Connection, destination: sqlite3.Connection, progress: Progress | None) -> None:
    """Copy `source` into `destination` with the backup API. The caller holds a read transaction on the
    source (see :func:`_snapshot`), so the steps all copy one snapshot and never restart."""

    def step(_status: int, remaining: int, total: int) -> None:
        if progress:
            progress(total - remaining, total)

    source.backup(destination, pages=PAGES_PER_STEP, progress=step)


def _snapshot(path: Path) -> sqlite3.Connection:
    """A read-only connection to `path` holding one read transaction (one consistent snapshot)."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        source.execute("PRAGMA busy_timeout = 10000")
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # starts the read transaction
    except BaseException:
        source.close()
        raise
    return source


# --- identity ---------------------------------------------------------------------------------------


#: how long a backup waits for the write lock to store a missing database id (it never waits on writers for
#: longer: a backup must finish under heavy writing)
ID_WRITE_WAIT_S = 0.5


def database_id(database: Path, *, wait: float = 10.0) -> str:
    """The identity of the SQLite file `database` (stored in its ``setting`` table, created when missing;
    waits at most `wait` seconds for the write lock, else raises ``sqlite3.OperationalError``). A database
    that cannot be written gets an id derived from its path instead (stable, not stored)."""
    conn = sqlite3.connect(database, timeout=wait)
    try:
        try:
            return identity.sqlite_database_id(conn)
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "readonly" not in text and "read-only" not in text:
                raise
            return hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:32]
    finally:
        conn.close()


def _identity_for_backup(database: Path, source: sqlite3.Connection) -> tuple[str, bool]:
    """The id a backup of `database` is named with, and whether it still has to be written (into the copy,
    and into the live database once the copy is done) because writers kept the live database locked."""
    found = identity.read_database_id(source)
    if found:
        return found, False
    try:
        return database_id(database, wait=ID_WRITE_WAIT_S), False
    except sqlite3.OperationalError:
        return identity.new_id(), True


def _store_identity(conn: sqlite3.Connection, db_id: str) -> None:
    conn.execute(
        "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [identity.SETTING_KEY, db_id]
    )
    conn.commit()


# --- checks -----------------------------------------------------------------------------------------


def expected_schema(version: int | None = None) -> dict[str, set[str]]:
    """Every table and its columns as the Tortoise models define them for schema `version` (default: the
    current one). The migrations of store/schema.py so far add only indexes, so every supported version has
    the same tables and columns; a migration that adds a table or column must list it in
    :data:`ADDED_IN_VERSION` so older backups are not refused for lacking it."""
    from tortoise.fields.relational import BackwardFKRelation, ForeignKeyFieldInstance, ManyToManyFieldInstance
    from tortoise.models import Model

    from store import models

    tables: dict[str, set[str]] = {}
    for value in vars(models).values():
        if not (isinstance(value, type) and issubclass(value, Model) and value is not Model):
            continue
        meta = value._meta
        if getattr(meta, "abstract", False) or not meta.db_table:
            continue
        columns: set[str] = set()
        for name, field in meta.fields_map.items():
            if isinstance(field, (BackwardFKRelation, ManyToManyFieldInstance)):
                continue
            if isinstance(field, ForeignKeyFieldInstance):
                columns.add(getattr(field, "source_field", None) or f"{name}_id")
            else:
                columns.add(field.source_field or name)
        tables[meta.db_table] = columns
    if version is not None:
        for later, added in ADDED_IN_VERSION.items():
            if later > version:
                for table, columns in added.items():
                    if columns:
                        tables[table] = tables[table] - columns
                    else:
                        tables.pop(table, None)
    return tables


#: schema version → what it added: table → its new columns (an empty set: the whole table is new)
ADDED_IN_VERSION: dict[int, dict[str, set[str]]] = {
    3: {"pregnancy": {"reported"}, "person": {"cancel_to_code", "cancel_to_place"}},
}


def _supported_versions() -> range:
    from store.models import SCHEMA_VERSION
    from store.schema import MIGRATIONS

    oldest = SCHEMA_VERSION
    while oldest - 1 in MIGRATIONS:
        oldest -= 1
    return range(oldest, SCHEMA_VERSION + 1)


def _missing(conn: sqlite3.Connection, expected: dict[str, set[str]]) -> list[str]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing: list[str] = []
    for table in sorted(expected):
        if table not in tables:
            missing.append(f"表 {table}")
            continue
        present = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        missing.extend(f"列 {table}.{column}" for column in sorted(expected[table] - present))
    return missing


def check_file(path: Path) -> int:
    """Check that `path` is an intact Renkou database this program can open: SQLite format, integrity check,
    a schema version this program can migrate from, and every table and column of that version. Returns
    the schema version, else raises :class:`StoreError` with a Chinese message."""
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
        if not {"person", "setting"} <= tables:
            raise StoreError(f"{path} 不是 Renkou 数据库（缺少人员或设置表），不能用于恢复。请换一个备份。")
        row = conn.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise StoreError(f"{path} 缺少结构版本信息，不是完整的 Renkou 数据库备份，不能用于恢复。请换一个备份。")
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise StoreError(f"备份的结构版本为 {version}，高于本程序支持的 {SCHEMA_VERSION}。请先升级 Renkou。")
        supported = _supported_versions()
        if version not in supported:
            raise StoreError(
                f"备份的结构版本为 {version}，本程序只能恢复版本 {supported.start}–{supported.stop - 1} 的备份。"
                "请换一个备份。"
            )
        missing = _missing(conn, expected_schema(version))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"备份文件 {path} 无法读取（{exc}），不能用于恢复。") from None
    finally:
        conn.close()
    if missing:
        shown = "、".join(missing[:5]) + (f" 等 {len(missing)} 项" if len(missing) > 5 else "")
        raise StoreError(f"{path} 不是完整的 Renkou 数据库（缺少{shown}），不能用于恢复。请换一个备份。")
    return version


def content_digest(database: Path | sqlite3.Connection) -> str:
    """A digest of everything a database holds: its schema and every row of every table (in rowid order).
    Two databases with equal digests hold the same data, whatever their files look like (WAL, free pages)."""
    conn = (
        database if isinstance(database, sqlite3.Connection) else sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    )
    try:
        digest = hashlib.sha256()
        objects = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        for kind, name, _table, sql in objects:
            digest.update(repr((kind, name, sql)).encode())
            if kind == "table":
                for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                    digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        if not isinstance(database, sqlite3.Connection):
            conn.close()


# --- backup -----------------------------------------------------------------------------------------


def _backup_name(db_id: str, taken: dt.datetime, label: str) -> str:
    return f"{PREFIX}{identity.short(db_id)}-{taken:{STAMP}}-{taken:%f}{'-' + label if label else ''}{SUFFIX}"


def _reserve(folder: Path, db_id: str, taken: dt.datetime, label: str) -> tuple[Path, Path, dt.datetime]:
    """A final name no other file has and its temporary file, created with ``O_EXCL`` (a name taken by another
    run or an existing backup moves the time on by a microsecond)."""
    for _ in range(10_000):
        final = folder / _backup_name(db_id, taken, label)
        tmp = folder / f".{final.name}.{os.getpid()}.part"
        if not final.exists():
            try:
                create_private(tmp, exclusive=True)
            except FileExistsError:
                pass
            else:
                return final, tmp, taken
        taken += dt.timedelta(microseconds=1)
    raise StoreError(f"无法在 {folder} 中为备份取得新文件名。请检查该目录。")  # pragma: no cover


def _publish(tmp: Path, final: Path) -> Path:
    """Give the finished copy its final name without ever replacing another file (a hard link fails when the
    name exists; where links are not supported the name is checked first)."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise
    except OSError:
        if final.exists():
            raise FileExistsError(final) from None
        os.replace(tmp, final)
        return final
    tmp.unlink()
    return final


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        private_dir(folder)
    except OSError as exc:
        raise StoreError(f"无法建立备份目录 {folder}（{exc.strerror or exc}）。请用 --dir 指定可写的目录。") from None
    tmp: Path | None = None
    try:
        remove_stale_parts(folder)
        source = _snapshot(database)
        try:
            db_id, unsaved_id = _identity_for_backup(database, source)
            final, tmp, taken = _reserve(folder, db_id, now or dt.datetime.now(), label)
            copy = sqlite3.connect(tmp)
            try:
                copy.execute("PRAGMA journal_mode = OFF")  # a failed copy is deleted: no journal file needed
                copy.execute("PRAGMA synchronous = OFF")  # fsynced once at the end
                _copy(source, copy, progress)
                copy.execute("PRAGMA journal_mode = DELETE")  # the copy stands alone (no WAL)
                if unsaved_id:
                    _store_identity(copy, db_id)
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise StoreError("备份副本未通过完整性检查，已删除。请稍后重试；若再次失败，请检查磁盘。")
            finally:
                copy.close()
        finally:
            source.close()
        if unsaved_id:  # best effort: the next backup stores it otherwise (then it starts a new series)
            try:
                live = sqlite3.connect(database, timeout=ID_WRITE_WAIT_S)
                try:
                    _store_identity(live, db_id)
                finally:
                    live.close()
            except sqlite3.Error:
                pass
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        while True:
            try:
                _publish(tmp, final)
                break
            except FileExistsError:  # taken meanwhile (a clock set back): move on a microsecond
                taken += dt.timedelta(microseconds=1)
                final = folder / _backup_name(db_id, taken, label)
        _fsync_dir(folder)
    except (OSError, sqlite3.Error) as exc:
        if tmp is not None:
            _remove_part(tmp)
        message = _disk_message(exc, folder, database)
        if message:
            raise StoreError(message) from None
        raise StoreError(f"备份失败（{exc}），未留下不完整的文件。") from None
    except BaseException:
        if tmp is not None:
            _remove_part(tmp)
        raise
    return Backup(final, taken, identity.short(db_id), label)


def _month_index(day: dt.datetime) -> int:
    return day.year * 12 + day.month - 1


def _keep_series(backups: Iterable[Backup], now: dt.datetime) -> set[Path]:
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


def rotation_keep(backups: list[Backup], now: dt.datetime) -> set[Path]:
    """The backups rotation keeps, per database (:attr:`Backup.series`): all of the last 24 hours, the newest
    of each day of the last :data:`DAILY_DAYS` days and the newest of each month of the last
    :data:`MONTHLY_MONTHS` months."""
    series: dict[str, list[Backup]] = {}
    for backup in sorted(backups, key=lambda b: (b.taken_at, b.path.name)):
        series.setdefault(backup.series, []).append(backup)
    keep: set[Path] = set()
    for members in series.values():
        keep |= _keep_series(members, now)
    return keep


def rotate(folder: Path, now: dt.datetime | None = None) -> list[Path]:
    """Delete the backups rotation does not keep (and stale temporary files); returns the backups deleted."""
    remove_stale_parts(folder)
    backups = list_backups(folder)
    keep = rotation_keep(backups, now or dt.datetime.now())
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


# --- restore ----------------------------------------------------------------------------------------


def _version_high_water(conn: sqlite3.Connection) -> int:
    """The highest person or household version of a database (0 when it has none)."""
    high = 0
    for table in ("person", "household"):
        try:
            value = conn.execute(f"SELECT max(version) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:  # no such table/column: nothing to stay above
            continue
        high = max(high, int(value or 0))
    return high


def _prepare_staging(
    staging: Path, source_file: Path, live_id: str | None, high_water: int, page_size: int | None
) -> None:
    """Copy `source_file` to `staging` and make it ready to go in: the live database's identity, versions
    above `high_water` (confirmations tied to a version move with it), the live page size, checked."""
    create_private(staging)  # personal data: 0600 from the start (SQLite keeps the mode of an existing file)
    source = _snapshot(source_file)
    try:
        stage = sqlite3.connect(staging, isolation_level=None)
        try:
            stage.execute("PRAGMA journal_mode = OFF")
            source.backup(stage, pages=-1)
        finally:
            stage.close()
    finally:
        source.close()
    stage = sqlite3.connect(staging, isolation_level=None)
    try:
        stage.execute("PRAGMA journal_mode = DELETE")
        stage.execute("BEGIN IMMEDIATE")
        if high_water:
            stage.execute("UPDATE person SET version = version + ?", [high_water])
            stage.execute("UPDATE household SET version = version + ?", [high_water])
            stage.execute(
                "UPDATE confirmation SET record_version = record_version + ? WHERE record_version IS NOT NULL",
                [high_water],
            )
        if live_id:
            stage.execute("DELETE FROM setting WHERE key = ?", [identity.SETTING_KEY])
            stage.execute("INSERT INTO setting (key, value) VALUES (?, ?)", [identity.SETTING_KEY, live_id])
        stage.execute("COMMIT")
        if page_size and stage.execute("PRAGMA page_size").fetchone()[0] != page_size:
            stage.execute(f"PRAGMA page_size = {int(page_size)}")
            stage.execute("VACUUM")
        if stage.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError("恢复用的临时副本未通过完整性检查，恢复未进行，当前数据库未改动。请检查磁盘后重试。")
    finally:
        stage.close()


#: SQLite's SQLITE_BUSY (5) and SQLITE_LOCKED (6): the module names them only from Python 3.11
SQLITE_WAIT_CODES = (getattr(sqlite3, "SQLITE_BUSY", 5), getattr(sqlite3, "SQLITE_LOCKED", 6))


def _copy_into_live(staging: Path, live: sqlite3.Connection, progress: Progress | None) -> None:
    """Copy `staging` into the live database in one step (one write transaction), waiting at most
    :data:`RESTORE_WAIT_S` for the write lock."""
    deadline = time.monotonic() + RESTORE_WAIT_S

    def step(status: int, remaining: int, total: int) -> None:
        if status in SQLITE_WAIT_CODES and time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked")
        if progress:
            progress(total - remaining, total)

    source = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
    try:
        source.backup(live, pages=-1, progress=step)
    finally:
        source.close()


def restore_into(
    database: Path, source_file: Path, progress: Progress | None = None, *, saved: Path | None = None
) -> None:
    """Replace the contents of the live `database` with `source_file` after checking it (:func:`check_file`).

    The live database keeps its identity, and every person's and household's version ends above the highest
    version it had, so a form opened before the restore cannot overwrite the restored data unnoticed. On
    failure the live database is compared with a digest taken before and the message says whether it is
    unchanged; `saved` (the backup taken before the restore) is named when it is not."""
    check_file(source_file)
    folder = database.parent
    remove_stale_parts(folder)
    staging = folder / f".renkou-restore-{time.time_ns()}.{os.getpid()}.part"
    before: str | None = None
    try:
        live = sqlite3.connect(database, isolation_level=None, timeout=RESTORE_WAIT_S)
        try:
            live.execute(f"PRAGMA busy_timeout = {int(RESTORE_WAIT_S * 1000)}")
            exists = live.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
            live_id = identity.read_database_id(live) if exists else None
            page_size = live.execute("PRAGMA page_size").fetchone()[0] if exists else None
            high_water = _version_high_water(live) if exists else 0
            _prepare_staging(staging, source_file, live_id, high_water, page_size)
            if exists:
                before = content_digest(live)
                if _version_high_water(live) != high_water:  # saved meanwhile: stay above the new mark too
                    _remove_part(staging)
                    _prepare_staging(staging, source_file, live_id, _version_high_water(live), page_size)
            _copy_into_live(staging, live, progress)
        except BaseException as exc:
            raise _restore_failure(exc, live, before, saved) from None
        finally:
            live.close()
    except sqlite3.Error as exc:  # the live database could not even be opened: nothing was written
        raise StoreError(f"无法打开数据库 {database}（{exc}），恢复未进行。请检查文件和权限。") from None
    finally:
        _remove_part(staging)


def _restore_failure(
    exc: BaseException, live: sqlite3.Connection, before: str | None, saved: Path | None
) -> BaseException:
    """The error to raise for a failed restore, saying truthfully what became of the live database."""
    if isinstance(exc, StoreError) and before is None:
        return exc  # refused before the live database was touched
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        reason = "数据库正被其他人使用"
        advice = "请让其他人退出 Renkou 后重试。"
    else:
        reason = (_disk_message(exc) and "磁盘空间不足") or str(exc)
        advice = "请处理上述问题后重试。"
    if before is None:
        if not isinstance(exc, Exception):
            return exc
        return StoreError(f"恢复失败（{reason}），恢复未进行，当前数据库未改动。{advice}")
    try:
        after = content_digest(live)
    except sqlite3.Error:
        after = None
    if after == before:
        if not isinstance(exc, Exception):
            return exc
        return StoreError(f"恢复失败（{reason}）。已核对：当前数据库与恢复前完全一致，未改动。{advice}")
    where = (
        f"恢复前的数据已备份在 {saved}，可用 renkou restore {saved} --yes 恢复回去。"
        if saved
        else "请用 renkou backup --list 找到最近的备份，用 renkou restore 恢复。"
    )
    return StoreError(f"恢复失败（{reason}），当前数据库已与恢复前不同，可能不完整，请先停止使用。{where}")
