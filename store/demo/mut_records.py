"""Mutations of the death, date, household, flow, benefit and certificate rules (DTH1–DTH3, DAT1–DAT2,
HH01–HH05, FLW1–FLW4, BEN1–BEN3, CRT1)."""

from __future__ import annotations

from datetime import date

from store.demo.hosts import active, has_id18, targets, women
from store.demo.model import ChildEntry, Household, Person, live_births
from store.demo.names import COUNTY
from store.demo.registry import Planted, plants
from store.demo.toolkit import FaultTools
from store.demo.util import add_years, age_at, days
from store.regions import region_name

# Death and date rules.


def _event_dates(p: Person) -> list[date]:
    """Life events of DTH2/DAT1: marriage, change, method start, LMP, outcome, move, flow."""
    out = [p.fm, p.mc]
    if p.moved_in:
        out.append(p.moved_in["date"])
    if p.flow:
        out.append(p.flow["since"])
    if p.woman:
        out.append(p.woman.since)
        for g in p.woman.pregnancies:
            out += [g.lmp, g.outcome_date]
    return [d for d in out if d is not None]


@plants("DTH1")
def _m_dth1(f: FaultTools, hh: Household) -> Planted | None:
    death = f.as_of - f.days(20, 300)
    p = f.pick(active(hh, lambda q: f.age(q) >= 70 and q.mother is None and all(d < death for d in _event_dates(q))))
    if p is None:
        return None
    p.death = death
    return targets(hh, p), []


@plants("DTH2")
def _m_dth2(f: FaultTools, hh: Household) -> Planted | None:
    dead = [p for p in hh.members if p.cancel is not None and p.cancel[0] == "01" and p.death is not None]
    p = f.pick(dead)
    if p is None:
        return None
    if p.fm is not None and p.fm - days(60) > p.birth:
        p.death = max(p.birth + days(1), p.fm - f.days(30, 400))
    else:
        p.death = p.birth - f.days(1, 30)
    return targets(hh, p), []


@plants("DTH3")
def _m_dth3(f: FaultTools, hh: Household) -> Planted | None:
    dead = [p for p in hh.members if p.cancel is not None and p.cancel[0] == "01" and p.death and p.mother is None]
    p = f.pick(dead)
    if p is None:
        return None
    p.death = None
    return targets(hh, p), []


