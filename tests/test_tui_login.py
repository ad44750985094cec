"""The login screen, driven with Textual's Pilot, and the terminal check before the app starts."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from store import db
from tests.support.pilot import shown
from tui.app import RenkouApp
from tui.cli import check_terminal_encoding


async def test_login_screen_rejects_wrong_password(example_db: db.DbTarget) -> None:
    from store import users

    await users.create_user("liming", "李敏", "secret123", "operator", iterations=1000)
    app = RenkouApp(target_label=example_db.label, is_demo=False, needs_login=True, username="")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"liming", "enter", *"nope", "enter")
        await pilot.pause()
        assert "用户名或密码错误" in shown(app.screen.query_one("#login-error"))
        await pilot.press(*"secret123", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "BrowseScreen"
        assert app.username == "liming"


def test_non_utf8_terminal_gets_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="gbk"))
    message = check_terminal_encoding()
    assert message is not None and "UTF-8" in message and "终端编码不是 UTF-8" in message


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({"TERM": "xterm"}, True), ({"TERM": "linux"}, True), ({"TERM": "putty"}, True),
     ({"TERM": "xterm-256color"}, False), ({"TERM": "putty-256color"}, False),
     ({"TERM": "xterm", "COLORTERM": "truecolor"}, False), ({}, False)],
)  # fmt: skip
def test_sixteen_colour_terminals_get_the_ansi_colours(environ: dict[str, str], expected: bool) -> None:
    from tui.app import sixteen_colours

    assert sixteen_colours(environ) is expected


async def test_app_on_a_sixteen_colour_terminal_uses_ansi_colours() -> None:
    assert RenkouApp(target_label="x", is_demo=True, needs_login=False, username="t", ansi_colours=True).ansi_color
    assert not RenkouApp(target_label="x", is_demo=True, needs_login=False, username="t").ansi_color


async def test_idle_screen_locks_until_the_same_clerk_types_the_password(example_db: db.DbTarget) -> None:
    from store import users
    from tui.screens.lock import LockScreen

    await users.create_user("liming", "李敏", "secret123", "operator", iterations=1000)
    app = RenkouApp(target_label=example_db.label, is_demo=False, needs_login=True, username="", idle_minutes=15)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"liming", "enter", *"secret123", "enter")
        await pilot.pause()
        browse = app.screen
        assert type(browse).__name__ == "BrowseScreen"
        app.lock_if_idle()  # just logged in: not idle
        assert app.screen is browse
        app.idle_minutes = 0.0001  # 6 ms
        await pilot.pause(0.05)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert "密码错误" in shown(app.screen.query_one("#lock-error"))
        app.idle_minutes = 15
        await pilot.press(*"secret123", "enter")
        await pilot.pause()
        assert app.screen is browse
    actions = [r[0] for r in await db.fetch("SELECT action FROM audit_log WHERE username = 'liming' ORDER BY id")]
    assert actions[-3:] == ["lock", "login.failed", "login"]


@pytest.mark.parametrize(("environ", "expected"), [("0", 7.0), ("1", 1.0), ("", 7.0), ("soon", 7.0), ("30", 7.0)])
async def test_idle_lock_delay_from_the_environment(tmp_path: Path, private_data: Path, monkeypatch: pytest.MonkeyPatch,
                                                    environ: str, expected: float) -> None:  # fmt: skip
    """`run_app` takes the database's limit (7 minutes here); RENKOU_IDLE_MINUTES only shortens it: 0 no longer
    turns the lock off (it is the database's limit), 1 is one minute, a longer one is ignored."""
    from store import users
    from tests.support.data import add_accounts
    from tui.app import run_app

    async with db.database(tmp_path / "idle.sqlite3") as target:
        await add_accounts()
        await users.set_idle_lock_minutes(7, by="boss")
    monkeypatch.setenv("RENKOU_IDLE_MINUTES", environ)
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    armed: list[tuple[float, float | None]] = []

    async def run_async(self: RenkouApp, *args: object, **kwargs: object) -> int:
        async with self.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            armed.append((self.idle_minutes, self.idle_check_seconds))
        return 0

    monkeypatch.setattr(RenkouApp, "run_async", run_async)
    assert await run_app(target) == 0
    assert armed == [(expected, min(30.0, expected * 15))]
