"""The unit overview (kept for the start-up probe of bench/) and the login, driven with Textual's Pilot."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_FILE
from textual.widgets import DataTable, Static

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


async def test_overview_lists_units_with_counts(example_db: db.DbTarget) -> None:
    from tui.screens.overview import OverviewScreen

    app = RenkouApp(target_label=example_db.label, is_demo=False, needs_login=False, username="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(OverviewScreen())
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        rows = [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [
            ["430426101", "城关镇", "乡镇", "3", "7"],
            ["430426101201", "东风村", "村", "2", "5"],
            ["430426101202", "红星村", "村", "1", "2"],
        ]
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "3 户 7 人" in summary
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "OverviewScreen"
        await pilot.press("escape")
    assert app.return_code == 0


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
