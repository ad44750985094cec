"""Drivers: run a plan (:mod:`checks.plans`) against a database.

On SQLite a plan runs in a worker thread over a read-only `sqlite3` connection (fast, one consistent
snapshot, and the event loop stays free); on PostgreSQL over the Tortoise connection. The cyclic garbage
collector is paused while a plan runs.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

from checks.plans import Plan

__all__ = ["drive_async", "drive_sync", "open_reader", "run_plan", "sqlite_path"]


class _NoCyclicGC:
    """The audit allocates millions of short-lived, acyclic objects; the cyclic collector would spend a quarter
    of the time walking them. It is paused for the run (reference counting still frees everything)."""

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def drive_sync(plan: Plan, conn: Any) -> Any:
    """Run a plan over an `sqlite3` connection (in the calling thread)."""
    with _NoCyclicGC():
        try:
            query = next(plan)
            while True:
                sql, params = query
                query = plan.send(conn.execute(sql, list(params)).fetchall())
        except StopIteration as stop:
            return stop.value


async def drive_async(plan: Plan, client: Any = None) -> Any:
    """Run a plan over the Tortoise connection (or `client`)."""
    from store import db

    with _NoCyclicGC():
        try:
            query = next(plan)
            while True:
                sql, params = query
                query = plan.send(await db.fetch(sql, params, client))
        except StopIteration as stop:
            return stop.value


def sqlite_path() -> str | None:
    """The file of the open SQLite database (None on PostgreSQL or in memory)."""
    from store import db

    return db.sqlite_file()


def open_reader(path: str) -> Any:
    """A read-only snapshot connection to the database file (see :func:`store.db.open_snapshot_reader`)."""
    from store import db

    return db.open_snapshot_reader(path)


async def run_plan(plans: Callable[[], Plan]) -> Any:
    """Run a plan against the open database: in a worker thread over sqlite3, or over Tortoise."""
    path = sqlite_path()
    if path is not None:

        def work() -> Any:
            conn = open_reader(path)
            try:
                return drive_sync(plans(), conn)
            finally:
                conn.close()

        return await asyncio.to_thread(work)
    from tortoise.transactions import in_transaction

    async with in_transaction() as client:
        return await drive_async(plans(), client)
