"""Constructors of records (person, woman block, household, new member) and normalising a person for saving."""

from __future__ import annotations

import copy
from typing import Any

from store.codes import HOUSEHOLDER
from store.domain.families import householder
from store.domain.records import PERSON_KEYS, HouseholdRecord, Person, SpouseExternal, Woman

__all__ = [
    "INHERITED",
    "LATE_ENTRY_REASON",
    "date_form_entries",
    "date_new_pregnancies",
    "empty_person",
    "empty_spouse_external",
    "empty_woman",
    "ensure_woman",
    "is_empty",
    "new_household",
    "new_member",
    "normalize_person",
]

#: items a new member takes from the householder when not given.
INHERITED = ("ethnicity", "hukou_nature", "rural", "registered_place_code")
_CHILD_ITEMS = ("name", "sex", "birth_date", "policy", "blood", "alive", "disabled_grade", "member")
_PREGNANCY_ITEMS = ("lmp", "edd", "outcome", "outcome_date", "reported")


def empty_person(key: str) -> Person:
    """A person record with every key present and empty (ID type 1, no benefits or confirmations)."""
    person: dict[str, Any] = dict.fromkeys(PERSON_KEYS)
    person.update(key=key, id_type="1", benefits=[], confirmations=[])
    return person  # type: ignore[return-value]


def empty_woman() -> Woman:
    """An empty woman block: no children, no pregnancies, no method, no certificate."""
    return {"children": [], "pregnancies": [], "contraception": None, "only_child_certificate": None}


def ensure_woman(person: Person) -> Woman:
    """The woman block of `person`, made empty first when it has none (its lists always present)."""
    if person.get("woman") is None:
        person["woman"] = empty_woman()
    woman = person["woman"]
    assert woman is not None
    woman.setdefault("children", [])
    woman.setdefault("pregnancies", [])
    return woman


def empty_spouse_external() -> SpouseExternal:
    """An outside-spouse block with nothing filled in yet."""
    return {"name": None, "id_number": None, "registered_place_code": None}


def new_member(record: HouseholdRecord, key: str, **given: Any) -> Person:
    """A new member of `record` with the defaults of design §2: ethnicity (else 01 汉族), hukou nature (else
    the household's hukou type), rural and registered place (else the household's village) from the
    householder, 人户一致, 户籍人口; the first member is the householder. `given` items win over defaults."""
    household = record.get("household") or {}
    members = record.get("members") or []
    head = householder(record) or {}
    person = empty_person(key)
    person.update(given)  # type: ignore[typeddict-item]
    for name in INHERITED:
        if person.get(name) in (None, ""):
            person[name] = head.get(name)  # type: ignore[literal-required]
    person["ethnicity"] = person["ethnicity"] or "01"
    person["hukou_nature"] = person["hukou_nature"] or household.get("hukou_type")
    if person["rural"] is None and person["hukou_nature"] in ("1", "2"):
        person["rural"] = person["hukou_nature"] == "2"
    person["registered_place_code"] = person["registered_place_code"] or (household.get("code") or "")[:12] or None
    if "relation" not in given and not members:
        person["relation"] = HOUSEHOLDER
    person["residence_status"] = person.get("residence_status") or "1"
    person["mgmt"] = person.get("mgmt") or "01"
    return person


def new_household(village_code: str, group: str, number: str, *, address: str | None = None,
                  hukou_type: str = "2") -> HouseholdRecord:  # fmt: skip
    """A household record without members: code = village (12) + group (2) + number (4), a 家庭户 in use."""
    return {
        "household": {"code": village_code + group + number, "unit": village_code, "group": group,
                      "address": address or None, "hukou_type": hukou_type, "kind": "family", "status": "active",
                      "closed_date": None, "phone": None},
        "members": [],
    }  # fmt: skip


