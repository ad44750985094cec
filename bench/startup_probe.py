"""Run in a fresh process by bench.run: start an app, exit as soon as its first screen is usable.

``python -m bench.startup_probe hello`` — a hello-world Textual app (the baseline);
``python -m bench.startup_probe renkou DB`` — Renkou on a database, until the household tree shows its first
level with the counts (the browse screen, the app's first screen).
Prints the seconds from interpreter start to the usable first screen.
"""

from __future__ import annotations

import asyncio
import sys
import time


def _since_start() -> float:
    return time.perf_counter() - START


START = time.perf_counter()


def hello() -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Hello(App[float]):
        def compose(self) -> ComposeResult:
            yield Static("你好")

        def on_ready(self) -> None:
            self.exit(_since_start())

    return Hello().run(headless=True, size=(80, 24)) or 0.0


async def renkou(path: str) -> float:
    from store import db
    from tui.app import RenkouApp
    from tui.screens.browse import BrowseScreen

    target = db.resolve(path)
    await db.open_db(target, create=False)
    try:
        app = RenkouApp(target_label=target.label, is_demo=True, needs_login=False, username="bench")
        original = BrowseScreen.show_top

        def filled(self: BrowseScreen, top: object) -> None:
            original(self, top)  # type: ignore[arg-type]
            self.app.exit(_since_start())

        BrowseScreen.show_top = filled  # type: ignore[method-assign]
        app.call_after_refresh(lambda: print(f"first_paint {_since_start():.4f}"))
        return await app.run_async(headless=True, size=(80, 24)) or 0.0
    finally:
        await db.close_db()


if __name__ == "__main__":
    seconds = hello() if sys.argv[1] == "hello" else asyncio.run(renkou(sys.argv[2]))
    print(f"{seconds:.4f}")
