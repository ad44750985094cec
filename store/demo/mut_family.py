"""Mutations of the marriage and childbirth-history rules (MAR1–MAR9, CH01–CH07)."""

from __future__ import annotations

from itertools import pairwise

from store.demo.hosts import active, couples, is_clean_entry, is_twin, no_benefits, targets, women
from store.demo.model import Household, Person, deliveries
from store.demo.names import GIVEN, cohort_of
from store.demo.policy import LEGAL_AGE_CHANGE, POLICY_THREE, POLICY_TWO, legal_marriage_day, policy_consistent
from store.demo.registry import Planted, plants
from store.demo.toolkit import FaultTools
from store.demo.util import add_years, days

# Marriage rules.


@plants("MAR1")
def _m_mar1(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.marital in ("22", "23", "30", "40") and q.fm is not None))
    if p is None:
        return None
    p.fm = p.birth - f.days(30, 3000)
    return targets(hh, p), []


@plants("MAR2")
def _m_mar2(f: FaultTools, hh: Household) -> Planted | None:
    for h, w in couples(hh):
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm:
            continue
        young, other = (w, h) if f.rng.random() < 0.5 else (h, w)
        for p, q in ((young, other), (other, young)):
            when = add_years(p.birth, 18 if p.sex == "2" else 20) + f.days(0, 300)
            if when < LEGAL_AGE_CHANGE:
                when = add_years(p.birth, 17 if p.sex == "2" else 19) + f.days(0, 300)
            if (
                when < legal_marriage_day(p.birth, p.sex, when)
                and when >= legal_marriage_day(q.birth, q.sex, when)
                and when < p.fm
            ):
                h.fm = w.fm = when
                return targets(hh, p), []
    return None


@plants("MAR3")
def _m_mar3(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.marital == "10" and f.age(q) >= 23 and q.spouse is None and q.fm is None))
    if p is None:
        return None
    p.fm = f.rdate(add_years(p.birth, 22), f.as_of - days(1))
    return targets(hh, p), []


@plants("MAR4")
def _m_mar4(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.sex == "1" and q.marital == "10" and f.age(q) >= 25 and q.fm is None))
    if p is None:
        return None
    p.marital = "21"
    p.fm = add_years(p.birth, 22) + f.days(0, (f.age(p) - 23) * 365)
    region = f.gen.county_of("43", f.rng)
    birth = add_years(p.birth, 2)
    p.spouse_ext = {
        "name": f.gen.surnames.pick(f.rng) + f.pick(GIVEN[("2", cohort_of(birth.year))]),
        "id_number": None,
        "registered_place_code": region,
    }
    return targets(hh, p), []


@plants("MAR5")
def _m_mar5(f: FaultTools, hh: Household) -> Planted | None:
    pairs = [
        (h, w)
        for h, w in couples(hh)
        if w.relation in ("12", "38", "02")
        and w.mother is None
        and no_benefits(h)
        and w.fm >= legal_marriage_day(w.birth, "1", w.fm)
    ]
    if not pairs:
        return None
    h, w = f.pick(pairs)
    w.sex = "1"
    if w.id_number is not None and len(w.id_number) == 18:
        w.id_number = f.mut_id(w.id_number[:6], w.birth, "1")
    w.woman = None
    w.relation = {"12": "10", "38": "28"}.get(w.relation, w.relation)
    return targets(hh, h, w), []


@plants("MAR6")
def _m_mar6(f: FaultTools, hh: Household) -> Planted | None:
    pairs = couples(hh)
    if not pairs:
        return None
    x, y = f.pick(pairs)
    y.spouse = None  # the wife drops the link (the husband's 奖扶 check reads her history through his link)
    return targets(hh, x), []


@plants("MAR7")
def _m_mar7(f: FaultTools, hh: Household) -> Planted | None:
    pairs = [
        (x, y)
        for h, w in couples(hh)
        for x, y in ((h, w), (w, h))
        if x.relation in ("02", "22", "23", "24", "25", "26", "29", "32", "33", "34", "35", "36", "39")
        and y.relation in ("10", "11", "12", "28", "38")
    ]
    if not pairs:
        return None
    x, y = f.pick(pairs)
    hh.members.remove(y)
    new = Household(f.new_code(hh), hh.prefix, hukou_type=hh.hukou_type, members=[y])
    y.relation = "02"
    return [*targets(hh, x), (new.code, y.key)], [new]


