"""The monthly change entry screen driven with Pilot at 80×24, as a clerk keys a paper change report: a birth
to a woman found by pinyin initials, a marriage, a death, a suspicious birth (a mother aged 14), Esc asking
when a line is half keyed. Asserts on the stored data and on what the screen shows."""

from __future__ import annotations

import copy
import datetime as dt
import json

from textual.pilot import Pilot
from textual.widgets import Static

from store import db, service
from store.idnumber import make_id
from store.records import load_households
from store.schema import set_setting
from tests.support.apps import make_app
from tests.support.pilot import screen_text, settle, shown
from tui.keys import reporting_month
from tui.screens.change_fields import set_value
from tui.screens.changes import ChangeEntryScreen, LeaveDialog
from tui.screens.help import HelpScreen
from tui.widgets import CodeField, DateField

ZHOU = "430426101201010012"
ZHAO = "430426101201020003"


def _screen(pilot: Pilot) -> ChangeEntryScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ChangeEntryScreen)
    return screen


def _text(pilot: Pilot, selector: str) -> str:
    if selector == "#ce-head":
        return _text(pilot, "#ce-head-left") + _text(pilot, "#ce-head-right")
    return shown(pilot.app.screen.query_one(selector))


def _batch(pilot: Pilot) -> list[str]:
    return [shown(line).strip() for line in pilot.app.screen.query_one("#ce-batch").query(Static)]


async def _find(pilot: Pilot, kind: str, query: str, expected: str) -> None:
    """Type the kind and the search text, wait for the hit, take it."""
    await pilot.press(kind, *query)
    await settle(pilot, lambda: expected in _text(pilot, "#ce-hit"))
    await pilot.press("enter")
    await settle(pilot, lambda: _screen(pilot).record is not None and _screen(pilot).fields_ready())


