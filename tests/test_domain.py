"""The domain core (store/domain): pure functions over records, no database and no Textual."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from store import idnumber
from store.domain import change_kinds, families, keys, people, surnames
from store.domain.dates import age_on, date_or_none, to_date
from store.domain.idcheck import EARLIEST_BIRTH, birth_problem, fast_valid, passes
from store.interchange import PERSON_KEYS, WOMAN_KEYS
from store.pinyin import COMPOUND_SURNAME_INITIALS
from tui.screens.change_fields import FIELD_ROWS
from tui.widgets.parsing import check_id

CODE = "430426101201020012"


def _household(*members: dict[str, Any], hukou_type: str = "2") -> dict[str, Any]:
    full = []
    for m in members:
        person = people.empty_person(m["key"])
        person.update(m)  # type: ignore[typeddict-item]
        full.append(person)
    return {"household": {"code": CODE, "unit": CODE[:12], "group": "02", "hukou_type": hukou_type},
            "members": full}  # fmt: skip


def _family() -> dict[str, Any]:
    return _household(
        {"key": "f", "name": "欧阳明", "sex": "1", "relation": "02", "spouse": "m", "ethnicity": "03",
         "hukou_nature": "1", "rural": False, "registered_place_code": "430426101201"},
        {"key": "m", "name": "陈美", "sex": "2", "relation": "10", "spouse": "f", "marital_status": "21"},
        {"key": "d", "name": "欧阳丽", "sex": "2", "relation": "30", "marital_status": "10"},
        {"key": "s", "name": "欧阳军", "sex": "1", "relation": "20", "marital_status": "10"},
    )  # fmt: skip


# --- surnames --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [("欧阳明", "欧阳"), ("司马光", "司马"), ("诸葛亮", "诸葛"),
                                                ("尉迟恭", "尉迟"), ("王五", "王"), ("欧阳", "欧"), ("", ""),
                                                (None, ""), (" 欧阳明 ", "欧阳")])  # fmt: skip
def test_surname(name: str | None, expected: str) -> None:
    assert surnames.surname(name) == expected


def test_compound_surnames_include_those_of_the_pinyin_module() -> None:
    assert set(COMPOUND_SURNAME_INITIALS) <= surnames.COMPOUND_SURNAMES


def test_child_surname_of_oyang_ming_is_oyang() -> None:
    record = _family()
    assert surnames.child_surname(record) == "欧阳"  # the person form: no mother known, the householder's
    assert surnames.child_surname(record, "m") == "欧阳"  # change entry: the mother's husband
    record["members"][1]["spouse"] = None
    assert surnames.child_surname(record, "m") == "欧阳"  # the householder's wife: his family
    assert surnames.child_surname(record, "d") == "欧阳"  # an unmarried daughter: her own
    record["members"][2]["spouse_external"] = {"name": "司马光", "id_number": None, "registered_place_code": None}
    assert surnames.child_surname(record, "d") == "司马"  # the outside husband's


# --- keys ------------------------------------------------------------------------------------------


def test_new_keys_are_unique() -> None:
    used = [f"{CODE}-1", f"{CODE}-3"]
    first = keys.new_key(CODE, used)
    assert first == f"{CODE}-4" and first not in used
    assert keys.new_key(CODE, used, taken={f"{CODE}-4", f"{CODE}-5"}) == f"{CODE}-6"
    made: list[str] = []
    for _ in range(50):
        made.append(keys.new_key(CODE, made, taken={f"{CODE}-7"}))
    assert len(set(made)) == 50 and f"{CODE}-7" not in made
    assert all(len(k) <= keys.KEY_MAX for k in made)


def test_first_duplicate() -> None:
    assert keys.first_duplicate(["a", "b", "c"]) is None
    assert keys.first_duplicate(["a", "b", "a", "b"]) == "a"


# --- people ----------------------------------------------------------------------------------------


def test_empty_person_and_woman_blocks() -> None:
    person = people.empty_person("k")
    assert set(person) == PERSON_KEYS
    assert (person["key"], person["id_type"], person["benefits"], person["confirmations"]) == ("k", "1", [], [])
    woman = people.empty_woman()
    assert set(woman) == WOMAN_KEYS
    assert woman == {"children": [], "pregnancies": [], "contraception": None, "only_child_certificate": None}
    assert people.empty_woman() is not woman and people.empty_woman()["children"] is not woman["children"]
    assert people.is_empty(woman) and people.is_empty(people.empty_spouse_external())
    person["woman"] = {"children": [{"order": 1}]}  # type: ignore[typeddict-item]
    ensured = people.ensure_woman(person)
    assert ensured is person["woman"] and ensured["pregnancies"] == [] and ensured["children"] == [{"order": 1}]


def test_new_member_inherits_from_the_householder() -> None:
    record = _family()
    child = people.new_member(record, "x", relation="20")
    assert (child["ethnicity"], child["hukou_nature"], child["rural"]) == ("03", "1", False)
    assert (child["registered_place_code"], child["residence_status"], child["mgmt"]) == ("430426101201", "1", "01")
    given = people.new_member(record, "y", relation="97", ethnicity="02", rural=None)
    assert given["ethnicity"] == "02" and given["rural"] is False
    empty = _household()
    first = people.new_member(empty, "z")
    assert first["relation"] == "02"  # the first member is the householder
    assert (first["ethnicity"], first["hukou_nature"], first["rural"]) == ("01", "2", True)
    assert first["registered_place_code"] == CODE[:12]
    assert set(first) == PERSON_KEYS


def test_new_household() -> None:
    record = people.new_household(CODE[:12], "02", "0013", address="东风村二组13号")
    assert record["household"]["code"] == CODE[:14] + "0013" and record["members"] == []
    assert (record["household"]["unit"], record["household"]["group"]) == (CODE[:12], "02")
    assert (record["household"]["kind"], record["household"]["status"], record["household"]["hukou_type"]) == (
        "family", "active", "2")  # fmt: skip


def test_normalize_person() -> None:
    person = people.empty_person("k")
    person.update(sex="1", spouse="0", mgmt="02", moved_in={"date": None, "from_code": None, "reason": None},
                  flow={"type": None, "since": dt.date(2020, 1, 1), "place_code": "110101", "place": None,
                        "reason": None}, woman=people.empty_woman())  # fmt: skip
    out = people.normalize_person(person)
    assert out["spouse"] is None and out["moved_in"] is None and out["woman"] is None
    assert out["flow"] is not None and out["flow"]["type"] == "inflow"
    assert person["spouse"] == "0"  # the input is left alone
    woman = people.empty_woman()
    woman["children"] = [{"name": "甲"}, {"order": 2}]  # type: ignore[list-item]
    out = people.normalize_person({**people.empty_person("w"), "sex": "2", "woman": woman})  # type: ignore[typeddict-item]
    assert out["woman"] is not None and out["woman"]["children"][0]["order"] == 1
    assert len(out["woman"]["children"]) == 1 and out["woman"]["children"][0]["member"] is None


# --- families --------------------------------------------------------------------------------------


def test_link_and_unlink_spouses_both_sides() -> None:
    record = _family()
    by = {p["key"]: p for p in record["members"]}
    by["d"]["spouse_external"] = {"name": "张三", "id_number": None, "registered_place_code": None}
    partner = families.link_spouse(record, by["d"], "s")
    assert partner is by["s"]
    assert (by["d"]["spouse"], by["s"]["spouse"]) == ("s", "d")
    assert by["d"]["spouse_external"] is None and by["s"]["spouse_external"] is None
    # the husband of m marries d: m's link to him and s's link to d are dropped
    families.link_spouse(record, by["f"], "d")
    assert (by["f"]["spouse"], by["d"]["spouse"]) == ("d", "f")
    assert by["m"]["spouse"] is None and by["s"]["spouse"] is None
    # no spouse: the link is dropped on both sides, an outside spouse may be recorded by the caller
    families.link_spouse(record, by["f"], None)
    assert by["f"]["spouse"] is None and by["d"]["spouse"] is None
    # a spouse of another household: set on this side only
    assert families.link_spouse(record, by["m"], "other-household-key") is None
    assert by["m"]["spouse"] == "other-household-key"
    families.link_spouse(record, by["s"], "d")
    former = families.unlink_spouse(record, by["s"])
    assert former is by["d"] and by["s"]["spouse"] is None and by["d"]["spouse"] is None
    assert families.unlink_spouse(record, by["m"]) is None and by["m"]["spouse"] is None


def test_child_relation() -> None:
    assert families.child_relation("02", "1") == "20" and families.child_relation("10", "2") == "30"
    assert families.child_relation("38", "1") == "41" and families.child_relation("20", "2") == "42"
    assert families.child_relation("30", "1") == "43" and families.child_relation("28", "2") == "44"
    assert families.child_relation("97", "1") == "97" and families.child_relation(None, None) == "97"


def test_householder_order_and_woman() -> None:
    record = _family()
    head = families.householder(record)
    assert head is not None and head["key"] == "f"
    record["members"][0]["cancel"] = {"reason": "01", "date": dt.date(2026, 1, 1)}
    assert families.householder(record) is None
    mother = record["members"][1]
    mother["woman"] = {"children": [{"order": 2}, {"order": None}], "pregnancies": []}
    assert families.next_child_order(mother) == 3 and families.next_child_order(record["members"][3]) == 1
    assert families.woman_of_household(record, "f") == "m" and families.woman_of_household(record, "m") == "m"
    assert families.woman_of_household(record, None) == "m" and families.woman_of_household(record, "s") is None


# --- ID numbers ------------------------------------------------------------------------------------


def test_id_min_birth_is_honoured() -> None:
    number = idnumber.make_id("430426", dt.date(1900, 5, 6), 12)
    today = dt.date(2026, 1, 1)
    assert check_id(number, today=today).state == "ok"
    later = dt.date(1950, 1, 1)
    refused = check_id(number, today=today, earliest=later)
    assert refused.state == "error" and refused.message == "出生日期不合理：1900-05-06"
    info = idnumber.parse(number)
    assert passes(info, None, "2", EARLIEST_BIRTH, today) and not passes(info, None, "2", later, today)
    assert fast_valid(number, None, "2", EARLIEST_BIRTH, today) and not fast_valid(number, None, "2", later, today)
    assert birth_problem(info, today, later) and not birth_problem(info, today)


def test_fast_valid_agrees_with_the_full_check() -> None:
    rng = random.Random(7)
    today, low = dt.date(2026, 1, 1), dt.date(1900, 1, 1)
    for _ in range(3000):
        born = dt.date(1880, 1, 1) + dt.timedelta(days=rng.randrange(60000))
        number = idnumber.make_id("430426", born, rng.randrange(1000))
        if rng.random() < 0.3:
            number = number[:17] + rng.choice("0123456789X")
        if rng.random() < 0.1:
            number = number[:10] + "13" + number[12:]
        sex = rng.choice(["1", "2", None])
        birth = rng.choice([born, None, born + dt.timedelta(days=1)])
        full = passes(idnumber.parse(number), birth, sex, low, today)
        assert fast_valid(number, birth, sex, low, today) == full, number
    assert not fast_valid("43042619800312001x", None, None, low, today)  # lower case: not the fast path


# --- change kinds ----------------------------------------------------------------------------------


def test_the_thirteen_change_kinds() -> None:
    table = change_kinds.CHANGE_KINDS
    assert "".join(k.key for k in table) == "1234567890LOX"
    assert [k.label for k in table] == ["出生", "死亡", "迁入", "迁出", "结婚", "离婚", "丧偶", "怀孕", "妊娠结局",
                                        "避孕措施", "流入", "流出", "注销"]  # fmt: skip
    assert {"birth", "move_in", "inflow"} == change_kinds.NEW_MEMBER_KINDS
    assert {"birth", "pregnancy", "outcome", "contraception"} == change_kinds.WOMAN_KINDS
    assert change_kinds.BY_KEY["L"].kind == "inflow" and change_kinds.KINDS["cancel"].key == "X"
    assert change_kinds.legend(10) == (("L", "流入"), ("O", "流出"), ("X", "注销"))
    for kind in table:
        assert set(kind.required) <= set(kind.fields), kind.kind


def test_the_entry_screen_keys_the_fields_of_the_table() -> None:
    for kind in change_kinds.CHANGE_KINDS:
        names = tuple(name for row in FIELD_ROWS[kind.kind] for name, _, _ in row)
        assert names == kind.fields, kind.kind


# --- dates -----------------------------------------------------------------------------------------


def test_dates_and_ages() -> None:
    assert to_date("2026-03-04T10:00") == dt.date(2026, 3, 4) and to_date("") is None
    assert to_date(dt.datetime(2026, 3, 4, 5, 6)) == dt.date(2026, 3, 4)
    with pytest.raises(ValueError):
        to_date("2026-02-30")
    assert date_or_none("nonsense") is None
    assert age_on(dt.date(2000, 3, 5), dt.date(2026, 3, 4)) == 25 and age_on("2000-03-04", dt.date(2026, 3, 4)) == 26
    assert age_on(None, dt.date(2026, 1, 1)) is None


# --- family workflows: relations from links, householder changes, marital facts, roles -------------------


def _generations() -> dict[str, Any]:
    """父 h1 (户主), 母 h2 (妻), 长子 h3 with his wife h4 and their son h5, 女 h6; the mother's history."""
    mother_woman = people.empty_woman()
    mother_woman["children"] = [
        {"order": 1, "sex": "1", "birth_date": dt.date(1980, 1, 1), "blood": "1", "member": "h3"},
        {"order": 2, "sex": "2", "birth_date": dt.date(1985, 1, 1), "blood": "1", "member": "h6"},
    ]  # type: ignore[typeddict-item]
    return _household(
        {"key": "h1", "name": "父", "sex": "1", "birth_date": dt.date(1955, 1, 1), "relation": "02", "spouse": "h2",
         "marital_status": "21"},
        {"key": "h2", "name": "母", "sex": "2", "birth_date": dt.date(1957, 1, 1), "relation": "12", "spouse": "h1",
         "marital_status": "21", "woman": mother_woman},
        {"key": "h3", "name": "子", "sex": "1", "birth_date": dt.date(1980, 1, 1), "relation": "22", "spouse": "h4",
         "mother": "h2", "father": "h1", "marital_status": "21"},
        {"key": "h4", "name": "媳", "sex": "2", "birth_date": dt.date(1982, 1, 1), "relation": "38", "spouse": "h3",
         "marital_status": "21"},
        {"key": "h5", "name": "孙", "sex": "1", "birth_date": dt.date(2008, 1, 1), "relation": "41", "mother": "h4",
         "father": "h3"},
        {"key": "h6", "name": "女", "sex": "2", "birth_date": dt.date(1985, 1, 1), "relation": "33", "mother": "h2",
         "father": "h1"},
    )  # fmt: skip


