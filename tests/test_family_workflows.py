"""Family workflows end to end: each leaves stored records, change events and no error the clerk cannot fix.

Store level (SQLite and PostgreSQL): 怀孕 with a future due date counted in the month reported; a marriage
across households moving the spouse in; a householder's death naming the new one and widowing the spouse;
a divorce; an outside spouse who moves in later; the household form's workflows (move, remove, change of
householder, 分户, 并户). Pilot at 80×24: the same from the keyboard.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from checks.engine import reaudit_households
from exports.monthly_data import read_changes, read_counts
from exports.request import Month
from exports.returns_spec import PREGNANCY
from store import changes, db, household_ops
from store.errors import StoreError
from store.idnumber import make_id
from store.importer import import_file
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import EXAMPLE_FILE
from tests.support.pilot import settle, shown
from tui.screens.changes import ChangeEntryScreen
from tui.screens.household_dialogs import OpDialog
from tui.screens.household_form import HouseholdForm

TODAY = dt.date(2026, 11, 15)
ZHOU = "430426101201010012"  # 周建军 h12-1 (户主), 陈美华 h12-2 (妻), 周欣怡 h12-3, 周浩然 h12-4
ZHAO = "430426101201020003"  # 赵桂英 h3-1, widowed, alone
WANG = "430426101202010021"  # 王德明 f21-1 (户主) and 杨丽 f21-2 (妻), 流入, another village
HIS_ID = make_id("430426", dt.date(1996, 2, 3), 15)
HER_ID = make_id("430426", dt.date(1995, 3, 4), 22)


@pytest.fixture
async def loaded(store_db: db.DbTarget) -> db.DbTarget:
    await import_file(EXAMPLE_FILE, operator="导入员")
    return store_db


async def _save(kind: str, code: str, **fields: Any) -> changes.SavedChange:
    return await changes.save_change(kind, code, fields, operator="李敏", today=TODAY)


async def _events(since: int = 0) -> list[tuple[str, str, str, str]]:
    rows = await db.fetch(
        "SELECT e.kind, e.event_date, p.key, e.household_code FROM change_event e JOIN person p ON p.id = e.person_id "
        "WHERE e.id > ? ORDER BY e.id",
        [since],
    )
    return [(str(r[0]), str(r[1])[:10], str(r[2]), str(r[3])) for r in rows]


async def _mark() -> int:
    return int(await db.scalar("SELECT coalesce(max(id), 0) FROM change_event") or 0)


async def _record(code: str) -> dict[str, Any]:
    return (await load_households([code]))[code]


def _member(record: dict[str, Any], key: str) -> dict[str, Any]:
    return changes.find_member(record, key)


async def _errors(*codes: str) -> list[str]:
    findings = await reaudit_households(list(codes))
    return sorted(f"{f.rule} {f.person_key}" for f in findings if f.severity == "E")


# --- store level -----------------------------------------------------------------------------------


async def _reported_in(month: Month) -> int:
    """本月怀孕 of 东风村 in the monthly returns."""
    village = "430426101201"
    counts = await read_counts(village, month, [village])
    return counts.counts[PREGNANCY.key][village][PREGNANCY.count_headers.index("本月怀孕")]


async def test_pregnancy_with_a_future_due_date_counts_in_the_month_reported(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("pregnancy", ZHOU, person="h12-2", lmp="2026-08-20", edd="2027-05-27", reported="2026-10-09")
    pregnancy = _member(saved.record, "h12-2")["woman"]["pregnancies"][-1]
    assert (pregnancy["edd"], pregnancy["reported"]) == (dt.date(2027, 5, 27), dt.date(2026, 10, 9))
    assert saved.date == dt.date(2026, 10, 9)
    assert await _events(mark) == [("pregnancy", "2026-10-09", "h12-2", ZHOU)]
    october = [(r.kind, r.name) for r in await read_changes("", Month(2026, 10), {})]
    august = [(r.kind, r.name) for r in await read_changes("", Month(2026, 8), {})]
    assert ("怀孕", "陈美华") in october and ("怀孕", "陈美华") not in august
    assert (await _reported_in(Month(2026, 10)), await _reported_in(Month(2026, 8))) == (1, 0)


async def test_marriage_across_households_moves_the_spouse_in(loaded: db.DbTarget) -> None:
    him = await _save("move_in", ZHAO, name="刘强", id_number=HIS_ID, sex="1", birth_date="1996-02-03",
                      relation="93", date="2026-09-11", from_code="430421", reason="投亲")  # fmt: skip
    her = await _save("move_in", ZHOU, name="孙丽", id_number=HER_ID, sex="2", birth_date="1995-03-04",
                      relation="97", date="2026-09-12", from_code="430421", reason="投亲")  # fmt: skip
    mark = await _mark()
    saved = await _save("marriage", ZHAO, person=him.person_key, date="2026-10-06", spouse_id_number=HER_ID, join=True)
    assert saved.codes == [ZHAO, ZHOU]
    zhao, zhou = await _record(ZHAO), await _record(ZHOU)
    wife = _member(zhao, her.person_key)
    assert her.person_key not in {p["key"] for p in zhou["members"]}
    assert (wife["spouse"], _member(zhao, him.person_key)["spouse"]) == (him.person_key, her.person_key)
    assert (wife["marital_status"], wife["first_marriage_date"], wife["relation"]) == ("21", dt.date(2026, 10, 6), "97")
    assert sorted(await _events(mark)) == sorted([
        ("first_marriage", "2026-10-06", him.person_key, ZHAO), ("first_marriage", "2026-10-06", her.person_key, ZHAO),
        ("transfer", "2026-10-06", her.person_key, ZHAO),  # within the village: not a 迁入 again
    ])  # fmt: skip
    assert not [e for e in await _errors(ZHAO, ZHOU) if e.startswith("MAR7")]
    # a spouse who lives elsewhere: where she lives is recorded with her name and ID
    other = await _save("marriage", ZHOU, person="h12-1", date="2026-10-07", status="22", spouse_name="外人",
                        spouse_place_code="431102", force=True)  # fmt: skip
    del other


async def test_householder_death_names_the_new_householder_and_widows_the_spouse(loaded: db.DbTarget) -> None:
    with pytest.raises(StoreError, match="户主死亡，请选定新户主"):
        await _save("death", ZHOU, person="h12-1", date="2026-10-03")
    mark = await _mark()
    saved = await _save("death", ZHOU, person="h12-1", date="2026-10-03", new_head="h12-2")
    record = saved.record
    relations = {p["key"]: p["relation"] for p in record["members"]}
    assert relations == {"h12-1": "02", "h12-2": "02", "h12-3": "32", "h12-4": "22"}
    widow = _member(record, "h12-2")
    assert (widow["marital_status"], widow["marriage_change_date"], widow["spouse"]) == (
        "30",
        dt.date(2026, 10, 3),
        None,
    )
    assert sorted(await _events(mark)) == [
        ("death", "2026-10-03", "h12-1", ZHOU),
        ("widowed", "2026-10-03", "h12-2", ZHOU),
    ]
    errors = await _errors(ZHOU)
    assert not [e for e in errors if e.startswith(("HH01", "MAR", "REQ4"))], errors


async def test_divorce_makes_the_former_wife_a_non_relative(loaded: db.DbTarget) -> None:
    saved = await _save("divorce", WANG, person="f21-1", date="2026-10-09")
    wife = _member(saved.record, "f21-2")
    assert (wife["relation"], wife["marital_status"], wife["spouse"]) == ("99", "40", None)
    assert _member(saved.record, "f21-1")["relation"] == "02"
    assert not [e for e in await _errors(WANG) if e.startswith(("HH", "MAR"))]


async def test_an_outside_spouse_who_moves_in_later_is_linked_by_id(loaded: db.DbTarget) -> None:
    await _save("marriage", ZHAO, person="h3-1", date="2026-10-05", spouse_name="钱老汉", spouse_id_number=HIS_ID)
    mark = await _save("move_in", ZHAO, name="钱老汉", id_number=HIS_ID, sex="1", birth_date="1996-02-03",
                       relation="97", date="2026-10-20", from_code="430421", reason="婚迁")  # fmt: skip
    record = await _record(ZHAO)
    newcomer, widow = _member(record, mark.person_key), _member(record, "h3-1")
    assert (widow["spouse"], newcomer["spouse"], widow["spouse_external"]) == (mark.person_key, "h3-1", None)
    assert (newcomer["marital_status"], newcomer["first_marriage_date"]) == ("21", dt.date(2026, 10, 5))
    assert not [e for e in await _errors(ZHAO) if e.startswith("MAR")]


async def test_inflow_woman_keeps_her_marriage_and_move_out_its_destination(loaded: db.DbTarget) -> None:
    saved = await _save("inflow", ZHAO, name="孙丽", id_number=HER_ID, sex="2", birth_date="1995-03-04",
                        relation="99", date="2026-10-06", place_code="431102", reason="务工", marital_status="21",
                        first_marriage_date="2018-05-01")  # fmt: skip
    woman = _member(saved.record, saved.person_key)
    assert (woman["marital_status"], woman["first_marriage_date"]) == ("21", dt.date(2018, 5, 1))
    assert not [e for e in await _errors(ZHAO) if e.startswith(("REQ3", "MAR3"))]
    with pytest.raises(StoreError, match="请填写初婚日期"):
        await _save("inflow", WANG, name="某", sex="2", birth_date="1990-01-01", relation="99", date="2026-10-06",
                    place_code="431102", marital_status="21")  # fmt: skip
    with pytest.raises(StoreError, match="迁往地"):
        await _save("move_out", ZHOU, person="h12-4", date="2026-10-20", reason="02")
    saved = await _save("move_out", ZHOU, person="h12-4", date="2026-10-20", reason="02", to_code="440300")
    assert _member(saved.record, "h12-4")["cancel"]["to_code"] == "440300"
    assert _member(saved.record, "h12-4")["cancel"]["to_place"]  # named from the code


# --- the household form's workflows, store level -----------------------------------------------------


async def test_move_remove_change_householder_split_and_merge(loaded: db.DbTarget) -> None:
    op = dict(operator="李敏", today=TODAY)
    mark = await _mark()
    moved = await household_ops.move_member(ZHOU, "h12-3", ZHAO, date="2026-10-04", relation="44", **op)
    assert moved.codes == [ZHOU, ZHAO]
    assert _member(await _record(ZHAO), "h12-3")["relation"] == "44"
    assert _member(await _record(ZHAO), "h12-3")["moved_in"] is None  # within the village
    to_other_village = await household_ops.move_member(ZHAO, "h12-3", WANG, date="2026-10-05", **op)
    assert _member(to_other_village.records[1], "h12-3")["moved_in"]["date"] == dt.date(2026, 10, 5)
    removed = await household_ops.remove_member(ZHOU, "h12-4", reason="02", date="2026-10-06", to_code="440300", **op)
    assert _member(removed.record, "h12-4")["cancel"]["to_code"] == "440300"
    with pytest.raises(StoreError, match="户主"):
        await household_ops.remove_member(ZHOU, "h12-1", reason="05", **op)
    head = await household_ops.change_householder(ZHOU, "h12-2", **op)
    assert {p["key"]: p["relation"] for p in head.record["members"] if not p["cancel"]} == {
        "h12-1": "11",
        "h12-2": "02",
    }
    split = await household_ops.split_household(ZHOU, ["h12-1"], "h12-1", date="2026-10-07", **op)
    new_code = split.record["household"]["code"]
    assert new_code == "430426101201010013" and _member(split.record, "h12-1")["relation"] == "02"
    merged = await household_ops.merge_households(new_code, ZHOU, date="2026-10-08", **op)
    assert merged.records[1]["household"]["status"] == "closed"
    assert _member(await _record(ZHOU), "h12-1")["relation"] == "11"
    kinds = [(kind, key) for kind, _, key, _ in await _events(mark)]
    assert kinds == [("transfer", "h12-3"), ("move_in", "h12-3"), ("move_out", "h12-4"), ("householder", "h12-2"),
                     ("split", "h12-1"), ("merge", "h12-1")]  # fmt: skip
    listed = [r.kind for r in await read_changes("", Month(2026, 10), {})]
    assert {"户间迁移", "分户", "并户", "迁出"} <= set(listed)
    errors = await _errors(ZHOU, ZHAO, new_code)
    assert not [e for e in errors if e.startswith(("HH01", "HH04", "HH05", "MAR6", "MAR7"))], errors


# --- from the keyboard (Pilot, 80×24) ------------------------------------------------------------------


def _app(target: db.DbTarget):
    return make_app(target, "李敏")


async def _entry(pilot: Pilot) -> ChangeEntryScreen:
    await settle(pilot)
    screen = ChangeEntryScreen(month="2026-10", unit_code="430426101201")
    pilot.app.push_screen(screen)
    await settle(pilot, lambda: pilot.app.screen is screen and screen.fields_ready())
    return screen


async def _pick(pilot: Pilot, screen: ChangeEntryScreen, kind: str, query: str, expected: str) -> None:
    await pilot.press(kind, *query)
    await settle(pilot, lambda: expected in shown(screen.query_one("#ce-hit")))
    await pilot.press("enter")
    await settle(pilot, lambda: screen.record is not None and screen.fields_ready())


async def _line_saved(pilot: Pilot, screen: ChangeEntryScreen, count: int) -> None:
    await settle(pilot, lambda: len(screen.batch) == count and screen.batch[-1].status != "保存中…")


async def test_keyed_pregnancy_with_a_future_due_date_lands_in_the_report_month(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _entry(pilot)
        await _pick(pilot, screen, "8", "cmh", "陈美华")
        await pilot.press(*"20260820")  # LMP two months before the report month: no month warning
        await settle(pilot, lambda: screen.fields["edd"].value_date is not None)  # type: ignore[attr-defined]
        assert screen.fields["edd"].value_date == dt.date(2027, 5, 27)  # type: ignore[attr-defined]  # future
        assert "不在本月报" not in shown(screen.query_one("#ce-message"))
        assert screen.fields["reported"].value_date == dt.date(2026, 10, 31)  # type: ignore[attr-defined]
        await pilot.press("enter", "enter")  # the suggested due date; the report date saves
        await _line_saved(pilot, screen, 1)
        woman = _member(await _record(ZHOU), "h12-2")
        pregnancy = woman["woman"]["pregnancies"][-1]
        assert (pregnancy["lmp"], pregnancy["edd"], pregnancy["reported"]) == (
            dt.date(2026, 8, 20), dt.date(2027, 5, 27), dt.date(2026, 10, 31))  # fmt: skip
        assert "2026-10-31" in shown(screen.query_one("#ce-batch").query(Static).first())
        assert ("怀孕", "陈美华") in [(r.kind, r.name) for r in await read_changes("", Month(2026, 10), {})]
        assert await _reported_in(Month(2026, 10)) == 1


async def test_search_lists_only_who_fits_the_line(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _entry(pilot)
        await pilot.press("8", *"周")  # 怀孕: of the 周 family only 陈美华's household and women 15–49
        await settle(pilot, lambda: bool(screen.hits))
        names = {h.name for h in screen.hits if h.person_key}
        assert "周建军" not in names and "周浩然" not in names
        await pilot.press("escape")


async def test_keyed_marriage_moves_the_spouse_in(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        him = await _save("move_in", ZHAO, name="刘强", id_number=HIS_ID, sex="1", birth_date="1996-02-03",
                          relation="93", date="2026-09-11", from_code="430421", reason="投亲")  # fmt: skip
        her = await _save("move_in", ZHOU, name="孙丽", id_number=HER_ID, sex="2", birth_date="1995-03-04",
                          relation="97", date="2026-09-12", from_code="430421", reason="投亲")  # fmt: skip
        screen = await _entry(pilot)
        await _pick(pilot, screen, "5", "lq", "刘强")
        assert screen.fields["status"].code == "21"  # type: ignore[attr-defined]
        await pilot.press("enter", *"20261006", "enter", *HER_ID)
        await settle(pilot, lambda: screen.focused is screen.fields["spouse_place_code"])
        await pilot.press("enter", "y", "enter")  # 迁入本户 Y: Enter on the last field saves
        await _line_saved(pilot, screen, 1)
        zhao = await _record(ZHAO)
        wife = _member(zhao, her.person_key)
        assert (wife["spouse"], wife["marital_status"]) == (him.person_key, "21")
        assert her.person_key not in {p["key"] for p in (await _record(ZHOU))["members"]}
        assert "MAR7" not in screen.batch[-1].status


async def _form(pilot: Pilot, code: str) -> HouseholdForm:
    await settle(pilot)
    form = HouseholdForm(code, code[:12])
    pilot.app.push_screen(form)
    await settle(pilot, lambda: form.ready)
    return form


async def _select(pilot: Pilot, form: HouseholdForm, n: int) -> None:
    """Highlight the n-th member (1…) of the member list."""
    members = form.query_one("#members", OptionList)
    members.focus()
    members.highlighted = n - 1
    await settle(pilot)


async def _answer(pilot: Pilot, key: str, *typed: str) -> None:
    await pilot.press(key)
    await settle(pilot, lambda: isinstance(pilot.app.screen, OpDialog))
    await pilot.press(*typed)
    await settle(pilot, lambda: not isinstance(pilot.app.screen, OpDialog))


async def test_household_form_moves_removes_and_changes_the_householder(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(pilot, ZHOU)
        mark = await _mark()
        await _select(pilot, form, 3)  # 周欣怡 → 赵桂英户
        await _answer(pilot, "f4", *ZHAO, "enter", *"20261004", "enter")
        await settle(pilot, lambda: form.ready and len(form.record["members"]) == 3)
        assert _member(await _record(ZHAO), "h12-3")["relation"] == "97"
        await _select(pilot, form, 3)  # 周浩然 moves out of the area
        await _answer(pilot, "f5", "enter", *"20261006", "enter", *"440300", "enter")
        await settle(pilot, lambda: form.ready and _member(form.record, "h12-4")["cancel"] is not None)
        assert _member(form.record, "h12-4")["cancel"]["to_code"] == "440300"
        await _select(pilot, form, 2)  # 陈美华 becomes householder
        await pilot.press("f6", "y")
        await settle(pilot, lambda: form.ready and _member(form.record, "h12-2")["relation"] == "02")
        assert _member(form.record, "h12-1")["relation"] == "11"
        kinds = [(kind, key) for kind, _, key, _ in await _events(mark)]
        assert kinds == [("transfer", "h12-3"), ("move_out", "h12-4"), ("householder", "h12-2")]
        assert not [e for e in await _errors(ZHOU, ZHAO) if e.startswith(("HH01", "HH04"))]


async def test_household_form_splits_and_merges(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(pilot, ZHOU)
        mark = await _mark()
        await _select(pilot, form, 3)  # 周欣怡 and 周浩然 leave for a household of their own, she its head
        await _answer(pilot, "f7", "end", " ", "4", "enter", "enter", "enter")  # 户主 stays: no new one asked
        await settle(pilot, lambda: form.ready and len(form.record["members"]) == 2)
        new_code = "430426101201010013"
        split = await _record(new_code)
        assert {p["key"]: p["relation"] for p in split["members"]} == {"h12-3": "02", "h12-4": "73"}
        form.dismiss()
        await settle(pilot)
        other = await _form(pilot, new_code)  # that household merges back
        await _answer(pilot, "f8", *ZHOU, "enter", "enter")
        await settle(pilot, lambda: other.ready and other.record["household"]["status"] == "closed")
        relations = {p["key"]: p["relation"] for p in (await _record(ZHOU))["members"]}
        assert relations == {"h12-1": "02", "h12-2": "12", "h12-3": "32", "h12-4": "22"}
        kinds = [(kind, key) for kind, _, key, _ in await _events(mark)]
        assert kinds == [("split", "h12-3"), ("split", "h12-4"), ("merge", "h12-3"), ("merge", "h12-4")]
        assert not [e for e in await _errors(ZHOU, new_code) if e.startswith(("HH01", "HH05"))]


async def test_only_the_event_date_is_checked_against_the_report_month(example_db: db.DbTarget) -> None:
    app = _app(example_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _entry(pilot)
        await _pick(pilot, screen, "3", "zgy", "赵桂英")  # 迁入 into her household
        await pilot.press(*"刘强", "enter", "enter", "1", *"19960203")  # name, no ID, sex, birth date
        await settle(pilot, lambda: screen.fields["birth_date"].value_date is not None)  # type: ignore[attr-defined]
        assert "不在本月报" not in shown(screen.query_one("#ce-message"))  # a birth date is not the event
        screen.fields["date"].focus()
        await pilot.press(*"20260911")  # the move-in date is: September is not the October report
        await settle(pilot, lambda: "不在本月报" in shown(screen.query_one("#ce-message")))
