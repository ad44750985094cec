"""Backups and restore (design §4): online copy checked for integrity, rotation, restore that checks the file
first and saves the current data, refusals with one Chinese line, and nothing lost on failure."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from store import backup
from store.errors import StoreError
from tests.support.data import EXAMPLE_FILE
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def persons(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM person").fetchone()[0])


def log_actions(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT action, target FROM audit_log ORDER BY id")]


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "live" / "renkou.sqlite3"
    path.parent.mkdir()
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(path))
    assert code == 0, err
    return path


def test_backup_makes_a_checked_copy_and_logs_it(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "backup", "--db", str(database))
    assert code == 0, err
    made = backup.list_backups(database.parent / "backups")
    assert len(made) == 1 and made[0].path.name.startswith("renkou-")
    assert "完整性检查通过" in out and str(made[0].path) in out
    assert persons(made[0].path) == persons(database) == 7
    assert backup.check_file(made[0].path) >= 1
    assert not list(made[0].path.parent.glob(".*part"))  # no temporary file left
    # store.audit keeps 120 characters of a target: the whole name shows unless the folder is very deep
    assert ("backup", str(made[0].path)[:120]) in log_actions(database)
    code, out, _ = run(capsys, "backup", "--list", "--db", str(database))
    assert code == 0 and "共 1 个备份" in out


def test_backup_while_another_session_writes(database: Path) -> None:
    """The online backup is a consistent snapshot even while a writer holds a transaction open."""
    writer = sqlite3.connect(database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE person SET name = '改名中' WHERE id = 1")
    try:
        made = backup.create_backup(database, database.parent / "b")
    finally:
        writer.rollback()
        writer.close()
    with sqlite3.connect(made.path) as conn:
        assert conn.execute("SELECT name FROM person WHERE id = 1").fetchone()[0] != "改名中"


def test_rotation_keeps_recent_days_and_months(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 23, 12, 0, 0)
    stamps = [now - dt.timedelta(hours=h) for h in (1, 3)]  # two today: both kept (last 24 hours)
    stamps += [dt.datetime(2026, 11, 10, 9), dt.datetime(2026, 11, 10, 18)]  # same day: the newer kept
    stamps += [dt.datetime(2026, 9, 1, 9), dt.datetime(2026, 9, 20, 9)]  # older than 30 days: newest of month
    stamps += [dt.datetime(2021, 10, 5, 9)]  # older than 5 years: removed
    for stamp in stamps:
        (tmp_path / f"renkou-{stamp:%Y%m%d-%H%M%S}.sqlite3").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    removed = {p.name for p in backup.rotate(tmp_path, now)}
    assert removed == {"renkou-20261110-090000.sqlite3", "renkou-20260901-090000.sqlite3",
                       "renkou-20211005-090000.sqlite3"}  # fmt: skip
    assert (tmp_path / "notes.txt").exists()
    assert len(backup.list_backups(tmp_path)) == 4


def test_restore_checks_saves_current_data_and_logs(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "backup", "--db", str(database))
    assert code == 0
    saved = backup.list_backups(database.parent / "backups")[0].path
    with sqlite3.connect(database) as conn:  # a later change the restore will undo
        conn.execute("DELETE FROM child")
        conn.execute("UPDATE person SET name = '后来改的' WHERE id = 1")
    code, _, err = run(capsys, "restore", str(saved), "--db", str(database))
    assert code != 0 and "--yes" in err  # not a terminal: asks for --yes
    code, out, err = run(capsys, "restore", str(saved), "--db", str(database), "--yes")
    assert code == 0, err
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM person WHERE id = 1").fetchone()[0] != "后来改的"
    # the refused attempt above asked before backing up and left no file: the one before-restore backup is this one's
    before = [b for b in backup.list_backups(database.parent / "backups") if b.label == "before-restore"]
    assert len(before) == 1 and f"当前数据已备份到 {before[-1].path}" in out
    with sqlite3.connect(before[-1].path) as conn:  # the overwritten state is kept
        assert conn.execute("SELECT name FROM person WHERE id = 1").fetchone()[0] == "后来改的"
    assert log_actions(database)[-1] == ("restore", str(saved)[:120])  # store.audit keeps 120 characters


@pytest.mark.parametrize("damage", ["not_sqlite", "truncated", "other_sqlite"])
def test_restore_refuses_a_bad_file_and_changes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    bad = tmp_path / "bad.sqlite3"
    if damage == "not_sqlite":
        bad.write_text("这不是数据库", encoding="utf-8")
    elif damage == "truncated":
        made = backup.create_backup(database, tmp_path / "b")
        data = made.path.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    else:
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE t (x)")
    before = database.read_bytes()
    code, _, err = run(capsys, "restore", str(bad), "--db", str(database), "--yes")
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith("renkou: ")
    assert database.read_bytes() == before
    assert not (database.parent / "backups").exists()  # refused before anything was done


def test_restore_needs_an_admin_when_accounts_exist(database: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from store import db, users

    async def accounts() -> None:
        async with db.database(database):
            await users.create_user("clerk", "李敏", "secret123", "operator", iterations=1000)

    asyncio.run(accounts())
    made = backup.create_backup(database, database.parent / "backups")
    monkeypatch.setenv("RENKOU_PASSWORD", "secret123")
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(database), "--user", "clerk", "--yes")
    assert code != 0 and "只有管理员" in err


def test_restore_into_a_lost_database(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = backup.create_backup(database, tmp_path / "b")
    fresh = tmp_path / "new" / "renkou.sqlite3"
    fresh.parent.mkdir()
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(fresh), "--yes")
    assert code == 0, err
    assert persons(fresh) == 7


def test_postgres_databases_are_backed_up_by_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "backup", "--db", "postgres://postgres@127.0.0.1:5432/test")
    assert code != 0 and "pg_dump" in err


def test_backup_to_an_unwritable_place_leaves_nothing(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = database.parent / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "backup", "--db", str(database), "--dir", str(blocker / "sub"))
    assert code != 0 and "--dir" in err and len(err.strip().splitlines()) == 1


def test_check_file_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="找不到备份文件"):
        backup.check_file(tmp_path / "none.sqlite3")


def test_a_full_disk_leaves_no_partial_backup(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(source: sqlite3.Connection, destination: sqlite3.Connection, progress: object) -> None:
        destination.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy", full)
    folder = tmp_path / "b"
    with pytest.raises(StoreError, match="磁盘已满"):
        backup.create_backup(database, folder)
    assert list(folder.iterdir()) == []


# --- identity, names, temporary files (issue 11, part 4) ------------------------------------------------


def another_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "other" / "renkou.sqlite3"
    path.parent.mkdir()
    code, _, err = run(capsys, "import", str(EXAMPLE_FILE), "--db", str(path))
    assert code == 0, err
    return path


def test_two_databases_backed_up_into_one_folder_within_a_second_keep_every_file(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = another_database(tmp_path, capsys)
    folder = tmp_path / "shared"
    same_time = dt.datetime(2026, 11, 23, 9, 30, 0, 500)  # every run at the same instant: names must still differ
    made = []
    for _ in range(10):
        made.append(backup.create_backup(database, folder, now=same_time))
        made.append(backup.create_backup(other, folder, now=same_time))
        made.append(backup.create_backup(database, folder))  # and at the real time, as fast as it goes
    paths = [m.path for m in made]
    assert len(set(paths)) == 30 and all(p.is_file() for p in paths)
    listed = backup.list_backups(folder)
    assert [b.path for b in listed] == sorted(paths, key=lambda p: (backup.parse_name(p).taken_at, p.name))
    series = {b.series for b in listed}
    assert len(series) == 2 and all(len(s) == 8 for s in series)
    with sqlite3.connect(database) as a, sqlite3.connect(other) as b:
        ids = [c.execute("SELECT value FROM setting WHERE key = 'database_id'").fetchone()[0] for c in (a, b)]
    assert ids[0] != ids[1]
    assert {b.series for b in listed if b.path in paths[1::3]} == {ids[1][:8]}
    assert all(persons(p) == 7 for p in paths)


def test_database_id_is_created_once_and_shared(database: Path) -> None:
    from store import db, identity

    first = backup.database_id(database)

    async def through_tortoise() -> str:
        async with db.database(database, create=False):
            return await identity.database_id()

    assert asyncio.run(through_tortoise()) == first == backup.database_id(database)
    assert len(first) == 32 and int(first, 16) >= 0


def test_rotation_is_per_database_and_old_names_are_their_own_series(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 23, 12, 0, 0)
    old_days = [dt.datetime(2026, 11, 10, 9), dt.datetime(2026, 11, 10, 18)]  # same day: only the newer kept
    for stamp in old_days:
        (tmp_path / f"renkou-{stamp:%Y%m%d-%H%M%S}.sqlite3").write_bytes(b"x")  # old style: no identity
        for db_id in ("aaaa1111", "bbbb2222"):
            (tmp_path / f"renkou-{db_id}-{stamp:%Y%m%d-%H%M%S}-000000.sqlite3").write_bytes(b"x")
    # the newest backup of 10 November of database bbbb2222 taken later the same day must not make rotation
    # drop the other series' backups of that day
    (tmp_path / "renkou-bbbb2222-20261110-230000-000001.sqlite3").write_bytes(b"x")
    removed = {p.name for p in backup.rotate(tmp_path, now)}
    assert removed == {
        "renkou-20261110-090000.sqlite3",
        "renkou-aaaa1111-20261110-090000-000000.sqlite3",
        "renkou-bbbb2222-20261110-090000-000000.sqlite3",
        "renkou-bbbb2222-20261110-180000-000000.sqlite3",
    }
    kept = {b.path.name for b in backup.list_backups(tmp_path)}
    assert kept == {
        "renkou-20261110-180000.sqlite3",
        "renkou-aaaa1111-20261110-180000-000000.sqlite3",
        "renkou-bbbb2222-20261110-230000-000001.sqlite3",
    }


def dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_backup_leaves_a_part_that_the_next_run_removes(database: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "b"
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom store import backup\n"
        "backup.create_backup(Path(sys.argv[1]), Path(sys.argv[2]), progress=lambda done, total: time.sleep(120))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(database), str(folder)],
                            cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob(".*.part")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # inside the copy (the progress callback sleeps)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    parts = list(folder.glob(".*.part*"))
    assert parts, "the killed run should have left its temporary file"
    journal = folder / f".renkou-ffffffff-20260101-000000-000000.sqlite3.{dead_pid()}.part-journal"
    journal.write_bytes(b"left by a full disk")
    assert backup.list_backups(folder) == []  # never listed as a backup
    made = backup.create_backup(database, folder)
    assert sorted(folder.iterdir()) == [made.path]  # the next run removed them
    assert [b.path for b in backup.list_backups(folder)] == [made.path]


def test_a_running_backups_part_is_not_removed(database: Path, tmp_path: Path) -> None:
    """Two backups into one folder at once: one must not delete the other's temporary file."""
    import os

    folder = tmp_path / "b"
    folder.mkdir()
    running = folder / f".renkou-ffffffff-20260101-000000-000000.sqlite3.{os.getppid()}.part"
    running.write_bytes(b"being written by a live process")
    backup.create_backup(database, folder)
    assert running.exists()


