"""Committing input and keys in order (issue 9, points 1 and 2), driven at 80×24 as a clerk types.

F2 right after typing — no Enter — stores what each field shows: a code typed by pinyin initials (the one
candidate shown), a date (also ``YYMMDD``), an ID number, plain text; what cannot be taken refuses the save
with a Chinese message naming the field, and nothing is stored. Keys that arrive in one read (posted at once:
``Pilot.press`` waits after every key and cannot show the race) are applied in order to whatever has focus at
that point, including Enter on the change-entry search while its hits are still loading.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from store import db
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import field, focused_path, settle, shown
from tui.screens import changes as changes_screen
from tui.screens.change_fields import set_value
from tui.screens.changes import ChangeEntryScreen, SearchInput
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.household_form import HouseholdForm
from tui.screens.person_form import PersonForm
from tui.widgets import CodeField, DateField, IdField
from tui.widgets.field import Field

ZHOU = CODE  # 430426101201010012: 周建军 (h12-1), 陈美华 (h12-2), 周欣怡, 周浩然
WANG = "430426101202010021"  # 王德明 (f21-1) and his wife 杨丽 (f21-2)
VILLAGE = "430426101201"


def burst(app: App[Any], keys: Iterable[str]) -> None:
    """Post keys at once, as one terminal read over SSH or an IME commit delivers them."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def member(code: str, key: str) -> dict[str, Any]:
    record = (await load_households([code]))[code]
    return next(m for m in record["members"] if m["key"] == key)


async def version(code: str) -> int:
    return int((await load_households([code]))[code]["_version"])


# --- the widgets: commit() of each field kind ------------------------------------------------------------


class Fields(App[None]):
    def compose(self) -> ComposeResult:
        yield CodeField("marital_status", id="marital", caption="婚姻")
        yield DateField(id="date", caption="死亡日期", today=dt.date(2026, 12, 6))
        yield IdField(id="idn", today=dt.date(2026, 12, 6))


async def test_each_field_kind_commits_what_it_shows_or_names_itself() -> None:
    app = Fields()
    async with app.run_test(size=(80, 24)) as pilot:
        marital, date, idn = app.query_one(CodeField), app.query_one(DateField), app.query_one(IdField)
        marital.focus()
        await pilot.press("s", "o")  # one candidate shown: 30 丧偶
        assert marital.code is None and "30丧偶" in shown(marital.status)
        result = marital.commit()
        assert (result.ok, result.value, marital.code, marital.value) == (True, "30", "30", "30")
        marital.value = ""
        await pilot.press("s")  # 30 丧偶 and 20 已婚: not the clerk's to guess
        result = marital.commit()
        assert not result.ok and result.value is None and marital.code is None
        assert result.message is not None and result.message.startswith("婚姻未选定：s")
        await pilot.press("down")  # the clerk chose the second candidate: leaving or saving takes it
        assert marital.commit().value == "20"
        marital.value = ""
        await pilot.press("z", "z")
        assert marital.commit().message == "婚姻代码无效：zz"

        date.focus()
        await pilot.press(*"261003")  # six digits need Enter to be read: a commit reads them
        assert date.value_date is None
        result = date.commit()
        assert (result.ok, result.value, date.value) == (True, dt.date(2026, 10, 3), "2026-10-03")
        date.value = ""
        await pilot.press(*"2610")
        result = date.commit()
        assert not result.ok and result.message is not None and result.message.startswith("死亡日期：日期位数不对")
        date.value = ""
        await pilot.press(*"20260230")
        assert date.commit().message == "死亡日期：日期不存在：2026-02-30，请核对"
        date.value = ""
        assert date.commit().ok and date.commit().value is None  # empty is empty, not an error

        idn.focus()
        await pilot.press(*"4304261984")
        result = idn.commit()
        assert not result.ok and result.message == "身份证号应为18位（或旧15位），现为 10 位"
        idn.value = "430426198407210133"
        assert idn.commit().value == "430426198407210133"