async def _type(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def _saved(pilot: Pilot, count: int) -> None:
    await settle(pilot, lambda: len(_batch(pilot)) == count and "保存中" not in _batch(pilot)[0])


async def _start(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.push_screen(ChangeEntryScreen(month="2026-10", unit_code="430426101201"))
    await settle(
        pilot, lambda: isinstance(pilot.app.screen, ChangeEntryScreen) and "东风村" in _text(pilot, "#ce-head")
    )


def _app(target: db.DbTarget):
    return make_app(target, "李敏")


async def test_a_clerk_keys_a_birth_a_marriage_and_a_death(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        head = _text(pilot, "#ce-head")
        assert "月度变更录入" in head and "2026年10月" in head and "本批 0 条" in head

        # 1 出生: the mother found by the initials of 陈美华; 孩次 and surname suggested
        await _find(pilot, "1", "cmh", "陈美华")
        screen = _screen(pilot)
        assert "陈美华(妻)" in _text(pilot, "#ce-hit")
        assert screen.fields["order"].value == "3" and screen.fields["name"].value == "周"
        await pilot.press("enter")  # 孩次 3 as suggested
        await _type(pilot, "小雨")
        await pilot.press("enter", "2")  # 性别 2 moves on by itself
        await _type(pilot, "20261008")  # a full date moves on by itself
        assert screen.fields["policy"].code == "1"  # a third child in 2026 is within the policy
        await pilot.press("enter", "enter", "enter")  # no ID yet; 政策属性 1; 血缘 1 and save
        await _saved(pilot, 1)
        record = (await load_households([ZHOU]))[ZHOU]
        child = next(p for p in record["members"] if p["name"] == "周小雨")
        assert (child["sex"], child["birth_date"], child["mother"], child["relation"]) == (
            "2",
            dt.date(2026, 10, 8),
            "h12-2",
            "30",
        )
        mother = next(p for p in record["members"] if p["key"] == "h12-2")
        assert mother["woman"]["children"][-1]["order"] == 3
        line = _batch(pilot)[0]
        assert "出生" in line and "周小雨" in line and "东风村一组0012" in line and "2026-10-08" in line
        assert "W REQ7" in line  # a newborn without an ID number yet
        assert "本批 1 条  已保存 1" in _text(pilot, "#ce-head")
        assert app.focused is screen.query_one("#ce-kind")  # ready for the next line
        assert screen.query_one("#ce-search").value == ""  # type: ignore[attr-defined]

        # 5 结婚: the widow 赵桂英 remarries a man without a record here
        await pilot.press("5")
        await _type(pilot, "zgy")
        await settle(pilot, lambda: "赵桂英" in _text(pilot, "#ce-hit"))
        await pilot.press("enter")
        await settle(pilot, lambda: screen.record is not None and screen.fields_ready())
        assert screen.fields["status"].code == "22"  # 再婚 suggested: she has a first-marriage date
        await pilot.press("enter")
        await _type(pilot, "20261005")
        await _type(pilot, "钱老汉")
        await pilot.press("enter", "enter", "enter", "enter")  # no ID, place or move-in: Enter on the last saves
        await _saved(pilot, 2)
        widow = next(p for p in (await load_households([ZHAO]))[ZHAO]["members"] if p["key"] == "h3-1")
        assert (widow["marital_status"], widow["marriage_change_date"]) == ("22", dt.date(2026, 10, 5))
        assert widow["spouse_external"]["name"] == "钱老汉"
        assert "结婚" in _batch(pilot)[0] and "赵桂英" in _batch(pilot)[0]

        # 2 死亡: 周建军 by the last digits of his ID number
        await pilot.press("2")
        await _type(pilot, "0133")
        await settle(pilot, lambda: "周建军" in _text(pilot, "#ce-hit"))
        await pilot.press("enter")
        await settle(pilot, lambda: screen.record is not None and screen.fields_ready())
        await _type(pilot, "20261003")  # moves on to 新户主序号: the householder died
        assert "户主死亡" in _text(pilot, "#ce-message") and "1陈美华" in _text(pilot, "#ce-message")
        assert screen.fields["new_head"].value == "1"  # his wife suggested
        await pilot.press("enter")
        await _saved(pilot, 3)
        man = next(p for p in (await load_households([ZHOU]))[ZHOU]["members"] if p["key"] == "h12-1")
        assert man["death_date"] == dt.date(2026, 10, 3) and man["cancel"]["reason"] == "01"
        lines = _batch(pilot)
        assert "死亡" in lines[0] and "周建军" in lines[0] and "2026-10-03" in lines[0]
        assert "本批 3 条  已保存 3" in _text(pilot, "#ce-head")
        events = await db.fetch("SELECT kind FROM change_event WHERE operator = ? ORDER BY id", ["李敏"])
        assert [r[0] for r in events] == ["birth", "remarriage", "death", "widowed"]
        widow = next(p for p in (await load_households([ZHOU]))[ZHOU]["members"] if p["key"] == "h12-2")
        assert (widow["relation"], widow["marital_status"]) == ("02", "30")

        # F5 re-audits the batch: meanwhile the newborn got her ID number, so only the marriage is left
        assert [line.split()[-1] for line in lines] == ["✓", "MAR4", "REQ7"]
        record = copy.deepcopy((await load_households([ZHOU]))[ZHOU])
        child = next(p for p in record["members"] if p["name"] == "周小雨")
        child["id_number"] = make_id("430426", dt.date(2026, 10, 8), 24)
        await service.save_household(record, operator="王五")
        await pilot.press("f5")
        await settle(pilot, lambda: "已核对本批" in _text(pilot, "#ce-message"))
        assert "已核对本批 3 条，1 条有问题。" in _text(pilot, "#ce-message")
        lines = _batch(pilot)
        assert [line.split()[-1] for line in lines] == ["✓", "MAR4", "✓"]
        assert "赵桂英" in lines[1] and "W MAR4" in lines[1] and "周小雨" in lines[2]


async def test_a_suspicious_birth_is_warned_and_flagged(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        screen = _screen(pilot)
        await _find(pilot, "1", "zxy", "周欣怡")  # born 2011-05-08: 14 years old in March 2026
        assert screen.fields["order"].value == "1" and screen.fields["name"].value == "周"
        await pilot.press("enter")
        await _type(pilot, "小宝")
        await pilot.press("enter", "1")
        await _type(pilot, "20260301")
        await settle(pilot, lambda: "母亲生育时 14 岁" in _text(pilot, "#ce-message"))
        await pilot.press("f2")  # findings never block saving
        await _saved(pilot, 1)
        line = _batch(pilot)[0]
        assert "周小宝" in line and "W CH04" in line
        rows = await db.fetch("SELECT rule FROM finding WHERE person_key = ?", ["h12-3"])
        assert "CH04" in {r[0] for r in rows}


async def test_wrong_line_stays_for_correction_and_esc_asks(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        screen = _screen(pilot)
        await pilot.press("f2")
        await settle(pilot, lambda: "请先查找" in _text(pilot, "#ce-message"))
        assert app.focused is screen.query_one("#ce-search")
        await pilot.press("shift+tab")  # back to the kind
        await _find(pilot, "9", "yl", "杨丽")  # 9 妊娠结局 without a recorded pregnancy
        await pilot.press("4")
        await _type(pilot, "20261010")
        await pilot.press("enter")
        await settle(pilot, lambda: "没有未录结局的孕情" in _text(pilot, "#ce-message"))
        assert _batch(pilot) == [] and screen.record is not None  # nothing saved, the line is kept
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, LeaveDialog))
        await pilot.press("n")
        await settle(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, LeaveDialog))
        await pilot.press("y")
        await settle(pilot, lambda: not isinstance(app.screen, ChangeEntryScreen | LeaveDialog))


async def test_help_and_default_month(example_db: db.DbTarget) -> None:
    assert reporting_month(dt.date(2026, 11, 22)) == "2026-10"
    assert reporting_month(dt.date(2026, 1, 3)) == "2025-12"
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        before = squeeze(screen_text(app.screen))
        topic = [squeeze(line) for line in ChangeEntryScreen.HELP.splitlines() if line.strip()]
        new = [line for line in topic if line not in before]
        assert len(new) >= 5  # most of the screen's help is not on the screen itself
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = squeeze(screen_text(app.screen))
        assert [line for line in new if line not in text] == []
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ChangeEntryScreen))


