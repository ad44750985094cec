"""The database opened after the first frame: the TUI paints its login screen, then loads the ORM (in a thread,
so that keys typed meanwhile are answered) and opens the database in the app's own event loop.

Design §7: Tortoise is initialised with its global fallback context (:func:`store.db.open_db`), so every worker
of the app sees it; :func:`tui.app.run_app` waits for (or cancels) the opening and closes the database after the
app, in the same loop. Screens that need the database await :meth:`DatabaseOpening.ready`.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.target import DbTarget

#: what the opening and the screens after the login import: loaded in a thread while the login screen shows
BACKGROUND_IMPORTS = ("tortoise", "store.models", "store.db", "store.schema", "store.users", "store.access",
                      "store.sqlite_engine", "tui.screens.browse")  # fmt: skip


def load_modules(names: tuple[str, ...] = BACKGROUND_IMPORTS) -> None:
    """Import `names` (in a worker thread: the imports are most of the cost of opening)."""
    for name in names:
        importlib.import_module(name)


class DatabaseOpening:
    """Opening `target` in the background, started once (:meth:`start`); awaited by whoever needs it."""

    def __init__(self, target: DbTarget) -> None:
        self.target = target
        self._task: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        """Whether the opening was started (and so the database may need closing)."""
        return self._task is not None

    @property
    def is_open(self) -> bool:
        """Whether the database is open now."""
        task = self._task
        return task is not None and task.done() and not task.cancelled() and task.exception() is None

    @property
    def failure(self) -> BaseException | None:
        """Why the opening failed (None while it runs, after it succeeded, or when it was cancelled)."""
        task = self._task
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()

    def start(self, done: Callable[[DatabaseOpening], object] | None = None) -> None:
        """Start opening the database (once); `done(self)` when it has finished, failed or not."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._open())
        if done is not None:
            self._task.add_done_callback(lambda _task: done(self))

    async def _open(self) -> None:
        await asyncio.to_thread(load_modules)
        from store import db

        await db.open_db(self.target)

    async def ready(self) -> None:
        """Wait until the database is open (starting the opening if need be); raises why it could not be."""
        self.start()
        assert self._task is not None
        await asyncio.shield(self._task)

    async def finish(self) -> BaseException | None:
        """At exit: cancel an opening still under way, wait until it has stopped; returns why it failed."""
        task = self._task
        if task is None:
            return None
        if not task.done():
            task.cancel()
        await asyncio.wait([task])
        return self.failure
