"""The app under test: RenkouApp that also records its notifications, and a variant that opens its own
database (for snapshot tests, whose app runs in an event loop of its own)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from store import db
from tui.app import RenkouApp


class RecordingApp(RenkouApp):
    """RenkouApp keeping the text of every notification (``App.notify`` is the public way screens notify)."""

    # the stylesheet is named relative to the module of the class: keep RenkouApp's
    CSS_PATH = str(Path(inspect.getfile(RenkouApp)).parent / str(RenkouApp.CSS_PATH))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notices: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.notices.append(str(message))
        super().notify(message, *args, **kwargs)


def make_app(target: db.DbTarget, username: str = "tester", *, is_demo: bool = True, needs_login: bool = False,
             **kwargs: Any) -> RecordingApp:  # fmt: skip
    """The app over an open database, logged in as `username` (no login screen unless asked)."""
    return RecordingApp(target_label=target.label, is_demo=is_demo, needs_login=needs_login, username=username,
                        **kwargs)  # fmt: skip


class OwnDatabaseApp(RecordingApp):
    """The app opening `target` around its own run, as ``tui.app.run_app`` does (design §7): snapshot tests
    run it with ``App.run`` in a new event loop, where the test's database connection cannot serve it."""

    def __init__(self, target: db.DbTarget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    async def run_async(self, *args: Any, **kwargs: Any) -> Any:
        async with db.database(self.target, create=False):
            return await super().run_async(*args, **kwargs)