def test_relations_derive_from_the_links_when_the_son_takes_over() -> None:
    record = _generations()
    record["members"][0]["death_date"] = dt.date(2026, 10, 3)
    record["members"][0]["cancel"] = {"reason": "01", "date": dt.date(2026, 10, 3)}
    changed = families.set_householder(record, "h3")
    by_key = {p["key"]: p["relation"] for p in record["members"]}
    assert by_key == {"h1": "02", "h2": "52", "h3": "02", "h4": "12", "h5": "20", "h6": "77"}
    assert set(changed) == {"h2", "h3", "h4", "h5", "h6"}  # the late householder keeps 02 on his record


def test_relations_when_the_widow_takes_over_and_without_links() -> None:
    record = _generations()
    record["members"][0]["cancel"] = {"reason": "01", "date": dt.date(2026, 10, 3)}
    families.set_householder(record, "h2")
    assert {p["key"]: p["relation"] for p in record["members"][1:]} == {
        "h2": "02", "h3": "22", "h4": "38", "h5": "41", "h6": "32"}  # fmt: skip  # her first daughter: 长女
    bare = _household({"key": "a", "sex": "1", "relation": "02"}, {"key": "b", "sex": "2", "relation": "12"},
                      {"key": "c", "sex": "1", "relation": "51"}, {"key": "d", "sex": "2", "relation": "99"})  # fmt: skip
    assert families.derive_relations(bare, "b") == {"a": "11", "b": "02", "c": "53", "d": "99"}


