"""The conventions of docs/spec/rules.md: reference date and "future", 周岁 ages and 29 February, active persons,
placeholder IDs, suppression, one finding per (rule, record, history entry), pair findings, fields."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from checks.config import DEFAULT_CONFIG, AuditConfig, MarriageAge, RegionConfig, config_from_json
from checks.dates import add_years, age, months_before
from checks.engine import audit_record
from tests.support.rules import (
    AS_OF,
    OTHER_HOUSEHOLD,
    D,
    audit,
    child_entry,
    codes,
    context_with,
    family,
    household,
    id_for,
    member,
    of,
    person,
    raw_id,
    woman_block,
)


def test_age_in_completed_years_and_29_february() -> None:
    born = D(2000, 2, 29)
    assert age(born, D(2015, 2, 28)) == 14
    assert age(born, D(2015, 3, 1)) == 15
    assert age(born, D(2016, 2, 29)) == 16
    assert add_years(born, 15) == D(2015, 3, 1)
    assert months_before(D(2026, 5, 31), 3) == D(2026, 2, 28)
    assert months_before(D(2024, 5, 31), 3) == D(2024, 2, 29)
    assert months_before(D(2026, 1, 15), 3) == D(2025, 10, 15)


@pytest.mark.parametrize(("as_of", "fires"), [(D(2015, 2, 28), False), (D(2015, 3, 1), True)])
def test_req2_on_a_29_february_birthday(as_of: dt.date, fires: bool) -> None:
    record = household(person("a", birth_date=D(2000, 2, 29), relation="02", marital_status=None))
    assert ("REQ2" in codes(audit(record, as_of=as_of, today=as_of))) is fires


@pytest.mark.parametrize(("born", "fires"), [(D(1976, 11, 16), True), (D(1976, 11, 15), False)])
def test_married_wcba_up_to_49(born: dt.date, fires: bool) -> None:
    """REQ8: age 49 is a married WCBA, 50 is not."""
    record = family()
    wife = member(record, "h-2")
    wife.update(birth_date=born, id_number=id_for(born, "2"))
    wife["woman"]["contraception"] = None
    wife["woman"]["children"] = []
    wife["woman"]["pregnancies"] = []
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    assert ("REQ8" in codes(audit(record))) is fires


@pytest.mark.parametrize(("mother_age_days", "fires"), [("15", False), ("49", False), ("50", True), ("14", True)])
def test_ch04_ages(mother_age_days: str, fires: bool) -> None:
    years = int(mother_age_days)
    born = add_years(D(1987, 2, 14), years)
    record = family()
    wife = member(record, "h-2")
    wife.update(birth_date=D(1987, 2, 14), first_marriage_date=D(1990, 1, 1))
    member(record, "h-1")["first_marriage_date"] = D(1990, 1, 1)
    wife["woman"]["children"] = [child_entry(1, born)]
    wife["woman"]["pregnancies"] = []
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    found = audit(record, as_of=D(2040, 1, 1), today=D(2040, 1, 1))
    assert ("CH04" in codes(found)) is fires


def test_future_is_after_both_as_of_and_run_day() -> None:
    record = family()
    member(record, "h-2")["woman"]["contraception"]["since"] = D(2026, 11, 3)
    # a month-end audit run on the 5th does not flag events of the 1st–5th
    assert "DAT1" not in codes(audit(record, as_of=D(2026, 10, 31), today=D(2026, 11, 5)))
    assert "DAT1" in codes(audit(record, as_of=D(2026, 10, 31), today=D(2026, 11, 2)))
    assert "DAT1" not in codes(audit(record, as_of=D(2026, 11, 3), today=D(2026, 11, 1)))


def test_future_id_date_follows_the_same_cut() -> None:
    record = family()
    baby = person("h-5", sex="2", birth_date=D(2026, 11, 20), relation="33", id_number=raw_id("43042620261120002"))
    record["members"].append(baby)
    assert "ID03" in codes(audit(record, as_of=AS_OF, today=AS_OF))
    assert "ID03" not in codes(audit(record, as_of=AS_OF, today=D(2026, 11, 25)))


def test_id_before_1890() -> None:
    record = household(person("a", birth_date=D(1889, 12, 31), id_number=raw_id("43042618891231001")))
    found = audit(record)
    assert "ID03" in codes(found) and "ID04" not in codes(found)


def test_id01_suppresses_id02_to_id06_and_id03_suppresses_id04() -> None:
    record = household(person("a", id_number="11111119840230X01X", sex="2"))
    assert codes(audit(record)) & {"ID01", "ID02", "ID03", "ID04", "ID05", "ID06"} == {"ID01"}
    record = household(person("a", id_number=raw_id("43042619840230013")))
    found = codes(audit(record))
    assert "ID03" in found and "ID04" not in found


@pytest.mark.parametrize("placeholder", ["000000000000000000", "000000198407210000"])
def test_placeholder_ids_count_as_no_id(placeholder: str) -> None:
    record = household(
        person("a", id_number=placeholder), person("b", name="李四", relation="10", id_number=placeholder)
    )
    found = codes(audit(record))
    assert "REQ1" in found
    assert not found & {"ID01", "ID02", "ID03", "ID04", "ID05", "ID06", "ID07", "DUP1"}


def test_infant_without_id_is_req7_not_req1() -> None:
    record = family()
    record["members"].append(person("h-5", sex="2", birth_date=D(2026, 1, 1), relation="33", id_number=None))
    found = audit(record)
    assert of(found, "REQ7", "h-5") and not of(found, "REQ1", "h-5")
    record["members"][-1]["birth_date"] = D(2025, 11, 15)  # exactly 1 year old
    found = audit(record)
    assert of(found, "REQ1", "h-5") and not of(found, "REQ7", "h-5")


def test_id_normalisation_and_15_digit_upgrade() -> None:
    number = id_for(D(1984, 7, 21), "1")
    spaced = " ".join([number[:6], number[6:14], number[14:]])
    assert codes(audit(household(person("a", id_number=spaced)))) == set()
    legacy = "430426840721013"
    found = audit(household(person("a", id_number=legacy)))
    assert codes(found) == {"ID07"}
    assert "430426198407210" in found[0].message


def test_id_rules_apply_to_type_2_permits_only() -> None:
    good = raw_id("81000019840721013")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    record = household(person("a", id_type="3", id_number="E12345678"))
    assert codes(audit(record)) == set()
    record = household(person("a", id_type="2", id_number=bad))
    assert codes(audit(record)) == {"ID02"}
    record = household(person("a", id_type="2", id_number="H" + bad[1:]))
    assert codes(audit(record)) == set()  # not an 81/82/83 permit: no ID rule


def test_cancelled_persons_only_dth2_dth3() -> None:
    record = family()
    son = member(record, "h-4")
    son.update(cancel={"reason": "01", "date": D(2026, 1, 1)}, ethnicity=None, death_date=None)
    found = of(audit(record), rule="DTH3") + of(audit(record), rule="REQ1")
    assert {f.rule for f in found if f.person_key == "h-4"} == {"DTH3"}


def test_dup1_suppresses_dup2_for_the_same_pair() -> None:
    record = family()
    clone = person("h-9", relation="70", id_number=member(record, "h-1")["id_number"])
    record["members"].append(clone)
    found = audit(record)
    assert of(found, "DUP1", "h-1") and of(found, "DUP1", "h-9")
    assert not of(found, "DUP2")


def test_dup2_exemptions() -> None:
    record = family()
    record["members"].append(person("h-9", relation="70"))  # same name, sex, birth; both valid, different IDs
    assert "DUP2" not in codes(audit(record))
    twins = family()
    member(twins, "h-4").update(name="周浩然")
    twins["members"].append(person("h-5", name="周浩然", sex="1", birth_date=D(2017, 3, 26), relation="23",
                                    mother="h-2", father="h-1", id_number=None))  # fmt: skip
    twins_found = audit(twins)
    assert not of(twins_found, "DUP2")


def test_pair_findings_name_each_other() -> None:
    record = family()
    member(record, "h-2").update(sex="1", relation="11")
    found = of(audit(record), "MAR5")
    assert {f.person_key for f in found} == {"h-1", "h-2"}
    assert {f.person_key: f.related for f in found} == {"h-1": ("h-2",), "h-2": ("h-1",)}
    obj = found[0].to_json()
    assert list(obj) == ["rule", "severity", "scope", "unit", "household_code", "person_key", "person_name",
                         "person_id_number", "fields", "related", "confirmed", "message"]  # fmt: skip
    json.dumps(obj, ensure_ascii=False)


def test_mar7_pair_across_households_from_both_sides() -> None:
    record = family()
    wife = member(record, "h-2")
    record["members"].remove(wife)
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    wife.update(relation="02")
    wife["woman"].update(children=[], pregnancies=[])
    other = household(wife, code=OTHER_HOUSEHOLD)
    mine = of(audit(record, context_with(other)), "MAR7")
    theirs = of(audit(other, context_with(record)), "MAR7")
    assert [f.related for f in mine] == [("h-2",)] and [f.related for f in theirs] == [("h-1",)]


def test_one_finding_per_history_entry() -> None:
    record = family()
    wife = member(record, "h-2")
    wife["woman"]["children"] = [child_entry(1, D(1998, 1, 1)), child_entry(2, D(1998, 12, 1))]
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    found = of(audit(record), "CH05")
    assert len(found) == 2
    assert {f.fields[0] for f in found} == {"woman.children[0].birth_date", "woman.children[1].birth_date"}


def test_twins_are_one_delivery_in_any_order() -> None:
    record = family()
    wife = member(record, "h-2")
    wife["woman"]["children"] = [child_entry(1, D(2011, 5, 8)), child_entry(3, D(2013, 1, 2)),
                                 child_entry(2, D(2013, 1, 1))]  # fmt: skip
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    found = codes(audit(record))
    assert "CH02" not in found and "CH03" not in found


def test_ch02_accepts_numbering_all_entries_or_live_births() -> None:
    record = family()
    wife = member(record, "h-2")
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    wife["woman"]["children"] = [child_entry(1, D(2010, 1, 1), blood="2"), child_entry(2, D(2012, 1, 1))]
    assert "CH02" not in codes(audit(record))
    wife["woman"]["children"] = [child_entry(1, D(2010, 1, 1), blood="2"), child_entry(1, D(2012, 1, 1))]
    assert "CH02" not in codes(audit(record))
    wife["woman"]["children"] = [child_entry(2, D(2010, 1, 1)), child_entry(1, D(2012, 1, 1))]
    assert "CH02" in codes(audit(record))


@pytest.mark.parametrize(
    ("born", "order", "policy", "fires"),
    [
        (D(2015, 12, 31), 2, "2", False),  # before 2016: 孩次 ≤ 2 trusted as recorded
        (D(2016, 1, 1), 2, "2", True),
        (D(2016, 1, 1), 3, "1", True),
        (D(2021, 5, 30), 3, "1", True),
        (D(2021, 5, 31), 3, "1", False),
        (D(2021, 5, 31), 3, "2", True),
        (D(2021, 5, 31), 4, "1", True),
        (D(2015, 6, 1), 3, "1", True),
    ],
)
def test_ch07_policy_dates(born: dt.date, order: int, policy: str, fires: bool) -> None:
    record = family()
    wife = member(record, "h-2")
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    earlier = [child_entry(i, D(2009, 12, 1) + dt.timedelta(days=400 * i)) for i in range(1, order)]
    wife["woman"]["children"] = [*earlier, child_entry(order, born, policy=policy)]
    found = of(audit(record), "CH07")
    assert bool(found) is fires, [f.message for f in found]


def test_ch07_exempts_births_before_marriage_and_config_per_province() -> None:
    record = family()
    wife = member(record, "h-2")
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    wife["woman"]["children"] = [child_entry(1, D(2017, 1, 1), policy="2")]
    assert "CH07" in codes(audit(record))
    member(record, "h-1")["first_marriage_date"] = wife["first_marriage_date"] = D(2018, 1, 1)
    found = codes(audit(record))
    assert "CH07" not in found and "CH06" in found


def test_marriage_ages_are_configurable_per_region() -> None:
    record = family()
    for key in ("h-1", "h-2"):
        member(record, key)["first_marriage_date"] = D(2006, 7, 20)  # wife 19
    assert "MAR2" in codes(audit(record))
    lenient = RegionConfig(marriage_ages=(MarriageAge(dt.date.min, 18, 20),))
    config = AuditConfig(regions=(("43", lenient),))
    assert "MAR2" not in codes(audit_record(record, None, AS_OF, today=AS_OF, config=config))
    other = AuditConfig(regions=(("44", lenient),))
    assert "MAR2" in codes(audit_record(record, None, AS_OF, today=AS_OF, config=other))


def test_config_from_json_overrides() -> None:
    config = config_from_json(json.dumps({"thresholds": {"birth_spacing_days": 365},
                                          "regions": {"43": {"policy": [{"since": "min", "ceiling": 1}]}}}))  # fmt: skip
    assert config.birth_spacing_days == 365 and config.region("430426").policy[0].ceiling == 1
    assert config.region("440000") is config.default_region
    assert DEFAULT_CONFIG.birth_spacing_days == 180
    with pytest.raises(ValueError):
        config_from_json('{"thresholds": {"nonsense": 1}}')


def test_woman_block_on_a_male_is_reported() -> None:
    record = family()
    member(record, "h-1")["woman"] = woman_block(
        contraception={"method": "02", "since": D(2018, 1, 1), "failure": None},
        pregnancies=[{"lmp": D(2026, 9, 1), "edd": None, "outcome": None, "outcome_date": None}],
    )
    found = codes(audit(record))
    assert {"CON1", "PRG1"} <= found


@pytest.mark.parametrize(("days", "fires"), [(179, True), (180, False)])
def test_ch03_180_days(days: int, fires: bool) -> None:
    record = family()
    wife = member(record, "h-2")
    for key in ("h-3", "h-4"):
        member(record, key)["mother"] = None
    wife["woman"]["children"] = [child_entry(1, D(2011, 5, 8)), child_entry(2, D(2011, 5, 8) + dt.timedelta(days=days))]
    assert ("CH03" in codes(audit(record))) is fires


def test_household_fields_and_collective_exemption() -> None:
    record = family()
    member(record, "h-1")["relation"] = "70"
    found = of(audit(record), "HH01")
    assert found and found[0].fields[0].startswith("members[") and found[0].person_key is None
    record["household"]["kind"] = "collective"
    assert "HH01" not in codes(audit(record))
