"""Relation-to-householder codes (GB/T 4761) derived from the person links of a household."""

from __future__ import annotations

from collections.abc import Sequence

from store.demo.model import Person


def _is_child_of(x: Person | None, a: Person, b: Person | None) -> bool:
    """Whether x is a child of a (or of a's spouse b)."""
    if x is None:
        return False
    m, f = x.mother, x.father
    return (m is not None and (m is a or m is b)) or (f is not None and (f is a or f is b))


def _child_code(p: Person) -> str:
    """子/女 codes: 独生, 长/次/三…, 养; rank from the mother's history."""
    male = p.sex == "1"
    if p.adopted:
        return "27" if male else "37"
    m = p.mother
    if m is None or m.woman is None:
        return "20" if male else "30"
    kids = m.woman.children
    if len(kids) == 1:
        return "21" if male else "31"
    mine = next((c for c in kids if c.member is p), None)
    if mine is None:
        return "20" if male else "30"
    rank = 1 + sum(1 for c in kids if c.sex == p.sex and c.blood == "1" and c.order < mine.order)
    if rank > 5:
        return "29" if male else "39"
    return str((21 if male else 31) + rank)


def _relation(p: Person, head: Person) -> str:
    """GB/T 4761 code of p relative to the householder, derived from the person links."""
    hp = head.partner
    male = p.sex == "1"
    if p is head:
        return "02"
    if hp is not None and p is hp:
        return "11" if male else "12"
    if p is head.mother:
        return "52"
    if p is head.father:
        return "51"
    if _is_child_of(p, head, hp):
        return _child_code(p)
    if p.partner is not None and _is_child_of(p.partner, head, hp):
        return "28" if male else "38"
    for parent in (p.father, p.mother):
        if _is_child_of(parent, head, hp):
            return ("41" if male else "42") if parent.sex == "1" else ("43" if male else "44")
    siblings = (head.mother is not None and p.mother is head.mother) or (
        head.father is not None and p.father is head.father
    )
    if siblings:
        older = p.birth < head.birth
        return ("71" if older else "73") if male else ("75" if older else "77")
    if hp is not None and p in (hp.mother, hp.father):
        if head.sex == "1":
            return "55" if male else "56"
        return "53" if male else "54"
    return "97"


def assign_relations(members: Sequence[Person], head: Person) -> None:
    """Relation codes of all `members` relative to `head` (collective residents keep theirs)."""
    for p in members:
        p.relation = _relation(p, head)
