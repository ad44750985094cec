"""Reading household records (interchange-shaped dicts) from the database with raw queries.

Used by the exporter, the audit and the screens. No ORM objects are built: rows become plain dicts,
in batches of households ordered by household code, so a county streams in bounded memory.
Internal keys start with an underscore (`_id`, `_version`, `_household_version`) and are never exported.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from store import db
from store.scope import Who, in_scope

#: person table columns written from a record, in insert order (links are written separately).
PERSON_COLUMNS = (
    "key", "household_id", "seq", "name", "id_type", "id_number", "sex", "birth_date", "relation",
    "ethnicity", "hukou_nature", "rural", "education", "political_status", "occupation", "marital_status",
    "first_marriage_date", "marriage_change_date", "spouse_ext_name", "spouse_ext_id_number",
    "spouse_ext_place_code", "residence_status", "mgmt", "registered_place_code", "flow_type", "flow_since",
    "flow_place_code", "flow_place", "flow_reason", "moved_in_date", "moved_in_from_code", "moved_in_reason",
    "death_date", "cancel_reason", "cancel_date", "cancel_to_code", "cancel_to_place", "has_woman_record", "contraception_method",
    "contraception_since", "contraception_failure", "only_child_cert_number", "only_child_cert_date",
)  # fmt: skip

HOUSEHOLD_COLUMNS = ("code", "village_id", "group_code", "address", "hukou_type", "kind", "status",
                     "closed_date", "phone")  # fmt: skip


def _get(block: dict[str, Any] | None, name: str) -> Any:
    return None if block is None else block.get(name)


def person_values(person: dict[str, Any], household_code: str, seq: int) -> tuple[Any, ...]:
    """The values of :data:`PERSON_COLUMNS` for a person record."""
    ext, flow, moved, cancel = (person.get(k) for k in ("spouse_external", "flow", "moved_in", "cancel"))
    woman = person.get("woman")
    contra = _get(woman, "contraception")
    cert = _get(woman, "only_child_certificate")
    return (
        person["key"], household_code, seq, person.get("name"), person.get("id_type") or "1",
        person.get("id_number"), person.get("sex"), person.get("birth_date"), person.get("relation"),
        person.get("ethnicity"), person.get("hukou_nature"), person.get("rural"), person.get("education"),
        person.get("political_status"), person.get("occupation"), person.get("marital_status"),
        person.get("first_marriage_date"), person.get("marriage_change_date"),
        _get(ext, "name"), _get(ext, "id_number"), _get(ext, "registered_place_code"),
        person.get("residence_status"), person.get("mgmt"), person.get("registered_place_code"),
        _get(flow, "type"), _get(flow, "since"), _get(flow, "place_code"), _get(flow, "place"),
        _get(flow, "reason"), _get(moved, "date"), _get(moved, "from_code"), _get(moved, "reason"),
        person.get("death_date"), _get(cancel, "reason"), _get(cancel, "date"), _get(cancel, "to_code"),
        _get(cancel, "to_place"), woman is not None,
        _get(contra, "method"), _get(contra, "since"), _get(contra, "failure"),
        _get(cert, "number"), _get(cert, "date"),
    )  # fmt: skip


def household_values(household: dict[str, Any]) -> tuple[Any, ...]:
    """The values of :data:`HOUSEHOLD_COLUMNS` for a household payload."""
    return (
        household["code"], household["unit"], household["group"], household.get("address"),
        household.get("hukou_type"), household.get("kind") or "family", household.get("status") or "active",
        household.get("closed_date"), household.get("phone"),
    )  # fmt: skip


def _block(**values: Any) -> dict[str, Any] | None:
    return values if any(v is not None for v in values.values()) else None


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def person_from_row(row: Any) -> dict[str, Any]:
    """A person record (without woman history lists) from a joined person row."""
    return {
        "key": row["key"], "name": row["name"], "id_type": row["id_type"], "id_number": row["id_number"],
        "sex": row["sex"], "birth_date": row["birth_date"], "relation": row["relation"],
        "ethnicity": row["ethnicity"], "hukou_nature": row["hukou_nature"], "rural": _bool(row["rural"]),
        "education": row["education"], "political_status": row["political_status"],
        "occupation": row["occupation"], "marital_status": row["marital_status"],
        "first_marriage_date": row["first_marriage_date"], "marriage_change_date": row["marriage_change_date"],
        "spouse": row["spouse_key"], "mother": row["mother_key"], "father": row["father_key"],
        "residence_status": row["residence_status"], "mgmt": row["mgmt"],
        "registered_place_code": row["registered_place_code"], "death_date": row["death_date"],
        "spouse_external": _block(name=row["spouse_ext_name"], id_number=row["spouse_ext_id_number"],
                                  registered_place_code=row["spouse_ext_place_code"]),
        "flow": None if row["flow_type"] is None else {
            "type": row["flow_type"], "since": row["flow_since"], "place_code": row["flow_place_code"],
            "place": row["flow_place"], "reason": row["flow_reason"]},
        "moved_in": _block(date=row["moved_in_date"], from_code=row["moved_in_from_code"],
                           reason=row["moved_in_reason"]),
        "cancel": None if row["cancel_reason"] is None else {"reason": row["cancel_reason"],
                                                            "date": row["cancel_date"],
                                                            "to_code": row["cancel_to_code"],
                                                            "to_place": row["cancel_to_place"]},
        "benefits": [], "confirmations": [],
        "woman": None if not row["has_woman_record"] else {
            "children": [], "pregnancies": [],
            "contraception": _block(method=row["contraception_method"], since=row["contraception_since"],
                                    failure=row["contraception_failure"]),
            "only_child_certificate": _block(number=row["only_child_cert_number"],
                                             date=row["only_child_cert_date"])},
        "_id": row["id"], "_version": row["version"],
    }  # fmt: skip


def household_from_row(row: Any) -> dict[str, Any]:
    """A household record (without members) from a household row."""
    return {
        "household": {
            "code": row["code"], "unit": row["village_id"], "group": row["group_code"], "address": row["address"],
            "hukou_type": row["hukou_type"], "kind": row["kind"], "status": row["status"],
            "closed_date": row["closed_date"], "phone": row["phone"],
        },
        "members": [],
        "_version": row["version"],
    }  # fmt: skip


_PERSON_SELECT = (
    "SELECT p.*, s.key AS spouse_key, m.key AS mother_key, f.key AS father_key FROM person p "
    "LEFT JOIN person s ON s.id = p.spouse_id LEFT JOIN person m ON m.id = p.mother_id "
    "LEFT JOIN person f ON f.id = p.father_id "
)
_CHILD_SELECT = (
    "SELECT c.*, mem.key AS member_key FROM child c JOIN person w ON w.id = c.woman_id "
    "LEFT JOIN person mem ON mem.id = c.member_id "
)


async def _assemble(households: list[dict[str, Any]], where: str, params: Sequence[Any]) -> None:
    """Fill the members (and their histories) of `households` selected by a person WHERE clause."""
    by_code = {h["household"]["code"]: h for h in households}
    persons: dict[int, dict[str, Any]] = {}
    for row in await db.fetch(_PERSON_SELECT + f"WHERE {where} ORDER BY p.household_id, p.seq, p.id", params):
        person = person_from_row(row)
        persons[row["id"]] = person
        holder = by_code.get(row["household_id"])
        if holder is not None:
            holder["members"].append(person)
    if not persons:
        return
    hist_where = where.replace("p.", "w.")
    for row in await db.fetch(_CHILD_SELECT + f"WHERE {hist_where} ORDER BY c.woman_id, c.seq", params):
        woman = persons.get(row["woman_id"], {}).get("woman")
        if woman is not None:
            woman["children"].append({
                "order": row["birth_order"], "name": row["name"], "sex": row["sex"],
                "birth_date": row["birth_date"], "policy": row["policy"], "blood": row["blood"],
                "alive": _bool(row["alive"]), "disabled_grade": row["disabled_grade"], "member": row["member_key"],
            })  # fmt: skip
    sql = "SELECT g.* FROM pregnancy g JOIN person w ON w.id = g.woman_id "
    for row in await db.fetch(sql + f"WHERE {hist_where} ORDER BY g.woman_id, g.seq", params):
        woman = persons.get(row["woman_id"], {}).get("woman")
        if woman is not None:
            woman["pregnancies"].append({"lmp": row["lmp"], "edd": row["edd"], "outcome": row["outcome"],
                                         "outcome_date": row["outcome_date"],
                                         "reported": row["reported"]})  # fmt: skip
    sql = "SELECT b.* FROM benefit b JOIN person w ON w.id = b.person_id "
    for row in await db.fetch(sql + f"WHERE {hist_where} ORDER BY b.person_id, b.id", params):
        persons[row["person_id"]]["benefits"].append({"kind": row["kind"], "since": row["since"]})
    sql = "SELECT c.* FROM confirmation c JOIN person w ON w.id = c.person_id "
    for row in await db.fetch(sql + f"WHERE {hist_where} ORDER BY c.person_id, c.id", params):
        persons[row["person_id"]]["confirmations"].append({
            "rule": row["rule"], "fields": json.loads(row["fields_json"]), "reason": row["reason"],
            "by": row["confirmed_by"], "at": row["confirmed_at"], "_record_version": row["record_version"],
        })  # fmt: skip


async def load_households(codes: Sequence[str], *, actor: Who = None) -> dict[str, dict[str, Any]]:
    """Household records for the given codes (missing codes, and those outside the actor's scope
    (`store.scope`), are simply absent)."""
    result: dict[str, dict[str, Any]] = {}
    codes = [code for code in dict.fromkeys(codes) if in_scope(actor, code)]
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetch(f"SELECT * FROM household WHERE code IN ({marks}) ORDER BY code", chunk)
        batch = [household_from_row(r) for r in rows]
        if batch:
            await _assemble(batch, f"p.household_id IN ({marks})", chunk)
            result.update((h["household"]["code"], h) for h in batch)
    return result


async def iter_households(prefix: str = "", batch_size: int = 1000) -> AsyncIterator[list[dict[str, Any]]]:
    """All household records whose code starts with `prefix`, in code order, in batches."""
    low, high = prefix, prefix + "\uffff" if prefix else "\uffff"
    after = ""
    while True:
        rows = await db.fetch(
            "SELECT * FROM household WHERE code > ? AND code >= ? AND code < ? ORDER BY code LIMIT ?",
            [after, low, high, batch_size],
        )
        if not rows:
            return
        batch = [household_from_row(r) for r in rows]
        first, last = batch[0]["household"]["code"], batch[-1]["household"]["code"]
        await _assemble(batch, "p.household_id >= ? AND p.household_id <= ?", [first, last])
        yield batch
        after = last


async def load_units(prefix: str = "") -> list[dict[str, Any]]:
    """Units whose code starts with `prefix` (and their ancestors), parents before children."""
    rows = await db.fetch("SELECT code, name, level, parent_id FROM unit ORDER BY length(code), code")
    units = [{"code": r["code"], "name": r["name"], "level": r["level"], "parent": r["parent_id"]} for r in rows]
    if not prefix:
        return units
    return [u for u in units if u["code"].startswith(prefix) or prefix.startswith(u["code"])]