def test_divorce_incoming_spouse_and_candidates() -> None:
    assert families.relation_after_divorce("12") == "99" and families.relation_after_divorce("38") == "99"
    assert families.relation_after_divorce("22") == "22"
    record = _generations()
    son = record["members"][2]
    assert families.relation_of_incoming_spouse(record, record["members"][0], "2") == "12"
    assert families.relation_of_incoming_spouse(record, son, "2") == "38"
    assert families.relation_of_incoming_spouse(record, record["members"][5], "1") == "28"
    assert [p["key"] for p in families.head_candidates(record, "h1")] == ["h2", "h3", "h4", "h6", "h5"]
    record["members"][5]["spouse_external"] = {"name": "婿", "id_number": "43042619840101001x"}
    assert families.outside_spouse_of(record, "43042619840101001X") is record["members"][5]


def test_marital_facts_a_newcomer_brings() -> None:
    from store.domain.marriage import marital_problem

    born, first, later = dt.date(1990, 1, 1), dt.date(2012, 5, 1), dt.date(2020, 1, 1)
    assert marital_problem("10", None, None, born) is None
    assert marital_problem("10", first, None, born) is not None
    assert "初婚日期" in (marital_problem("21", None, None, born) or "")
    assert marital_problem("21", first, None, born) is None
    assert "婚姻变动日期" in (marital_problem("40", first, None, born) or "")
    assert marital_problem("40", first, later, born) is None
    assert "早于初婚日期" in (marital_problem("22", later, first, born) or "")


