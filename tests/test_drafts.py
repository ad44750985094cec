"""Drafts of the entry forms: written atomically with mode 0600, read back with dates, per user, database and
household; in the app never offered across databases or when nothing changed, and kept when the clerk presses
Esc at the offer."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import pytest
from textual.pilot import Pilot

from store import db, drafts
from store.identity import database_id
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import field, screen_text, settle
from tui.screens.form_base import DRAFT_DELAY
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.person_form import PersonForm

A = drafts.DraftKey("li", "db-one", "430426101201010007")


def test_round_trip_with_dates(tmp_path: Path) -> None:
    payload = {"record": {"household": {"code": "430426101201010007"},
                          "members": [{"key": "a", "birth_date": dt.date(1985, 3, 12), "woman": None,
                                       "benefits": [], "rural": True}]}, "person_key": "a"}  # fmt: skip
    path = drafts.save(A, payload, base=tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == drafts.draft_dir(tmp_path)
    draft = drafts.load(A, base=tmp_path)
    assert draft is not None and draft.payload == payload
    assert abs(draft.saved_at - dt.datetime.now()) < dt.timedelta(minutes=1)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_per_user_database_and_household(tmp_path: Path) -> None:
    other_user = drafts.DraftKey("wang", A.database, A.household)
    other_db = drafts.DraftKey(A.user, "db-two", A.household)
    other_household = drafts.DraftKey(A.user, A.database, "B")
    for n, key in enumerate((A, other_user, other_db, other_household)):
        drafts.save(key, {"n": n}, base=tmp_path)
    assert [drafts.load(k, base=tmp_path).payload for k in (A, other_user, other_db, other_household)] == [  # type: ignore[union-attr]
        {"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]  # fmt: skip
    drafts.save(A, {"n": 4}, base=tmp_path)  # replaces
    assert drafts.load(A, base=tmp_path).payload == {"n": 4}  # type: ignore[union-attr]
    drafts.discard(A, base=tmp_path)
    drafts.discard(A, base=tmp_path)  # nothing there: no error
    assert drafts.load(A, base=tmp_path) is None
    assert drafts.load(other_db, base=tmp_path) is not None  # the same household of another database: untouched


def test_unreadable_draft_is_ignored(tmp_path: Path) -> None:
    path = drafts.save(A, {"n": 1}, base=tmp_path)
    path.write_text("{not json", encoding="utf-8")
    assert drafts.load(A, base=tmp_path) is None
    path.write_text("[1, 2]", encoding="utf-8")
    assert drafts.load(A, base=tmp_path) is None


def test_default_folder_is_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = drafts.save(A, {"n": 1})
    assert path.is_relative_to(tmp_path) and path.parent.name == "drafts"
    assert drafts.load(A) is not None


# --- in the app ---------------------------------------------------------------------------------------------


async def open_person(pilot: Pilot, key: str | None = "h12-1") -> PersonForm:
    form = PersonForm(CODE, key)
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready or isinstance(pilot.app.screen, ChoiceDialog))
    return form


async def keep_typing_as_draft(path: Path, text: str) -> None:
    """In the database `path`: type `text` into the occupation of 周建军 and close the app (a dropped line)."""
    async with db.database(path, create=False):
        app = make_app(db.resolve(path), "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            form = await open_person(pilot)
            assert form.ready
            field(form, "occupation").focus()
            await pilot.press(*text, "enter")


async def draft_of(path: Path) -> drafts.Draft | None:
    async with db.database(path, create=False):
        return drafts.load(await drafts.key_for("demo", CODE))


@pytest.fixture
def two_databases(example_file_db: Path, tmp_path: Path, private_data: Path) -> tuple[Path, Path]:
    """Two databases holding the same household codes (copies of the example households, told apart by id)."""
    first, second = tmp_path / "one.sqlite3", tmp_path / "two.sqlite3"
    shutil.copy(example_file_db, first)
    shutil.copy(example_file_db, second)
    return first, second


async def test_a_draft_stays_in_its_database(two_databases: tuple[Path, Path]) -> None:
    first, second = two_databases
    await keep_typing_as_draft(first, "木匠")
    draft = await draft_of(first)
    assert draft is not None and draft.payload["record"]["members"][0]["occupation"] == "木匠"
    assert await draft_of(second) is None

    async with db.database(second, create=False) as target:  # the same code in the other database: no offer
        ids = {await database_id()}
        app = make_app(target, "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            form = await open_person(pilot)
            assert form.ready and not isinstance(app.screen, ChoiceDialog)
            assert field(form, "occupation").value == ""
            await pilot.press("escape")  # nothing changed: leaves without a question
            await settle(pilot, lambda: app.screen is not form)
            assert not isinstance(app.screen, ChoiceDialog)
    async with db.database(first, create=False):
        ids.add(await database_id())
    assert len(ids) == 2
    assert await draft_of(first) is not None  # the other database's form left it alone

    async with db.database(first, create=False) as target:  # its own database offers it; Esc keeps it
        app = make_app(target, "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            form = await open_person(pilot)
            assert isinstance(app.screen, ChoiceDialog)
            text = screen_text(app.screen)
            assert "发现未保存的草稿" in text and "Esc：暂不处理" in text and "Enter：恢复草稿" in text
            await pilot.press("escape")
            await settle(pilot, lambda: form.ready)
            assert field(form, "occupation").value == "" and not form.dirty
            await pilot.press("escape")
            await settle(pilot, lambda: app.screen is not form)
        assert drafts.load(await drafts.key_for("demo", CODE)) is not None
        app = make_app(target, "demo")
        async with app.run_test(size=(80, 24)) as pilot:  # offered again: Enter restores
            form = await open_person(pilot)
            assert isinstance(app.screen, ChoiceDialog)
            await pilot.press("enter")
            await settle(pilot, lambda: form.ready)
            assert field(form, "occupation").value == "木匠" and form.dirty
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
            await pilot.press("d")  # 放弃修改: the draft goes too
            await settle(pilot, lambda: not isinstance(app.screen, (ChoiceDialog, PersonForm)))
        assert drafts.load(await drafts.key_for("demo", CODE)) is None
        assert (await load_households([CODE]))[CODE]["members"][0]["occupation"] is None


async def test_no_draft_when_nothing_changed(example_db: db.DbTarget) -> None:
    key = await drafts.key_for("demo", CODE)
    stored = (await load_households([CODE]))[CODE]
    drafts.save(key, {"form": "person", "record": stored, "person_key": "h12-1"})  # identical to the stored record
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_person(pilot)
        assert form.ready and not isinstance(app.screen, ChoiceDialog)  # not offered, and removed
        assert drafts.load(key) is None
        field(form, "occupation").focus()
        await pilot.press(*"木匠")
        await pilot.pause(DRAFT_DELAY + 0.3)
        await settle(pilot, lambda: drafts.load(key) is not None)
        await pilot.press("backspace", "backspace")  # typed back: nothing would be lost
        await pilot.pause(DRAFT_DELAY + 0.3)
        await settle(pilot, lambda: drafts.load(key) is None)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is not form)
        assert not isinstance(app.screen, ChoiceDialog)
        new = await open_person(pilot, None)  # a new member opened and closed untouched: no draft either
        assert new.ready
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("d")
            await settle(pilot)
    assert drafts.load(key) is None
