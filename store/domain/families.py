"""Family links inside a household record: the householder, spouses (both sides), a new child's relation.

GB/T 4761 relation codes: 02 户主, 10–12 配偶, 20–29 子, 30–39 女, 40–49 孙子女 …
"""

from __future__ import annotations

from typing import Any

from store.codes import HOUSEHOLDER, RELATION_SPOUSE
from store.domain.records import HouseholdRecord, Person

__all__ = [
    "CHILD_RELATIONS",
    "child_relation",
    "householder",
    "link_spouse",
    "member",
    "next_child_order",
    "unlink_spouse",
    "woman_of_household",
]

#: relations of a child or grandchild of the householder (a new member with one carries the family surname).
CHILD_RELATIONS: frozenset[str] = frozenset({
    "20", "21", "22", "23", "24", "25", "26", "27", "29", "30", "31", "32", "33", "34", "35", "36", "37", "39",
    "40", "41", "42", "47", "48", "49",
})  # fmt: skip


def member(record: HouseholdRecord, key: Any) -> Person | None:
    """The member with `key`, or None."""
    if not key:
        return None
    return next((p for p in record.get("members") or () if p.get("key") == key), None)


def householder(record: HouseholdRecord) -> Person | None:
    """The active householder (relation 02) of a household record, or None."""
    for person in record.get("members") or ():
        if person.get("relation") == HOUSEHOLDER and person.get("cancel") is None:
            return person
    return None


def link_spouse(record: HouseholdRecord, person: Person, spouse_key: str | None) -> Person | None:
    """Make `spouse_key` the spouse of `person` (a member of `record`) on both sides within the household.

    A former partner's link back to `person`, and the new partner's link to a third member, are dropped;
    the new partner points back with its outside spouse cleared, and so does `person` (``spouse_key`` None
    only drops the link: the caller may record an outside spouse). A key of another household is set on
    `person` alone. Returns the new partner when it is a member, else None."""
    old = person.get("spouse")
    me = person.get("key")
    person["spouse"] = spouse_key
    if spouse_key is not None:
        person["spouse_external"] = None
    former = member(record, old)
    if old != spouse_key and former is not None and former is not person and former.get("spouse") == me:
        former["spouse"] = None
    partner = member(record, spouse_key)
    if partner is None or partner is person:
        return None
    third = member(record, partner.get("spouse"))
    if third is not None and third is not person and third.get("spouse") == spouse_key:
        third["spouse"] = None
    partner["spouse"], partner["spouse_external"] = me, None
    return partner


def unlink_spouse(record: HouseholdRecord, person: Person) -> Person | None:
    """End the marriage link of `person`: no spouse of either kind, and the partner in this household (if it
    pointed back) none either. Returns that partner, else None."""
    partner = member(record, person.get("spouse"))
    person["spouse"], person["spouse_external"] = None, None
    if partner is None or partner is person or partner.get("spouse") != person.get("key"):
        return None
    partner["spouse"], partner["spouse_external"] = None, None
    return partner


def child_relation(parent_relation: str | None, sex: str | None) -> str:
    """A new child's relation to the householder from its parent's (GB/T 4761): a child of the householder
    or spouse is 20 子 / 30 女, of a son or daughter-in-law (38) 41 孙子 / 42 孙女, of a daughter or son-in-law
    (28) 43 外孙子 / 44 外孙女, else 97 其他亲属."""
    relation = parent_relation or ""
    boy = sex == "1"
    if relation == HOUSEHOLDER or relation in RELATION_SPOUSE:
        return "20" if boy else "30"
    if relation == "38" or (relation.startswith("2") and relation != "28"):  # a son or daughter-in-law
        return "41" if boy else "42"
    if relation == "28" or relation.startswith("3"):  # a daughter or son-in-law
        return "43" if boy else "44"
    return "97"


def next_child_order(person: Person) -> int:
    """The 孩次 of the woman's next child: one more than the highest recorded."""
    children = (person.get("woman") or {}).get("children") or []
    return max((int(c.get("order") or 0) for c in children), default=0) + 1


def woman_of_household(record: HouseholdRecord, key: str | None) -> str | None:
    """The woman a birth or pregnancy line means when the clerk found `key` (a woman: her; a man: his wife;
    a household (None): its only married woman); None when it cannot be told."""
    person = member(record, key)
    if person is not None and person.get("sex") == "2":
        return person.get("key")
    if person is not None:
        wife = member(record, person.get("spouse"))
        return wife.get("key") if wife is not None and wife.get("sex") == "2" else None
    married = [p.get("key") for p in record.get("members") or () if p.get("sex") == "2" and p.get("cancel") is None
               and (p.get("marital_status") or "").startswith("2")]  # fmt: skip
    return married[0] if len(married) == 1 else None
