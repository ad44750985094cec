"""Builders for rule tests: records with every interchange key, a clean reference household, audit helpers.

No tests here; the rule tests import these helpers.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from checks.engine import audit_record
from checks.model import Context, Finding, PersonView
from store.idnumber import check_char, make_id
from store.interchange import empty_person

AS_OF = dt.date(2026, 11, 15)
D = dt.date
HOUSEHOLD = "430426101201010012"
OTHER_HOUSEHOLD = "430426101201010013"

_seq = [100]


def id_for(birth: dt.date, sex: str, region: str = "430426") -> str:
    """A valid 18-digit number for a birth date and sex."""
    _seq[0] += 2
    return make_id(region, birth, (_seq[0] % 998) + (1 if sex == "1" else 0))


def raw_id(first17: str) -> str:
    """17 digits plus their correct check character (the date part may be anything)."""
    return first17 + check_char(first17)


def person(key: str, **values: Any) -> dict[str, Any]:
    """A person record with every interchange key; sensible clean defaults, overridden by `values`.
    The ID number follows the birth date and sex unless given."""
    p = empty_person(key)
    p.update({
        "name": "周建军", "sex": "1", "birth_date": D(1984, 7, 21), "relation": "02", "ethnicity": "01",
        "hukou_nature": "2", "rural": True, "education": "60", "political_status": "13", "marital_status": "10",
        "residence_status": "1", "mgmt": "01", "registered_place_code": "430426",
    })  # fmt: skip
    p.update(values)
    if "id_number" not in values:
        p["id_number"] = id_for(p["birth_date"], p["sex"]) if p["birth_date"] and p["sex"] in ("1", "2") else None
    return p


def child_entry(order: int, born: dt.date, sex: str = "2", member: str | None = None, **values: Any) -> dict[str, Any]:
    entry = {"order": order, "name": f"孩子{order}", "sex": sex, "birth_date": born, "policy": "1", "blood": "1",
             "alive": True, "disabled_grade": None, "member": member}  # fmt: skip
    entry.update(values)
    return entry


def woman_block(**values: Any) -> dict[str, Any]:
    block = {"children": [], "contraception": None, "pregnancies": [], "only_child_certificate": None}
    block.update(values)
    return block


def household(*members: dict[str, Any], code: str = HOUSEHOLD, **values: Any) -> dict[str, Any]:
    hh = {"code": code, "unit": code[:12], "group": code[12:14], "address": "东风村一组", "hukou_type": "2",
          "kind": "family", "status": "active", "closed_date": None, "phone": None}  # fmt: skip
    hh.update(values)
    return {"household": hh, "members": list(members)}


def family() -> dict[str, Any]:
    """The clean reference household (the example file's first household): husband, wife with a woman
    record (two children, an IUD, a past pregnancy), daughter aged 15, son aged 9."""
    husband = person("h-1", marital_status="21", first_marriage_date=D(2009, 10, 1), spouse="h-2")
    wife = person(
        "h-2", name="陈美华", sex="2", birth_date=D(1987, 2, 14), relation="12", marital_status="21",
        first_marriage_date=D(2009, 10, 1), spouse="h-1",
        woman=woman_block(
            children=[child_entry(1, D(2011, 5, 8), "2", "h-3"), child_entry(2, D(2017, 3, 26), "1", "h-4")],
            contraception={"method": "03", "since": D(2017, 9, 12), "failure": None},
            pregnancies=[{"lmp": D(2016, 6, 20), "edd": D(2017, 3, 27), "outcome": "1", "outcome_date": D(2017, 3, 26)}],
        ),
    )  # fmt: skip
    daughter = person("h-3", name="周欣怡", sex="2", birth_date=D(2011, 5, 8), relation="32", mother="h-2",
                      father="h-1")  # fmt: skip
    son = person("h-4", name="周浩然", sex="1", birth_date=D(2017, 3, 26), relation="22", mother="h-2", father="h-1")
    return household(husband, wife, daughter, son)


def member(record: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in record["members"] if p["key"] == key)


def audit(
    record: dict[str, Any], context: Context | None = None, as_of: dt.date = AS_OF, today: dt.date = AS_OF
) -> list[Finding]:
    return audit_record(record, context, as_of, today=today)


def codes(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def of(findings: list[Finding], rule: str, key: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and (key is None or f.person_key == key)]


def context_with(*records: dict[str, Any], as_of: dt.date = AS_OF) -> Context:
    """A context holding the persons of other (stored) households, with the reverse-link and duplicate
    indexes a database look-up would give."""
    from checks.engine import Auditor, index_duplicates

    env = Auditor(as_of, today=as_of).env()
    ctx = Context()
    views = []
    for record in records:
        for p in record["members"]:
            v = PersonView(copy.deepcopy(p), record["household"]["code"], env)
            ctx.persons[v.key] = v
            views.append(v)
    for v in views:
        if v.spouse:
            ctx.spouse_linkers.setdefault(v.spouse, []).append(v.key)
        if v.mother:
            ctx.children_of.setdefault(v.mother, []).append(v.key)
    index_duplicates(ctx, views)
    return ctx
