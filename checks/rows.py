"""The SQL of person and history rows, and the interchange-shaped person records built from them.

The person columns are named once, in :data:`PERSON_COLUMNS`; rows are read by name through :data:`COL`,
the index constants and :func:`getter`. The whole-database audit (:mod:`checks.passes`) streams `STREAM_SQL`
rows straight into views; the loading plans (:mod:`checks.plans`) select `PERSON_SQL` rows and build records
with :func:`person_record`, then put the history rows on them with :func:`attach_histories`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

#: the person columns the audit selects, in this order: every person row starts with them. Add a column here
#: (and read it by name through :data:`COL` or :func:`getter`): nothing else selects person columns.
PERSON_COLUMNS = (
    "id", "key", "household_id", "seq", "name", "id_type", "id_number", "sex", "birth_date", "relation",
    "ethnicity", "hukou_nature", "rural", "marital_status", "first_marriage_date", "marriage_change_date",
    "spouse_ext_name", "spouse_ext_id_number", "spouse_ext_place_code", "mgmt", "registered_place_code",
    "flow_type", "flow_since", "flow_place_code", "flow_place", "moved_in_date", "moved_in_from_code",
    "death_date", "cancel_reason", "cancel_date", "has_woman_record", "contraception_method",
    "contraception_since", "contraception_failure", "only_child_cert_number", "only_child_cert_date", "version",
)  # fmt: skip
#: column name → its index in a person row
COL = {name: index for index, name in enumerate(PERSON_COLUMNS)}
#: the three links that follow the person columns: the linked persons' keys in a `PERSON_SQL` row, their
#: database ids in a `STREAM_SQL` row
SPOUSE, MOTHER, FATHER = range(len(PERSON_COLUMNS), len(PERSON_COLUMNS) + 3)
ID, KEY, HOUSEHOLD, HAS_WOMAN = COL["id"], COL["key"], COL["household_id"], COL["has_woman_record"]


def getter(*names: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A fast picker of the named columns (at least two) of a person row, as a tuple in the order named."""
    assert len(names) > 1
    return itemgetter(*(COL[name] for name in names))


_SELECT = "SELECT " + ", ".join(f"p.{name}" for name in PERSON_COLUMNS)
#: person rows with the keys of the linked persons (spouse, mother, father)
PERSON_SQL = (
    _SELECT + ", s.key, m.key, f.key FROM person p LEFT JOIN person s ON s.id = p.spouse_id "
    "LEFT JOIN person m ON m.id = p.mother_id LEFT JOIN person f ON f.id = p.father_id "
)
#: person rows with the database ids of the linked persons (the whole-database audit resolves them itself)
STREAM_SQL = _SELECT + ", p.spouse_id, p.mother_id, p.father_id FROM person p "
CHILD_STREAM_SQL = (
    "SELECT c.woman_id, c.birth_order, c.name, c.sex, c.birth_date, c.policy, c.blood, c.alive, "
    "c.disabled_grade, c.member_id FROM child c JOIN person w ON w.id = c.woman_id "
)
CHILD_SQL = (
    "SELECT c.woman_id, c.birth_order, c.name, c.sex, c.birth_date, c.policy, c.blood, c.alive, c.disabled_grade, "
    "mem.key FROM child c JOIN person w ON w.id = c.woman_id LEFT JOIN person mem ON mem.id = c.member_id "
)
PREGNANCY_SQL = (
    "SELECT g.woman_id, g.lmp, g.edd, g.outcome, g.outcome_date FROM pregnancy g JOIN person w ON w.id = g.woman_id "
)
BENEFIT_SQL = "SELECT b.person_id, b.kind, b.since FROM benefit b JOIN person w ON w.id = b.person_id "
CONFIRMATION_SQL = (
    "SELECT c.person_id, c.rule, c.fields_json, c.reason, c.confirmed_by, c.confirmed_at, c.record_version "
    "FROM confirmation c JOIN person w ON w.id = c.person_id "
)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


