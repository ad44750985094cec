"""Authentication in the TUI, driven with Pilot as a clerk types (keys in bursts, as one terminal read over SSH
delivers them): the forced password change after an admin set the password, Ctrl+P, the idle-lock limit of the
database, and the password policy in the accounts dialog. Real SQLite databases with accounts."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.widgets import DataTable

from store import db, users
from tests.support.apps import make_app
from tests.support.data import add_accounts
from tests.support.pilot import screen_text, settle, shown
from tui.app import RenkouApp, run_app
from tui.screens.browse import BrowseScreen
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.lock import LockScreen
from tui.screens.login import LoginScreen
from tui.screens.password import PasswordDialog
from tui.screens.users import UsersScreen

NEW = "Hx7-river-blue"


def burst(app: App[Any], *keys: str) -> None:
    """Post several keys at once, as one terminal read delivers them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def login_app(target: db.DbTarget) -> RenkouApp:
    return make_app(target, "", is_demo=False, needs_login=True)


def flat(text: str | None) -> str:
    """`text` without white space (a message wraps at the width of its dialog)."""
    return re.sub(r"\s+", "", text or "")


def error_text(app: App[Any]) -> str:
    return flat(shown(app.screen.query_one("#password-error")))


async def new_clerk(name: str = "zhang", password: str = "Start-2024x") -> None:
    """An account an admin made: its holder must change the password at first login."""
    await users.create_user(name, "张丽", password, "operator", by="boss", iterations=1000)


async def log_in(pilot: Any, name: str, password: str) -> None:
    burst(pilot.app, *name, "enter", *password, "enter")
    await settle(pilot, lambda: not isinstance(pilot.app.screen, LoginScreen))


async def test_forced_change_at_first_login(accounts_db: db.DbTarget) -> None:
    await new_clerk()
    assert (await users.account("zhang"))["must_change_password"]
    app = login_app(accounts_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        await log_in(pilot, "ZHANG", "Start-2024x")  # user names are normalised by the store
        dialog = app.screen
        assert isinstance(dialog, PasswordDialog) and dialog.forced
        assert "须先改成只有您本人知道的新密码" in screen_text(dialog)
        # a wrong old password: the one login failure message, the cursor back on the old password
        burst(app, *"wrong-old", "enter", *NEW, "enter", *NEW, "enter")
        await settle(pilot, lambda: bool(error_text(app)))
        assert error_text(app) == flat(users.LOGIN_FAILED)
        assert app.focused is dialog.query_one("#password-old")
        # a common password: the store's policy message as it is
        burst(app, *"Start-2024x", "enter", *"woaini1314", "enter", *"woaini1314", "enter")
        await settle(pilot, lambda: error_text(app) != flat(users.LOGIN_FAILED))
        assert error_text(app) == flat(users.password_problem("woaini1314", "zhang"))
        assert app.focused is dialog.query_one("#password-new")
        # the old password again: refused by the store, shown as it is
        dialog.query_one("#password-old").value = "Start-2024x"  # type: ignore[attr-defined]
        burst(app, *"Start-2024x", "enter", *"Start-2024x", "enter")
        await settle(pilot, lambda: "原密码相同" in error_text(app))
        assert error_text(app) == "新密码不能与原密码相同。"
        # two different new passwords
        burst(app, *NEW, "enter", *"Other-pass-42", "enter")
        await settle(pilot, lambda: "不一致" in error_text(app))
        assert isinstance(app.screen, PasswordDialog) and not isinstance(app.screen_stack[-2], BrowseScreen)
        # right: the main screen opens
        dialog.query_one("#password-old").value = "Start-2024x"  # type: ignore[attr-defined]
        burst(app, *NEW, "enter", *NEW, "enter")
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        assert app.username == "zhang"
    account = await users.account("zhang")
    assert account is not None and not account["must_change_password"]
    with pytest.raises(Exception, match="用户名或密码错误"):
        await users.authenticate("zhang", "Start-2024x")
    again = login_app(accounts_db)  # the next login: the new password, straight to the main screen
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(again.screen, LoginScreen))
        await log_in(pilot, "zhang", NEW)
        await settle(pilot, lambda: isinstance(again.screen, BrowseScreen))
    log = [tuple(r) for r in await db.fetch("SELECT username, action, detail FROM audit_log WHERE target = 'zhang'")]
    assert ("zhang", "user.password", "本人修改密码") in log


