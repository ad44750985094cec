"""What the month's acceptance test found, one regression test each.

- 分户 asks who heads the household left only when its householder leaves (proposing the spouse), and
  proposes the new household's householder (the householder leaving, else the member chosen);
- 迁往他户 of a married member whose spouse lives in the same household offers to move the spouse too (Y by
  default), so no couple is left split across two households (MAR7);
- the change events of the household workflows carry the month they count in (a closed month: the next open);
- Esc on the change entry leaves without a question when only a kind's defaults are on the line (婚姻 10 of
  迁入, 注销原因 99 …), and still asks when something was keyed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from checks.engine import reaudit_households
from store import db, household_ops
from store.domain import families
from store.records import load_households
from tests.support.apps import make_app
from tests.support.pilot import screen_text, settle
from tui import services
from tui.screens.changes import ChangeEntryScreen, LeaveDialog
from tui.screens.household_dialogs import OpDialog
from tui.screens.household_form import HouseholdForm

ZHOU = "430426101201010012"  # 周建军 h12-1 (户主), 陈美华 h12-2 (妻), 周欣怡 h12-3, 周浩然 h12-4
ZHAO = "430426101201020003"  # 赵桂英 h3-1, alone
NEXT = "430426101201010013"  # the next free number of 一组


async def _record(code: str) -> dict[str, Any]:
    return (await load_households([code]))[code]


def _relations(record: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p["relation"] for p in families.active_members(record)}


async def _events() -> list[tuple[str, str, str, str | None]]:
    rows = await db.fetch(
        "SELECT e.kind, e.event_date, p.key, e.report_month FROM change_event e JOIN person p ON p.id = e.person_id "
        "WHERE e.kind IN ('transfer', 'split', 'merge', 'householder') ORDER BY e.id"
    )
    return [(str(r[0]), str(r[1])[:10], str(r[2]), r[3]) for r in rows]


async def _mar7(*codes: str) -> list[str]:
    return sorted(f.person_key or "" for f in await reaudit_households(list(codes)) if f.rule == "MAR7")


def test_split_heads_proposes_the_obvious_householders() -> None:
    record = {
        "household": {"code": ZHOU},
        "members": [
            {"key": "a", "relation": "02", "spouse": "b", "birth_date": dt.date(1980, 1, 1), "cancel": None},
            {"key": "b", "relation": "12", "spouse": "a", "birth_date": dt.date(1982, 1, 1), "cancel": None},
            {"key": "c", "relation": "20", "birth_date": dt.date(1960, 1, 1), "cancel": None},
            {"key": "d", "relation": "30", "birth_date": dt.date(2010, 1, 1), "cancel": None},
        ],
    }
    assert families.split_heads(record, ["d", "c"]) == ("d", None)  # the householder stays: nothing to ask
    assert families.split_heads(record, ["a", "d"]) == ("a", "b")  # he leaves: his wife stays and takes over
    assert families.split_heads(record, ["a", "b"]) == ("a", "c")  # both leave: the oldest left
    assert families.split_heads(record, ["a", "b", "c", "d"]) == ("a", None)  # nobody left


async def _form(pilot: Pilot, code: str) -> HouseholdForm:
    await settle(pilot)
    form = HouseholdForm(code, code[:12])
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready)
    return form


async def _select(pilot: Pilot, form: HouseholdForm, n: int) -> None:
    members = form.query_one("#members", OptionList)
    members.focus()
    members.highlighted = n - 1
    await settle(pilot)


def _dialog(pilot: Pilot) -> OpDialog:
    dialog = pilot.app.screen
    assert isinstance(dialog, OpDialog)
    return dialog


async def test_split_asks_the_new_householder_only_when_the_householder_leaves(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(pilot, ZHOU)
        await _select(pilot, form, 3)  # 周欣怡
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, OpDialog))
        dialog = _dialog(pilot)
        assert not dialog.query_one("#op-row-new_head").display  # the householder stays: not asked
        await pilot.press("enter", "enter", *"20261007", "enter")  # 周欣怡 alone, she heads the new household
        await settle(pilot, lambda: form.ready and len(form.record["members"]) == 3)
        assert _relations(await _record(NEXT)) == {"h12-3": "02"}

        await _select(pilot, form, 1)  # 周建军, the householder, with 周浩然
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, OpDialog))
        dialog = _dialog(pilot)
        await pilot.press("end", " ", "3", "enter")
        assert dialog.query_one("#op-head").value == "1"  # he heads the new household, as proposed
        await pilot.press("enter", *"20261008", "enter")
        await settle(pilot, lambda: dialog.query_one("#op-row-new_head").display)
        assert dialog.query_one("#op-new_head").value == "2"  # 陈美华, his wife, stays: proposed
        assert "本户新户主序号" in screen_text(dialog)
        await pilot.press("enter")
        await settle(pilot, lambda: form.ready and len(form.record["members"]) == 1)
    assert _relations(await _record(ZHOU)) == {"h12-2": "02"}
    assert _relations(await _record("430426101201010014")) == {"h12-1": "02", "h12-4": "20"}


async def test_a_bad_split_answer_changes_nothing(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(pilot, ZHOU)
        version = form.record["_version"]
        await _select(pilot, form, 3)
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, OpDialog))
        await pilot.press("ctrl+u", "9", "enter", "enter", "enter")  # no member 9
        await settle(pilot, lambda: not isinstance(app.screen, OpDialog))
        await settle(pilot, lambda: "请按成员序号填写分出的人和新户户主。" in app.notices)
    assert (await _record(ZHOU))["_version"] == version
    assert (await load_households([NEXT])).get(NEXT) is None


async def test_moving_a_married_member_takes_the_spouse_along(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(pilot, ZHOU)
        await _select(pilot, form, 2)  # 陈美华; her husband is the householder
        await pilot.press("f4")
        await settle(pilot, lambda: isinstance(app.screen, OpDialog))
        dialog = _dialog(pilot)
        text = screen_text(dialog)
        assert "配偶周建军同迁Y/N" in text and "填 N 则夫妻分住两户，审核将报“配偶不在同一户”。" in text
        await pilot.press(*ZHAO, "enter", *"20261004", "enter")
        assert dialog.query_one("#op-with_spouse").value == "Y"
        await pilot.press("enter")  # Y: he goes too, so the household left needs a householder
        await settle(pilot, lambda: dialog.query_one("#op-row-new_head").display)
        assert dialog.query_one("#op-new_head").value == "2"  # 周欣怡 (1 would be 周建军 himself)
        await pilot.press("enter")
        await settle(pilot, lambda: form.ready and len(form.record["members"]) == 2)
    zhao = await _record(ZHAO)
    assert {"h12-1", "h12-2"} <= set(_relations(zhao))
    assert _relations(await _record(ZHOU))["h12-3"] == "02"
    assert await _mar7(ZHOU, ZHAO) == []
    assert [(k, key, m) for k, _, key, m in await _events()] == [("transfer", "h12-2", "2026-10"),
                                                                 ("transfer", "h12-1", "2026-10")]  # fmt: skip


async def test_moving_alone_when_the_clerk_says_so_is_reported_by_the_audit(example_db: db.DbTarget) -> None:
    await household_ops.move_member(ZHOU, "h12-2", ZHAO, operator="李敏", date="2026-10-04", with_spouse=False)
    assert await _mar7(ZHOU, ZHAO) == ["h12-1", "h12-2"]


async def test_workflow_events_count_in_their_month_or_the_next_open_one(example_db: db.DbTarget) -> None:
    await household_ops.move_member(ZHOU, "h12-3", ZHAO, operator="李敏", date="2026-10-04")
    await services.close_month("2026-10", "审核员", "430426101", force=True)
    await household_ops.move_member(ZHAO, "h12-3", ZHOU, operator="李敏", date="2026-10-20")  # late: 补报
    await household_ops.change_householder(ZHOU, "h12-2", operator="李敏", today=dt.date(2026, 11, 3))
    entered = f"{dt.date.today():%Y-%m}"  # October is closed: the month the late line is entered in
    assert await _events() == [
        ("transfer", "2026-10-04", "h12-3", "2026-10"),
        ("transfer", "2026-10-20", "h12-3", entered),
        ("householder", "2026-11-03", "h12-2", "2026-11"),
    ]


async def _entry(pilot: Pilot) -> ChangeEntryScreen:
    await settle(pilot)
    screen = ChangeEntryScreen(month="2026-10", unit_code="430426101201")
    pilot.app.push_screen(screen)
    await settle(pilot, lambda: pilot.app.screen is screen and screen.fields_ready())
    return screen


async def test_esc_leaves_at_once_when_only_defaults_are_on_the_line(example_db: db.DbTarget) -> None:
    app = make_app(example_db, "李敏")
    async with app.run_test(size=(80, 24)) as pilot:
        for kind in ("3", "x", "4", "1"):  # 婚姻 10, 注销原因 99, 迁出原因 02, 血缘 1
            screen = await _entry(pilot)
            await pilot.press(kind)
            await settle(pilot, lambda: screen.fields_ready())  # noqa: B023
            await pilot.press("escape")
            await settle(pilot, lambda: app.screen is not screen)  # noqa: B023
            assert not isinstance(app.screen, LeaveDialog)
        screen = await _entry(pilot)
        await pilot.press("3")
        await settle(pilot, lambda: screen.fields_ready())
        screen.fields["marital_status"].focus()
        await pilot.press("ctrl+u", *"21", "escape")  # keyed: asked, N stays
        await settle(pilot, lambda: isinstance(app.screen, LeaveDialog))
        await pilot.press("n")
        await settle(pilot, lambda: app.screen is screen)
