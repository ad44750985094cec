"""The login screen, driven with Textual's Pilot, and the terminal check before the app starts."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_FILE
from textual.widgets import Static

from store import db
from store.importer import import_file
from tui.app import RenkouApp
from tui.cli import check_terminal_encoding


@pytest.fixture
async def example_db(tmp_path: Path):
    target = db.resolve(tmp_path / "t.sqlite3")
    async with db.database(target):
        await import_file(EXAMPLE_FILE, operator="tester")
        yield target


async def test_login_screen_rejects_wrong_password(example_db: db.DbTarget) -> None:
    from store import users

    await users.create_user("liming", "李敏", "secret123", "operator", iterations=1000)
    app = RenkouApp(target_label=example_db.label, is_demo=False, needs_login=True, username="")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"liming", "enter", *"nope", "enter")
        await pilot.pause()
        assert "用户名或密码错误" in str(app.screen.query_one("#login-error", Static).render())
        await pilot.press(*"secret123", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "BrowseScreen"
        assert app.username == "liming"


def test_non_utf8_terminal_gets_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="gbk"))
    message = check_terminal_encoding()
    assert message is not None and "UTF-8" in message and "终端编码不是 UTF-8" in message