# --- the change entry screen --------------------------------------------------------------------------


def _screen(pilot: Pilot) -> ChangeEntryScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ChangeEntryScreen)
    return screen


def _message(pilot: Pilot) -> str:
    return shown(pilot.app.screen.query_one("#ce-message")).replace("\n", "")


def _batch(pilot: Pilot) -> list[str]:
    from textual.widgets import Static

    return [shown(line).strip() for line in pilot.app.screen.query_one("#ce-batch").query(Static)]


async def _start(pilot: Pilot) -> ChangeEntryScreen:
    await settle(pilot)
    pilot.app.push_screen(ChangeEntryScreen(month="2026-10", unit_code=VILLAGE))
    await settle(pilot, lambda: isinstance(pilot.app.screen, ChangeEntryScreen)
                 and "东风村" in shown(pilot.app.screen.query_one("#ce-head-left")))  # fmt: skip
    return _screen(pilot)


async def _find(pilot: Pilot, kind: str, query: str, expected: str) -> None:
    await pilot.press(kind, *query)
    await settle(pilot, lambda: expected in shown(pilot.app.screen.query_one("#ce-hit")))
    await pilot.press("enter")
    await settle(pilot, lambda: _screen(pilot).record is not None and _screen(pilot).fields_ready())


async def _saved(pilot: Pilot, count: int) -> None:
    await settle(pilot, lambda: len(_batch(pilot)) == count and all("保存中" not in line for line in _batch(pilot)))


async def _newcomer_keyed_up_to_marital(pilot: Pilot, screen: ChangeEntryScreen) -> None:
    """A 迁入 line with everything but 婚姻 filled in (by code: the layout of the kind is not the point here),
    the focus on 婚姻 (default 10 selected)."""
    fields = screen.fields
    for name, value in (("name", "孙秀兰"), ("sex", "2"), ("birth_date", dt.date(1960, 1, 1)), ("relation", "97"),
                        ("date", dt.date(2026, 10, 5)), ("from_code", "430481")):  # fmt: skip
        set_value(fields[name], value)
    for name, value in (("first_marriage_date", dt.date(1980, 5, 1)), ("marriage_change_date", dt.date(2001, 3, 2))):
        if name in fields:  # the kind asks for the marriage dates of a newcomer who was married
            set_value(fields[name], value)
    marital = fields["marital_status"]
    assert isinstance(marital, CodeField) and marital.code == "10"
    marital.focus()
    await settle(pilot, lambda: pilot.app.focused is marital.input)


async def test_change_entry_f2_right_after_a_code_by_initials_stores_it(example_db: db.DbTarget) -> None:
    """The clerk's trial: 迁入 with 婚姻 ``so`` shown as 30丧偶 and F2 at once stored the default 10."""
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start(pilot)
        await _find(pilot, "3", "zjj", "周建军")
        await _newcomer_keyed_up_to_marital(pilot, screen)
        burst(app, [*"so", "f2"])
        await _saved(pilot, 1)
        assert "迁入" in _batch(pilot)[0] and "孙秀兰" in _batch(pilot)[0]
        assert app.focused is screen.query_one("#ce-kind")
    record = (await load_households([ZHOU]))[ZHOU]
    newcomer = next(m for m in record["members"] if m["name"] == "孙秀兰")
    assert (newcomer["marital_status"], newcomer["sex"], newcomer["birth_date"]) == ("30", "2", dt.date(1960, 1, 1))
    assert newcomer["moved_in"]["date"] == dt.date(2026, 10, 5)


