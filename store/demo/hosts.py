"""Host selection for the mutation functions: active members, couples, women, clean history entries,
and the `Target` / `Planted` result types."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from store.demo.model import _HH, _P, _Child, _Preg
from store.demo.toolkit import _FaultTools

Target = tuple[str, "str | None"]
Planted = tuple[list[Target], list[_HH]]


def _t(hh: _HH, *people: _P) -> list[Target]:
    return [(hh.code, p.key) for p in people]


def _act(hh: _HH, cond: Callable[[_P], bool]) -> list[_P]:
    return [p for p in hh.members if p.cancel is None and cond(p)]


def _id18(p: _P) -> bool:
    return p.id_number is not None and len(p.id_number) == 18


def _wcba(f: _FaultTools, p: _P) -> bool:
    return p.cancel is None and p.sex == "2" and p.married and 15 <= f.age(p) <= 49


def _open(p: _P) -> list[_Preg]:
    return [g for g in p.woman.pregnancies if g.outcome is None] if p.woman else []


def _no_benefits(p: _P) -> bool:
    return not p.benefits and (p.partner is None or not p.partner.benefits)


def _couples(hh: _HH) -> list[tuple[_P, _P]]:
    """(husband, wife) pairs linked both ways, both active members."""
    out = []
    for h in hh.members:
        w = h.spouse
        linked = w is not None and w.spouse is h and w.cancel is None and w.sex == "2"
        if h.sex == "1" and h.cancel is None and linked and w in hh.members:
            out.append((h, w))
    return out


def _women(hh: _HH) -> list[_P]:
    return _act(hh, lambda p: p.sex == "2" and p.woman is not None)


def _near_pregnancy(w: _P, d: date, days: int = 30) -> bool:
    return any(g.outcome_date is not None and abs((g.outcome_date - d).days) <= days for g in w.woman.pregnancies)


def _twin(w: _P, c: _Child) -> bool:
    return any(o is not c and o.blood == "1" and abs((o.birth - c.birth).days) <= 1 for o in w.woman.children)


def _clean_entry(w: _P, c: _Child) -> bool:
    """A live-birth entry with no linked member, no twin and no pregnancy record near it."""
    return c.blood == "1" and c.member is None and not _twin(w, c) and not _near_pregnancy(w, c.birth)