@plants("MAR8")
def _m_mar8(f: FaultTools, hh: Household) -> Planted | None:
    def ok(q: Person) -> bool:
        return q.marital in ("22", "23", "30", "40") and q.fm is not None and q.mc is not None

    p = f.pick([q for q in active(hh, ok) if q.fm - days(60) > add_years(q.birth, 16)])
    if p is None:
        return None
    p.mc = max(add_years(p.birth, 16), p.fm - f.days(30, 900))
    return targets(hh, p), []


@plants("MAR9")
def _m_mar9(f: FaultTools, hh: Household) -> Planted | None:
    for h, w in couples(hh):
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm:
            continue
        for p in (w, h) if f.rng.random() < 0.5 else (h, w):
            when = p.fm - f.days(30, 200)
            if when >= legal_marriage_day(p.birth, p.sex, when):
                p.fm = when
                return targets(hh, h, w), []
    return None


# Childbirth-history rules.


@plants("CH01")
def _m_ch01(f: FaultTools, hh: Household) -> Planted | None:
    cands = [(w, c) for w in women(hh) if no_benefits(w) for c in w.woman.children if c.member is not None]
    if not cands:
        return None
    w, c = f.pick(cands)
    c.sex = "1" if c.sex == "2" else "2"
    return targets(hh, w), []


@plants("CH02")
def _m_ch02(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        kids = w.woman.children
        if len(kids) < 2 or any(c.blood != "1" for c in kids[:3]) or is_twin(w, kids[0]) or is_twin(w, kids[1]):
            continue
        a, b = kids[0], kids[1]
        if policy_consistent(1, b.birth, b.policy) and policy_consistent(2, a.birth, a.policy):
            a.order, b.order = 2, 1
            return targets(hh, w), []
    return None


@plants("CH03")
def _m_ch03(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        kids = w.woman.children
        for prev, c in pairwise(kids):
            if prev.blood != "1" or not is_clean_entry(w, c) or is_twin(w, prev):
                continue
            new = prev.birth + f.days(60, 170)
            if new < c.birth and policy_consistent(c.order, new, c.policy):
                c.birth = new
                return targets(hh, w), []
    return None


@plants("CH04")
def _m_ch04(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        kids = w.woman.children
        if not kids or f.age(w) < 51 or w.woman.method in ("01", "02"):
            continue
        c = kids[-1]
        new = add_years(w.birth, 50) + f.days(0, 200)
        if is_clean_entry(w, c) and c.birth < new <= f.as_of and policy_consistent(c.order, new, c.policy):
            c.birth = new
            return targets(hh, w), []
    return None


@plants("CH05")
def _m_ch05(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        kids = w.woman.children
        if kids and is_clean_entry(w, kids[0]):
            kids[0].birth = add_years(w.birth, 11) + f.days(0, 300)
            return targets(hh, w), []
    return None


@plants("CH06")
def _m_ch06(f: FaultTools, hh: Household) -> Planted | None:
    for h, w in couples(hh):
        dels = deliveries(w)
        if h.marital != "21" or w.marital != "21" or h.fm != w.fm or not dels:
            continue
        limit = min(f.as_of - days(1), (dels[1] - days(2)) if len(dels) > 1 else f.as_of, dels[0] + days(300))
        if (limit - dels[0]).days > 40:
            h.fm = w.fm = f.rdate(dels[0] + days(30), limit)
            return targets(hh, w), []
    return None


@plants("CH07")
def _m_ch07(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        for c in w.woman.children:
            if c.blood != "1" or is_twin(w, c) or (w.fm is not None and c.birth < w.fm):
                continue
            if c.order <= 2 and c.birth >= POLICY_TWO and c.policy == "1":
                c.policy = "2"
                return targets(hh, w), []
            if c.order >= 3 and c.birth < POLICY_THREE and c.policy == "2":
                c.policy = "1"
                return targets(hh, w), []
    return None
