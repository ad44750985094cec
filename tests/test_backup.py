"""Backups and restore (design §4): online copy checked for integrity, rotation, restore that checks the file
first and saves the current data, refusals with one Chinese line, and nothing lost on failure."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLE_FILE

from store import backup
from store.errors import StoreError
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
    # one before-restore backup per attempt (the refused attempt above made one too): the newest is this one's
    before = [b for b in backup.list_backups(database.parent / "backups") if b.label == "before-restore"]
    assert len(before) == 2 and f"当前数据已备份到 {before[-1].path}" in out
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
    with pytest.raises(StoreError, match="磁盘空间不足"):
        backup.create_backup(database, folder)
    assert list(folder.iterdir()) == []