async def test_change_entry_f2_right_after_a_date_without_enter_stores_it(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "2", "0133", "周建军")
        burst(app, [*"261003", "f2"])  # YYMMDD read on the save, after the digits (F2 is no longer early)
        await _saved(pilot, 1)
    man = await member(ZHOU, "h12-1")
    assert man["death_date"] == dt.date(2026, 10, 3)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (["s"], "婚姻未选定：s"),  # two candidates: 30 丧偶, 20 已婚
        (["z", "z"], "婚姻代码无效：zz"),  # none
    ],
)
async def test_change_entry_refuses_an_unresolvable_code_naming_the_field(
    example_db: db.DbTarget, typed: list[str], expected: str
) -> None:
    app = make_app(example_db, "李敏")
    before = await version(ZHOU)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start(pilot)
        await _find(pilot, "3", "zjj", "周建军")
        await _newcomer_keyed_up_to_marital(pilot, screen)
        burst(app, [*typed, "f2"])
        await settle(pilot, lambda: expected in _message(pilot))
        assert _batch(pilot) == [] and not screen.saving
        assert focused_path(screen) == "marital_status"  # the field that refused has the focus
    assert await version(ZHOU) == before
    assert "孙秀兰" not in {m["name"] for m in (await load_households([ZHOU]))[ZHOU]["members"]}


async def test_change_entry_refuses_an_incomplete_date_naming_the_field(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    before = await version(ZHOU)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "2", "0133", "周建军")
        burst(app, [*"2610", "f2"])
        await settle(pilot, lambda: "死亡日期：日期位数不对" in _message(pilot))
        assert _batch(pilot) == []
    assert await version(ZHOU) == before
    assert (await member(ZHOU, "h12-1"))["death_date"] is None


def _widowed_burst(name: str) -> list[str]:
    return ["7", *name, "enter", *"261121", "enter"]


async def _widowed_saved(pilot: Pilot, screen: ChangeEntryScreen) -> None:
    await _saved(pilot, 1)
    assert "丧偶" in _batch(pilot)[0] and "王德明" in _batch(pilot)[0] and "2026-11-21" in _batch(pilot)[0]
    assert screen.query_one(SearchInput).value == ""  # the date never went into the search box
    man = await member(WANG, "f21-1")
    assert (man["marital_status"], man["marriage_change_date"]) == ("30", dt.date(2026, 11, 21))


async def test_a_change_line_in_one_read_lands_field_by_field(example_db: db.DbTarget) -> None:
    """``7 王德明 Enter 261121 Enter`` in one read: the kind, the person picked, the date in the date field."""
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start(pilot)
        burst(app, _widowed_burst("王德明"))
        await _widowed_saved(pilot, screen)
        assert app.focused is screen.query_one("#ce-kind")