_RECORD_COLUMNS = getter(
    "id", "key", "name", "id_type", "id_number", "sex", "birth_date", "relation", "ethnicity", "hukou_nature",
    "rural", "marital_status", "first_marriage_date", "marriage_change_date", "spouse_ext_name",
    "spouse_ext_id_number", "spouse_ext_place_code", "mgmt", "registered_place_code", "flow_type", "flow_since",
    "flow_place_code", "flow_place", "moved_in_date", "moved_in_from_code", "death_date", "cancel_reason",
    "cancel_date", "has_woman_record", "version",
)  # fmt: skip
_WOMAN_COLUMNS = getter(
    "contraception_method",
    "contraception_since",
    "contraception_failure",
    "only_child_cert_number",
    "only_child_cert_date",
)


def person_record(r: Sequence[Any], spouse: str | None, mother: str | None, father: str | None) -> dict[str, Any]:
    """A person record (the keys the rules read, woman history lists empty) from a `PERSON_SQL` row and
    the keys of the linked persons."""
    (pid, key, name, id_type, id_number, sex, birth, relation, ethnicity, hukou, rural, marital, married, changed,
     ext_name, ext_id, ext_place, mgmt, place, flow_type, flow_since, flow_code, flow_place, moved_date, moved_from,
     death, cancel_reason, cancel_date, has_woman, version) = _RECORD_COLUMNS(r)  # fmt: skip
    woman = woman_block(r) if has_woman else None
    return {
        "key": key, "name": name, "id_type": id_type, "id_number": id_number, "sex": sex, "birth_date": birth,
        "relation": relation, "ethnicity": ethnicity, "hukou_nature": hukou,
        "rural": None if rural is None else bool(rural), "marital_status": marital, "first_marriage_date": married,
        "marriage_change_date": changed, "spouse": spouse, "mother": mother, "father": father,
        "spouse_external": None if ext_name is None and ext_id is None and ext_place is None
        else {"name": ext_name, "id_number": ext_id, "registered_place_code": ext_place},
        "mgmt": mgmt, "registered_place_code": place,
        "flow": None if flow_type is None
        else {"type": flow_type, "since": flow_since, "place_code": flow_code, "place": flow_place},
        "moved_in": None if moved_date is None and moved_from is None else {"date": moved_date, "from_code": moved_from},
        "death_date": death, "cancel": None if cancel_reason is None else {"reason": cancel_reason, "date": cancel_date},
        "benefits": [], "confirmations": [], "woman": woman, "_id": pid, "_version": version,
    }  # fmt: skip


def woman_block(r: Sequence[Any]) -> dict[str, Any]:
    """The woman block (histories empty) of a person row that has a woman record."""
    method, since, failure, number, date = _WOMAN_COLUMNS(r)
    return {
        "children": [], "pregnancies": [],
        "contraception": None if method is None and since is None and failure is None
        else {"method": method, "since": since, "failure": failure},
        "only_child_certificate": None if number is None and date is None else {"number": number, "date": date},
    }  # fmt: skip


def attach_histories(persons: dict[int, dict[str, Any]], children: Iterable[Sequence[Any]], pregnancies: Iterable[Sequence[Any]],
            benefits: Iterable[Sequence[Any]], confirmations: Iterable[Sequence[Any]]) -> None:  # fmt: skip
    """Put history rows on their persons (rows of persons not in `persons` are ignored)."""
    for r in children:
        person = persons.get(r[0])
        if person is not None and person["woman"] is not None:
            person["woman"]["children"].append({
                "order": r[1], "name": r[2], "sex": r[3], "birth_date": r[4], "policy": r[5], "blood": r[6],
                "alive": _bool(r[7]), "disabled_grade": r[8], "member": r[9]})  # fmt: skip
    for r in pregnancies:
        person = persons.get(r[0])
        if person is not None and person["woman"] is not None:
            person["woman"]["pregnancies"].append({"lmp": r[1], "edd": r[2], "outcome": r[3], "outcome_date": r[4]})
    for r in benefits:
        person = persons.get(r[0])
        if person is not None:
            person["benefits"].append({"kind": r[1], "since": r[2]})
    for r in confirmations:
        person = persons.get(r[0])
        if person is not None:
            person["confirmations"].append({"rule": r[1], "fields": json.loads(r[2] or "[]"), "reason": r[3],
                                            "by": r[4], "at": r[5], "_record_version": r[6]})  # fmt: skip
