"""Moving members between household records (户间迁移, 分户, 并户) and changing the householder: pure rules.

A member taken out of a household leaves it with a householder (the one chosen when the householder leaves)
or, when nobody active is left, closed on the day; a member put into a household gets its relation to that
householder from the links (:func:`store.domain.families.derive_relations`), the householder's spouse
11/12 when linked, else the relation given, else 97. Callers copy the records first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from store.codes import HOUSEHOLDER
from store.domain import families
from store.domain.records import HouseholdRecord, Person

__all__ = ["MoveError", "close_if_empty", "put_in", "same_village", "take_out"]


class MoveError(ValueError):
    """A move that cannot be made; the message is Chinese."""


def take_out(record: HouseholdRecord, key: str, new_head: str | None = None) -> Person:
    """Remove the active member `key` from `record` and return it. When the householder leaves and others
    stay, `new_head` (one of them) becomes householder and the relations are derived anew; MoveError when it
    is missing or not one of them."""
    person = families.member(record, key)
    if person is None or person.get("cancel") is not None or person.get("death_date") is not None:
        raise MoveError(f"这一户没有在册人员 {key}。")
    record["members"] = [p for p in record.get("members") or () if p is not person]
    if person.get("relation") == HOUSEHOLDER and families.active_members(record):
        if not new_head:
            raise MoveError(f"{person.get('name') or key}是户主，请先选定留下的人中的新户主。")
        if families.member(record, new_head) not in families.active_members(record):
            raise MoveError(f"新户主 {new_head} 不是这一户留下的在册人员。")
        old = dict(person)
        record["members"].append(old)  # the leaving householder is still known while relations are derived
        families.set_householder(record, new_head)
        record["members"].remove(old)
    return person


def put_in(record: HouseholdRecord, person: Person, relation: str | None = None) -> str:
    """Add `person` to `record`: the householder of an empty household, else its relation to the householder
    from the links, else `relation`, else 97. Returns the relation set."""
    person["relation"] = None
    record.setdefault("members", []).append(person)
    head = families.householder(record)
    if head is None or head is person:
        code = HOUSEHOLDER
    else:
        derived = families.derive_relations(record, str(head.get("key")))
        code = derived.get(str(person.get("key"))) or ""
        if code in ("", families.OTHER_RELATIVE, families.NON_RELATIVE, None):
            code = relation or code or families.OTHER_RELATIVE
    person["relation"] = code
    return code


def close_if_empty(record: HouseholdRecord, date: dt.date) -> bool:
    """Close a household that has no active member left (户状态 已销户, 销户日期 `date`); True when closed."""
    if families.active_members(record):
        return False
    household: Any = record["household"]
    household["status"], household["closed_date"] = "closed", date
    return True


def same_village(code_a: str, code_b: str) -> bool:
    """Whether two household codes belong to one village (the first 12 digits)."""
    return code_a[:12] == code_b[:12]
