"""Every rule of docs/spec/rules.md: a minimal record that fires it and a nearly identical one that does not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from checks.registry import all_rules
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

Case = Callable[[], tuple[dict[str, Any], Any]]


def with_family(change: Callable[[dict[str, Any]], Any]) -> Case:
    """A case: the reference family changed by `change` (which may return a context)."""

    def build() -> tuple[dict[str, Any], Any]:
        record = family()
        ctx = change(record)
        return record, ctx

    return build


def setp(key: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    """Change a member; a new birth date or sex brings a matching ID number unless one is given."""

    def change(record: dict[str, Any]) -> None:
        p = member(record, key)
        p.update(values)
        if ("birth_date" in values or "sex" in values) and "id_number" not in values:
            p["id_number"] = id_for(p["birth_date"], p["sex"])

    return change


def wife_block(**values: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        member(record, "h-2")["woman"].update(values)

    return change


def chain(*changes: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def change(record: dict[str, Any]) -> Any:
        result = None
        for c in changes:
            result = c(record) or result
        return result

    return change


def entries(*items: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Replace the wife's history (members unlinked from their mother are left alone)."""

    def change(record: dict[str, Any]) -> None:
        member(record, "h-2")["woman"]["children"] = list(items)
        for key in ("h-3", "h-4"):
            member(record, key)["mother"] = None
        record["members"] = [p for p in record["members"] if p["key"] not in ("h-3", "h-4")]

    return change


def pregnancy(lmp: dt.date | None, edd: dt.date | None = None, outcome: str | None = None,
              outcome_date: dt.date | None = None) -> dict[str, Any]:  # fmt: skip
    return {"lmp": lmp, "edd": edd, "outcome": outcome, "outcome_date": outcome_date}


def spouse_elsewhere(same_township: bool = True) -> Callable[[dict[str, Any]], Any]:
    """The wife's record moved to another household (of this township or another one)."""

    def change(record: dict[str, Any]) -> Any:
        wife = member(record, "h-2")
        record["members"] = [p for p in record["members"] if p["key"] != "h-2"]
        for key in ("h-3", "h-4"):
            member(record, key)["mother"] = None
        code = OTHER_HOUSEHOLD if same_township else "430426102201010001"
        wife["relation"] = "02"
        wife["woman"]["children"] = []
        wife["woman"]["pregnancies"] = []
        return context_with(household(wife, code=code))

    return change


BABY = D(2026, 3, 1)


def infant(id_number: str | None, born: dt.date = BABY) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        baby = person("h-5", name="周小宝", sex="2", birth_date=born, relation="33", mother="h-2", father="h-1",
                      id_number=id_number)  # fmt: skip
        record["members"].append(baby)
        wife = member(record, "h-2")["woman"]
        wife["children"].append(child_entry(3, born, "2", "h-5"))
        wife["contraception"] = {"method": "03", "since": born + dt.timedelta(days=60), "failure": None}

    return change


def dup_person(**values: Any) -> Callable[[dict[str, Any]], None]:
    """A second record of the husband in the same household."""

    def change(record: dict[str, Any]) -> None:
        twin = person("h-9", relation="70", marital_status="10", id_number=None)
        twin.update(values)
        record["members"].append(twin)

    return change


H1 = D(1984, 7, 21)


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


