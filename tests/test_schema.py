"""Schema creation, versioning and migrations; SQLite pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import db, models, schema
from store.errors import StoreError
from store.importer import import_file
from tests.support.data import EXAMPLE_FILE


async def test_new_database_records_schema_version(store_db: db.DbTarget) -> None:
    assert await schema.schema_version() == models.SCHEMA_VERSION


async def test_sqlite_pragmas(sqlite_path: Path) -> None:
    async with db.database(sqlite_path):
        assert (await db.fetch("PRAGMA journal_mode"))[0][0] == "wal"
        assert (await db.fetch("PRAGMA foreign_keys"))[0][0] == 1
        assert (await db.fetch("PRAGMA synchronous"))[0][0] == 2  # FULL
        assert (await db.fetch("PRAGMA busy_timeout"))[0][0] == db.BUSY_TIMEOUT_MS


async def test_audit_log_is_append_only(store_db: db.DbTarget) -> None:
    from store.audit import log_action

    await log_action("tester", "test", "x")
    with pytest.raises(Exception, match="append-only"):
        await db.execute("UPDATE audit_log SET username = 'someone else'")
    with pytest.raises(Exception, match="append-only"):
        await db.execute("DELETE FROM audit_log")
    assert await db.scalar("SELECT username FROM audit_log") == "tester"


async def test_newer_database_is_refused_untouched(sqlite_path: Path) -> None:
    async with db.database(sqlite_path):
        await schema.set_setting("schema_version", str(models.SCHEMA_VERSION + 1))
    before = sqlite_path.read_bytes()
    with pytest.raises(StoreError, match="请升级 Renkou"):
        async with db.database(sqlite_path):
            pass
    assert sqlite_path.read_bytes() == before


async def test_migration_steps_run_in_order_and_keep_data(sqlite_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.database(sqlite_path):
        await import_file(EXAMPLE_FILE, operator="tester")

    async def add_note_column(client: object) -> None:
        await db.execute("ALTER TABLE household ADD COLUMN note VARCHAR(100) DEFAULT '无'", (), client)  # type: ignore[arg-type]

    monkeypatch.setattr(schema, "SCHEMA_VERSION", models.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, models.SCHEMA_VERSION, add_note_column)
    async with db.database(sqlite_path):
        assert await schema.schema_version() == models.SCHEMA_VERSION + 1
        assert await db.scalar("SELECT count(*) FROM person") == 7
        assert {r[0] for r in await db.fetch("SELECT note FROM household")} == {"无"}


async def test_failed_migration_leaves_previous_version(sqlite_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.database(sqlite_path):
        await import_file(EXAMPLE_FILE, operator="tester")

    async def broken(client: object) -> None:
        await db.execute("UPDATE person SET name = 'x'", (), client)  # type: ignore[arg-type]
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", models.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, models.SCHEMA_VERSION, broken)
    with pytest.raises(RuntimeError):
        async with db.database(sqlite_path):
            pass
    with sqlite3.connect(sqlite_path) as conn:
        assert conn.execute("SELECT value FROM setting WHERE key='schema_version'").fetchone()[0] == str(
            models.SCHEMA_VERSION
        )
        assert "x" not in {r[0] for r in conn.execute("SELECT name FROM person")}


async def _indexes() -> set[str]:
    if db.dialect() == "postgres":
        return {r[0] for r in await db.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'person'")}
    return {r[0] for r in await db.fetch("SELECT name FROM sqlite_master WHERE type = 'index'")}


async def test_version_1_database_gets_the_search_indexes(store_db: db.DbTarget) -> None:
    """A database made by the first release (schema 1, no search indexes) is upgraded on opening."""
    await import_file(EXAMPLE_FILE, operator="tester")
    await db.execute("DROP INDEX idx_person_name")
    await db.execute("DROP INDEX idx_person_id_tail")
    await schema.set_setting("schema_version", "1")
    assert not {"idx_person_name", "idx_person_id_tail"} & await _indexes()
    await schema.ensure_schema()
    assert await schema.schema_version() == models.SCHEMA_VERSION >= 2
    assert {"idx_person_name", "idx_person_id_tail"} <= await _indexes()
    assert await db.scalar("SELECT count(*) FROM person") == 7


async def test_bulk_loads_rebuild_the_search_indexes(store_db: db.DbTarget, tmp_path: Path) -> None:
    """An import into an empty database drops the search indexes while loading and builds them again; a failed
    import leaves them in place."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text(EXAMPLE_FILE.read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
    report = await import_file(bad, operator="tester")
    assert report.errors and await db.scalar("SELECT count(*) FROM person") == 0
    assert {"idx_person_name", "idx_person_id_tail"} <= await _indexes()
    await import_file(EXAMPLE_FILE, operator="tester")
    assert await db.scalar("SELECT count(*) FROM person") == 7
    assert {"idx_person_name", "idx_person_id_tail"} <= await _indexes()
    await import_file(EXAMPLE_FILE, operator="tester")  # not empty any more: the indexes stay
    assert {"idx_person_name", "idx_person_id_tail"} <= await _indexes()


async def test_version_7_database_gets_the_tree_count_index(store_db: db.DbTarget) -> None:
    """7 → 8: a database without the covering index of the tree's counts gets it on opening; the tree's
    per-range person count then reads that index alone (SQLite's plan says so)."""
    await import_file(EXAMPLE_FILE, operator="tester")
    await db.execute("DROP INDEX idx_person_household_cancel")
    await schema.set_setting("schema_version", "7")
    assert "idx_person_household_cancel" not in await _indexes()
    await schema.ensure_schema()
    assert await schema.schema_version() == models.SCHEMA_VERSION == 8
    assert "idx_person_household_cancel" in await _indexes()
    assert await db.scalar("SELECT count(*) FROM person") == 7
    if db.dialect() == "sqlite":
        plan = await db.fetch(
            "EXPLAIN QUERY PLAN SELECT 0, count(*) FROM person WHERE household_id >= ? AND household_id < ? "
            "AND cancel_reason IS NULL",
            ["430426101", "430426102"],
        )
        assert any("COVERING INDEX idx_person_household_cancel" in str(row[-1]) for row in plan)
