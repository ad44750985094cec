"""Snapshot tests (pytest-textual-snapshot): each screen and dialog at 80×24, reached by key presses from the
start of the app, compared with the SVG in tests/__snapshots__/. Regenerate after a deliberate change of the
look with ``pytest tests/test_snapshots.py --snapshot-update`` and look at the new pictures before committing.

Determinism: fixed databases (the example households, the demo township of a fixed seed audited at
AUDIT_AS_OF), "today" frozen at AUDIT_AS_OF in the app's modules, drafts and the export folder at fixed
places, no blinking cursor; every step waits for the app's workers before the next key."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from store import db
from tests.support.apps import OwnDatabaseApp
from tests.support.clock import freeze_today
from tests.support.data import AUDIT_AS_OF, add_accounts
from tests.support.pilot import settle
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.changes import ChangeEntryScreen
from tui.screens.household_form import HouseholdForm
from tui.screens.lock import LockScreen
from tui.screens.person_form import PersonForm
from tui.screens.quality import QualityScreen
from tui.screens.review import ReviewScreen
from tui.screens.users import UsersScreen

SIZE = (80, 24)
#: where the export dialog proposes to write (shown on screen: not a random temporary folder)
DOCUMENTS = Path("/tmp/renkou-snapshot-documents")

Steps = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(autouse=True)
def steady_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same day, folders and settings on every run."""
    freeze_today(monkeypatch, AUDIT_AS_OF)
    DOCUMENTS.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(DOCUMENTS))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("RENKOU_IDLE_MINUTES", "15")
    monkeypatch.setattr(PersonForm, "previous_person", None)


def copy_db(source: Path, tmp_path: Path, *, accounts: bool = False) -> db.DbTarget:
    """A private copy of a prepared database file (with the two accounts of ``add_accounts`` if asked)."""
    path = tmp_path / "snapshot.sqlite3"
    shutil.copy(source, path)
    target = db.resolve(path)
    if accounts:

        async def add() -> None:
            async with db.database(target, create=False):
                await add_accounts()

        asyncio.run(add())
    return target


def app_over(target: db.DbTarget, username: str = "demo", **kwargs: Any) -> OwnDatabaseApp:
    options: dict[str, Any] = {"is_demo": True, "needs_login": False, **kwargs}
    return OwnDatabaseApp(target, target_label="renkou.sqlite3", username=username, **options)


def steady_cursor(pilot: Pilot) -> None:
    """No blinking cursor in the picture."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


async def press(pilot: Pilot, *keys: str, until: Callable[[], bool] = lambda: True) -> None:
    """Press `keys`, then wait for the workers and the screen until `until` holds."""
    await pilot.press(*keys)
    await settle(pilot, until)


def browse(pilot: Pilot) -> BrowseScreen:
    screen = pilot.app.screen_stack[1] if len(pilot.app.screen_stack) > 1 else pilot.app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


async def tree_ready(pilot: Pilot) -> HouseholdTree:
    await settle(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen))
    tree = pilot.app.screen.query_one(HouseholdTree)
    await settle(pilot, lambda: bool(tree.root.children) and bool(tree.root.children[0].children))
    return tree


async def open_first_household(pilot: Pilot) -> HouseholdTree:
    """From the township: the first village, its first group, its first household (Enter on each)."""
    tree = await tree_ready(pilot)
    for _ in range(3):
        await press(pilot, "down", "enter")
        await settle(pilot, lambda: tree.cursor_node is not None and bool(tree.cursor_node.children))
    await settle(pilot, lambda: browse(pilot).detail is not None)
    return tree


def before(steps: Steps) -> Steps:
    """What ``snap_compare`` runs before its picture: `steps`, then a settled screen without a blinking cursor."""

    async def run_before(pilot: Pilot) -> None:
        await steps(pilot)
        await settle(pilot)
        steady_cursor(pilot)
        await pilot.pause()

    return run_before


@pytest.fixture
def example(example_file_db: Path, tmp_path: Path) -> db.DbTarget:
    return copy_db(example_file_db, tmp_path)


@pytest.fixture
def accounts(example_file_db: Path, tmp_path: Path) -> db.DbTarget:
    return copy_db(example_file_db, tmp_path, accounts=True)


@pytest.fixture
def demo(small_demo_file: Path, tmp_path: Path) -> db.DbTarget:
    return copy_db(small_demo_file, tmp_path)


# --- the main screens -----------------------------------------------------------------------------------


def test_browse_household_tree(snap_compare: Any, example: db.DbTarget) -> None:
    """The tree opened down to the first household of 东风村, its detail on the right."""
    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(open_first_household))


def test_search(snap_compare: Any, example: db.DbTarget) -> None:
    """/ and the pinyin initials of 周建军: the hits listed."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "slash", *"zjj", until=lambda: bool(getattr(pilot.app.screen, "hits", None)))

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_person_form(snap_compare: Any, example: db.DbTarget) -> None:
    """Enter on the householder of the first household: the person form."""

    async def steps(pilot: Pilot) -> None:
        await open_first_household(pilot)
        await press(pilot, "down", "enter", until=lambda: isinstance(pilot.app.screen, PersonForm))
        await settle(pilot, lambda: pilot.app.screen.ready)  # type: ignore[attr-defined]

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_person_form_ascii(snap_compare: Any, example: db.DbTarget) -> None:
    """The person form with ``--ascii``: every value drawn, every box of ``+ - |``."""

    async def steps(pilot: Pilot) -> None:
        await open_first_household(pilot)
        await press(pilot, "down", "enter", until=lambda: isinstance(pilot.app.screen, PersonForm))
        await settle(pilot, lambda: pilot.app.screen.ready)  # type: ignore[attr-defined]

    app = app_over(example, ascii_borders=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=before(steps))