async def test_enter_on_hits_still_loading_takes_the_first_hit(
    example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search answers slowly (a big database, a slow link): the Enter waits for the hits, keys behind it
    wait for the first field."""
    real = changes_screen.search
    calls: list[str] = []

    async def slow(text: str, limit: int = 20, **scope: Any) -> Any:
        calls.append(text)
        await asyncio.sleep(0.3)
        return await real(text, limit=limit, **scope)

    monkeypatch.setattr(changes_screen, "search", slow)
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start(pilot)
        burst(app, _widowed_burst("王德明"))
        await pilot.pause(0.1)
        assert screen.hits == [] and screen.record is None  # the hits are still on their way
        await _widowed_saved(pilot, screen)
        assert calls and calls[-1] == "王德明"


async def test_two_lines_in_one_read_each_land_in_their_line(example_db: db.DbTarget,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """F2 saves the first line; the keys of the second wait until the line is cleared and the kind has focus."""
    real = changes_screen.search

    async def slow(text: str, limit: int = 20, **scope: Any) -> Any:
        await asyncio.sleep(0.1)
        return await real(text, limit=limit, **scope)

    monkeypatch.setattr(changes_screen, "search", slow)
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _start(pilot)
        burst(app, ["2", *"0133", "enter", *"261003", "f2", *_widowed_burst("王德明")])
        await settle(pilot, lambda: len(_batch(pilot)) == 2 and all("保存中" not in x for x in _batch(pilot)))
        lines = _batch(pilot)
        assert "死亡" in lines[1] and "周建军" in lines[1] and "2026-10-03" in lines[1]
        assert "丧偶" in lines[0] and "王德明" in lines[0] and "2026-11-21" in lines[0]
        assert screen.query_one(SearchInput).value == ""
    assert (await member(ZHOU, "h12-1"))["death_date"] == dt.date(2026, 10, 3)
    assert (await member(WANG, "f21-1"))["marriage_change_date"] == dt.date(2026, 11, 21)


# --- the person form and the household form ------------------------------------------------------------


async def _open_person(pilot: Pilot, key: str) -> PersonForm:
    form = PersonForm(ZHOU, key)
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready)
    await settle(pilot)
    return form


async def _saved_form(pilot: Pilot, form: PersonForm | HouseholdForm) -> None:
    """Wait for the save (answering 保存 when the form asks about open errors)."""

    def done() -> bool:
        if isinstance(pilot.app.screen, ChoiceDialog):
            pilot.app.screen.dismiss("y")
            return False
        return not form.dirty and not form.saving and form.stored

    await settle(pilot, done)


async def _focus(pilot: Pilot, target: Field) -> None:
    target.focus()
    await settle(pilot, lambda: pilot.app.focused is target.input)


@pytest.mark.parametrize(
    ("path", "typed", "expected"),
    [
        ("political_status", "zgdy", "01"),  # initials naming one code: 中共党员
        ("moved_in.date", "200512", dt.date(2020, 5, 12)),  # YYMMDD, no Enter
        ("occupation", "木工", "木工"),  # plain text
        ("id_number", "430426198407210133", "430426198407210133"),  # as stored: an ID typed anew
    ],
)
async def test_person_form_f2_right_after_typing_stores_what_is_shown(
    example_db: db.DbTarget, path: str, typed: str, expected: object
) -> None:
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_person(pilot, "h12-1")
        await _focus(pilot, field(form, path))
        burst(app, [*typed, "f2"])
        await _saved_form(pilot, form)
        assert "已保存" in shown(form.query_one("#form-state")) and "已保存" not in app.notices  # said once
    stored = await member(ZHOU, "h12-1")
    value = stored["moved_in"]["date"] if path == "moved_in.date" else stored[path]
    assert value == expected


@pytest.mark.parametrize(
    ("path", "typed", "expected"),
    [
        ("political_status", "zgd", "政治面貌未选定：zgd"),  # 中共党员 and 致公党党员
        ("moved_in.date", "2005", "迁入日期：日期位数不对"),
        ("id_number", "4304261984", "身份证号应为18位（或旧15位），现为 10 位"),
    ],
)
async def test_person_form_refuses_what_cannot_be_taken_naming_the_field(
    example_db: db.DbTarget, path: str, typed: str, expected: str
) -> None:
    app = make_app(example_db, "demo")
    before = await member(ZHOU, "h12-1")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_person(pilot, "h12-1")
        await _focus(pilot, field(form, path))
        burst(app, [*typed, "f2"])
        await settle(pilot, lambda: any(expected in notice for notice in app.notices))
        assert not form.saving
        assert focused_path(form) == path
    after = await member(ZHOU, "h12-1")
    assert after["_version"] == before["_version"] and after == before


async def test_person_form_half_typed_code_left_with_tab_is_not_stored_as_empty(example_db: db.DbTarget) -> None:
    """Shift+Tab away from ``zgd`` (two candidates) keeps the text with its message; F2 refuses, never storing
    the field as empty."""
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_person(pilot, "h12-1")
        await _focus(pilot, field(form, "political_status"))
        burst(app, [*"zgd", "tab", "f2"])
        await settle(pilot, lambda: any("政治面貌未选定：zgd" in notice for notice in app.notices))
        assert focused_path(form) == "political_status"
    assert (await member(ZHOU, "h12-1"))["political_status"] == "13"


async def test_household_form_f2_right_after_initials(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "demo")
    before = await version(ZHOU)
    async with app.run_test(size=(80, 24)) as pilot:
        form = HouseholdForm(ZHOU, VILLAGE)
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        await _focus(pilot, field(form, "household.kind"))
        burst(app, [*"jth", "f2"])  # 家庭户 and 集体户
        await settle(pilot, lambda: any("户类别未选定：jth" in notice for notice in app.notices))
        assert await version(ZHOU) == before
        await _focus(pilot, field(form, "household.hukou_type"))
        burst(app, [*"fny", "f2"])  # 非农业 (the kind still refuses)
        await settle(pilot, lambda: sum("户类别未选定" in notice for notice in app.notices) == 2)
        await _focus(pilot, field(form, "household.kind"))
        burst(app, ["ctrl+u", *"jbh", "f2"])  # 集体户 by a second reading of its initials
        await _saved_form(pilot, form)
    household = (await load_households([ZHOU]))[ZHOU]["household"]
    assert (household["hukou_type"], household["kind"]) == ("1", "collective")


# --- Enter on the last item of a form (issue 9 point 2; issue 13: the person form is no longer rebuilt) ----------


async def test_person_form_enter_on_the_last_item_saves_before_the_keys_behind_it(example_db: db.DbTarget) -> None:
    """``Enter Esc`` in one read on the last item: the Enter saves, the Esc then leaves the saved form (without
    the hold the Esc ran first and asked 放弃修改？)."""
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_person(pilot, "h12-1")
        await _focus(pilot, field(form, "occupation"))
        burst(app, ["ctrl+u", *"木工"])
        await settle(pilot, lambda: form.person.get("occupation") == "木工")
        await _focus(pilot, field(form, "rural"))
        burst(app, ["enter", "escape"])
        await settle(pilot, lambda: not form.is_attached)
        assert not isinstance(app.screen, ChoiceDialog)
    assert (await member(ZHOU, "h12-1"))["occupation"] == "木工"


async def test_person_form_keys_behind_enter_and_ctrl_n_go_to_the_next_member(example_db: db.DbTarget) -> None:
    """``Enter Ctrl+N 李娜`` in one read on the last item: saved, then the next member, whose name takes the
    typed text (nothing typed into the member saved, nothing lost while the form switched members)."""
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_person(pilot, "h12-1")
        await _focus(pilot, field(form, "occupation"))
        burst(app, ["ctrl+u", *"木工"])
        await settle(pilot, lambda: form.person.get("occupation") == "木工")
        await _focus(pilot, field(form, "rural"))
        burst(app, ["enter", "ctrl+n", *"李娜"])
        await settle(pilot, lambda: form.person_key == "h12-2" and form.person.get("name") == "李娜")
        assert field(form, "name").value == "李娜" and focused_path(form) == "name"
        saved = next(m for m in form.saved["members"] if m["key"] == "h12-1")
        assert saved["occupation"] == "木工" and saved["name"] == "周建军"
    assert (await member(ZHOU, "h12-1"))["occupation"] == "木工"


async def test_household_form_keys_behind_the_last_enter_reach_the_householder_form(example_db: db.DbTarget) -> None:
    """A new household: ``Enter Enter 吴刚`` in one read on its last item opens the householder's form, takes
    the suggested relation and types the name there (without the hold they were lost in the household form)."""
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = HouseholdForm(None, VILLAGE, group="01")
        app.push_screen(form)
        await settle(pilot, lambda: form.ready)
        await _focus(pilot, field(form, "household.closed_date"))
        burst(app, ["enter", "enter", *"吴刚"])
        await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready
                     and app.screen.person.get("name") == "吴刚")  # fmt: skip
        person = app.screen
        assert isinstance(person, PersonForm)
        assert person.person["relation"] == "02" and focused_path(person) == "name"
        assert field(form, "household.closed_date").value == ""
