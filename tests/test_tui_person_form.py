"""The person form driven with Pilot at 80×24 as a clerk keys it: a new member with an ID that fills sex and
birth date, codes by pinyin initials, an inline warning that comes and goes, saving with F2, a concurrent
edit, Esc with unsaved changes, a draft after the app was closed, F9 and the keystroke count."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import Any

import pytest
from textual.pilot import Pilot

from store import db, drafts, service
from store.idnumber import make_id
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import field, label_of, settle, shown
from tests.support.pilot import focused_path as _focused_path
from tests.support.pilot import screen_text as _screen_text
from tui.screens.form_dialogs import ChoiceDialog
from tui.screens.person_form import PersonForm
from tui.widgets.field import Field


def app_for(target: db.DbTarget):
    return make_app(target, "demo")


def screen_text(pilot: Pilot) -> str:
    return _screen_text(pilot.app.screen)


async def open_form(pilot: Pilot, code: str, key: str | None) -> PersonForm:
    form = PersonForm(code, key)
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready and form.findings is not None)
    await settle(pilot)
    return form


def focused_path(form: PersonForm) -> str | None:
    return _focused_path(form)


async def test_clerk_keys_a_new_child(example_db: db.DbTarget) -> None:
    number = make_id("430426", dt.date(2020, 5, 6), 13)  # a boy
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, None)
        assert focused_path(form) == "relation"
        text = screen_text(pilot)
        assert "人员信息  东风村一组12号 周建军户  5/5" in text and "未保存" in text
        await pilot.press("2", "3")  # 次子: moves on, the surname is suggested
        assert focused_path(form) == "name"
        assert field(form, "name").value == "周"
        await pilot.press(*"小明", "enter")
        assert form.person["name"] == "周小明"
        assert focused_path(form) == "ethnicity" and field(form, "ethnicity").value == "01"  # from the householder
        await pilot.press("enter")
        assert focused_path(form) == "id_number"
        await pilot.press(*wrong)  # a wrong check character: shown at once, and the audit lists it
        await settle(pilot)
        assert "校验位" in screen_text(pilot)
        await settle(
            pilot, lambda: any(f.rule.startswith("ID") for f in form.findings if f.person_key == form.person_key)
        )
        assert "ID" in shown(form.query_one("#form-findings-text"))
        await pilot.press("backspace", number[17])
        await settle(pilot, lambda: form.person["sex"] == "1" and form.person["birth_date"] == dt.date(2020, 5, 6))
        assert focused_path(form) == "hukou_nature"  # sex and birth date filled from the ID and skipped
        row = screen_text(pilot)
        assert "男 (自动)" in row and "2020-05-06" in row
        await settle(pilot, lambda: not any(f.rule.startswith("ID0") for f in form.findings
                                            if f.person_key == form.person_key))  # fmt: skip
        await pilot.press("enter")  # hukou 2 from the householder
        await pilot.press(*"xx", "enter")  # education by pinyin initials: 小学
        assert form.person["education"] == "80"
        await pilot.press("1", "0")  # 未婚, moves on
        assert form.person["marital_status"] == "10"
        await pilot.press("f2")
        await settle(pilot, lambda: not form.dirty and not form.saving)
        assert "已保存" in screen_text(pilot)
    stored = (await load_households([CODE]))[CODE]
    child = stored["members"][-1]
    assert (child["name"], child["relation"], child["id_number"], child["sex"], child["birth_date"]) == (
        "周小明", "23", number, "1", dt.date(2020, 5, 6))  # fmt: skip
    assert (child["ethnicity"], child["hukou_nature"], child["marital_status"]) == ("01", "2", "10")
    log = await db.fetch("SELECT username, action, target FROM audit_log WHERE action = 'save'")
    assert [tuple(r) for r in log] == [("demo", "save", CODE)]
    assert drafts.load(await drafts.key_for("demo", CODE)) is None


async def test_early_marriage_warning_comes_and_goes(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-2")
        views = await db.fetch("SELECT username, target, detail FROM audit_log WHERE action = 'view'")
        assert [tuple(v) for v in views] == [("demo", CODE, "h12-2")]
        assert "已保存" in screen_text(pilot)
        field(form, "first_marriage_date").focus()
        await pilot.press("ctrl+u", *"20010101", "tab")  # married at 13
        await settle(pilot, lambda: any(f.rule == "MAR2" for f in form.findings))
        assert "MAR2" in shown(form.query_one("#form-findings-text"))
        assert label_of(form, "first_marriage_date").has_class("-w")
        assert "未保存" in screen_text(pilot)
        field(form, "first_marriage_date").focus()
        await pilot.press("ctrl+u", *"20091001", "tab")
        await settle(pilot, lambda: not any(f.rule == "MAR2" for f in form.findings))
        assert not label_of(form, "first_marriage_date").has_class("-w")
        assert not form.dirty  # back to the stored value: nothing to lose
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, PersonForm))


async def test_conflict_keeps_the_input(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-1")
        field(form, "occupation").focus()
        await pilot.press(*"木匠", "enter")
        assert form.person["occupation"] == "木匠"
        other = copy.deepcopy((await load_households([CODE]))[CODE])  # someone else saves meanwhile
        other["members"][0]["occupation"] = "农民"
        await service.save_household(other, operator="other")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "已被其他人修改" in screen_text(pilot)
        await pilot.press("k")  # keep my input
        await settle(pilot, lambda: app.screen is form)
        assert form.person["occupation"] == "木匠" and field(form, "occupation").value == "木匠"
        assert form.dirty
        draft = drafts.load(await drafts.key_for("demo", CODE))
        assert draft is not None and draft.payload["record"]["members"][0]["occupation"] == "木匠"
    stored = (await load_households([CODE]))[CODE]
    assert stored["members"][0]["occupation"] == "农民"


async def test_escape_asks_only_when_something_would_be_lost(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-1")
        field(form, "occupation").focus()
        await pilot.press(*"木匠", "escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "放弃修改？" in screen_text(pilot)
        await pilot.press("c")  # cancel: back in the form, input kept
        await settle(pilot, lambda: app.screen is form)
        assert field(form, "occupation").value == "木匠"
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("d")  # discard
        await settle(pilot, lambda: not isinstance(app.screen, (PersonForm, ChoiceDialog)))
    stored = (await load_households([CODE]))[CODE]
    assert stored["members"][0]["occupation"] is None
    assert drafts.load(await drafts.key_for("demo", CODE)) is None


async def test_draft_is_offered_after_the_app_closed(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-1")
        field(form, "occupation").focus()
        await pilot.press(*"木匠", "enter")
    # the connection dropped: the app closed without saving
    draft = drafts.load(await drafts.key_for("demo", CODE))
    assert draft is not None
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = PersonForm(CODE, "h12-1")
        app.push_screen(form)
        await settle(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "发现未保存的草稿" in screen_text(pilot)
        await pilot.press("y")
        await settle(pilot, lambda: form.ready)
        assert field(form, "occupation").value == "木匠" and form.dirty
        await pilot.press("f2")
        await settle(pilot, lambda: not form.dirty and not form.saving)
    assert (await load_households([CODE]))[CODE]["members"][0]["occupation"] == "木匠"
    assert drafts.load(await drafts.key_for("demo", CODE)) is None


async def test_f9_copies_the_previous_person_and_ctrl_n_moves_on(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-1")  # education 60
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: form.person_key == "h12-2" and form.ready)
        assert "2/4" in screen_text(pilot)
        assert field(form, "education").value == "70"
        field(form, "education").focus()
        await pilot.press("f9")
        await settle(pilot, lambda: form.person["education"] == "60")
        assert field(form, "education").value == "60" and form.dirty


async def test_woman_section_and_fits_80_columns(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-2")
        text = screen_text(pilot)
        for label in ("关系", "姓名", "身份证号", "出生日期", "民族", "户口性质", "文化程度", "婚姻状况", "初婚日期",
                      "配偶", "管理属性", "人户状况", "政治面貌", "育龄妇女", "避孕措施"):  # fmt: skip
            assert label in text, label
        assert "周欣怡" in text  # children history on the first screen
        for shown_field in form.query(Field):
            if shown_field.display and shown_field.parent is not None and shown_field.parent.display:
                assert shown_field.region.right <= 80, shown_field.name
        await pilot.press("pagedown")
        assert focused_path(form) == "woman.contraception.method"
        await pilot.press("pageup")
        assert focused_path(form) == "name"
        man = await open_form(pilot, CODE, "h12-1")
        assert not man.query_one("#woman-start").display


async def test_keystrokes_per_field(example_db: db.DbTarget) -> None:
    """Design §5: keying a standard person record costs at most one key per field beyond its characters."""
    number = make_id("430426", dt.date(1990, 8, 17), 24)  # a woman
    values = [("relation", "12"), ("name", "刘芳"), ("ethnicity", "01"), ("id_number", number),
              ("hukou_nature", "2"), ("education", "70"), ("marital_status", "22"), ("first_marriage_date", "20150501"),
              ("marriage_change_date", "20180301"), ("spouse", "1"), ("mgmt", "01"), ("residence_status", "1"),
              ("political_status", "13")]  # fmt: skip
    app = app_for(example_db)
    presses = 0
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, None)
        for path, text in values:
            assert focused_path(form) == path, (path, focused_path(form))
            default = field(form, path).value
            keys = [] if default == text else list(text)  # a default is taken with Enter alone
            await pilot.press(*keys)
            presses += len(keys)
            await settle(pilot)
            if focused_path(form) == path:  # a fixed-length value did not move on by itself
                await pilot.press("enter")
                presses += 1
        await pilot.press("f2")
        presses += 1
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):  # a second wife of the householder is an error: save anyway
            await pilot.press("y")
        await settle(pilot, lambda: not form.dirty and not form.saving)
    data = sum(len(text) for _, text in values)
    fields = len(values) + 2  # sex and birth date come from the ID number
    assert presses - data <= fields, (presses, data, fields)
    stored = (await load_households([CODE]))[CODE]["members"][-1]
    assert (stored["name"], stored["sex"], stored["spouse"], stored["marital_status"]) == ("刘芳", "2", "h12-1", "22")
    assert stored["first_marriage_date"] == dt.date(2015, 5, 1)


async def test_keys_typed_while_saving_are_kept(example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    real = service.save_households
    calls: list[str] = []

    async def slow(records: list[dict], *, operator: str, **scope: Any) -> list[dict]:
        calls.append(next(m["name"] for m in records[0]["members"] if m["key"] == "h12-4"))
        await asyncio.sleep(0.5)  # a busy server: the clerk keeps typing
        return await real(records, operator=operator, **scope)

    monkeypatch.setattr(service, "save_households", slow)
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-4")
        assert focused_path(form) == "name"
        await pilot.press("end", "乙", "f2", "丙")
        assert form.saving and calls == ["周浩然乙"]  # 丙 came after the record was sent
        await settle(pilot, lambda: not form.saving and bool(form.saved))
        await settle(pilot)
        assert field(form, "name").value == "周浩然乙丙" and form.person["name"] == "周浩然乙丙"
        assert form.dirty and "未保存" in screen_text(pilot)
        assert (await load_households([CODE]))[CODE]["members"][3]["name"] == "周浩然乙"
        await pilot.press("f2")  # the new versions were taken: no conflict
        await settle(pilot, lambda: not form.saving and not form.dirty)
        assert "已保存" in screen_text(pilot)
    assert calls == ["周浩然乙", "周浩然乙丙"]
    assert (await load_households([CODE]))[CODE]["members"][3]["name"] == "周浩然乙丙"
    assert drafts.load(await drafts.key_for("demo", CODE)) is None


async def test_a_blank_new_member_is_not_stored(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, None)  # Ins, then the clerk changes their mind
        assert len(form.record["members"]) == 5
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: form.ready and form.person_key == "h12-1")
        await pilot.press("end", "甲", "f2")
        await settle(pilot)
        assert not isinstance(app.screen, ChoiceDialog)  # the blank member is not audited as an error
        await settle(pilot, lambda: not form.saving and not form.dirty)
        assert [m["key"] for m in form.record["members"]] == ["h12-1", "h12-2", "h12-3", "h12-4"]
        assert "1/4" in screen_text(pilot)
    stored = (await load_households([CODE]))[CODE]
    assert [(m["key"], m["name"]) for m in stored["members"]] == [
        ("h12-1", "周建军甲"), ("h12-2", "陈美华"), ("h12-3", "周欣怡"), ("h12-4", "周浩然")]  # fmt: skip


async def test_spouse_is_linked_on_both_sides(example_db: db.DbTarget) -> None:
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-2")  # 陈美华, spouse 1 周建军
        assert field(form, "spouse").value == "1"
        field(form, "spouse").focus()
        await pilot.press("backspace", "0")  # 户外配偶
        await settle(pilot, lambda: form.person["spouse"] is None)
        husband = form.record["members"][0]
        assert husband["spouse"] is None  # the old partner's link to her is dropped too
        await pilot.press("f2")
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
        await settle(pilot, lambda: not form.saving and not form.dirty)
        stored = (await load_households([CODE]))[CODE]["members"]
        assert (stored[0]["spouse"], stored[1]["spouse"]) == (None, None)
        field(form, "spouse").focus()
        await pilot.press("backspace", "1")  # back to 周建军: he points to her again
        await settle(pilot, lambda: form.person["spouse"] == "h12-1")
        assert form.record["members"][0]["spouse"] == "h12-2"
        assert form.record["members"][0]["spouse_external"] is None
        await pilot.press("f2")
        await settle(pilot)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
        await settle(pilot, lambda: not form.saving and not form.dirty)
    stored = (await load_households([CODE]))[CODE]["members"]
    assert (stored[0]["spouse"], stored[1]["spouse"]) == ("h12-2", "h12-1")


async def test_f2_without_enter_takes_initials_and_a_short_date(example_db: db.DbTarget) -> None:
    """Issue 9: a code typed by initials (one candidate shown) and a ``YYMMDD`` date, then F2 at once — both
    stored; two candidates refuse the save naming the item, and nothing is stored."""
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, CODE, "h12-1")
        field(form, "political_status").focus()
        await pilot.press(*"zgd", "f2")  # 中共党员 and 致公党党员
        await settle(pilot, lambda: any("政治面貌未选定：zgd" in n for n in app.notices))
        assert focused_path(form) == "political_status" and not form.saving
        await pilot.press("y", "tab")  # zgdy: 中共党员 only, taken on leaving
        assert field(form, "political_status").value == "01"
        field(form, "moved_in.date").focus()
        await pilot.press(*"200512", "f2")
        await settle(pilot, lambda: not form.dirty and not form.saving)
    man = next(m for m in (await load_households([CODE]))[CODE]["members"] if m["key"] == "h12-1")
    assert (man["political_status"], man["moved_in"]["date"]) == ("01", dt.date(2020, 5, 12))


async def test_a_member_opened_from_the_tree_shows_at_once_in_the_kept_form(example_db: db.DbTarget) -> None:
    """Issue 13: the form opened from the tree is loaded before it is shown (its first frame is the whole form,
    never "加载中…"), and the next opening fills the same widgets with another household's member."""
    from tui.screens.browse import BrowseScreen

    wang = "430426101202010021"  # 王德明 (f21-1) and his wife 杨丽 (f21-2)
    app = app_for(example_db)
    half: list[str] = []

    def watch(screen: object) -> None:
        if isinstance(screen, PersonForm) and not screen.ready:
            half.append(screen.person_key or "")

    async with app.run_test(size=(80, 24)) as pilot:
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        browse.open_person(CODE, "h12-2")  # a woman with children
        await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        first = app.screen
        assert isinstance(first, PersonForm)
        assert "加载中" not in screen_text(pilot) and "周欣怡" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is browse)
        app.screen_change_signal.subscribe(browse, watch)  # the kept form is filled before it is pushed
        browse.open_person(wang, "f21-1")  # a man of another household
        await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        form = app.screen
        assert form is first and isinstance(form, PersonForm) and half == []
        text = screen_text(pilot)
        assert "王德明" in text and "陈美华" not in text and "周欣怡" not in text and "2/" not in text.split("\n")[0]
        assert not form.query_one("#woman-start").display and field(form, "name").value == "王德明"
        assert not form.dirty and focused_path(form) == "name"
        field(form, "occupation").focus()
        await pilot.press("ctrl+u", *"木工", "f2")
        await settle(pilot, lambda: not form.saving and not form.dirty)
        if isinstance(app.screen, ChoiceDialog):
            await pilot.press("y")
            await settle(pilot, lambda: not form.saving and not form.dirty)
    stored = await load_households([wang, CODE])
    assert next(m for m in stored[wang]["members"] if m["key"] == "f21-1")["occupation"] == "木工"
    assert next(m for m in stored[CODE]["members"] if m["key"] == "h12-2")["occupation"] != "木工"


