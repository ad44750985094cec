"""The tamper-evident audit log (`store.audit`): the hash chain, ``renkou log --verify`` against direct SQL
tampering (run as a real process), concurrent appends, the schema migration of an older database, carrying the
log over a restore, the refused and bulk actions that are logged, one entry per opening of a person record, and
the warning an admin sees at start."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from store import audit, db, schema, users
from store.importer import import_file
from store.models import SCHEMA_VERSION
from tests.support.data import EXAMPLE_FILE
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = 6
T0 = dt.datetime(2026, 3, 1, 9, 0, 0)


def renkou(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``renkou …`` as a real process."""
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})  # fmt: skip


async def fill(n: int = ENTRIES, start: int = 0) -> None:
    """`n` entries, one minute apart from T0 (+ `start` minutes), so each names a distinct time."""
    from tortoise.transactions import in_transaction

    for i in range(start, start + n):
        async with in_transaction() as client:
            await audit._append(client, T0 + dt.timedelta(minutes=i), f"clerk{i % 3}", "test", f"t{i}", f"第{i}次")


def at(i: int) -> str:
    """The time of entry number `i` (1-based) written by :func:`fill`."""
    return f"{T0 + dt.timedelta(minutes=i - 1):%Y-%m-%d %H:%M:%S}"


@pytest.fixture
async def log_file(tmp_path: Path) -> Path:
    """An SQLite database with :data:`ENTRIES` entries, closed."""
    path = tmp_path / "log.sqlite3"
    async with db.database(path):
        await fill()
    return path


def tamper(path: Path, *statements: str) -> None:
    """Direct SQL on the file, as someone with access to it (no program, no triggers they dropped)."""
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)


def verify_fails(target: str, *expected: str) -> str:
    done = renkou("log", "--verify", "--db", target)
    assert done.returncode != 0, done.stdout
    for text in expected:
        assert text in done.stderr, done.stderr
    return done.stderr


# --- the chain ---------------------------------------------------------------------------------------------


async def test_appended_entries_verify(store_db: db.DbTarget) -> None:
    await audit.log_action("张三", "save", "430426101201010012", "新增 1 人")
    await fill(4)
    rows = await db.fetch("SELECT id, prev_hash, hash FROM audit_log ORDER BY id")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][1] == audit.GENESIS and all(rows[i][1] == rows[i - 1][2] for i in range(1, 5))
    assert len({r[2] for r in rows}) == 5 and all(len(r[2]) == 64 for r in rows)
    report = await audit.verify_chain(batch=2)  # several batches
    assert report.ok and report.count == 5 and report.message == "审计日志完整：共 5 条，链校验通过。"
    assert (await audit.verify_tail(3)).ok
    exists, head = await audit.read_head()
    assert exists and head is not None and (head.count, head.id, head.hash) == (5, 5, rows[-1][2])
    assert [e["action"] for e in await audit.recent(2)] == ["test", "test"]


def test_verify_passes_on_an_intact_log(log_file: Path) -> None:
    done = renkou("log", "--verify", "--db", str(log_file))
    assert done.returncode == 0, done.stderr
    assert f"审计日志完整：共 {ENTRIES} 条，链校验通过" in done.stdout