def squeeze(text: str) -> str:
    """`text` without white space (wrapped lines compare equal to unwrapped ones)."""
    return "".join(text.split())


async def test_a_conflict_reloads_the_household_and_keeps_the_typed_line(example_db: db.DbTarget) -> None:
    """Another session saves the household while a birth is keyed: F2 reads it again (the typed fields stay),
    the next F2 saves; searching the mother again keeps what was typed; each opening is logged as a view."""
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "1", "cmh", "陈美华")
        screen = _screen(pilot)
        await pilot.press("enter", *"小雨", "enter", "2", *"20261008")
        other = copy.deepcopy((await load_households([ZHOU]))[ZHOU])  # meanwhile another clerk saves a phone
        other["household"]["phone"] = "13900000000"
        await service.save_household(other, operator="王五")
        await pilot.press("f2")
        await settle(pilot, lambda: not screen.saving and "已重新读取" in _text(pilot, "#ce-message"))
        assert "这一户刚被其他人修改，已重新读取，请核对后按 F2 保存。" in _text(pilot, "#ce-message").replace("\n", "")
        assert _batch(pilot) == [] and "本批 0 条" in _text(pilot, "#ce-head")
        assert screen.fields["name"].value == "周小雨" and screen.fields["birth_date"].value_date == dt.date(
            2026, 10, 8
        )
        # the clerk searches the mother again: the typed name stays, the 孩次 still holds the suggestion
        await pilot.press("f3", "end", "ctrl+u", *"cmh")
        await settle(pilot, lambda: "陈美华" in _text(pilot, "#ce-hit"))
        await pilot.press("enter")
        await settle(pilot, lambda: screen.record is not None and screen.fields_ready())
        await settle(pilot)
        assert (screen.fields["order"].value, screen.fields["name"].value) == ("3", "周小雨")
        assert screen.fields["birth_date"].value_date == dt.date(2026, 10, 8)
        await pilot.press("f2")
        await _saved(pilot, 1)
        assert "周小雨" in _batch(pilot)[0]
        record = (await load_households([ZHOU]))[ZHOU]
        assert record["household"]["phone"] == "13900000000"  # the other clerk's change is kept
        assert [p["name"] for p in record["members"]].count("周小雨") == 1
        views = await db.fetch("SELECT target FROM audit_log WHERE username = ? AND action = ?", ["李敏", "view"])
        assert [r[0] for r in views].count(ZHOU) == 2  # both openings of 陈美华's household


