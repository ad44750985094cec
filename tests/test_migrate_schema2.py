"""A database written by Renkou at schema version 2 opens with the current program and keeps every record
(issue 12, acceptance): every row of every table survives with its values, the new columns are filled, the
audit chain verifies, and the migrated data exports and round-trips as a household file.

The fixture ``tests/data/schema2.sqlite3`` was written by the program of commit 6d2703c^ (schema 2) with
``tests/data/build_schema2.py``: a demo township, a saved change with a contraception history row and a
confirmation, an account, and the stored audit.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from store import audit, db, months, schema
from store.exporter import export_households
from store.importer import import_file
from store.models import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "data" / "schema2.sqlite3"


def every_row(path: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """table → (its columns, every row in rowid order), read raw (the values as stored)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]  # fmt: skip
        out = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            out[table] = (columns, conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall())
        return out
    finally:
        conn.close()


def test_the_fixture_is_a_version_2_database_with_rows_in_every_table() -> None:
    before = every_row(FIXTURE)
    settings = dict(before["setting"][1])
    assert settings["schema_version"] == "2"
    empty = [t for t, (_, rows) in before.items() if not rows]
    assert empty == [], empty
    assert "month_close" not in before and "hash" not in before["audit_log"][0]


async def test_a_version_2_database_keeps_every_record(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, path)
    before = every_row(path)
    async with db.database(path, create=False):
        assert await schema.schema_version() == SCHEMA_VERSION
        report = await audit.verify_chain()
        assert report.ok, report.problem
        assert report.count >= len(before["audit_log"][1])
        assert await months.active_closes() == []
    after = every_row(path)
    for table, (columns, rows) in before.items():
        if table == "setting":  # the schema version is the one value that changes
            kept = {k: v for k, v in rows if k != "schema_version"}
            assert kept.items() <= dict(after[table][1]).items()
            continue
        new_columns, new_rows = after[table]
        assert set(columns) <= set(new_columns), table
        at = [new_columns.index(c) for c in columns]
        assert [tuple(r[i] for i in at) for r in new_rows[: len(rows)]] == rows, table
        # the audit log gains entries; the histories step (6) adds each woman's current method after the old rows
        assert len(new_rows) == len(rows) or table in ("audit_log", "contraception_history"), table
    events = after["change_event"]
    month, event_date = events[0].index("report_month"), events[0].index("event_date")
    assert all(r[month] == (r[event_date] or "")[:7] or r[event_date] is None for r in events[1])


async def test_a_migrated_database_round_trips_as_a_household_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, path)
    async with db.database(path, create=False):
        await export_households(tmp_path / "old.jsonl", operator="t")
    async with db.database(tmp_path / "new.sqlite3"):
        report = await import_file(tmp_path / "old.jsonl", operator="t")
        assert report.errors == []
        await export_households(tmp_path / "new.jsonl", operator="t")
    assert (tmp_path / "new.jsonl").read_bytes() == (tmp_path / "old.jsonl").read_bytes()
    old = every_row(path)
    assert report.counts["change_event"] == len(old["change_event"][1])
    assert report.counts["contraception_history"] == len(old["contraception_history"][1]) > 1  # former + current
    for table in ("marriage_history", "mgmt_history", "residence_history"):  # seeded by the upgrade, carried over
        assert report.counts[table] == len(old[table][1]) > 0, table