CASES: list[tuple[str, Case, Case, dict[str, Any]]] = [
    # identity
    ("ID01", with_family(setp("h-1", id_number="43042619840721013")), with_family(setp("h-1")), {}),
    ("ID02", with_family(setp("h-1", id_number=wrong_check(id_for(H1, "1")))), with_family(setp("h-1")), {}),
    ("ID03", with_family(setp("h-1", id_number=raw_id("43042619840230013"))), with_family(setp("h-1")), {}),
    ("ID04", with_family(setp("h-1", birth_date=D(1984, 7, 22), id_number=id_for(H1, "1"))),
     with_family(setp("h-1", birth_date=H1, id_number=id_for(H1, "1"))), {}),
    ("ID05", with_family(setp("h-1", id_number=id_for(H1, "2"))), with_family(setp("h-1", id_number=id_for(H1, "1"))), {}),
    ("ID06", with_family(setp("h-1", id_number=id_for(H1, "1", "111111"))),
     with_family(setp("h-1", id_number=id_for(H1, "1", "810000"))), {}),
    ("ID07", with_family(setp("h-1", id_number="430426840721013")), with_family(setp("h-1")), {}),
    # duplicates
    ("DUP1", with_family(lambda r: context_with(household(person("x-1", id_number=member(r, "h-1")["id_number"]),
                                                           code=OTHER_HOUSEHOLD))),
     with_family(lambda r: context_with(household(person("x-1", birth_date=D(1990, 1, 1)), code=OTHER_HOUSEHOLD))), {}),
    ("DUP2", with_family(dup_person()), with_family(dup_person(birth_date=D(1984, 7, 22))), {}),
    # required items
    ("REQ1", with_family(setp("h-1", ethnicity=None)), with_family(setp("h-1", ethnicity="01")), {}),
    ("REQ2", with_family(setp("h-3", marital_status="90")), with_family(setp("h-3", marital_status="10")), {}),
    ("REQ3", with_family(setp("h-1", first_marriage_date=None)), with_family(setp("h-1")), {}),
    ("REQ4", with_family(setp("h-1", marital_status="22")),
     with_family(setp("h-1", marital_status="22", marriage_change_date=D(2012, 1, 1))), {}),
    ("REQ5", with_family(lambda r: member(r, "h-2")["woman"]["children"][0].update(policy=None)),
     with_family(lambda r: member(r, "h-2")["woman"]["children"][0].update(name="未取名")), {}),
    ("REQ6", with_family(wife_block(contraception={"method": "03", "since": None, "failure": None})),
     with_family(wife_block(contraception={"method": "00", "since": None, "failure": None})), {}),
    ("REQ7", with_family(infant(None)), with_family(infant(id_for(D(2026, 3, 1), "2"))), {}),
    ("REQ8", with_family(wife_block(contraception=None)),
     with_family(wife_block(contraception={"method": "00", "since": None, "failure": None})), {}),
    # marriage
    ("MAR1", with_family(setp("h-1", first_marriage_date=D(1984, 7, 20))), with_family(setp("h-1")), {}),
    ("MAR2", with_family(chain(setp("h-1", first_marriage_date=D(2006, 7, 20)), setp("h-2", first_marriage_date=D(2006, 7, 20)))),
     with_family(chain(setp("h-1", first_marriage_date=D(2007, 2, 14)), setp("h-2", first_marriage_date=D(2007, 2, 14)))), {}),
    ("MAR3", with_family(chain(setp("h-3", first_marriage_date=D(2026, 1, 1)))), with_family(setp("h-3")), {}),
    ("MAR4", with_family(chain(setp("h-1", spouse=None), setp("h-2", spouse=None))), with_family(setp("h-1")), {}),
    ("MAR5", with_family(setp("h-2", sex="1", relation="11")), with_family(setp("h-2")), {}),
    ("MAR6", with_family(setp("h-2", spouse=None)), with_family(setp("h-2")), {}),
    ("MAR7", with_family(spouse_elsewhere(True)), with_family(spouse_elsewhere(False)), {}),
    ("MAR8", with_family(setp("h-1", marital_status="22", marriage_change_date=D(2009, 9, 30))),
     with_family(setp("h-1", marital_status="22", marriage_change_date=D(2009, 10, 1))), {}),
    ("MAR9", with_family(setp("h-1", first_marriage_date=D(2009, 10, 2))), with_family(setp("h-1")), {}),
    # childbirth history
    ("CH01", with_family(setp("h-3", mother=None)), with_family(setp("h-3")), {}),
    ("CH02", with_family(lambda r: member(r, "h-2")["woman"]["children"][1].update(order=3)),
     with_family(lambda r: member(r, "h-2")["woman"]["children"][1].update(order=2)), {}),
    ("CH03", with_family(entries(child_entry(1, D(2011, 5, 8)), child_entry(2, D(2011, 11, 3)))),
     with_family(entries(child_entry(1, D(2011, 5, 8)), child_entry(2, D(2011, 11, 4)))), {}),
    ("CH04", with_family(entries(child_entry(1, D(2002, 2, 13)))), with_family(entries(child_entry(1, D(2002, 2, 14)))), {}),
    ("CH05", with_family(entries(child_entry(1, D(1999, 2, 13)))), with_family(entries(child_entry(1, D(1999, 2, 14)))), {}),
    ("CH06", with_family(entries(child_entry(1, D(2009, 9, 30)))), with_family(entries(child_entry(1, D(2009, 10, 1)))), {}),
    ("CH07", with_family(entries(child_entry(1, D(2010, 1, 1)), child_entry(2, D(2013, 1, 1)),
                                 child_entry(3, D(2021, 5, 30)))),
     with_family(entries(child_entry(1, D(2010, 1, 1)), child_entry(2, D(2013, 1, 1)), child_entry(3, D(2021, 5, 31)))), {}),
    # contraception
    ("CON1", with_family(setp("h-1", woman=woman_block(contraception={"method": "03", "since": D(2017, 1, 1), "failure": None}))),
     with_family(setp("h-1", woman=woman_block(contraception={"method": "01", "since": D(2017, 1, 1), "failure": None}))), {}),
    ("CON2", with_family(setp("h-3", woman=woman_block(contraception={"method": "07", "since": D(2026, 10, 1), "failure": None}))),
     with_family(setp("h-3", woman=woman_block(contraception={"method": "00", "since": None, "failure": None}))), {}),
    ("CON3", with_family(wife_block(pregnancies=[pregnancy(D(2026, 9, 1), D(2027, 6, 8))])),
     with_family(wife_block(pregnancies=[pregnancy(D(2026, 9, 1), D(2027, 6, 8))],
                            contraception={"method": "03", "since": D(2017, 9, 12), "failure": "1"})), {}),
    ("CON4", with_family(wife_block(contraception={"method": "03", "since": D(2002, 2, 13), "failure": None})),
     with_family(wife_block(contraception={"method": "03", "since": D(2002, 2, 14), "failure": None})), {}),
    ("CON5", with_family(wife_block(contraception={"method": "02", "since": D(2017, 3, 25), "failure": None})),
     with_family(wife_block(contraception={"method": "02", "since": D(2017, 3, 26), "failure": None})), {}),
    # pregnancies
    ("PRG1", with_family(setp("h-1", woman=woman_block(pregnancies=[pregnancy(D(2026, 9, 1), D(2027, 6, 8))]))),
     with_family(setp("h-1", woman=woman_block())), {}),
    ("PRG2", with_family(wife_block(pregnancies=[pregnancy(AS_OF - dt.timedelta(days=301), None)],
                                    contraception={"method": "00", "since": None, "failure": None})),
     with_family(wife_block(pregnancies=[pregnancy(AS_OF - dt.timedelta(days=300), None)],
                            contraception={"method": "00", "since": None, "failure": None})), {}),
    ("PRG3", with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), D(2017, 4, 11), "1", D(2017, 3, 26))])),
     with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), D(2017, 4, 10), "1", D(2017, 3, 26))])), {}),
    ("PRG4", with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), None, "4", D(2016, 6, 19))])),
     with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), None, "4", D(2016, 6, 20))])), {}),
    ("PRG5", with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), None, "1", D(2017, 4, 26))])),
     with_family(wife_block(pregnancies=[pregnancy(D(2016, 6, 20), None, "1", D(2017, 4, 25))])), {}),
    ("PRG6", with_family(wife_block(pregnancies=[pregnancy(D(2026, 9, 1)), pregnancy(D(2026, 10, 1))],
                                    contraception={"method": "00", "since": None, "failure": None})),
     with_family(wife_block(pregnancies=[pregnancy(D(2026, 9, 1)), pregnancy(D(2026, 10, 1), None, "3", D(2026, 10, 20))],
                            contraception={"method": "00", "since": None, "failure": None})), {}),
    # deaths and dates
    ("DTH1", with_family(setp("h-1", death_date=D(2026, 10, 3))),
     with_family(setp("h-1", death_date=D(2026, 10, 3), cancel={"reason": "01", "date": D(2026, 10, 5)})), {}),
    ("DTH2", with_family(setp("h-1", death_date=D(2009, 9, 30), cancel={"reason": "01", "date": D(2009, 10, 5)})),
     with_family(setp("h-1", death_date=D(2009, 10, 1), cancel={"reason": "01", "date": D(2009, 10, 5)})), {}),
    ("DTH3", with_family(setp("h-4", cancel={"reason": "01", "date": D(2026, 10, 5)})),
     with_family(setp("h-4", cancel={"reason": "02", "date": D(2026, 10, 5)})), {}),
    ("DAT1", with_family(setp("h-3", first_marriage_date=D(2026, 11, 16), marital_status="21")),
     with_family(setp("h-3", first_marriage_date=D(2026, 11, 15), marital_status="21")), {}),
    ("DAT2", with_family(lambda r: r["members"].append(person("h-7", sex="2", birth_date=D(1915, 11, 15), relation="62",
                                                              marital_status="30", first_marriage_date=D(1935, 1, 1),
                                                              marriage_change_date=D(1990, 1, 1)))),
     with_family(lambda r: r["members"].append(person("h-7", sex="2", birth_date=D(1915, 11, 16), relation="62",
                                                      marital_status="30", first_marriage_date=D(1935, 1, 1),
                                                      marriage_change_date=D(1990, 1, 1)))), {}),
    # households
    ("HH01", with_family(setp("h-2", relation="02")), with_family(setp("h-2")), {}),
    ("HH02", with_family(setp("h-4", relation="32")), with_family(setp("h-4", relation="22")), {}),
    ("HH03", with_family(setp("h-1", birth_date=D(1996, 5, 9))), with_family(setp("h-1", birth_date=D(1996, 5, 8))), {}),
    ("HH04", with_family(lambda r: r["members"].append(person("h-8", name="张丽", sex="2", birth_date=D(1990, 1, 1),
                                                              relation="10", marital_status="20"))),
     with_family(lambda r: r["members"].append(person("h-8", name="张丽", sex="2", birth_date=D(1990, 1, 1),
                                                      relation="99", marital_status="10"))), {}),
    # flows
    ("FLW1", with_family(setp("h-1", mgmt="02", registered_place_code="430426",
                              flow={"type": "inflow", "since": D(2020, 1, 1), "place_code": "430426", "place": "", "reason": ""})),
     with_family(setp("h-1", mgmt="02", registered_place_code="510722",
                      flow={"type": "inflow", "since": D(2020, 1, 1), "place_code": "510722", "place": "", "reason": ""})), {}),
    ("FLW2", with_family(setp("h-1", mgmt="03", flow={"type": "outflow", "since": D(2026, 8, 16), "place_code": "440305",
                                                      "place": "深圳", "reason": ""})),
     with_family(setp("h-1", mgmt="03", flow={"type": "outflow", "since": D(2026, 8, 15), "place_code": "440305",
                                              "place": "深圳", "reason": ""})), {}),
    ("FLW3", with_family(setp("h-1", mgmt="03", flow={"type": "outflow", "since": D(2020, 1, 1), "place_code": None,
                                                      "place": None, "reason": None})),
     with_family(setp("h-1", mgmt="03", flow={"type": "outflow", "since": D(2020, 1, 1), "place_code": None,
                                              "place": "广东深圳", "reason": None})), {}),
    ("FLW4", with_family(setp("h-1", mgmt="02")), with_family(setp("h-1", mgmt="01")), {}),
    # benefits and certificates
    ("BEN1", with_family(setp("h-1", benefits=[{"kind": "reward", "since": 2020}])), with_family(setp("h-1")), {}),
    ("BEN2", with_family(setp("h-1", benefits=[{"kind": "special", "since": 2020}])), with_family(setp("h-1")), {}),
    ("BEN3", with_family(setp("h-1", benefits=[{"kind": "reward", "since": 2020}, {"kind": "special", "since": 2020}])),
     with_family(setp("h-1", benefits=[{"kind": "special", "since": 2020}])), {}),
    ("CRT1", with_family(wife_block(only_child_certificate={"number": "湘独2012001", "date": D(2012, 1, 1)})),
     with_family(chain(wife_block(only_child_certificate={"number": "湘独2012001", "date": D(2012, 1, 1)}),
                       lambda r: member(r, "h-2")["woman"]["children"][1].update(alive=False),
                       setp("h-4", death_date=D(2020, 1, 1), cancel={"reason": "01", "date": D(2020, 1, 2)}))), {}),
]  # fmt: skip