def test_update_is_refused_and_an_update_after_drop_trigger_detected(log_file: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(log_file, "UPDATE audit_log SET detail = 'x' WHERE id = 3")
    tamper(log_file, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET username = 'someone' WHERE id = 3")
    verify_fails(str(log_file), f"第 3 条（{at(3)}）的内容被改动")


def test_time_changed_is_detected(log_file: Path) -> None:
    tamper(
        log_file,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET logged_at = '2026-03-01 08:00:00' WHERE id = 2",
    )
    verify_fails(str(log_file), "第 2 条（2026-03-01 08:00:00）的内容被改动")


def test_delete_is_refused_and_a_delete_after_drop_trigger_detected(log_file: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(log_file, "DELETE FROM audit_log WHERE id = 3")
    tamper(log_file, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 3")
    verify_fails(str(log_file), f"第 4 条（{at(4)}）之前的第 3 条被删除")


def test_insert_or_replace_is_refused_and_detected_without_its_trigger(log_file: Path) -> None:
    replace = "INSERT OR REPLACE INTO audit_log (id, logged_at, username, action, target, detail, prev_hash, hash) "
    copy = "SELECT id, logged_at, username, action, target, '改过的', prev_hash, hash FROM audit_log WHERE id = 3"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(log_file, replace + copy)
    assert renkou("log", "--verify", "--db", str(log_file)).returncode == 0
    tamper(log_file, "DROP TRIGGER audit_log_append_at_end", replace + copy)  # REPLACE fires no delete trigger
    with sqlite3.connect(log_file) as conn:
        assert conn.execute("SELECT detail FROM audit_log WHERE id = 3").fetchone()[0] == "改过的"
    verify_fails(str(log_file), f"第 3 条（{at(3)}）的内容被改动")


def test_a_replaced_entry_with_a_fresh_hash_breaks_the_next_link(log_file: Path) -> None:
    with sqlite3.connect(log_file) as conn:
        prev = conn.execute("SELECT prev_hash FROM audit_log WHERE id = 3").fetchone()[0]
    forged = audit.entry_hash(3, at(3), "clerk2", "test", "t2", "伪造", prev)
    tamper(log_file, "DROP TRIGGER audit_log_no_update",
           f"UPDATE audit_log SET detail = '伪造', hash = '{forged}' WHERE id = 3")  # fmt: skip
    verify_fails(str(log_file), f"第 4 条（{at(4)}）与上一条衔接不上")


def test_dropping_the_newest_entries_is_detected(log_file: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="protected"):
        tamper(log_file, "DELETE FROM setting WHERE key = 'audit_chain_head'")
    tamper(log_file, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id >= 5")
    verify_fails(str(log_file), "第 5 条起的记录被删除（日志被截断）", f"第 {ENTRIES} 条（{at(ENTRIES)}）")
    # the app goes on appending after the gap: still evident
    asyncio.run(_log_one(log_file))
    verify_fails(str(log_file), "第 7 条", "之前的第 5–6 条被删除")


async def _log_one(path: Path) -> None:
    async with db.database(path, create=False):
        await audit.log_action("张三", "view", "x")


def test_emptying_the_log_is_detected(log_file: Path) -> None:
    tamper(log_file, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log")
    verify_fails(str(log_file), "第 1 条起的记录被删除", "日志已被清空")


def test_emptying_the_log_and_its_head_is_detected_only_as_far_as_it_can_be(log_file: Path) -> None:
    """Everything gone, head included: an empty log is all that is left (a known limit, no secret outside
    the file); the head alone gone is detected."""
    with pytest.raises(sqlite3.DatabaseError, match="protected"):
        tamper(log_file, "INSERT OR REPLACE INTO setting (key, value) VALUES ('audit_chain_head', '{}')")
    tamper(log_file, "DROP TRIGGER audit_head_no_delete", "DELETE FROM setting WHERE key = 'audit_chain_head'")
    verify_fails(str(log_file), "链头记录（audit_chain_head）缺失", f"第 {ENTRIES} 条")


def test_rewinding_the_head_is_refused(log_file: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="protected"):
        tamper(log_file, "UPDATE setting SET value = json_set(value, '$.count', 2) WHERE key = 'audit_chain_head'")


def test_an_entry_added_behind_the_programs_back_is_detected(log_file: Path) -> None:
    with sqlite3.connect(log_file) as conn:
        last = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [ENTRIES]).fetchone()[0]
    forged = audit.entry_hash(ENTRIES + 1, at(ENTRIES + 1), "x", "test", "", "", last)
    insert = (f"INSERT INTO audit_log (id, logged_at, username, action, target, detail, prev_hash, hash) "
              f"VALUES ({ENTRIES + 1}, '{at(ENTRIES + 1)}', 'x', 'test', '', '', '{last}', '{forged}')")  # fmt: skip
    tamper(log_file, insert)  # at the end, with a correct hash: only the head tells
    verify_fails(str(log_file), f"第 {ENTRIES + 1} 条起的记录不是程序写入的")


def test_an_entry_without_hash_is_refused_and_detected(log_file: Path) -> None:
    plain = "INSERT INTO audit_log (logged_at, username, action, target, detail) VALUES ('2026-03-02 10:00:00', 'x', 'y', '', '')"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(log_file, plain)
    tamper(log_file, "DROP TRIGGER audit_log_append_at_end", plain)
    verify_fails(str(log_file), f"第 {ENTRIES + 1} 条（2026-03-02 10:00:00）没有校验值")


@pytest.mark.postgres
async def test_postgres_refuses_truncate_replace_and_detects_tampering(store_db: db.DbTarget) -> None:
    if store_db.kind != "postgres":
        pytest.skip("PostgreSQL only")
    await fill()
    for sql in ("TRUNCATE audit_log", "TRUNCATE setting", "DELETE FROM audit_log WHERE id = 6",
                "UPDATE audit_log SET detail = 'x' WHERE id = 2",
                "INSERT INTO audit_log (id, logged_at, username, action, target, detail, prev_hash, hash) "
                "SELECT id, logged_at, username, action, target, 'x', prev_hash, hash FROM audit_log WHERE id = 2 "
                "ON CONFLICT (id) DO UPDATE SET detail = 'x'",
                "DELETE FROM setting WHERE key = 'audit_chain_head'"):  # fmt: skip
        with pytest.raises(Exception, match=r"append-only|protected"):
            await db.execute(sql)
    done = await asyncio.to_thread(renkou, "log", "--verify", "--db", store_db.url)
    assert done.returncode == 0 and f"共 {ENTRIES} 条" in done.stdout, done.stderr
    await db.execute("ALTER TABLE audit_log DISABLE TRIGGER ALL")  # the table's owner can
    await db.execute("UPDATE audit_log SET target = 'x' WHERE id = 2")
    await db.execute("DELETE FROM audit_log WHERE id >= 5")
    await asyncio.to_thread(verify_fails, store_db.url, f"第 2 条（{at(2)}）的内容被改动")


# --- concurrency -------------------------------------------------------------------------------------------

WRITER = """
import asyncio, sys
from store import db
from store.audit import log_action
from tortoise.transactions import in_transaction

async def work(target, worker, rounds):
    async with db.database(target):
        for i in range(rounds):
            if i % 2:
                await log_action(f"w{worker}", "test", str(i))
            else:
                async with in_transaction() as client:
                    await log_action(f"w{worker}", "test", str(i), "in a transaction", client)

asyncio.run(work(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


async def test_concurrent_appends_keep_one_chain(store_db: db.DbTarget) -> None:
    await audit.log_action("setup", "test")
    where = str(store_db.path) if store_db.path is not None else store_db.url
    workers, rounds = 4, 25

    def run() -> list[tuple[int, str]]:
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, where, str(w), str(rounds)], cwd=ROOT,
                                  stderr=subprocess.PIPE, text=True) for w in range(workers)]  # fmt: skip
        return [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in procs]

    results = await asyncio.to_thread(run)
    assert [r[0] for r in results] == [0] * workers, results
    report = await audit.verify_chain()
    assert report.ok and report.count == 1 + workers * rounds, report.message
    assert await db.scalar("SELECT count(DISTINCT prev_hash) FROM audit_log") == 1 + workers * rounds


# --- migration ---------------------------------------------------------------------------------------------


async def test_a_version_2_database_gets_its_entries_hashed(
    store_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database of schema 2 (no hash columns, no chain triggers, no head) is upgraded on opening: the existing
    entries are hashed once in number order — to the same hashes as if they had been chained when written."""
    await import_file(EXAMPLE_FILE, operator="tester")
    await fill(5)
    expected = [tuple(r) for r in await db.fetch("SELECT id, prev_hash, hash FROM audit_log ORDER BY id")]
    if store_db.kind == "postgres":
        old = ["DROP TRIGGER audit_log_append_at_end ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log",
               "DROP TRIGGER audit_head_protect ON setting", "DROP TRIGGER audit_head_no_truncate ON setting"]  # fmt: skip
    else:
        old = ["DROP TRIGGER audit_log_append_at_end", "DROP TRIGGER audit_head_no_delete",
               "DROP TRIGGER audit_head_no_replace", "DROP TRIGGER audit_head_forward"]  # fmt: skip
    old += ["DELETE FROM setting WHERE key = 'audit_chain_head'", "ALTER TABLE audit_log DROP COLUMN hash",
            "ALTER TABLE audit_log DROP COLUMN prev_hash", "UPDATE setting SET value = '2' WHERE key = 'schema_version'"]  # fmt: skip
    for sql in old:
        await db.execute(sql)
    assert await schema.schema_version() == 2
    assert not await audit._columns(db.conn()) & {"hash", "prev_hash"}
    monkeypatch.setattr(audit, "MIGRATION_BATCH", 2)  # several batches
    await schema.ensure_schema()
    assert await schema.schema_version() == SCHEMA_VERSION
    assert [tuple(r) for r in await db.fetch("SELECT id, prev_hash, hash FROM audit_log ORDER BY id")] == expected
    report = await audit.verify_chain()
    assert report.ok and report.count == len(expected)
    await audit.log_action("张三", "view", "x")  # appends go on from the migrated head
    assert (await audit.verify_chain()).count == len(expected) + 1
    with pytest.raises(Exception, match="append-only"):  # and the new protection is in place
        await db.execute("INSERT INTO audit_log (logged_at, username, action, target, detail) "
                         "VALUES ('2026-01-01 00:00:00', 'x', 'y', '', '')")  # fmt: skip
    with pytest.raises(Exception, match="append-only"):  # the update trigger lifted for the migration is back
        await db.execute("UPDATE audit_log SET detail = 'x'")


# --- restore -----------------------------------------------------------------------------------------------


async def test_carry_over_keeps_the_entries_written_after_the_backup(tmp_path: Path) -> None:
    live, backup, restored = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    async with db.database(live):
        await fill(3)
    shutil.copy(live, backup)
    async with db.database(live, create=False):
        await fill(4, start=3)  # written after the backup: would be lost by the restore
        later = [tuple(r) for r in await db.fetch("SELECT logged_at, username, action, target, detail FROM audit_log "
                                                  "WHERE id > 3 ORDER BY id")]  # fmt: skip
    shutil.copy(backup, restored)  # the restore
    async with db.database(restored, create=False):
        assert await audit.carry_over(live, operator="admin") == 4
        rows = [tuple(r) for r in await db.fetch("SELECT logged_at, username, action, target, detail FROM audit_log "
                                                 "ORDER BY id")]  # fmt: skip
        assert rows[3:7] == later
        assert rows[7][1:] == ("admin", "restore.log", "live.sqlite3", "恢复前的日志 4 条已保留")
        report = await audit.verify_chain()
        assert report.ok and report.count == 8
    assert renkou("log", "--verify", "--db", str(restored)).returncode == 0


async def test_restore_command_keeps_later_entries_and_logs_itself(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    async with db.database(live):
        await fill(3)
    made = renkou("backup", "--db", str(live), "--dir", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    (copy,) = [p for p in (tmp_path / "backups").iterdir() if p.suffix == ".sqlite3"]
    async with db.database(live, create=False):
        await fill(2, start=10)  # after the backup: "t10", "t11"
    done = renkou("restore", str(copy), "--yes", "--db", str(live))
    assert done.returncode == 0, done.stderr
    async with db.database(live, create=False):
        targets = [r[0] for r in await db.fetch("SELECT target FROM audit_log ORDER BY id")]
        actions = [r[0] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert "t10" in targets and "t11" in targets
    assert actions[-1] == "restore" and "restore.log" in actions
    assert renkou("log", "--verify", "--db", str(live)).returncode == 0


async def test_carry_over_from_an_unrelated_log_takes_the_later_entries(tmp_path: Path) -> None:
    other, restored = tmp_path / "other.sqlite3", tmp_path / "restored.sqlite3"
    async with db.database(restored):
        await fill(3)  # newest at T0 + 2 min
    async with db.database(other):
        await fill(5, start=-1)  # T0 - 1 min … T0 + 3 min: another history
    with sqlite3.connect(other) as conn:
        async with db.database(restored, create=False):
            assert await audit.carry_over(conn, operator="admin") == 1  # only T0 + 3 min is later
            assert (await audit.verify_chain()).ok


# --- what is logged ----------------------------------------------------------------------------------------


async def test_refused_actions_and_bulk_reads_are_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "accounts.sqlite3"
    async with db.database(path):
        await import_file(EXAMPLE_FILE, operator="tester")
        await users.create_user("boss", "王局", "boss-secret", "admin", None, by="setup")
        await users.create_user("clerk", "李敏", "clerk-secret", "operator", None, by="boss", must_change=False)
    monkeypatch.setenv("RENKOU_PASSWORD", "clerk-secret")
    monkeypatch.setenv("RENKOU_NEW_PASSWORD", "whatever1")
    assert (
        await asyncio.to_thread(main, ["user", "add", "x", "--name", "某", "--db", str(path), "--user", "clerk"]) == 1
    )
    assert await asyncio.to_thread(main, ["restore", str(path), "--yes", "--db", str(path), "--user", "clerk"]) == 1
    assert await asyncio.to_thread(main, ["check", "--json", "--db", str(path), "--user", "clerk"]) == 0
    assert await asyncio.to_thread(main, ["quality", "--db", str(path), "--user", "clerk"]) == 0
    async with db.database(path, create=False):
        rows = [tuple(r) for r in await db.fetch("SELECT username, action, target, detail FROM audit_log "
                                                 "WHERE username = 'clerk' AND action NOT LIKE 'login%' ORDER BY id")]  # fmt: skip
        assert (await audit.verify_chain()).ok
    assert [r[:3] for r in rows] == [("clerk", "access.denied", "accounts_manage"), ("clerk", "access.denied", "restore"),
                                     ("clerk", "check", "全部"), ("clerk", "quality", "全部")]  # fmt: skip
    assert "只有管理员可以管理账号" in rows[0][3] and "录入员" in rows[0][3]
    assert "JSON" in rows[2][3]


async def _settle(pilot: object, condition: Callable[[], bool]) -> None:
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        if condition():
            return
    raise AssertionError("the screen did not reach the expected state")


@pytest.fixture
async def example_app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "app.sqlite3"
    async with db.database(path):
        await import_file(EXAMPLE_FILE, operator="import")
    return path


async def test_one_entry_per_opening_of_a_person_record(example_app_db: Path) -> None:
    from tui.app import RenkouApp
    from tui.screens.browse import BrowseScreen
    from tui.screens.person_form import PersonForm

    code = "430426101201010012"
    async with db.database(example_app_db, create=False) as target:
        app = RenkouApp(target_label=target.label, is_demo=True, needs_login=False, username="demo")
        async with app.run_test(size=(80, 24)) as pilot:
            browse = app.screen
            assert isinstance(browse, BrowseScreen)
            for opening in (1, 2):
                browse.open_person(code, "h12-2")
                await _settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
                await pilot.press("escape")
                await _settle(pilot, lambda: app.screen is browse and browse.detail is not None)
                views = await db.fetch("SELECT target, detail FROM audit_log WHERE action = 'view'")
                assert [tuple(v) for v in views] == [(code, "h12-2")] * opening
            await pilot.press("escape")


async def test_an_admin_is_warned_at_start_when_the_tail_is_broken(example_app_db: Path) -> None:
    from tui.app import RenkouApp

    tamper(example_app_db, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET username = 'x'")
    async with db.database(example_app_db, create=False) as target:
        assert not (await audit.verify_tail()).ok
        app = RenkouApp(target_label=target.label, is_demo=True, needs_login=False, username="demo")
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot, lambda: any("审计日志已被改动" in str(n.message) for n in app._notifications))
            await pilot.press("escape")