def is_empty(value: Any) -> bool:
    """Whether a value holds nothing: None, or a block / list of nothing (a history row's number aside)."""
    if isinstance(value, dict):
        return all(is_empty(v) for k, v in value.items() if k not in ("order", "member"))
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    return value is None


def normalize_person(person: Person) -> Person:
    """A person as saved (a copy): empty blocks removed, history rows numbered and complete, the flow type
    from the management code, no woman block for a man without woman facts, spouse code 0 (outside) as no
    spouse link."""
    out = copy.deepcopy(person)
    for block in ("spouse_external", "moved_in", "cancel"):
        if is_empty(out.get(block)):
            out[block] = None  # type: ignore[literal-required]
    flow = out.get("flow")
    if is_empty(flow):
        out["flow"] = None
    elif flow is not None:
        flow["type"] = {"02": "inflow", "03": "outflow"}.get(out.get("mgmt") or "", flow.get("type"))
    woman = out.get("woman")
    if woman is not None:
        woman["children"] = [c for c in woman.get("children") or [] if not is_empty(c)]
        for n, child in enumerate(woman["children"], 1):
            child["order"] = n
            for name in _CHILD_ITEMS:
                child.setdefault(name, None)  # type: ignore[misc]
        woman["pregnancies"] = [p for p in woman.get("pregnancies") or [] if not is_empty(p)]
        for pregnancy in woman["pregnancies"]:
            for name in _PREGNANCY_ITEMS:
                pregnancy.setdefault(name, None)  # type: ignore[misc]
        for block in ("contraception", "only_child_certificate"):
            if is_empty(woman.get(block)):
                woman[block] = None  # type: ignore[literal-required]
        if out.get("sex") != "2" and is_empty(woman):
            out["woman"] = None
    if out.get("spouse") == "0":
        out["spouse"] = None
    return out


#: the reason recorded on a person keyed through the forms (Ins) rather than a birth or move-in line
LATE_ENTRY_REASON = "补录"


def date_form_entries(record: HouseholdRecord, stored_keys: set[str] | frozenset[str], today: Any) -> list[str]:
    """Members new to the database (not in `stored_keys`) keyed through the forms, born before the month of
    `today` and without a move-in, enter the population on the day they are keyed: ``moved_in`` = (today,
    补录), so the change event is dated at entry and earlier months' figures stay as reported. Changes
    `record` in place; returns the keys dated."""
    first = today.replace(day=1)
    dated = []
    for person in record.get("members") or ():
        if person.get("key") in stored_keys or person.get("moved_in") or person.get("mgmt") == "02":
            continue
        born = person.get("birth_date")
        if born is None or str(born) >= first.isoformat():
            continue
        person["moved_in"] = {"date": today, "from_code": None, "reason": LATE_ENTRY_REASON}
        dated.append(str(person.get("key")))
    return dated


def date_new_pregnancies(record: HouseholdRecord, saved: HouseholdRecord | None, today: Any) -> int:
    """Pregnancies keyed in the person form without a report date (报告日期) get the day they are keyed: the
    怀孕 change is dated by it (`docs/spec/returns.md`, 变更清单), never by the LMP, which lies weeks earlier
    — often in a month already reported or closed. A pregnancy is new when the stored record (`saved`) has
    none of that person with the same LMP. Changes `record` in place; returns how many were dated."""
    stored: dict[Any, set[Any]] = {}
    for person in (saved or {}).get("members") or ():
        woman = person.get("woman") or {}
        stored[person.get("key")] = {g.get("lmp") for g in woman.get("pregnancies") or ()}
    dated = 0
    for person in record.get("members") or ():
        woman = person.get("woman") or {}
        for pregnancy in woman.get("pregnancies") or ():
            lmp = pregnancy.get("lmp")
            if pregnancy.get("reported") or lmp is None or lmp > today or lmp in stored.get(person.get("key"), ()):
                continue
            pregnancy["reported"] = today
            dated += 1
    return dated