async def test_typed_fields_are_never_overwritten_by_a_suggestion(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "1", "cmh", "陈美华")
        screen = _screen(pilot)
        await pilot.press("backspace", "2", "enter", *"小雨", "enter", "2")  # 孩次 2 typed over the suggested 3
        await pilot.press("f3", "end", "ctrl+u", *"cmh")
        await settle(pilot, lambda: "陈美华" in _text(pilot, "#ce-hit"))
        await pilot.press("enter")
        await settle(pilot, lambda: screen.record is not None and screen.fields_ready())
        await settle(pilot)
        assert (screen.fields["order"].value, screen.fields["name"].value) == ("2", "周小雨")


async def test_policy_is_suggested_from_the_database_audit_settings(example_db: db.DbTarget) -> None:
    """A county whose ceiling stays at two children: a third child of 2026 is suggested 2 政策外."""
    config = {"regions": {"430426": {"policy": [{"since": "min", "ceiling": 2}]}}}
    await set_setting("audit_config", json.dumps(config))
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "1", "cmh", "陈美华")
        screen = _screen(pilot)
        await pilot.press("enter", *"小雨", "enter", "2", *"20261008")
        await settle(pilot)
        assert screen.fields["policy"].code == "2"


async def test_f2_without_enter_takes_the_code_and_the_date_shown(example_db: db.DbTarget) -> None:
    """The clerk's trial (issue 9): 迁入 with 婚姻 typed as ``so`` (30丧偶 shown) and F2 stored the default 10;
    a date typed as ``261005`` and F2 was ignored. Key by key here (test_input_commit.py sends them at once)."""
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "3", "zjj", "周建军")
        screen = _screen(pilot)
        fields = screen.fields
        for name, value in (("name", "孙秀兰"), ("sex", "2"), ("birth_date", dt.date(1960, 1, 1)), ("relation", "97"),
                            ("from_code", "430481")):  # fmt: skip
            set_value(fields[name], value)
        for name, value in (
            ("first_marriage_date", dt.date(1980, 5, 1)),
            ("marriage_change_date", dt.date(2001, 3, 2)),
        ):
            if name in fields:  # the kind asks for the marriage dates of a newcomer who was married
                set_value(fields[name], value)
        date = fields["date"]
        assert isinstance(date, DateField)
        date.focus()
        await pilot.press(*"261005")  # six digits: only Enter (or F2) reads them
        assert date.value_date is None
        fields["marital_status"].focus()
        await pilot.press(*"so")
        marital = fields["marital_status"]
        assert isinstance(marital, CodeField) and "30丧偶" in shown(marital.status) and marital.code is None
        await pilot.press("f2")
        await _saved(pilot, 1)
    newcomer = next(m for m in (await load_households([ZHOU]))[ZHOU]["members"] if m["name"] == "孙秀兰")
    assert (newcomer["marital_status"], newcomer["moved_in"]["date"]) == ("30", dt.date(2026, 10, 5))


async def test_f2_on_a_date_that_is_not_complete_names_the_field(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(pilot)
        await _find(pilot, "2", "0133", "周建军")
        await pilot.press(*"2026101", "f2")
        await settle(pilot, lambda: "死亡日期：日期位数不对：2026101" in _text(pilot, "#ce-message").replace("\n", ""))
        assert _batch(pilot) == []
    man = next(p for p in (await load_households([ZHOU]))[ZHOU]["members"] if p["key"] == "h12-1")
    assert man["death_date"] is None