async def _until(pilot: Pilot, condition: Any, timeout: float = 20.0) -> None:
    """Pause until `condition()` holds (without waiting for the workers: the warm-up's may be paused)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the app did not reach the expected state"
        await pilot.pause(0.01)


async def test_enter_on_a_member_while_the_kept_form_is_built_opens_it_whole(
    example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: once the tree shows, the app builds its kept person form off screen, a few rows at a time,
    pausing while the clerk types. Keys typed meanwhile work; Enter on a member before the build ended finishes
    it at once and opens the member in it: the whole form in its first frame, focused, no "加载中…"."""
    from tui import app as app_module
    from tui.screens.browse import BrowseScreen, HouseholdTree
    from tui.screens.person_form import KEPT_NAME, LAST_ITEM

    monkeypatch.setattr(app_module, "WARM_IDLE", 0.0)  # idle until its first rows are built, then never
    app = app_for(example_db)
    half: list[str] = []

    def watch(screen: object) -> None:
        if isinstance(screen, PersonForm) and not screen.ready:
            half.append(screen.person_key or "")

    async with app.run_test(size=(80, 24)) as pilot:
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        tree = browse.query_one(HouseholdTree)
        await _until(pilot, lambda: app.is_screen_installed(KEPT_NAME))
        kept = app.get_screen(KEPT_NAME)
        assert isinstance(kept, PersonForm)

        def some_rows() -> bool:
            if kept.query(Field):
                monkeypatch.setattr(app_module, "WARM_IDLE", 3600.0)  # the build pauses from now on
                return True
            return False

        await _until(pilot, some_rows)
        await pilot.pause(0.2)
        assert kept.warming is not None and LAST_ITEM not in {f.name for f in kept.query(Field)}  # half built
        built = len(kept.query(Field))
        before = tree.cursor_line
        await pilot.press("down")  # the tree answers keys while the form is built behind it
        await _until(pilot, lambda: tree.cursor_line == before + 1)
        app.screen_change_signal.subscribe(browse, watch)
        browse.show_household(CODE, "h12-2", log=False)  # a woman with children
        await _until(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data is not None
                     and tree.cursor_node.data.key == "h12-2")  # fmt: skip
        assert kept.warming is not None and len(kept.query(Field)) == built  # (the build waited)
        tree.focus()
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        assert app.screen is kept and kept.warming is None and half == []
        text = screen_text(pilot)
        assert "加载中" not in text and "周欣怡" in text and "人员信息" in text
        assert focused_path(kept) == "name" and field(kept, "name").value == "陈美华"
        assert kept.query_one("#woman-start").display and LAST_ITEM in {f.name for f in kept.query(Field)}
        assert not kept.dirty
        monkeypatch.setattr(app_module, "WARM_IDLE", 0.0)  # (the warm-up's last step waits for a pause)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is browse)
        browse.open_person("430426101202010021", "f21-1")  # 王德明, another household: the same kept form
        await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        assert app.screen is kept and field(kept, "name").value == "王德明" and half == []
        assert not kept.query_one("#woman-start").display


async def test_the_app_closes_while_the_kept_form_is_built(
    example_db: db.DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quitting before the warm-up ended leaves nothing behind: no failure notice, no crash, exit status 0."""
    from tui import app as app_module
    from tui.screens.person_form import KEPT_NAME

    monkeypatch.setattr(app_module, "WARM_IDLE", 0.0)
    app = app_for(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: app.is_screen_installed(KEPT_NAME))
        kept = app.get_screen(KEPT_NAME)
        await _until(pilot, lambda: bool(kept.query(Field)))
        monkeypatch.setattr(app_module, "WARM_IDLE", 3600.0)  # the clerk keys on: the build waits
        await pilot.pause(0.3)
        assert isinstance(kept, PersonForm) and kept.warming is not None and app.notices == []
        await pilot.press("ctrl+q")
    assert app.return_code == 0 and app.notices == []