def test_household_form(snap_compare: Any, example: db.DbTarget) -> None:
    """Ins on the village 东风村: a new household with its suggested number and address."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "down", "insert", until=lambda: isinstance(pilot.app.screen, HouseholdForm))
        await settle(pilot, lambda: pilot.app.screen.ready)  # type: ignore[attr-defined]

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_change_entry(snap_compare: Any, example: db.DbTarget) -> None:
    """F4 on 东风村, kind 1 出生 and the initials of 陈美华: the mother found."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "down", "f4", until=lambda: isinstance(pilot.app.screen, ChangeEntryScreen))
        await press(pilot, "1", *"cmh", until=lambda: "陈美华" in str(pilot.app.screen.query_one("#ce-hit").render()))

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_review(snap_compare: Any, demo: db.DbTarget) -> None:
    """F6 from the start of the app: the findings of the audit."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "f6", until=lambda: isinstance(pilot.app.screen, ReviewScreen))

    assert snap_compare(app_over(demo), terminal_size=SIZE, run_before=before(steps))


def test_quality(snap_compare: Any, demo: db.DbTarget) -> None:
    """F7 from the start of the app: the quality figures."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "f7", until=lambda: isinstance(pilot.app.screen, QualityScreen))

    assert snap_compare(app_over(demo), terminal_size=SIZE, run_before=before(steps))


def test_export_dialog(snap_compare: Any, example: db.DbTarget) -> None:
    """F8 on the township: the export dialog with the monthly returns of last month."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "f8", until=lambda: pilot.app.screen.query("#export-month").first(Input).value != "")

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_accounts(snap_compare: Any, accounts: db.DbTarget) -> None:
    """Ctrl+U by the admin: the list of accounts."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "ctrl+u", until=lambda: isinstance(pilot.app.screen, UsersScreen))

    assert snap_compare(app_over(accounts, "boss", is_demo=False), terminal_size=SIZE, run_before=before(steps))


def test_login(snap_compare: Any, accounts: db.DbTarget) -> None:
    """The login screen with the user name typed and a wrong password refused."""

    async def steps(pilot: Pilot) -> None:
        await press(pilot, *"boss", "enter", *"nope", "enter")

    assert snap_compare(
        app_over(accounts, "", is_demo=False, needs_login=True), terminal_size=SIZE, run_before=before(steps)
    )


