"""Family links inside a household record: the householder, spouses (both sides), a new child's relation.

GB/T 4761 relation codes: 02 户主, 10–12 配偶, 20–29 子, 30–39 女, 40–49 孙子女 …
"""

from __future__ import annotations

from typing import Any

from store.codes import HOUSEHOLDER, RELATION_SPOUSE
from store.domain.records import HouseholdRecord, Person

__all__ = [
    "CHILD_RELATIONS",
    "NON_RELATIVE",
    "OTHER_RELATIVE",
    "RELATION_BY_MARRIAGE",
    "active_members",
    "child_relation",
    "derive_relations",
    "head_candidates",
    "householder",
    "link_spouse",
    "member",
    "next_child_order",
    "outside_spouse_of",
    "relation_after_divorce",
    "relation_of_incoming_spouse",
    "set_householder",
    "spouse_relation",
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


# --- relations derived from the links (after a change of householder, a divorce) ------------------------

#: relations that exist only through a marriage to the householder's family (spouse, son/daughter-in-law …)
RELATION_BY_MARRIAGE: frozenset[str] = frozenset({"10", "11", "12", "28", "38", "45", "46", "72", "74", "76", "78"})
NON_RELATIVE = "99"
OTHER_RELATIVE = "97"
_PARENT_CODES = frozenset({"50", "51", "52"})


def active_members(record: HouseholdRecord) -> list[Person]:
    """The members neither dead nor cancelled."""
    return [p for p in record.get("members") or () if p.get("cancel") is None and p.get("death_date") is None]


def spouse_relation(sex: str | None) -> str:
    """The householder's spouse: 11 夫, 12 妻 (10 配偶 when the sex is unknown)."""
    return {"1": "11", "2": "12"}.get(sex or "", "10")


def _child_code(person: Person, by_key: dict[str, Person]) -> str:
    """子/女 codes like the demo generator's (store/demo/relations.py): 独生, 长/次/三…, 养; from the mother's
    childbirth history when the child is in it, else 20 子 / 30 女."""
    boy = person.get("sex") == "1"
    mother = by_key.get(person.get("mother") or "")
    kids = ((mother or {}).get("woman") or {}).get("children") or []
    mine = next((c for c in kids if c.get("member") == person.get("key")), None)
    if mine is None:
        return "20" if boy else "30"
    if mine.get("blood") not in (None, "1"):
        return "27" if boy else "37"
    if len(kids) == 1:
        return "21" if boy else "31"
    rank = 1 + sum(1 for c in kids if c.get("sex") == person.get("sex") and c.get("blood") in (None, "1")
                   and int(c.get("order") or 0) < int(mine.get("order") or 0))  # fmt: skip
    if rank > 5:
        return "29" if boy else "39"
    return str((21 if boy else 31) + rank)


def _linked_relation(p: Person, head: Person, by_key: dict[str, Person]) -> str | None:
    """The relation of `p` to `head` from the spouse, mother and father links, or None when they do not tell."""
    male = p.get("sex") == "1"
    key, head_key = p.get("key"), head.get("key")
    partner = by_key.get(head.get("spouse") or "")

    def child_of_head(x: Person | None) -> bool:
        return x is not None and bool(
            {x.get("mother"), x.get("father")} & {head_key, (partner or {}).get("key")} - {None}
        )

    if key == head_key:
        return HOUSEHOLDER
    if partner is not None and key == partner.get("key"):
        return spouse_relation(p.get("sex"))
    if key == head.get("mother"):
        return "52"
    if key == head.get("father"):
        return "51"
    if child_of_head(p):
        return _child_code(p, by_key)
    if child_of_head(by_key.get(p.get("spouse") or "")):
        return "28" if male else "38"
    for parent_key in (p.get("father"), p.get("mother")):
        parent = by_key.get(parent_key or "")
        if child_of_head(parent):
            assert parent is not None
            return ("41" if male else "42") if parent.get("sex") == "1" else ("43" if male else "44")
    same_mother = head.get("mother") and p.get("mother") == head.get("mother")
    same_father = head.get("father") and p.get("father") == head.get("father")
    if same_mother or same_father:
        older = str(p.get("birth_date") or "") < str(head.get("birth_date") or "")
        return ("71" if older else "73") if male else ("75" if older else "77")
    if partner is not None and key in (partner.get("mother"), partner.get("father")):
        if head.get("sex") == "1":
            return "55" if male else "56"
        return "53" if male else "54"
    return None


def _translated(p: Person, head: Person, old_head: Person | None) -> str:
    """The relation to the new householder from the codes relative to the old one, where no link tells:
    the old householder's own kin seen from the spouse or a child who takes over; else 97 (99 stays 99)."""
    old = p.get("relation") or ""
    was = head.get("relation") or ""
    male = p.get("sex") == "1"
    if was == HOUSEHOLDER:
        return old
    if old == HOUSEHOLDER:
        if was in RELATION_SPOUSE:
            return spouse_relation(p.get("sex"))
        if was in CHILD_RELATIONS or was[:1] in ("2", "3"):
            return "51" if male else "52"
    if was in RELATION_SPOUSE:  # the widow(er) takes over: the children stay children, in-laws swap
        if old in _PARENT_CODES:
            return ("55" if male else "56") if head.get("sex") == "1" else ("53" if male else "54")
        if old in ("53", "54", "55", "56"):
            return "51" if male else "52"
        return old
    if was[:1] in ("2", "3") and was not in ("28", "38"):  # a son or daughter takes over
        if old in RELATION_SPOUSE:
            return "51" if male else "52"
        if old[:1] in ("2", "3") and old not in ("28", "38"):
            older = str(p.get("birth_date") or "") < str(head.get("birth_date") or "")
            return ("71" if older else "73") if male else ("75" if older else "77")
        if old in _PARENT_CODES:
            paternal = old_head is None or old_head.get("sex") == "1"
            return ("61" if male else "62") if paternal else ("63" if male else "64")
    return NON_RELATIVE if old == NON_RELATIVE else OTHER_RELATIVE


def derive_relations(record: HouseholdRecord, head_key: str) -> dict[str, str]:
    """Every active member's relation to the householder `head_key`: from the links where they tell (like
    store/demo/relations.py), else translated from the codes relative to the old householder."""
    members = active_members(record)
    by_key = {str(p.get("key")): p for p in record.get("members") or ()}
    head = by_key.get(head_key)
    if head is None:
        raise ValueError(head_key)
    old_head = next((p for p in record.get("members") or () if p.get("relation") == HOUSEHOLDER), None)
    out: dict[str, str] = {}
    for p in members:
        code = _linked_relation(p, head, by_key)
        out[str(p.get("key"))] = code if code is not None else _translated(p, head, old_head)
    return out


def set_householder(record: HouseholdRecord, head_key: str) -> dict[str, str]:
    """Make `head_key` the householder of `record` (changed in place): every active member's relation is
    derived anew (:func:`derive_relations`); the former householder, if no longer active, keeps 02 on the
    record of the past. Returns key → new relation of the members whose relation changed."""
    relations = derive_relations(record, head_key)
    changed: dict[str, str] = {}
    for p in active_members(record):
        code = relations[str(p.get("key"))]
        if p.get("relation") != code:
            changed[str(p.get("key"))] = code
            p["relation"] = code
    return changed


def head_candidates(record: HouseholdRecord, leaving: str | None) -> list[Person]:
    """Members who may become householder when `leaving` goes: active adults first (the spouse of the one
    leaving first of all, then by age, oldest first), then minors."""
    members = [p for p in active_members(record) if p.get("key") != leaving]
    gone = member(record, leaving)
    spouse = (gone or {}).get("spouse")

    def rank(p: Person) -> tuple[int, str]:
        return (0 if p.get("key") == spouse else 1, str(p.get("birth_date") or "9999"))

    return sorted(members, key=rank)


def split_heads(record: HouseholdRecord, leaving: list[str]) -> tuple[str | None, str | None]:
    """For a 分户 of the members `leaving`: the obvious householder of the new household (the householder
    when he leaves with them, else the first of them — the one the clerk chose) and, only when the householder leaves and someone
    stays, the obvious new householder of the household left (:func:`head_candidates`); None where there is
    nothing to propose or ask."""
    going = [p for p in active_members(record) if p.get("key") in leaving]
    staying = [p for p in active_members(record) if p.get("key") not in leaving]
    head = householder(record)
    head_leaves = head is not None and head in going
    named = [key for key in leaving if any(p.get("key") == key for p in going)]
    there = str(head["key"]) if head_leaves else (named[0] if named else None)  # type: ignore[index]
    here = None
    if head_leaves and staying:
        stay = [p for p in head_candidates(record, str(head["key"])) if p in staying]  # type: ignore[index]
        here = str(stay[0]["key"]) if stay else None
    return there, here


def relation_after_divorce(relation: str | None) -> str | None:
    """The relation of a member whose marriage into the householder's family ended by divorce: 99 非亲属 for
    a relation that existed only through that marriage, else unchanged."""
    return NON_RELATIVE if (relation or "") in RELATION_BY_MARRIAGE else relation


def relation_of_incoming_spouse(record: HouseholdRecord, partner: Person, sex: str | None) -> str:
    """The relation of a spouse who moves in to `partner` (a member): the householder's spouse 11/12, a son's
    or daughter's spouse 38/28, else 97 其他亲属."""
    relation = partner.get("relation") or ""
    if relation == HOUSEHOLDER:
        return spouse_relation(sex)
    if relation[:1] in ("2", "3") and relation not in ("28", "38"):
        return "38" if relation[:1] == "2" else "28"
    return OTHER_RELATIVE


def outside_spouse_of(record: HouseholdRecord, id_number: str) -> Person | None:
    """The active member whose outside spouse (``spouse_external``) has this ID number, or None."""
    number = id_number.strip().upper()
    for p in active_members(record):
        ext = p.get("spouse_external") or {}
        if number and (ext.get("id_number") or "").strip().upper() == number and not p.get("spouse"):
            return p
    return None