def test_a_full_disk_leaves_no_journal_either(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(source: sqlite3.Connection, destination: sqlite3.Connection, progress: object) -> None:
        destination.execute("CREATE TABLE half (x)")
        destination.execute("BEGIN")
        destination.execute("INSERT INTO half VALUES (1)")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy", full)
    folder = tmp_path / "b"
    with pytest.raises(StoreError, match="磁盘已满"):
        backup.create_backup(database, folder)
    assert list(folder.iterdir()) == []


# --- a bounded backup under heavy writing (issue 11, part 4) ----------------------------------------------

WRITER = """
import sqlite3, sys, time, os
from pathlib import Path
path, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(path, isolation_level=None, timeout=30)
conn.execute("PRAGMA synchronous = FULL")
n = 0
while not stop.exists():
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE person SET name = ?, version = version + 1 WHERE id = ?", [f"写{n}", n % 7 + 1])
    conn.execute("INSERT INTO filler (who, detail) VALUES (?, '')", [str(os.getpid())])
    conn.execute("COMMIT")
    n += 1
print(n)
"""


def test_backup_under_concurrent_writer_processes_is_bounded_and_intact(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    monkeypatch.setattr(backup, "PAGES_PER_STEP", 256)  # many steps: room for a restart to show
    with sqlite3.connect(database) as conn:  # big enough for many steps of the backup API (the audit log
        conn.execute("CREATE TABLE filler (who TEXT, detail TEXT)")  # is append-only through the program)
        conn.executemany(
            "INSERT INTO filler (who, detail) VALUES ('filler', ?)", [("填" * 200,) for _ in range(20_000)]
        )
    pages = sqlite3.connect(database).execute("PRAGMA page_count").fetchone()[0]
    assert pages > 3 * backup.PAGES_PER_STEP
    stop = tmp_path / "stop"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(database), str(stop)], stdout=subprocess.PIPE,
                                text=True) for _ in range(3)]  # fmt: skip
    steps: list[int] = []

    def progress(done: int, total: int) -> None:
        steps.append(done)
        if len(steps) > pages // backup.PAGES_PER_STEP + 2:  # a restarted copy takes more steps than pages
            raise RuntimeError("the backup restarted")

    try:
        import time

        time.sleep(0.5)  # the writers are saving
        made = backup.create_backup(database, tmp_path / "b", progress=lambda d, t: (progress(d, t), time.sleep(0.05)))
    finally:
        stop.write_text("", encoding="utf-8")
        saves = [int(w.communicate(timeout=60)[0]) for w in writers]
    assert all(n > 0 for n in saves)
    assert steps == sorted(set(steps)) and len(steps) > 3  # every step moved on: the copy never started over
    assert backup.check_file(made.path) >= 1
    with sqlite3.connect(made.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- restore: full schema check, live database unchanged on failure (issue 11, part 5) -------------------


def live_state(path: Path) -> tuple[dict[str, int], str]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    return counts, backup.content_digest(path)


def test_expected_schema_is_the_schema_of_a_fresh_database(tmp_path: Path) -> None:
    from store import db

    fresh = tmp_path / "fresh.sqlite3"

    async def create() -> None:
        async with db.database(fresh):
            pass

    asyncio.run(create())
    with sqlite3.connect(fresh) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        actual = {
            t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables if t != "sqlite_sequence"
        }
    assert backup.expected_schema() == actual
    assert backup.check_file(fresh) >= 1


@pytest.mark.parametrize("fake", ["minimal", "schema_shaped"])
def test_restore_refuses_a_fake_with_missing_columns_and_the_live_database_is_unchanged(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fake: str
) -> None:
    bad = tmp_path / "fake.sqlite3"
    with sqlite3.connect(bad) as conn:
        if fake == "minimal":  # the tester's file: four tables, a version, no real columns
            for table in ("person", "household", "audit_log"):
                conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
        else:  # every table of the models, each missing one column
            for table, columns in backup.expected_schema().items():
                if table == "setting":
                    continue
                kept = sorted(columns)[1:] or ["id"]
                conn.execute(f'CREATE TABLE "{table}" ({", ".join(kept)})')
        conn.execute("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO setting VALUES ('schema_version', '2')")
    before = live_state(database)
    with pytest.raises(StoreError, match="不是完整的 Renkou 数据库"):
        backup.check_file(bad)
    with pytest.raises(StoreError, match="不能用于恢复"):
        backup.restore_into(database, bad)
    code, _, err = run(capsys, "restore", str(bad), "--db", str(database), "--yes")
    assert code != 0 and "不是完整的 Renkou 数据库" in err and len(err.strip().splitlines()) == 1
    assert live_state(database) == before
    assert live_state(database)[0]["person"] == 7


def test_restore_refuses_an_unsupported_schema_version(database: Path, tmp_path: Path) -> None:
    made = backup.create_backup(database, tmp_path / "b")
    for version, message in (("0", "只能恢复版本"), ("99", "请先升级")):
        with sqlite3.connect(made.path) as conn:
            conn.execute("UPDATE setting SET value = ? WHERE key = 'schema_version'", [version])
        with pytest.raises(StoreError, match=message):
            backup.check_file(made.path)


def test_a_failed_copy_leaves_the_live_database_as_it_was_and_says_so(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = backup.create_backup(database, tmp_path / "b")
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE person SET name = '恢复前' WHERE id = 1")
    before = live_state(database)

    def failing(staging: Path, live: sqlite3.Connection, progress: object) -> None:
        live.execute("BEGIN IMMEDIATE")
        live.execute("DELETE FROM person")  # half-way, then the disk fills: rolled back
        live.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy_into_live", failing)
    with pytest.raises(StoreError, match="已核对：当前数据库与恢复前完全一致，未改动"):
        backup.restore_into(database, made.path)
    assert live_state(database) == before
    assert not [p for p in database.parent.iterdir() if p.name.startswith(".renkou-restore")]


def test_a_failed_copy_that_changed_the_live_database_says_where_the_saved_data_is(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = backup.create_backup(database, tmp_path / "b")
    saved = backup.create_backup(database, tmp_path / "b", label="before-restore")

    def broken(staging: Path, live: sqlite3.Connection, progress: object) -> None:
        live.execute("DELETE FROM child")  # e.g. a crash of the copy that was not rolled back
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(backup, "_copy_into_live", broken)
    with pytest.raises(StoreError, match="已与恢复前不同") as caught:
        backup.restore_into(database, made.path, saved=saved.path)
    assert str(saved.path) in str(caught.value) and "未改动" not in str(caught.value)


def test_restore_keeps_the_live_identity(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = another_database(tmp_path, capsys)
    theirs = backup.create_backup(other, tmp_path / "b")
    mine = backup.database_id(database)
    backup.restore_into(database, theirs.path)
    assert backup.database_id(database) == mine


# --- restore: versions never go backwards (issue 11, part 5) -----------------------------------------------

CODE = "430426101201010012"


def test_a_form_opened_before_a_restore_gets_a_conflict(database: Path, tmp_path: Path) -> None:
    import copy

    from store import db
    from store.errors import ConflictError
    from store.records import load_households
    from store.service import save_household

    older = backup.create_backup(database, tmp_path / "b")  # versions 1

    async def load() -> dict:
        async with db.database(database, create=False):
            return (await load_households([CODE]))[CODE]

    async def save(record: dict, occupation: str) -> dict:
        record = copy.deepcopy(record)
        record["members"][0]["occupation"] = occupation
        async with db.database(database, create=False):
            return await save_household(record, operator="clerk")

    asyncio.run(save(asyncio.run(load()), "农民"))  # a save after the backup: version 2
    opened = asyncio.run(load())  # a form opened before the restore holds version 2
    high = max(p["_version"] for p in opened["members"])
    backup.restore_into(database, older.path)
    restored = asyncio.run(load())
    assert min(p["_version"] for p in restored["members"]) > high
    assert restored["_version"] > high
    asyncio.run(save(restored, "工人"))  # another clerk saves the restored record
    with pytest.raises(ConflictError):
        asyncio.run(save(opened, "教师"))  # the old form must not overwrite it
    assert asyncio.run(load())["members"][0]["occupation"] == "工人"


def test_restore_keeps_confirmations_tied_to_their_versions(database: Path, tmp_path: Path) -> None:
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO confirmation (person_id, rule, fields_json, reason, confirmed_by, confirmed_at, "
                     "record_version) SELECT id, 'W001', '[]', '', 'a', '', version FROM person WHERE id = 1")  # fmt: skip
        conn.execute("UPDATE person SET version = version + 5 WHERE id = 2")
    older = backup.create_backup(database, tmp_path / "b")
    backup.restore_into(database, older.path)
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT c.record_version, p.version FROM confirmation c JOIN person p ON p.id = c.person_id")
        confirmed, version = row.fetchone()
    assert confirmed == version > 6


def test_restore_wait_codes_do_not_need_python_3_11() -> None:
    """The backup progress callback compares SQLite's BUSY/LOCKED codes: the module names them only from
    Python 3.11 (on 3.10 every restore failed with an AttributeError, reported as a busy database)."""
    from store.backup import SQLITE_WAIT_CODES

    assert SQLITE_WAIT_CODES == (5, 6)
