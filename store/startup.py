"""What the TUI must know before its first frame, read with the standard library (the ORM loads after that
frame): whether an SQLite database asks for a login, whether it is a demo, and its idle-lock limit. The rules
of the idle-lock limit live here, once; :mod:`store.users` applies them to the open database."""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass

from store.target import DbTarget

__all__ = ["IDLE_LOCK_DEFAULT", "IDLE_LOCK_RANGE", "IDLE_LOCK_SETTING", "StartFacts", "idle_limit", "idle_minutes",
           "os_user", "peek"]  # fmt: skip

IDLE_LOCK_SETTING = "idle_lock_minutes"
IDLE_LOCK_DEFAULT = 15
IDLE_LOCK_RANGE = (1, 60)
#: how long the peek waits for a writer holding the database (milliseconds)
_BUSY_MS = 2_000


def os_user() -> str:
    """The operating-system account name, used when the database has no accounts."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def idle_limit(value: str | None) -> int:
    """The idle-lock limit stored in the ``setting`` table (minutes, :data:`IDLE_LOCK_DEFAULT` when unset or
    unreadable), clamped to :data:`IDLE_LOCK_RANGE`."""
    try:
        minutes = int(value) if value is not None else IDLE_LOCK_DEFAULT
    except ValueError:
        minutes = IDLE_LOCK_DEFAULT
    low, high = IDLE_LOCK_RANGE
    return min(max(minutes, low), high)


def idle_minutes(limit: int, environ: Mapping[str, str] | None = None) -> float:
    """Minutes without a key press before the TUI locks the screen: the database's `limit`, or
    ``RENKOU_IDLE_MINUTES`` when that is shorter (a positive number; it can never lengthen or turn off the lock)."""
    env = os.environ if environ is None else environ
    try:
        wanted = float(env.get("RENKOU_IDLE_MINUTES", ""))
    except ValueError:
        return float(limit)
    return wanted if 0 < wanted < limit else float(limit)


@dataclass(frozen=True)
class StartFacts:
    """What the first screen depends on."""

    needs_login: bool
    is_demo: bool
    idle_minutes: float


def peek(target: DbTarget, environ: Mapping[str, str] | None = None) -> StartFacts | None:
    """The start facts of an existing SQLite database, read-only with :mod:`sqlite3`; None when they cannot be
    read that way (PostgreSQL, a new or empty file, an unreadable one): the caller then opens the database
    first, which says what is wrong."""
    if target.kind != "sqlite" or target.path is None or not target.path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{target.path}?mode=ro", uri=True)) as con:
            con.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            keys = ("schema_version", "demo", IDLE_LOCK_SETTING)
            rows = con.execute("SELECT key, value FROM setting WHERE key IN (?, ?, ?)", keys).fetchall()
            settings = {str(key): None if value is None else str(value) for key, value in rows}
            if not settings.get("schema_version"):
                return None
            accounts = con.execute("SELECT 1 FROM app_user LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return None
    limit = idle_limit(settings.get(IDLE_LOCK_SETTING))
    return StartFacts(accounts, settings.get("demo") == "1", idle_minutes(limit, environ))
