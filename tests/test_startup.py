"""Start-up (issue 13): the login screen is painted before the ORM loads and the database opens behind it; a
database that cannot be opened still ends with one Chinese line; PostgreSQL and databases without accounts are
opened first. Real SQLite files, ``run_app`` driven with Pilot."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events

from store import db, startup
from tests.support.apps import make_app
from tests.support.data import add_accounts
from tests.support.pilot import settle, shown
from tui import opening as opening_module
from tui.app import RenkouApp, run_app
from tui.cli import main
from tui.screens.login import OPENING, LoginScreen

ROOT = Path(__file__).resolve().parents[1]
#: what the first screen must not wait for
HEAVY = ("tortoise", "pypika_tortoise", "aiosqlite", "asyncpg", "xlsxwriter", "pypinyin", "checks", "exports",
         "store.models", "store.db")  # fmt: skip


async def accounts_file(path: Path) -> db.DbTarget:
    """A closed SQLite database with the two test accounts (boss and clerk, password secret123)."""
    async with db.database(path) as target:
        await add_accounts()
    return target


def test_first_screen_loads_no_orm() -> None:
    """The modules of the login screen import neither Tortoise nor the audit, the exports or pinyin (a fresh
    interpreter, as the console script starts)."""
    code = ("import sys, tui.cli, tui.cli.tui_launch, tui.app, tui.screens.login, tui.widgets.safe_input\n"
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.split('.')[0] in {HEAVY!r}))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_peek_reads_the_start_facts_without_the_orm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import schema, users

    async with db.database(tmp_path / "plain.sqlite3") as plain:
        pass
    assert startup.peek(plain, {}) == startup.StartFacts(needs_login=False, is_demo=False, idle_minutes=15.0)
    async with db.database(tmp_path / "accounts.sqlite3") as target:
        await add_accounts()
        await schema.set_setting("demo", "1")
        await users.set_idle_lock_minutes(7, by="boss")
    assert startup.peek(target, {"RENKOU_IDLE_MINUTES": "2"}) == startup.StartFacts(True, True, 2.0)
    assert startup.peek(db.resolve(tmp_path / "missing.sqlite3")) is None
    (tmp_path / "junk.sqlite3").write_bytes(b"no database" * 100)
    assert startup.peek(db.resolve(tmp_path / "junk.sqlite3")) is None
    assert startup.peek(db.resolve("postgres://u@host/x")) is None
    assert not (tmp_path / "missing.sqlite3").exists()


async def test_login_is_shown_and_typed_into_while_the_database_opens(
    tmp_path: Path, private_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ORM is held back: the login screen is already there, takes the user name and password, says that the
    database is being opened, and logs in as soon as it is."""
    target = await accounts_file(tmp_path / "late.sqlite3")
    gate = threading.Event()
    load = opening_module.load_modules

    def held_back(names: tuple[str, ...] = opening_module.BACKGROUND_IMPORTS) -> None:
        gate.wait(30)
        load(names)

    monkeypatch.setattr(opening_module, "load_modules", held_back)
    seen: dict[str, Any] = {}

    async def run_async(self: RenkouApp, *args: Any, **kwargs: Any) -> int:
        async with self.run_test(size=(80, 24)) as pilot:
            await settle(pilot, lambda: isinstance(self.screen, LoginScreen))
            assert self.opening is not None and self.opening.started and not self.opening.is_open
            for key in [*"clerk", "enter", *"secret123", "enter"]:  # one terminal read (Pilot.press would wait)
                self.post_message(events.Key(key, key if len(key) == 1 else "\r"))
            await settle(pilot, lambda: OPENING in shown(self.screen.query_one("#login-error")))
            seen["waiting"] = type(self.screen).__name__
            gate.set()
            await settle(pilot, lambda: type(self.screen).__name__ == "BrowseScreen")
            seen["user"] = self.username
        return 0

    monkeypatch.setattr(RenkouApp, "run_async", run_async)
    try:
        assert await run_app(target) == 0
    finally:
        gate.set()
    assert seen == {"waiting": "LoginScreen", "user": "clerk"}
    async with db.database(target, create=False):  # closed again by run_app, and usable
        assert await db.scalar("SELECT count(*) FROM app_user") == 2


def test_database_that_fails_behind_the_login_says_why_in_chinese(
    tmp_path: Path, private_data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database newer than the program: the login screen shows, the opening behind it fails, the app closes by
    itself and ``renkou`` prints the reason (one Chinese line, exit 1); nothing was written."""
    target = asyncio.run(accounts_file(tmp_path / "newer.sqlite3"))
    assert target.path is not None
    with sqlite3.connect(target.path) as con:
        con.execute("UPDATE setting SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = target.path.read_bytes()
    original = RenkouApp.run_async

    async def headless(self: RenkouApp, *args: Any, **kwargs: Any) -> Any:
        return await original(self, headless=True, size=(80, 24))

    monkeypatch.setattr(RenkouApp, "run_async", headless)
    monkeypatch.setattr("tui.cli.tui_launch.check_terminal_encoding", lambda: None)
    assert main(["--db", str(target.path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"renkou: 数据库结构版本为 99，高于本程序支持的 {current_version()}。请升级 Renkou 后再打开。"]
    assert target.path.read_bytes() == before


def current_version() -> int:
    from store.models import SCHEMA_VERSION

    return SCHEMA_VERSION


async def test_database_without_accounts_is_opened_first(tmp_path: Path, private_data: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """No login to show: the browse screen needs the database, so it is open before the app starts."""
    async with db.database(tmp_path / "open.sqlite3") as target:
        pass
    seen: dict[str, Any] = {}

    async def run_async(self: RenkouApp, *args: Any, **kwargs: Any) -> int:
        seen.update(opening=self.opening, needs_login=self.needs_login, users=await db.scalar(
            "SELECT count(*) FROM app_user"))  # fmt: skip
        return 0

    monkeypatch.setattr(RenkouApp, "run_async", run_async)
    assert await run_app(target) == 0
    assert seen == {"opening": None, "needs_login": False, "users": 0}


@pytest.mark.postgres
async def test_postgres_is_opened_first(store_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: the start facts are read through the open database (no peek), then the app logs in as usual."""
    if store_db.kind != "postgres":
        pytest.skip("PostgreSQL only")
    await add_accounts()
    await db.close_db()
    seen: dict[str, Any] = {}

    async def run_async(self: RenkouApp, *args: Any, **kwargs: Any) -> int:
        seen.update(opening=self.opening, needs_login=self.needs_login)
        async with self.run_test(size=(80, 24)) as pilot:
            await settle(pilot, lambda: isinstance(self.screen, LoginScreen))
            await pilot.press(*"boss", "enter", *"secret123", "enter")
            await settle(pilot, lambda: type(self.screen).__name__ == "BrowseScreen")
        return 0

    monkeypatch.setattr(RenkouApp, "run_async", run_async)
    try:
        assert await run_app(store_db) == 0
    finally:
        await db.open_db(store_db)  # the fixture closes it
    assert seen == {"opening": None, "needs_login": True}


async def test_app_over_an_open_database_needs_no_opening(example_db: db.DbTarget) -> None:
    """Tests and tools that open the database themselves: the app has nothing to wait for."""
    app = make_app(example_db)
    assert app.opening is None
    await app.database_ready()