def test_members_keyed_in_the_forms_enter_on_the_day_keyed() -> None:
    record = _household({"key": "a", "birth_date": dt.date(1970, 1, 1), "relation": "02"},
                        {"key": "b", "birth_date": dt.date(2026, 12, 2), "relation": "30"},
                        {"key": "c", "birth_date": dt.date(1990, 1, 1), "relation": "20"})  # fmt: skip
    today = dt.date(2026, 12, 6)
    assert people.date_form_entries(record, {"c"}, today) == ["a"]
    assert record["members"][0]["moved_in"] == {"date": today, "from_code": None, "reason": "补录"}
    assert record["members"][1]["moved_in"] is None  # born this month: a birth of the month


def test_search_roles_and_report_day() -> None:
    from store.domain.dates import report_day

    on = dt.date(2026, 11, 30)
    woman = {"is_household": False, "sex": "2", "birth_date": dt.date(1990, 1, 1), "active": True, "on": on}
    assert change_kinds.fits_role("birth", **woman) and change_kinds.fits_role("pregnancy", **woman)
    assert not change_kinds.fits_role("pregnancy", **{**woman, "birth_date": dt.date(1970, 1, 1)})
    assert not change_kinds.fits_role("pregnancy", **{**woman, "sex": "1"})
    assert change_kinds.fits_role("birth", **{**woman, "is_household": True})
    assert not change_kinds.fits_role("death", **{**woman, "active": False})
    assert not change_kinds.fits_role("death", **{**woman, "is_household": True})
    assert change_kinds.fits_role("move_in", **{**woman, "is_household": True})
    assert report_day("2026-11", dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)
    assert report_day("2026-12", dt.date(2026, 12, 6)) == dt.date(2026, 12, 6)