@plants("DAT1")
def _m_dat1(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick(
        [
            w
            for w in women(hh)
            if w.woman.method in ("03", "04", "05", "06", "07", "08", "09") and w.woman.since is not None
        ]
    )
    if w is None:
        return None
    since = w.woman.since
    w.woman.since = add_years(since, f.as_of.year + 5 - since.year)
    return targets(hh, w), []


@plants("DAT2")
def _m_dat2(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        return (
            q.sex == "1"
            and f.age(q) >= 70
            and q.mother is None
            and q.father is None
            and q.woman is None
            and not q.benefits
            and has_id18(q)
        )

    p = f.pick(active(hh, ok))
    if p is None:
        return None
    p.birth = add_years(f.as_of, -111) - f.days(1, 700)
    p.id_number = f.mut_id(p.id_number[:6], p.birth, p.sex)
    return targets(hh, p), []


# Household rules.

_SWAP_PAIRS = (
    "11-12 20-30 21-31 22-32 23-33 24-34 25-35 26-36 27-37 28-38 29-39 41-42 43-44 51-52 53-54 55-56 71-75 73-77"
)
_SEX_SWAP = {x: y for pair in _SWAP_PAIRS.split() for a, b in [pair.split("-")] for x, y in ((a, b), (b, a))}
_CHILD_CODES = frozenset(
    ("20", "21", "22", "23", "24", "25", "26", "29", "30", "31", "32", "33", "34", "35", "36", "39")
)


def _head(hh: Household) -> Person | None:
    return next((p for p in hh.members if p.cancel is None and p.relation == "02"), None)


@plants("HH01")
def _m_hh01(f: FaultTools, hh: Household) -> Planted | None:
    head = _head(hh)
    if head is None or hh.status != "active":
        return None
    head.relation = "97"
    return [(hh.code, None)], []


@plants("HH02")
def _m_hh02(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.relation in _SEX_SWAP))
    if p is None:
        return None
    p.relation = _SEX_SWAP[p.relation]
    return targets(hh, p), []


@plants("HH03")
def _m_hh03(f: FaultTools, hh: Household) -> Planted | None:
    head = _head(hh)
    if head is None:
        return None
    p = f.pick(
        active(
            hh,
            lambda q: (
                q.relation in _CHILD_CODES and q.birth.year - head.birth.year <= 28 and age_at(head.birth, q.birth) < 29
            ),
        )
    )
    if p is None:
        return None
    p.relation = "41" if p.sex == "1" else "42"
    return targets(hh, p), []


@plants("HH04")
def _m_hh04(f: FaultTools, hh: Household) -> Planted | None:
    spouse = next(iter(active(hh, lambda q: q.relation in ("10", "11", "12"))), None)
    other = f.pick(active(hh, lambda q: q.relation not in ("02", "10", "11", "12") and f.age(q) >= 15))
    if spouse is None or other is None:
        return None
    other.relation = "10"
    return targets(hh, spouse, other), []


@plants("HH05")
def _m_hh05(f: FaultTools, hh: Household) -> Planted | None:
    new = Household(f.new_code(hh), hh.prefix, kind="collective", address_note="（原单位集体户）")
    for i in range(1 + int(f.rng.random() * 2)):
        p = f.person("1" if f.rng.random() < 0.5 else "2", f.as_of - days(365 * 20) - f.days(0, 7000))
        p.relation, p.reg_place, p.key = "99", new.code[:12], f"{new.code}-{i + 1}"
        p.cancel = ("02", f.as_of - f.days(30, 1500))
        new.members.append(p)
    return [(new.code, None)], [new]


# Flow rules.


def _flows(hh: Household, kind: str) -> list[Person]:
    return active(hh, lambda q: q.flow is not None and q.flow["type"] == kind)


@plants("FLW1")
def _m_flw1(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.flow["place_code"], p.flow["place"] = COUNTY, region_name(COUNTY)
    return targets(hh, p), []


@plants("FLW2")
def _m_flw2(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        return q.flow is not None and q.flow["since"] <= f.as_of - days(100) and f.age(q) >= 1

    p = f.pick(active(hh, ok))
    if p is None:
        return None
    p.flow["since"] = f.as_of - f.days(5, 80)
    return targets(hh, p), []


@plants("FLW3")
def _m_flw3(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.flow["place_code"] = p.flow["place"] = None
    return targets(hh, p), []


@plants("FLW4")
def _m_flw4(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(_flows(hh, "inflow"))
    if p is not None:
        other = f.gen.county_of("44", f.rng)
        p.flow["place_code"], p.flow["place"] = other, region_name(other)
        return targets(hh, p), []
    p = f.pick(_flows(hh, "outflow"))
    if p is None:
        return None
    p.mgmt = "01"
    return targets(hh, p), []


# Benefit and certificate rules.


def _history_of(p: Person) -> list[ChildEntry] | None:
    wife = p if p.sex == "2" else p.spouse
    return wife.woman.children if wife is not None and wife.woman is not None else None


@plants("BEN1")
def _m_ben1(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        kids = _history_of(q)
        if kids is None or q.benefits or not q.rural or f.as_of.year - q.birth.year < 61:
            return False
        living = [c for c in kids if c.alive]
        return q.birth >= date(1933, 1, 1) and len(living) >= 2 and not all(c.sex == "2" for c in living)

    p = f.pick(active(hh, ok))
    if p is None:
        return None
    p.benefits.append(("reward", max(2004, p.birth.year + 60)))
    return targets(hh, p), []


@plants("BEN2")
def _m_ben2(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        kids = q.woman.children
        living = [c for c in kids if c.alive and c.disabled not in ("1", "2", "3")]
        return not q.benefits and f.as_of.year - q.birth.year >= 50 and (len(kids) >= 2 or len(living) == 1)

    w = f.pick([w for w in women(hh) if ok(w)])
    if w is None:
        return None
    w.benefits.append(("special", max(2008, w.birth.year + 49)))
    return targets(hh, w), []


@plants("BEN3")
def _m_ben3(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        kids = q.woman.children
        return (
            [k for k, _ in q.benefits] == ["reward"]
            and len(kids) == 1
            and kids[0].blood == "1"
            and kids[0].alive
            and kids[0].disabled is None
        )

    w = f.pick([w for w in women(hh) if ok(w)])
    if w is None:
        return None
    w.woman.children[0].disabled = "2"
    w.benefits.append(("special", max(2008, w.birth.year + 49)))
    return targets(hh, w), []


@plants("CRT1")
def _m_crt1(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        living = [c for c in live_births(q) if c.alive]
        return q.woman.cert is None and len(living) >= 2

    w = f.pick([w for w in women(hh) if ok(w)])
    if w is None:
        return None
    first = min(c.birth for c in live_births(w))
    w.woman.cert = (f"湘独{first.year}{int(f.rng.random() * 9000) + 1000}", first + f.days(60, 300))
    return targets(hh, w), []
