"""Account management (Ctrl+U), driven with Pilot as an admin would; operators are turned away."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from textual.widgets import DataTable

from store import db, users
from tests.support.apps import make_app
from tests.support.pilot import settle, shown
from tui.screens.users import UsersScreen


def app_as(target: db.DbTarget, username: str):
    return make_app(target, username, is_demo=False)


async def test_admin_adds_an_account_resets_a_password_and_disables(accounts_db: db.DbTarget) -> None:
    app = app_as(accounts_db, "boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+u")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        screen = app.screen
        await settle(pilot, lambda: screen.query_one(DataTable).row_count == 2)
        await pilot.press("insert")
        await pilot.pause()
        await pilot.press(*"zhang", "enter")
        await pilot.press(*"张丽", "enter", "2", "enter", "enter")
        await pilot.press(*"abc", "enter", *"abc", "enter")  # too short: refused in the dialog
        await pilot.pause()
        assert "至少 8 位" in shown(app.screen.query_one("#account-error"))  # the store's policy
        app.screen.query_one("#account-password").value = "goodpass1"  # type: ignore[attr-defined]
        app.screen.query_one("#account-again").value = "goodpass1"  # type: ignore[attr-defined]
        app.screen.query_one("#account-again").focus()
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is screen and screen.query_one(DataTable).row_count == 3)
        assert (await users.role_of("zhang")) == "reviewer"
        assert "对方首次登录时须先改成只有本人知道的新密码" in shown(screen.query_one("#users-status"))
        zhang = await users.authenticate("zhang", "goodpass1")
        assert zhang["real_name"] == "张丽" and zhang["must_change_password"]  # an admin chose it
        table = screen.query_one(DataTable)
        table.move_cursor(row=[a["username"] for a in screen.accounts].index("clerk"))
        await pilot.press("d")
        await settle(pilot, lambda: "已停用" in shown(screen.query_one("#users-status")))
        with pytest.raises(Exception, match="用户名或密码错误"):
            await users.authenticate("clerk", "secret123")
        await pilot.press("d")  # enable again
        await settle(pilot, lambda: "已启用" in shown(screen.query_one("#users-status")))
        await pilot.press("p")
        await pilot.pause()
        await pilot.press(*"newpass77", "enter", *"newpass77", "enter")
        await settle(pilot, lambda: "新密码" in shown(screen.query_one("#users-status")))
        assert (await users.authenticate("clerk", "newpass77"))["must_change_password"]
        await settle(pilot, lambda: "在用，须改密码" in str(screen.query_one(DataTable).get_row("clerk")))
    log = [
        tuple(r) for r in await db.fetch("SELECT username, action, target FROM audit_log WHERE action LIKE 'user.%'")
    ]
    assert ("boss", "user.create", "zhang") in log and ("boss", "user.disable", "clerk") in log
    assert ("boss", "user.password", "clerk") in log


async def test_operators_cannot_open_account_management(accounts_db: db.DbTarget) -> None:
    app = app_as(accounts_db, "clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert not isinstance(app.screen, UsersScreen)
        assert app.notices[-1] == "只有管理员可以管理账号。"


async def test_a_locked_account_shows_until_when_in_local_time(accounts_db: db.DbTarget,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Lock times are stored in UTC; the list shows them in the clerk's local time (here UTC+8)."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        for _ in range(users.MAX_FAILURES):
            with pytest.raises(Exception, match="用户名或密码错误"):
                await users.authenticate("clerk", "wrong-password")
        until = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(minutes=users.LOCK_MINUTES)
        app = app_as(accounts_db, "boss")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+u")
            await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
            screen = app.screen
            await settle(pilot, lambda: screen.query_one(DataTable).row_count == 2)
            state = str(screen.query_one(DataTable).get_row("clerk")[-1])
            shown_times = {f"锁定至 {until + dt.timedelta(minutes=m):%H:%M}" for m in (-1, 0)}
            assert state in shown_times, state
            screen.query_one(DataTable).move_cursor(row=[a["username"] for a in screen.accounts].index("clerk"))
            await pilot.press("u")
            await settle(pilot, lambda: str(screen.query_one(DataTable).get_row("clerk")[-1]) == "在用")
    finally:
        monkeypatch.undo()
        time.tzset()