def test_idle_lock(snap_compare: Any, accounts: db.DbTarget) -> None:
    """Left alone after logging in: the lock screen."""

    async def steps(pilot: Pilot) -> None:
        await press(pilot, *"boss", "enter", *"secret123", "enter")
        await tree_ready(pilot)
        pilot.app.idle_minutes = 0.0001  # type: ignore[attr-defined]
        await pilot.pause(0.05)
        pilot.app.lock_if_idle()  # type: ignore[attr-defined]
        await settle(pilot, lambda: isinstance(pilot.app.screen, LockScreen))

    assert snap_compare(
        app_over(accounts, "", is_demo=False, needs_login=True, idle_minutes=15),
        terminal_size=SIZE,
        run_before=before(steps),
    )


def test_help(snap_compare: Any, example: db.DbTarget) -> None:
    """F1 on the browse screen."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "f1")

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


# --- dialogs --------------------------------------------------------------------------------------------


def test_discard_changes_dialog(snap_compare: Any, example: db.DbTarget) -> None:
    """A changed name in the person form, then Esc: 放弃修改？"""

    async def steps(pilot: Pilot) -> None:
        await open_first_household(pilot)
        await press(pilot, "down", "enter", until=lambda: isinstance(pilot.app.screen, PersonForm))
        form = pilot.app.screen
        await settle(pilot, lambda: form.ready)  # type: ignore[attr-defined]
        await press(pilot, "tab", "end", "甲", "escape", until=lambda: pilot.app.screen is not form)

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))


def test_confirm_warning_dialog(snap_compare: Any, demo: db.DbTarget) -> None:
    """F6, warnings only, F10 on the first warning about a person: the reason asked."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "f6", until=lambda: isinstance(pilot.app.screen, ReviewScreen))
        review = pilot.app.screen
        assert isinstance(review, ReviewScreen)
        await press(pilot, "tab", "tab", "tab", "right", "right", "shift+tab", "shift+tab", "shift+tab")
        await settle(pilot, lambda: review.filter.severity == "W")
        while review.current_row is not None and not review.current_row.person_key:
            await press(pilot, "down")
        await press(pilot, "f10", until=lambda: pilot.app.screen is not review)

    assert snap_compare(app_over(demo), terminal_size=SIZE, run_before=before(steps))


def test_new_account_dialog(snap_compare: Any, accounts: db.DbTarget) -> None:
    """Ctrl+U, Ins: the new account dialog."""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "ctrl+u", until=lambda: isinstance(pilot.app.screen, UsersScreen))
        users = pilot.app.screen
        await press(pilot, "insert", until=lambda: pilot.app.screen is not users)

    assert snap_compare(app_over(accounts, "boss", is_demo=False), terminal_size=SIZE, run_before=before(steps))


def test_forced_password_change_dialog(snap_compare: Any, accounts: db.DbTarget) -> None:
    """An account whose password an admin reset logs in: the change-password dialog, before the app."""

    async def reset() -> None:
        async with db.database(accounts, create=False):
            from store import users

            await users.set_password("clerk", "Reset-by-boss1", by="boss", iterations=1000)

    asyncio.run(reset())

    async def steps(pilot: Pilot) -> None:
        await press(pilot, *"clerk", "enter", *"Reset-by-boss1", "enter",
                    until=lambda: type(pilot.app.screen).__name__ == "PasswordDialog")  # fmt: skip
        await press(pilot, *"Reset-by-boss1", "enter", *"qq123456", "enter", *"qq123456", "enter")

    assert snap_compare(
        app_over(accounts, "", is_demo=False, needs_login=True), terminal_size=SIZE, run_before=before(steps)
    )


def test_leave_change_entry_dialog(snap_compare: Any, example: db.DbTarget) -> None:
    """F4, a mother found, then Esc: leave with the line unsaved?"""

    async def steps(pilot: Pilot) -> None:
        await tree_ready(pilot)
        await press(pilot, "down", "f4", until=lambda: isinstance(pilot.app.screen, ChangeEntryScreen))
        entry = pilot.app.screen
        await press(pilot, "1", *"cmh", until=lambda: "陈美华" in str(entry.query_one("#ce-hit").render()))
        await press(pilot, "enter")
        await press(pilot, "escape", until=lambda: pilot.app.screen is not entry)

    assert snap_compare(app_over(example), terminal_size=SIZE, run_before=before(steps))
