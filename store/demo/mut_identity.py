"""Mutations of the identity and completeness rules (ID01–ID07, DUP1–DUP2, REQ1–REQ8)."""

from __future__ import annotations

from store.demo.hosts import active, couples, has_id18, is_wcba, targets, women
from store.demo.model import Household, Person
from store.demo.registry import Planted, plants
from store.demo.toolkit import FaultTools
from store.demo.util import days
from store.regions import is_known_region

# ID rules: one changed number each, check character recomputed unless the check is the fault.


@plants("ID01")
def _m_id01(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, has_id18))
    if p is None:
        return None
    i = 7 + int(f.rng.random() * 10)
    p.id_number = p.id_number[:i] + p.id_number[i + 1 :]
    return targets(hh, p), []


@plants("ID02")
def _m_id02(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, has_id18))
    if p is None:
        return None
    wrong = [c for c in "0123456789X" if c != p.id_number[17]]
    p.id_number = p.id_number[:17] + f.pick(wrong)
    return targets(hh, p), []


@plants("ID03")
def _m_id03(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, has_id18))
    if p is None:
        return None
    p.id_number = f.mut_number(p.id_number[:10] + "13" + p.id_number[12:14], p.sex)
    return targets(hh, p), []


@plants("ID04")
def _m_id04(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: has_id18(q) and f.age(q) >= 1))
    if p is None:
        return None
    other = p.birth + f.days(1, 300) * (1 if f.rng.random() < 0.5 else -1)
    p.id_number = f.mut_id(p.id_number[:6], min(other, f.as_of - days(1)), p.sex)
    return targets(hh, p), []


@plants("ID05")
def _m_id05(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, has_id18))
    if p is None:
        return None
    p.id_number = f.mut_id(p.id_number[:6], p.birth, "2" if p.sex == "1" else "1")
    return targets(hh, p), []


_UNKNOWN_REGIONS = ("439901", "439902", "431199", "990426")


@plants("ID06")
def _m_id06(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, has_id18))
    region = next((r for r in _UNKNOWN_REGIONS if not is_known_region(r)), None)
    if p is None or region is None:
        return None
    p.id_number = f.mut_id(region, p.birth, p.sex)
    return targets(hh, p), []


@plants("ID07")
def _m_id07(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: has_id18(q) and 1900 <= q.birth.year <= 1999))
    if p is None:
        return None
    p.id_number = p.id_number[:6] + p.id_number[8:17]
    return targets(hh, p), []


def _copy(f: FaultTools, hh: Household, p: Person, *, with_id: bool) -> Person:
    """A second record of the same person in the same household (no parent links)."""
    q = Person(p.name, p.sex, p.birth, p.surname, p.region, p.id_number if with_id else None)
    for attr in (
        "relation",
        "ethnicity",
        "hukou",
        "rural",
        "education",
        "political",
        "occupation",
        "marital",
        "residence",
        "mgmt",
        "reg_place",
    ):
        setattr(q, attr, getattr(p, attr))
    q.flow = dict(p.flow) if p.flow else None
    q.moved_in = dict(p.moved_in) if p.moved_in else None
    q.key = f"{hh.code}-{len(hh.members) + 1}"
    hh.members.append(q)
    return q


@plants("DUP1")
def _m_dup1(f: FaultTools, hh: Household) -> Planted | None:
    def ok(p: Person) -> bool:
        return (
            p.id_number is not None
            and p.relation not in ("02", "10", "11", "12")
            and p.marital in ("10", None)
            and p.spouse is None
            and p.woman is None
            and not p.benefits
            and p.flow is None
        )

    p = f.pick(active(hh, ok))
    if p is None:
        return None
    q = _copy(f, hh, p, with_id=True)
    return targets(hh, p, q), []


@plants("DUP2")
def _m_dup2(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: f.age(q) == 0 and q.relation not in ("02", "10", "11", "12") and q.flow is None))
    if p is None:
        return None
    q = _copy(f, hh, p, with_id=False)
    return targets(hh, p, q), []


# Completeness rules.


@plants("REQ1")
def _m_req1(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: f.age(q) >= 1 and q.ethnicity is not None))
    if p is None:
        return None
    p.ethnicity = None
    return targets(hh, p), []


@plants("REQ2")
def _m_req2(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: f.age(q) >= 15 and q.marital == "10" and q.spouse is None and q.fm is None))
    if p is None:
        return None
    p.marital = None
    return targets(hh, p), []


@plants("REQ3")
def _m_req3(f: FaultTools, hh: Household) -> Planted | None:
    pairs = [(h, w) for h, w in couples(hh) if h.marital == "21" and h.fm is not None]
    if not pairs:
        return None
    h = f.pick(pairs)[0]
    h.fm = None
    return targets(hh, h), []


@plants("REQ4")
def _m_req4(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.marital in ("22", "23", "30", "40") and q.mc is not None))
    if p is None:
        return None
    p.mc = None
    return targets(hh, p), []


@plants("REQ5")
def _m_req5(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick([w for w in women(hh) if w.woman.children])
    if w is None:
        return None
    f.pick(w.woman.children).policy = None
    return targets(hh, w), []


@plants("REQ6")
def _m_req6(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick([w for w in women(hh) if w.woman.method not in (None, "00") and w.woman.since is not None])
    if w is None:
        return None
    w.woman.since = None
    return targets(hh, w), []


@plants("REQ7")
def _m_req7(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: f.age(q) == 0 and q.id_number is not None))
    if p is None:
        return None
    p.id_number = None
    return targets(hh, p), []


@plants("REQ8")
def _m_req8(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick([w for w in women(hh) if is_wcba(f, w) and w.woman.has_contraception])
    if w is None:
        return None
    w.woman.has_contraception, w.woman.method, w.woman.since = False, None, None
    return targets(hh, w), []
