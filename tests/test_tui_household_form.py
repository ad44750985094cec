"""The household form at 80×24: a new household from the browse screen (Ins) with its householder keyed at
once, and editing a stored household's items and opening a member from its list."""

from __future__ import annotations

import datetime as dt

from textual.pilot import Pilot
from textual.widgets import OptionList

from store import db, drafts
from store.idnumber import make_id
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import screen_text as _screen_text
from tests.support.pilot import settle
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.household_form import HouseholdForm, next_number, suggest_address
from tui.screens.person_form import PersonForm


def app_for(target: db.DbTarget):
    return make_app(target, "demo")


def screen_text(pilot: Pilot) -> str:
    return _screen_text(pilot.app.screen)


def test_next_number_and_address() -> None:
    assert next_number(["430426101201010012", "430426101201010003"]) == "0013"
    assert next_number([]) == "0001"
    assert suggest_address("城关镇东风村一组12号", "0013") == "城关镇东风村一组13号"
    assert suggest_address(None, "0001") == ""


async def test_new_household_from_the_browse_screen(example_db: db.DbTarget) -> None:
    number = make_id("430426", dt.date(1979, 11, 2), 31)
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        tree = browse.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children) and bool(tree.root.children[0].children)
                     and tree.root.children[0].children[0].data is not None)  # fmt: skip
        await pilot.press("down")  # the village 东风村
        node = tree.cursor_node
        assert node is not None and node.data is not None and node.data.code == "430426101201"
        await pilot.press("insert")
        form = app.screen
        assert isinstance(form, HouseholdForm)
        await settle(pilot, lambda: form.ready)
        text = screen_text(pilot)
        assert "户信息" in text and "新户" in text and "未保存" in text and "430426101201 组 01    户号 0013" in text
        assert form.code == "430426101201010013"
        assert form.record["household"]["address"] == "城关镇东风村一组13号"
        # Enter through the suggested items: the last one goes on to the householder
        for _ in range(7):
            await pilot.press("enter")
            await settle(pilot)
            if isinstance(app.screen, PersonForm):
                break
        person = app.screen
        assert isinstance(person, PersonForm)
        await settle(pilot, lambda: person.ready)
        assert person.person["relation"] == "02"
        await pilot.press("enter", *"吴刚", "enter", "enter", *number)  # relation 02, name, ethnicity 01, ID
        await settle(pilot, lambda: person.person["sex"] == "1")
        await pilot.press("f2")
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
        await settle(pilot, lambda: person.stored and not person.dirty)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is form and form.ready)
        assert "吴刚" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is browse and browse.detail is not None
                     and browse.detail.code == "430426101201010013")  # fmt: skip
    stored = (await load_households(["430426101201010013"]))["430426101201010013"]
    assert stored["household"]["address"] == "城关镇东风村一组13号"
    assert [(m["name"], m["relation"], m["id_number"]) for m in stored["members"]] == [("吴刚", "02", number)]
    saves = await db.fetch("SELECT target FROM audit_log WHERE action = 'save'")
    assert [r[0] for r in saves] == ["430426101201010013"]


async def test_edit_household_items_and_open_a_member(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = HouseholdForm(CODE, CODE[:12])
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        text = screen_text(pilot)
        assert "户信息  430426101201010012 东风村一组12号 周建军户" in text
        assert "周建军" in text and "陈美华" in text
        await pilot.press("end", *"新址", "enter", *"13800000000", "f2")
        await settle(pilot, lambda: not form.dirty and not form.saving)
        assert "已保存" in screen_text(pilot)
        members = form.query_one("#members", OptionList)
        members.focus()
        await pilot.press("down", "down", "enter")  # the second member
        person = app.screen
        assert isinstance(person, PersonForm)
        await settle(pilot, lambda: person.ready)
        assert person.person_key == "h12-2"
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is form)
    stored = (await load_households([CODE]))[CODE]["household"]
    assert (stored["address"], stored["phone"]) == ("城关镇东风村一组12号新址", "13800000000")


async def test_ins_after_an_unsaved_edit_adds_the_member(example_db: db.DbTarget) -> None:
    """The person form opened from the household form edits that form's record: it offers no draft (the
    household form's own, written when Ins was pressed, lacks the new member) and saves both."""
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = HouseholdForm(CODE, CODE[:12])
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        await pilot.press("end", *"新址", "insert")
        person = app.screen
        assert isinstance(person, PersonForm)
        await settle(pilot, lambda: person.ready)
        assert not isinstance(app.screen, ChoiceDialog)
        assert (
            drafts.load(await drafts.key_for("demo", CODE)) is not None
        )  # the household form's input is kept meanwhile
        assert person.record["household"]["address"] == "城关镇东风村一组12号新址"
        await pilot.press("2", "3", *"小明", "f2")  # 次子 周小明
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
        await settle(pilot, lambda: not person.saving and not person.dirty)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is form and form.ready)
        assert "周小明" in screen_text(pilot) and not form.dirty
    stored = (await load_households([CODE]))[CODE]
    assert stored["household"]["address"] == "城关镇东风村一组12号新址"
    assert [m["name"] for m in stored["members"]][-1] == "周小明" and len(stored["members"]) == 5
    assert drafts.load(await drafts.key_for("demo", CODE)) is None


async def test_new_member_survives_restoring_a_household_draft(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = HouseholdForm(CODE, CODE[:12])
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        await pilot.press("end", *"新址")
    # the connection dropped; later the clerk adds a member to the household from the browse screen
    assert drafts.load(await drafts.key_for("demo", CODE)) is not None
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        person = PersonForm(CODE, None)
        app.push_screen(person)
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("y")  # 恢复: the draft has no such member, the new one is kept
        await settle(pilot, lambda: person.ready)
        assert person.record["household"]["address"] == "城关镇东风村一组12号新址"
        assert len(person.record["members"]) == 5 and person.new_member and "5/5" in screen_text(pilot)
        await pilot.press("2", "3", *"小明", "f2")
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
        await settle(pilot, lambda: not person.saving and not person.dirty)
    assert app.return_code in (None, 0)
    stored = (await load_households([CODE]))[CODE]
    assert stored["household"]["address"] == "城关镇东风村一组12号新址"
    assert [m["name"] for m in stored["members"]][-1] == "周小明"
