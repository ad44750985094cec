"""Monthly changes (store.changes) on SQLite and PostgreSQL: each kind changes the household record as the
paper line says, brings exactly its change events, shows in the 变更清单 of the month, and wrong input is
refused in Chinese with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.suggest import birth_warnings, suggest_policy
from exports.monthly_data import read_changes
from exports.request import Month
from store import changes, db
from store.errors import StoreError
from store.importer import import_file
from store.records import load_households
from tests.support.data import EXAMPLE_FILE

TODAY = dt.date(2026, 11, 15)
OCT = dt.date(2026, 10, 1)
ZHOU = "430426101201010012"  # 周建军 h12-1, 陈美华 h12-2 (two children), 周欣怡 h12-3, 周浩然 h12-4
ZHAO = "430426101201020003"  # 赵桂英 h3-1, widowed, alone
WANG = "430426101202010021"  # 王德明 f21-1 and 杨丽 f21-2, married


@pytest.fixture
async def loaded(store_db: db.DbTarget) -> db.DbTarget:
    await import_file(EXAMPLE_FILE, operator="导入员")
    return store_db


async def _mark() -> int:
    return int(await db.scalar("SELECT coalesce(max(id), 0) FROM change_event") or 0)


async def _events_since(mark: int) -> list[tuple[str, dt.date, str, str, str]]:
    rows = await db.fetch(
        "SELECT e.kind, e.event_date, p.key, e.household_code, e.operator FROM change_event e "
        "JOIN person p ON p.id = e.person_id WHERE e.id > ? ORDER BY e.id",
        [mark],
    )
    out = []
    for kind, date, key, code, operator in (tuple(r) for r in rows):
        if not isinstance(date, dt.date):
            date = dt.date.fromisoformat(str(date)[:10])
        out.append((kind, date, key, code, operator))
    return out


async def _save(kind: str, code: str, **fields: Any) -> changes.SavedChange:
    return await changes.save_change(kind, code, fields, operator="李敏", today=TODAY)


def _cancel(reason: str, date: dt.date, to_code: str | None = None, to_place: str | None = None) -> dict[str, Any]:
    return {"reason": reason, "date": date, "to_code": to_code, "to_place": to_place}


def _member(record: dict[str, Any], key: str) -> dict[str, Any]:
    return changes.find_member(record, key)


async def _changes_of_october() -> list[tuple[str, str, str]]:
    rows = await read_changes("", Month(2026, 10), {})
    return [(r.kind, r.name, r.date.isoformat() if r.date else "") for r in rows]


async def test_birth_records_child_history_and_pregnancy_outcome(loaded: db.DbTarget) -> None:
    mark = await _mark()
    await _save("pregnancy", ZHOU, person="h12-2", lmp="2026-01-10", reported="2026-03-02")
    saved = await _save("birth", ZHOU, mother="h12-2", name="周小雨", sex="2", birth_date="2026-10-08", policy="2")
    record = saved.record
    child = _member(record, saved.person_key)
    assert saved.person_key.startswith(ZHOU) and saved.person_name == "周小雨"
    assert (child["mother"], child["father"], child["relation"], child["sex"]) == ("h12-2", "h12-1", "30", "2")
    assert child["birth_date"] == dt.date(2026, 10, 8) and child["moved_in"] is None
    mother = _member(record, "h12-2")
    entry = mother["woman"]["children"][-1]
    assert (entry["order"], entry["policy"], entry["blood"], entry["member"]) == (3, "2", "1", saved.person_key)
    pregnancy = mother["woman"]["pregnancies"][-1]
    assert (pregnancy["lmp"], pregnancy["edd"]) == (dt.date(2026, 1, 10), dt.date(2026, 10, 17))
    assert (pregnancy["outcome"], pregnancy["outcome_date"]) == ("1", dt.date(2026, 10, 8))
    events = await _events_since(mark)
    assert sorted(e[:3] for e in events) == sorted([
        ("pregnancy", dt.date(2026, 3, 2), "h12-2"),  # dated by its report, not the LMP
        ("birth", dt.date(2026, 10, 8), saved.person_key),
        ("outcome", dt.date(2026, 10, 8), "h12-2"),
    ])  # fmt: skip
    assert {e[3] for e in events} == {ZHOU} and {e[4] for e in events} == {"李敏"}
    listed = await _changes_of_october()
    assert ("出生", "周小雨", "2026-10-08") in listed and ("妊娠结局", "陈美华", "2026-10-08") in listed


async def test_death_move_out_and_cancel(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("death", ZHAO, person="h3-1", date="2026-10-03")
    assert _member(saved.record, "h3-1")["death_date"] == dt.date(2026, 10, 3)
    assert _member(saved.record, "h3-1")["cancel"] == _cancel("01", dt.date(2026, 10, 3))
    saved = await _save("move_out", ZHOU, person="h12-4", date="2026-10-20", reason="06")
    assert _member(saved.record, "h12-4")["cancel"] == _cancel("06", dt.date(2026, 10, 20))
    saved = await _save("cancel", ZHOU, person="h12-3", date="2026-10-21", reason="05")
    assert _member(saved.record, "h12-3")["cancel"] == _cancel("05", dt.date(2026, 10, 21))
    assert [e[:3] for e in await _events_since(mark)] == [
        ("death", dt.date(2026, 10, 3), "h3-1"),
        ("move_out", dt.date(2026, 10, 20), "h12-4"),
        ("cancel", dt.date(2026, 10, 21), "h12-3"),
    ]
    listed = await _changes_of_october()
    assert ("死亡", "赵桂英", "2026-10-03") in listed and ("迁出", "周浩然", "2026-10-20") in listed
    assert ("注销", "周欣怡", "2026-10-21") in listed
    assert sum(1 for kind, name, _ in listed if name == "赵桂英") == 1  # a death is not listed again as 注销


async def test_move_in_new_member_and_from_another_household(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("move_in", ZHAO, name="刘强", sex="1", birth_date="1996-02-03", relation="93",
                        date="2026-10-11", from_code="430421", reason="投亲")  # fmt: skip
    person = _member(saved.record, saved.person_key)
    assert person["moved_in"] == {"date": dt.date(2026, 10, 11), "from_code": "430421", "reason": "投亲"}
    assert (person["marital_status"], person["mgmt"], person["hukou_nature"]) == ("10", "01", "2")
    assert [e[:3] for e in await _events_since(mark)] == [("move_in", dt.date(2026, 10, 11), saved.person_key)]
    mark = await _mark()
    moved = await _save("move_in", ZHAO, person="h12-3", relation="97", date="2026-10-12")
    assert "h12-3" in {p["key"] for p in moved.record["members"]}
    assert moved.codes == [ZHAO]
    stored = await load_households([ZHOU])
    assert "h12-3" not in {p["key"] for p in stored[ZHOU]["members"]}
    assert [e[:3] for e in await _events_since(mark)] == [("move_in", dt.date(2026, 10, 12), "h12-3")]
    assert ("迁入", "刘强", "2026-10-11") in await _changes_of_october()


async def test_marriage_links_both_spouses_across_households(loaded: db.DbTarget) -> None:
    man = await _save("move_in", ZHAO, name="刘强", sex="1", birth_date="1996-02-03", relation="93",
                      date="2026-09-11", id_number="430426199602030016")  # fmt: skip
    woman = await _save("move_in", WANG, name="王芳", sex="2", birth_date="1998-05-06", relation="77",
                        date="2026-09-12")  # fmt: skip
    mark = await _mark()
    saved = await _save("marriage", WANG, person=woman.person_key, date="2026-10-01",
                        spouse_id_number="430426199602030016")  # fmt: skip
    bride = _member(saved.record, woman.person_key)
    assert (bride["marital_status"], bride["first_marriage_date"], bride["spouse"]) == (
        "21",
        dt.date(2026, 10, 1),
        man.person_key,
    )
    groom = _member((await load_households([ZHAO]))[ZHAO], man.person_key)
    assert (groom["marital_status"], groom["spouse"]) == ("21", woman.person_key)
    assert sorted(e[:3] for e in await _events_since(mark)) == sorted([
        ("first_marriage", dt.date(2026, 10, 1), woman.person_key),
        ("first_marriage", dt.date(2026, 10, 1), man.person_key),
    ])  # fmt: skip
    listed = await _changes_of_october()
    assert ("初婚", "王芳", "2026-10-01") in listed and ("初婚", "刘强", "2026-10-01") in listed


async def test_marriage_with_external_spouse_and_remarriage(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("marriage", ZHAO, person="h3-1", date="2026-10-05", spouse_name="钱老汉")
    widow = _member(saved.record, "h3-1")
    assert (widow["marital_status"], widow["marriage_change_date"]) == ("22", dt.date(2026, 10, 5))
    assert widow["spouse_external"]["name"] == "钱老汉" and widow["spouse"] is None
    assert [e[:3] for e in await _events_since(mark)] == [("remarriage", dt.date(2026, 10, 5), "h3-1")]
    assert ("再婚", "赵桂英", "2026-10-05") in await _changes_of_october()


async def test_divorce_and_widowhood(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("divorce", WANG, person="f21-1", date="2026-10-09")
    for key in ("f21-1", "f21-2"):
        person = _member(saved.record, key)
        assert (person["marital_status"], person["marriage_change_date"], person["spouse"]) == (
            "40",
            dt.date(2026, 10, 9),
            None,
        )
    with pytest.raises(StoreError, match="户主死亡，请选定新户主"):  # the householder's death names the new one
        await _save("death", ZHOU, person="h12-1", date="2026-10-02")
    saved = await _save("death", ZHOU, person="h12-1", date="2026-10-02", new_head="h12-2")
    with pytest.raises(StoreError, match="现在不是已婚"):  # the death line widowed her already
        await _save("widowed", ZHOU, person="h12-2", date="2026-10-02")
    widow, late = _member(saved.record, "h12-2"), _member(saved.record, "h12-1")
    assert widow["relation"] == "02"
    assert (widow["marital_status"], widow["spouse"], late["spouse"], late["marital_status"]) == (
        "30",
        None,
        None,
        "21",
    )
    assert sorted(e[:3] for e in await _events_since(mark)) == sorted([
        ("divorce", dt.date(2026, 10, 9), "f21-1"), ("divorce", dt.date(2026, 10, 9), "f21-2"),
        ("death", dt.date(2026, 10, 2), "h12-1"), ("widowed", dt.date(2026, 10, 2), "h12-2"),
    ])  # fmt: skip
    listed = await _changes_of_october()
    assert ("离婚", "杨丽", "2026-10-09") in listed and ("丧偶", "陈美华", "2026-10-02") in listed


async def test_pregnancy_outcome_and_contraception(loaded: db.DbTarget) -> None:
    mark = await _mark()
    await _save("pregnancy", WANG, person="f21-2", lmp="2026-08-02", edd="2027-05-09")
    saved = await _save("outcome", WANG, person="f21-2", outcome="4", date="2026-10-10")
    pregnancy = _member(saved.record, "f21-2")["woman"]["pregnancies"][-1]
    assert (pregnancy["outcome"], pregnancy["outcome_date"], pregnancy["edd"]) == (
        "4",
        dt.date(2026, 10, 10),
        dt.date(2027, 5, 9),
    )
    saved = await _save("contraception", ZHOU, person="h12-2", method="02", date="2026-10-15")
    assert _member(saved.record, "h12-2")["woman"]["contraception"] == {
        "method": "02",
        "since": dt.date(2026, 10, 15),
        "failure": None,
    }
    history = await db.fetch(
        "SELECT h.method, h.ended FROM contraception_history h JOIN person p ON p.id = h.woman_id WHERE p.key = ? "
        "ORDER BY h.id",
        ["h12-2"],
    )
    assert [tuple(r) for r in history] == [("03", "removed"), ("02", None)]  # the IUD removed (取环), 02 in force
    assert [e[:3] for e in await _events_since(mark)] == [
        ("pregnancy", TODAY, "f21-2"),
        ("outcome", dt.date(2026, 10, 10), "f21-2"),
        ("contraception", dt.date(2026, 10, 15), "h12-2"),
    ]
    listed = await _changes_of_october()
    assert ("妊娠结局", "杨丽", "2026-10-10") in listed and ("避孕措施", "陈美华", "2026-10-15") in listed


async def test_inflow_and_outflow(loaded: db.DbTarget) -> None:
    mark = await _mark()
    saved = await _save("inflow", ZHAO, name="孙丽", sex="2", birth_date="1995-03-04", relation="99",
                        date="2026-10-06", place_code="431102", reason="务工")  # fmt: skip
    newcomer = saved.person_key
    person = _member(saved.record, newcomer)
    assert (person["mgmt"], person["registered_place_code"]) == ("02", "431102")
    assert person["flow"] == {"type": "inflow", "since": dt.date(2026, 10, 6), "place_code": "431102",
                              "place": "湖南省永州市零陵区", "reason": "务工"}  # fmt: skip  # named from the code
    saved = await _save("outflow", ZHOU, person="h12-1", date="2026-10-07", place_code="440300", place="深圳",
                        reason="务工")  # fmt: skip
    person = _member(saved.record, "h12-1")
    assert (person["mgmt"], person["residence_status"], person["flow"]["type"]) == ("03", "3", "outflow")
    events = [e[:3] for e in await _events_since(mark)]
    # an inflow person arrives: no birth event for her (she was born elsewhere)
    assert events == [
        ("inflow", dt.date(2026, 10, 6), newcomer),
        ("outflow", dt.date(2026, 10, 7), "h12-1"),
    ]
    listed = await _changes_of_october()
    assert ("流入", "孙丽", "2026-10-06") in listed and ("流出", "周建军", "2026-10-07") in listed


async def test_an_inflow_person_cannot_be_keyed_as_outflow(loaded: db.DbTarget) -> None:
    """流出 is for 户籍 persons: a 流入 person keyed as O would turn into 户籍人口 (mgmt 03)."""
    saved = await _save("inflow", ZHAO, name="孙丽", sex="2", birth_date="1995-03-04", relation="99",
                        date="2026-03-06", place_code="431102", id_number="431102199503040025")  # fmt: skip
    newcomer = saved.person_key
    before = await _snapshot()
    with pytest.raises(StoreError, match="此人是流入人口，离开本地请按 X 注销。"):
        await _save("outflow", ZHAO, person=newcomer, date="2026-10-05", place_code="441900")
    assert await _snapshot() == before
    assert _member((await load_households([ZHAO]))[ZHAO], newcomer)["mgmt"] == "02"
    # keyed again as 流入 (same ID number): refused, she is already recorded
    with pytest.raises(StoreError, match="已是流入人口"):
        await _save("inflow", WANG, name="孙丽", sex="2", birth_date="1995-03-04", relation="99",
                    date="2026-10-06", place_code="431102", id_number="431102199503040025")  # fmt: skip
    assert await _snapshot() == before
    # leaving the area: X 注销
    saved = await _save("cancel", ZHAO, person=newcomer, date="2026-10-05", reason="99")
    assert _member(saved.record, newcomer)["cancel"] == _cancel("99", dt.date(2026, 10, 5))


async def test_divorce_and_widowhood_drop_an_external_spouse(loaded: db.DbTarget) -> None:
    saved = await _save("marriage", ZHAO, person="h3-1", date="2026-03-05", spouse_name="钱老汉",
                        spouse_id_number="430426195001010011")  # fmt: skip
    assert _member(saved.record, "h3-1")["spouse_external"]["name"] == "钱老汉"
    mark = await _mark()
    saved = await _save("divorce", ZHAO, person="h3-1", date="2026-10-09")
    widow = _member(saved.record, "h3-1")
    assert (widow["marital_status"], widow["marriage_change_date"], widow["spouse"], widow["spouse_external"]) == (
        "40", dt.date(2026, 10, 9), None, None)  # fmt: skip
    assert [e[:3] for e in await _events_since(mark)] == [("divorce", dt.date(2026, 10, 9), "h3-1")]
    stored = _member((await load_households([ZHAO]))[ZHAO], "h3-1")
    assert stored["spouse_external"] is None and stored["marriage_change_date"] == dt.date(2026, 10, 9)
    # widowhood of a woman married to a man known only by name
    await _save("marriage", ZHAO, person="h3-1", date="2026-10-20", spouse_name="孙老汉")
    saved = await _save("widowed", ZHAO, person="h3-1", date="2026-11-01")
    widow = _member(saved.record, "h3-1")
    assert (widow["marital_status"], widow["marriage_change_date"], widow["spouse_external"]) == (
        "30", dt.date(2026, 11, 1), None)  # fmt: skip


async def _snapshot() -> tuple[Any, ...]:
    events = await db.scalar("SELECT count(*) FROM change_event")
    persons = await db.fetch("SELECT key, version FROM person ORDER BY key")
    households = await db.fetch("SELECT code, version FROM household ORDER BY code")
    return events, [tuple(r) for r in persons], [tuple(r) for r in households]


@pytest.mark.parametrize(
    ("kind", "code", "fields", "message"),
    [
        ("death", ZHAO, {"person": "h3-1", "date": "1900-01-01"}, "早于"),
        ("death", ZHAO, {"person": "h3-1", "date": "2027-01-01"}, "晚于今天"),
        ("death", ZHAO, {"person": "nobody", "date": "2026-10-01"}, "没有编号"),
        ("outcome", WANG, {"person": "f21-2", "outcome": "4", "date": "2026-10-01"}, "没有未录结局的孕情"),
        ("marriage", WANG, {"person": "f21-1", "date": "2026-10-01"}, "现为已婚"),
        ("birth", ZHOU, {"mother": "h12-1", "name": "周甲", "sex": "1", "birth_date": "2026-10-01", "policy": "1"},
         "不是女性"),
        ("birth", ZHOU, {"mother": "h12-2", "name": "周甲", "sex": "1", "birth_date": "2026-10-01"}, "政策属性"),
        ("move_out", ZHOU, {"person": "h12-4", "date": "2026-10-01", "reason": "01"}, "迁出原因代码无效"),
        ("cancel", ZHOU, {"person": "h12-4", "date": "2026-10-01", "reason": "01"}, "死亡请按 2"),
        ("inflow", ZHAO, {"name": "孙丽", "sex": "2", "birth_date": "1995-03-04", "relation": "99",
                          "date": "2026-10-06"}, "6 位"),
        ("contraception", WANG, {"person": "f21-1", "method": "02", "date": "2026-10-01"}, "不是女性"),
        ("inflow", ZHAO, {"name": "孙丽", "sex": "2", "birth_date": "1995-03-04", "relation": "99",
                          "date": "2026-10-06", "place_code": "430426"}, "本县"),
        ("outflow", ZHOU, {"person": "h12-1", "date": "2026-10-06", "place_code": "430426"}, "本县"),
        ("outflow", WANG, {"person": "f21-1", "date": "2026-10-06", "place_code": "440300"}, "按 X 注销"),
        ("inflow", ZHAO, {"name": "周建军", "sex": "1", "birth_date": "1984-07-21", "relation": "99",
                          "id_number": "430426198407210133", "date": "2026-10-06", "place_code": "510722"},
         "本地户籍人口"),
        ("teleport", ZHAO, {"person": "h3-1"}, "未知的变更类型"),
    ],
)  # fmt: skip
async def test_wrong_input_is_refused_in_chinese_and_writes_nothing(
    loaded: db.DbTarget, kind: str, code: str, fields: dict[str, Any], message: str
) -> None:
    before = await _snapshot()
    with pytest.raises(StoreError) as raised:
        await changes.save_change(kind, code, fields, operator="李敏", today=TODAY)
    assert message in str(raised.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(raised.value))
    assert await _snapshot() == before


async def test_stale_version_is_refused(loaded: db.DbTarget) -> None:
    record = (await load_households([WANG]))[WANG]  # the clerk opened the household …
    await _save("pregnancy", WANG, person="f21-2", lmp="2026-08-02")  # … someone else saved
    before = await _snapshot()
    with pytest.raises(StoreError, match="已被其他人修改"):
        await changes.save_change("contraception", WANG, {"person": "f21-2", "method": "02", "date": "2026-10-05"},
                                  operator="李敏", version=record["_version"], today=TODAY)  # fmt: skip
    assert await _snapshot() == before


def test_apply_change_leaves_the_record_alone() -> None:
    record = {"household": {"code": ZHAO, "unit": ZHAO[:12], "group": "02", "hukou_type": "2"},
              "members": [{"key": "a", "name": "甲", "sex": "2", "birth_date": dt.date(1990, 1, 1),
                           "relation": "02", "marital_status": "10", "cancel": None}]}  # fmt: skip
    changed = changes.apply_change("death", record, {"person": "a", "date": dt.date(2026, 10, 1)}, today=TODAY)
    assert record["members"][0]["cancel"] is None and changed["members"][0]["cancel"]["reason"] == "01"


def test_suggestions() -> None:
    record = {"household": {"code": ZHOU, "unit": ZHOU[:12], "group": "01"}, "members": [
        {"key": "f", "name": "欧阳明", "sex": "1", "relation": "02", "spouse": "m", "cancel": None},
        {"key": "m", "name": "陈美", "sex": "2", "relation": "12", "spouse": "f", "marital_status": "21",
         "birth_date": dt.date(1990, 1, 1), "cancel": None,
         "woman": {"children": [{"order": 1, "birth_date": dt.date(2026, 1, 5)}], "pregnancies": []}},
        {"key": "d", "name": "欧阳丽", "sex": "2", "relation": "32", "cancel": None, "marital_status": "10"},
    ]}  # fmt: skip
    mother = record["members"][1]
    assert changes.next_child_order(mother) == 2
    assert changes.child_surname(record, "m") == "欧阳"
    assert changes.child_relation(record, "m", "1") == "20" and changes.child_relation(record, "d", "2") == "44"
    assert changes.woman_of_household(record, "f") == "m" and changes.woman_of_household(record, None) == "m"
    assert suggest_policy(2, dt.date(2018, 1, 1)) == "1" and suggest_policy(3, dt.date(2018, 1, 1)) == "2"
    assert suggest_policy(3, dt.date(2022, 1, 1)) == "1" and suggest_policy(4, dt.date(2022, 1, 1)) == "2"
    assert any("天" in w for w in birth_warnings(mother, dt.date(2026, 8, 1)))
    assert birth_warnings(mother, dt.date(2027, 3, 1)) == []
    young = {"birth_date": dt.date(2012, 1, 1), "woman": None}
    assert any("14 岁" in w for w in birth_warnings(young, dt.date(2026, 10, 1)))


def test_marriage_links_both_sides_and_drops_a_former_link() -> None:
    """A marriage inside the household links both spouses (store.domain.families.link_spouse); a divorce
    drops the link on both sides."""
    record = {"household": {"code": ZHAO, "unit": ZHAO[:12], "group": "02", "hukou_type": "2"}, "members": [
        {"key": "a", "name": "甲", "sex": "1", "birth_date": dt.date(1990, 1, 1), "relation": "02",
         "marital_status": "10", "spouse": None, "cancel": None},
        {"key": "b", "name": "乙", "sex": "2", "birth_date": dt.date(1992, 1, 1), "relation": "97",
         "marital_status": "10", "spouse": None, "cancel": None,
         "spouse_external": {"name": "丙", "id_number": None, "registered_place_code": None}},
    ]}  # fmt: skip
    married = changes.apply_change("marriage", record, {"person": "a", "spouse": "b", "date": "2026-05-01"},
                                   today=TODAY)  # fmt: skip
    a, b = (changes.find_member(married, k) for k in "ab")
    assert (a["spouse"], b["spouse"], b["spouse_external"]) == ("b", "a", None)
    assert a["marital_status"] == b["marital_status"] == "21"
    divorced = changes.apply_change("divorce", married, {"person": "b", "date": "2026-09-01"}, today=TODAY)
    a, b = (changes.find_member(divorced, k) for k in "ab")
    assert a["spouse"] is None and b["spouse"] is None and a["marital_status"] == b["marital_status"] == "40"


def test_a_new_member_takes_the_householders_defaults() -> None:
    record = {"household": {"code": ZHAO, "unit": ZHAO[:12], "group": "02", "hukou_type": "1"}, "members": [
        {"key": "a", "name": "欧阳明", "sex": "1", "birth_date": dt.date(1990, 1, 1), "relation": "02",
         "ethnicity": "03", "hukou_nature": "1", "rural": False, "registered_place_code": "430426101201",
         "marital_status": "21", "spouse": "b", "cancel": None},
        {"key": "b", "name": "陈美", "sex": "2", "birth_date": dt.date(1992, 1, 1), "relation": "10",
         "marital_status": "21", "spouse": "a", "cancel": None, "woman": None},
    ]}  # fmt: skip
    assert changes.child_surname(record, "b") == "欧阳"
    born = changes.apply_change("birth", record, {"mother": "b", "name": "欧阳小明", "sex": "1",
                                                  "birth_date": "2026-10-01", "policy": "1"}, today=TODAY)  # fmt: skip
    child = born["members"][-1]
    assert child["key"] == f"{ZHAO}-3" and child["relation"] == "20" and child["father"] == "a"
    assert (child["ethnicity"], child["hukou_nature"], child["rural"]) == ("03", "1", False)
    assert (child["registered_place_code"], child["mgmt"], child["marital_status"]) == ("430426101201", "01", "10")
    woman = changes.find_member(born, "b")["woman"]
    assert woman["children"][0]["member"] == child["key"] and woman["pregnancies"] == []
