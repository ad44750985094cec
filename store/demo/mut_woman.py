"""Mutations of the contraception and pregnancy rules (CON1–CON5, PRG1–PRG6)."""

from __future__ import annotations

from datetime import date

from store.demo.hosts import active, couples, is_wcba, open_pregnancies, targets, women
from store.demo.model import Household, Person, Pregnancy, WomanRecord, deliveries, live_births
from store.demo.registry import Planted, plants
from store.demo.toolkit import FaultTools
from store.demo.util import add_years, days

# Contraception rules.


@plants("CON1")
def _m_con1(f: FaultTools, hh: Household) -> Planted | None:
    pairs = [(h, w) for h, w in couples(hh) if f.age(h) < 50 and w.woman is not None and w.woman.since]
    if not pairs:
        return None
    h, w = f.pick(pairs)
    method = w.woman.method if w.woman.method in ("02", "03", "04", "05", "06") else "03"
    h.woman = WomanRecord(method=method, since=w.woman.since, has_contraception=True)
    return targets(hh, h), []


@plants("CON2")
def _m_con2(f: FaultTools, hh: Household) -> Planted | None:
    p = f.pick(active(hh, lambda q: q.sex == "2" and q.marital == "10" and 18 <= f.age(q) <= 45 and q.woman is None))
    if p is None:
        return None
    since = f.rdate(max(add_years(p.birth, 18), f.as_of - days(1000)), f.as_of - days(1))
    p.woman = WomanRecord(method=f.pick(("05", "07")), since=since, has_contraception=True)
    return targets(hh, p), []


def _last_delivery(w: Person) -> date | None:
    dels = deliveries(w)
    return dels[-1] if dels else None


def _free_for_pregnancy(f: FaultTools, w: Person, lmp: date) -> bool:
    """No open pregnancy and no delivery or pregnancy in the 180 days before `lmp` (or after it)."""
    last = _last_delivery(w)
    ends = [g.outcome_date for g in w.woman.pregnancies if g.outcome_date is not None]
    latest = max([d for d in (last, *ends) if d is not None], default=None)
    return not open_pregnancies(w) and (latest is None or latest + days(180) < lmp) and (w.fm is None or w.fm < lmp)


def _pick_to_conceive(f: FaultTools, hh: Household, lmp: date, youngest: int, oldest: int) -> Person | None:
    """A married WCBA of the household, in the age range, without a sterilisation/IUD/implant, free to conceive."""
    return f.pick(
        [
            w
            for w in women(hh)
            if is_wcba(f, w)
            and youngest <= f.age(w) <= oldest
            and w.woman.method not in ("01", "02", "03", "04")
            and _free_for_pregnancy(f, w, lmp)
        ]
    )


@plants("CON3")
def _m_con3(f: FaultTools, hh: Household) -> Planted | None:
    lmp = f.as_of - f.days(30, 250)
    w = f.pick(
        [
            w
            for w in women(hh)
            if is_wcba(f, w)
            and 20 <= f.age(w) <= 44
            and w.woman.method in ("01", "02", "03", "04")
            and _free_for_pregnancy(f, w, lmp)
        ]
    )
    if w is None:
        return None
    w.woman.pregnancies.append(Pregnancy(lmp, lmp + days(280)))
    return targets(hh, w), []


@plants("CON4")
def _m_con4(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick([w for w in women(hh) if is_wcba(f, w) and w.woman.method in ("03", "04", "05", "06", "07", "08", "09")])
    if w is None:
        return None
    w.woman.since = max(w.birth + days(1), add_years(w.birth, 15) - f.days(30, 700))
    return targets(hh, w), []


@plants("CON5")
def _m_con5(f: FaultTools, hh: Household) -> Planted | None:
    def ok(w: Person) -> bool:
        last = _last_delivery(w)
        return last is not None and not open_pregnancies(w) and last - days(120) > add_years(w.birth, 15)

    w = f.pick([w for w in women(hh) if ok(w)])
    if w is None:
        return None
    last = _last_delivery(w)
    since = max(add_years(w.birth, 15) + days(1), last - f.days(100, 700))
    w.woman.has_contraception, w.woman.method, w.woman.since, w.woman.failure = True, "02", since, None
    return targets(hh, w), []


# Pregnancy rules.


@plants("PRG1")
def _m_prg1(f: FaultTools, hh: Household) -> Planted | None:
    w = f.pick([w for w in women(hh) if f.age(w) >= 57])
    if w is None:
        return None
    lmp = min(add_years(w.birth, 56) + f.days(0, 200), f.as_of - days(100))
    w.woman.pregnancies.append(Pregnancy(lmp, lmp + days(280), "3", lmp + f.days(40, 80)))
    return targets(hh, w), []


@plants("PRG2")
def _m_prg2(f: FaultTools, hh: Household) -> Planted | None:
    lmp = f.as_of - f.days(310, 520)
    w = _pick_to_conceive(f, hh, lmp, 22, 45)
    if w is None:
        return None
    w.woman.pregnancies.append(Pregnancy(lmp, lmp + days(280)))
    return targets(hh, w), []


@plants("PRG3")
def _m_prg3(f: FaultTools, hh: Household) -> Planted | None:
    cands = [(w, g) for w in women(hh) for g in w.woman.pregnancies if g.lmp is not None]
    if not cands:
        return None
    w, g = f.pick(cands)
    g.edd = g.lmp + days(280) + f.days(20, 60) * (1 if f.rng.random() < 0.5 else -1)
    return targets(hh, w), []


@plants("PRG4")
def _m_prg4(f: FaultTools, hh: Household) -> Planted | None:
    cands = [
        (w, g)
        for w in women(hh)
        for g in w.woman.pregnancies
        if g.outcome_date is not None and g.outcome_date + days(25) <= f.as_of
    ]
    if not cands:
        return None
    w, g = f.pick(cands)
    g.lmp = g.outcome_date + f.days(3, 25)
    g.edd = g.lmp + days(280)
    return targets(hh, w), []


@plants("PRG5")
def _m_prg5(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        births = [c.birth for c in live_births(w)]
        for g in w.woman.pregnancies:
            if g.outcome_date is None:
                continue
            if g.outcome != "1":
                if all(abs((b - g.outcome_date).days) > 30 for b in births):
                    g.outcome = "1"
                    return targets(hh, w), []
                continue
            new = g.outcome_date + f.days(45, 150)
            if new <= f.as_of and all(abs((b - new).days) > 30 for b in births):
                g.outcome_date = new
                return targets(hh, w), []
    return None


@plants("PRG6")
def _m_prg6(f: FaultTools, hh: Household) -> Planted | None:
    for w in women(hh):
        opened = open_pregnancies(w)
        if opened and is_wcba(f, w):
            lmp = min(f.as_of - days(1), max(f.as_of - days(280), opened[0].lmp + f.days(7, 30)))
            w.woman.pregnancies.append(Pregnancy(lmp, lmp + days(280)))
            return targets(hh, w), []
    lmp = f.as_of - f.days(60, 250)
    w = _pick_to_conceive(f, hh, lmp, 20, 44)
    if w is None:
        return None
    second = lmp + f.days(7, 30)
    w.woman.pregnancies += [Pregnancy(lmp, lmp + days(280)), Pregnancy(second, second + days(280))]
    return targets(hh, w), []