HOUSEHOLD_CASES = {
    "HH05": (
        lambda: household(person("z-1", cancel={"reason": "02", "date": D(2026, 1, 1)})),
        lambda: household(person("z-1", cancel={"reason": "02", "date": D(2026, 1, 1)}), status="closed"),
    ),
}


def test_reference_family_is_clean() -> None:
    assert audit(family()) == []


def test_every_rule_has_a_case() -> None:
    assert {c[0] for c in CASES} | set(HOUSEHOLD_CASES) == set(all_rules())


@pytest.mark.parametrize(("rule", "bad", "good", "options"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_and_stays_silent(rule: str, bad: Case, good: Case, options: dict[str, Any]) -> None:
    record, ctx = bad()
    found = audit(record, ctx, **options)
    assert rule in codes(found), [f.to_json() for f in found]
    hit = of(found, rule)[0]
    assert hit.severity == all_rules()[rule].severity and hit.scope == all_rules()[rule].scope
    assert hit.message and "{" not in hit.message
    record, ctx = good()
    found = audit(record, ctx, **options)
    assert rule not in codes(found), [f.to_json() for f in found]


@pytest.mark.parametrize("rule", sorted(HOUSEHOLD_CASES))
def test_household_rules(rule: str) -> None:
    bad, good = HOUSEHOLD_CASES[rule]
    found = of(audit(bad()), rule)
    assert len(found) == 1 and found[0].person_key is None and found[0].scope == "household"
    assert rule not in codes(audit(good()))
