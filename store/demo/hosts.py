"""Host selection for the mutation functions: active members, couples, women, clean history entries,
and the `targets` of a planted fault."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from store.demo.model import ChildEntry, Household, Person, Pregnancy
from store.demo.registry import Target
from store.demo.toolkit import FaultTools


def targets(hh: Household, *people: Person) -> list[Target]:
    """The targets naming these members of `hh`."""
    return [(hh.code, p.key) for p in people]


def active(hh: Household, cond: Callable[[Person], bool]) -> list[Person]:
    """The active (not cancelled) members of `hh` satisfying `cond`."""
    return [p for p in hh.members if p.cancel is None and cond(p)]


def has_id18(p: Person) -> bool:
    """Whether `p` has an 18-character ID number."""
    return p.id_number is not None and len(p.id_number) == 18


def is_wcba(f: FaultTools, p: Person) -> bool:
    """An active married woman of childbearing age (15–49) at the fault toolkit's `as_of`."""
    return p.cancel is None and p.sex == "2" and p.married and 15 <= f.age(p) <= 49


def open_pregnancies(p: Person) -> list[Pregnancy]:
    """Her pregnancies without an outcome."""
    return [g for g in p.woman.pregnancies if g.outcome is None] if p.woman else []


def no_benefits(p: Person) -> bool:
    """Neither `p` nor the partner draws a benefit."""
    return not p.benefits and (p.partner is None or not p.partner.benefits)


def couples(hh: Household) -> list[tuple[Person, Person]]:
    """(husband, wife) pairs linked both ways, both active members."""
    out = []
    for h in hh.members:
        w = h.spouse
        linked = w is not None and w.spouse is h and w.cancel is None and w.sex == "2"
        if h.sex == "1" and h.cancel is None and linked and w in hh.members:
            out.append((h, w))
    return out


def women(hh: Household) -> list[Person]:
    """The active women of `hh` with a woman record."""
    return active(hh, lambda p: p.sex == "2" and p.woman is not None)


def _near_pregnancy(w: Person, d: date, days: int = 30) -> bool:
    return any(g.outcome_date is not None and abs((g.outcome_date - d).days) <= days for g in w.woman.pregnancies)


def is_twin(w: Person, c: ChildEntry) -> bool:
    """Another live birth of hers lies within a day of entry `c`."""
    return any(o is not c and o.blood == "1" and abs((o.birth - c.birth).days) <= 1 for o in w.woman.children)


def is_clean_entry(w: Person, c: ChildEntry) -> bool:
    """A live-birth entry with no linked member, no twin and no pregnancy record near it."""
    return c.blood == "1" and c.member is None and not is_twin(w, c) and not _near_pregnancy(w, c.birth)
