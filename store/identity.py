"""The identity of a database: a random id stored once in its ``setting`` table (key ``database_id``).

It tells databases apart where their files do not: backups are named and rotated per database, and other
per-database files (drafts) can be keyed on it. The id is created the first time it is asked for; two
sessions asking at once agree on one id (the insert keeps the first). A restore keeps the id of the live
database it replaces (store/backup.py), so a database keeps its identity across restores.
"""

from __future__ import annotations

import sqlite3
import uuid

SETTING_KEY = "database_id"

_INSERT = "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
_SELECT = "SELECT value FROM setting WHERE key = ?"


def new_id() -> str:
    """A fresh random database id (32 lowercase hex digits)."""
    return uuid.uuid4().hex


def short(database_id: str) -> str:
    """The part of an id used in file names (8 hex digits)."""
    return database_id[:8]


async def database_id() -> str:
    """The id of the open database (Tortoise connection), created when missing."""
    from store import db

    value = await db.scalar(_SELECT, [SETTING_KEY])
    if value:
        return str(value)
    await db.execute(_INSERT, [SETTING_KEY, new_id()])
    return str(await db.scalar(_SELECT, [SETTING_KEY]))


def read_database_id(conn: sqlite3.Connection) -> str | None:
    """The id stored in an SQLite database (None when it has none or no ``setting`` table)."""
    try:
        row = conn.execute(_SELECT, [SETTING_KEY]).fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row and row[0] else None


def sqlite_database_id(conn: sqlite3.Connection) -> str:
    """The id of an SQLite database reached through a plain ``sqlite3`` connection (writable), created when
    missing in its own short write transaction."""
    found = read_database_id(conn)
    if found:
        return found
    in_transaction = conn.in_transaction
    conn.execute(_INSERT, [SETTING_KEY, new_id()])
    if not in_transaction:
        conn.commit()
    found = read_database_id(conn)
    assert found is not None
    return found