async def test_esc_does_not_bypass_the_forced_change(accounts_db: db.DbTarget) -> None:
    await new_clerk()
    app = login_app(accounts_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        await log_in(pilot, "zhang", "Start-2024x")
        dialog = app.screen
        assert isinstance(dialog, PasswordDialog)
        burst(app, "escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "退出程序" in screen_text(app.screen)
        burst(app, "enter")  # Enter: go on changing the password
        await settle(pilot, lambda: app.screen is dialog)
        burst(app, "escape", "escape")  # Esc in the question: go on too
        await settle(pilot, lambda: app.screen is dialog)
        assert not any(isinstance(s, BrowseScreen) for s in app.screen_stack)
        burst(app, "escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        burst(app, "q")
        await settle(pilot, lambda: app.return_value is not None)
        assert not any(isinstance(s, BrowseScreen) for s in app.screen_stack)
    assert app.return_value == 1  # run_app returns it as the exit status
    assert (await users.account("zhang"))["must_change_password"]  # type: ignore[index]


async def test_ctrl_p_changes_ones_own_password(accounts_db: db.DbTarget) -> None:
    app = login_app(accounts_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        burst(app, "ctrl+p")  # not before logging in
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "clerk", "secret123")
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        browse = app.screen
        burst(app, "ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, PasswordDialog))
        assert not app.screen.forced  # type: ignore[attr-defined]
        burst(app, "escape")  # not forced: Esc just closes
        await settle(pilot, lambda: app.screen is browse)
        burst(app, "ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, PasswordDialog))
        burst(app, *"secret123", "enter", *NEW, "enter", *NEW, "enter", "enter")  # Enter twice: changed once
        await settle(pilot, lambda: app.screen is browse)
        assert "密码已修改，下次登录请用新密码。" in app.notices  # type: ignore[attr-defined]
    assert (await users.authenticate("clerk", NEW))["username"] == "clerk"
    actions = [r[0] for r in await db.fetch("SELECT action FROM audit_log WHERE target = 'clerk' ORDER BY id")]
    assert actions[-3:] == ["login", "user.password", "login"] and "login.failed" not in actions


async def test_ctrl_p_on_a_demo_database_says_there_are_no_passwords(example_db: db.DbTarget) -> None:
    app = make_app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert not isinstance(app.screen, PasswordDialog)
        assert app.notices[-1] == "这个数据库没有账号（或是演示数据库），不用密码。"


async def test_unlocking_after_an_admin_reset_forces_the_change(accounts_db: db.DbTarget) -> None:
    app = login_app(accounts_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        await log_in(pilot, "clerk", "secret123")
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        browse = app.screen
        await users.set_password("clerk", "Reset-by-boss1", by="boss")  # meanwhile, the admin resets it
        app.idle_minutes = 0.0001
        await pilot.pause(0.05)
        app.lock_if_idle()
        await settle(pilot, lambda: isinstance(app.screen, LockScreen))
        burst(app, *"secret123", "enter")  # the old password no longer opens it
        await settle(pilot, lambda: bool(shown(app.screen.query_one("#lock-error")).strip()))
        assert flat(shown(app.screen.query_one("#lock-error"))) == flat(users.LOGIN_FAILED)
        app.idle_minutes = 15
        burst(app, *"Reset-by-boss1", "enter")
        await settle(pilot, lambda: isinstance(app.screen, PasswordDialog))
        assert app.screen.forced  # type: ignore[attr-defined]
        burst(app, *"Reset-by-boss1", "enter", *NEW, "enter", *NEW, "enter")
        await settle(pilot, lambda: app.screen is browse)
    assert not (await users.account("clerk"))["must_change_password"]  # type: ignore[index]


async def test_lock_screen_shows_the_name_as_plain_text(accounts_db: db.DbTarget) -> None:
    app = make_app(accounts_db, "clerk", is_demo=False, needs_login=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        app.push_screen(LockScreen("[b]x[/b]\x1b[31m", 15))
        await settle(pilot, lambda: isinstance(app.screen, LockScreen))
        assert "用户 [b]x[/b]\\x1b[31m，请输入密码解锁。" in screen_text(app.screen)


async def make_database(path: Path, minutes: int | None) -> db.DbTarget:
    """An SQLite file with the two accounts and, if given, the idle-lock limit an admin set."""
    async with db.database(path) as target:
        await add_accounts()
        if minutes is not None:
            await users.set_idle_lock_minutes(minutes, by="boss")
    return target


@pytest.mark.parametrize(("setting", "environ", "expected"),
                         [(1, "0", 1.0), (1, "", 1.0), (1, "30", 1.0), (20, "5", 5.0), (None, "-3", 15.0)])  # fmt: skip
async def test_idle_lock_limit_from_the_database(tmp_path: Path, private_data: Path, monkeypatch: pytest.MonkeyPatch,
                                                 setting: int | None, environ: str, expected: float) -> None:  # fmt: skip
    """`run_app` arms the lock with the database's limit; RENKOU_IDLE_MINUTES can only shorten it (0 does not
    turn it off). After the limit without a key the screen locks."""
    target = await make_database(tmp_path / "idle.sqlite3", setting)
    monkeypatch.setenv("RENKOU_IDLE_MINUTES", environ)
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    seen: dict[str, Any] = {}

    async def run_async(self: RenkouApp, *args: Any, **kwargs: Any) -> int:
        async with self.run_test(size=(80, 24)) as pilot:
            await settle(pilot, lambda: isinstance(self.screen, LoginScreen))
            seen["minutes"], seen["check"] = self.idle_minutes, self.idle_check_seconds
            await log_in(pilot, "clerk", "secret123")
            await settle(pilot, lambda: isinstance(self.screen, BrowseScreen))
            later = time.monotonic() + expected * 60 + 1
            monkeypatch.setattr("tui.app.time", SimpleNamespace(monotonic=lambda: later))
            self.lock_if_idle()
            await settle(pilot, lambda: isinstance(self.screen, LockScreen))
        return 0

    monkeypatch.setattr(RenkouApp, "run_async", run_async)
    assert await run_app(target) == 0
    assert seen == {"minutes": expected, "check": min(30.0, expected * 15)}


async def test_idle_lock_waits_for_the_limit(accounts_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(accounts_db, "clerk", is_demo=False, needs_login=True, idle_minutes=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        await log_in(pilot, "clerk", "secret123")
        await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
        almost = time.monotonic() + 55
        monkeypatch.setattr("tui.app.time", SimpleNamespace(monotonic=lambda: almost))
        app.lock_if_idle()
        await asyncio.sleep(0)
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)


async def test_accounts_dialog_refuses_a_common_password(accounts_db: db.DbTarget) -> None:
    app = make_app(accounts_db, "boss", is_demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+u")
        await settle(pilot, lambda: isinstance(app.screen, UsersScreen))
        screen = app.screen
        await settle(pilot, lambda: screen.query_one(DataTable).row_count == 2)
        await pilot.press("insert")
        await settle(pilot, lambda: app.screen is not screen)
        dialog = app.screen
        assert "对方首次登录时须先改成只有本人知道的新密码" in screen_text(dialog)
        burst(app, *"ＺＨＡＮＧ", "enter", *"张丽", "enter", "1", "enter", "enter", *"qq123456", "enter",
              *"qq123456", "enter")  # fmt: skip
        await settle(pilot, lambda: bool(shown(dialog.query_one("#account-error")).strip()))
        assert flat(shown(dialog.query_one("#account-error"))) == flat(users.password_problem("qq123456", "zhang"))
        dialog.query_one("#account-password").value = NEW  # type: ignore[attr-defined]
        dialog.query_one("#account-again").value = NEW  # type: ignore[attr-defined]
        dialog.query_one("#account-again").focus()
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is screen and screen.query_one(DataTable).row_count == 3)
        await settle(pilot, lambda: "已建立账号 zhang。" in shown(screen.query_one("#users-status")))
        assert "须先改成只有本人知道的新密码" in shown(screen.query_one("#users-status"))
        assert "zhang" in screen_text(screen) and "须改密码" in screen_text(screen)
    account = await users.account("zhang")
    assert account is not None and account["must_change_password"]


@pytest.mark.parametrize("where", ["lock", "forced"])
async def test_ctrl_q_quits_from_the_lock_screen_and_the_forced_change(accounts_db: db.DbTarget, where: str) -> None:
    """The app's keys do not reach into a modal screen: the lock screen and the password dialog bind Ctrl+Q."""
    await new_clerk()
    app = login_app(accounts_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, LoginScreen))
        if where == "lock":
            await log_in(pilot, "clerk", "secret123")
            await settle(pilot, lambda: isinstance(app.screen, BrowseScreen))
            app.idle_minutes = 0.0001
            await pilot.pause(0.05)
            app.lock_if_idle()
            await settle(pilot, lambda: isinstance(app.screen, LockScreen))
        else:
            await log_in(pilot, "zhang", "Start-2024x")
            await settle(pilot, lambda: isinstance(app.screen, PasswordDialog))
        burst(app, "ctrl+q")
        await settle(pilot, lambda: not app.is_running)
