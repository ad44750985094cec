"""Clean generator, life events after the household is formed: deaths, a new householder, outflows."""

from __future__ import annotations

import math
from datetime import date

from store.demo.model import Person
from store.demo.names import FLOW_REASONS
from store.demo.people import PeopleMixin
from store.demo.util import add_years, age_at, days
from store.regions import region_name


def mortality(age: int) -> float:
    """Rough annual death probability in rural Hunan (Gompertz)."""
    if age < 40:
        return 0.0
    return min(0.35, 0.0012 * math.exp(0.085 * (age - 40)))


class LifeEventsMixin(PeopleMixin):
    """Deaths in the last two years and registered persons away for work (流出)."""

    @staticmethod
    def last_event(p: Person) -> date:
        """The latest dated fact of a person (before woman records are finished)."""
        dates = [p.birth, p.fm, p.mc]
        if p.moved_in:
            dates.append(p.moved_in["date"])
        if p.flow:
            dates.append(p.flow["since"])
        if p.woman:
            dates += [c.birth for c in p.woman.children]
        return max(d for d in dates if d is not None)

    def kill(self, p: Person, death: date) -> None:
        """Record a death (cancel 01); the spouse becomes widowed."""
        p.death = death
        p.cancel = ("01", min(self.as_of, death + days(int(self.rng.random() * 20))))
        s = p.spouse
        if s is not None:
            s.marital, s.mc, s.spouse = "30", death, None
            p.spouse = None
        if p.mother is not None and p.mother.woman is not None:
            for c in p.mother.woman.children:
                if c.member is p:
                    c.alive = False

    def deaths(self, members: list[Person]) -> None:
        """Deaths in the 24 months before as_of, at rural Hunan mortality."""
        rng, as_of = self.rng, self.as_of
        for p in members:
            if not p.active:
                continue
            age = age_at(p.birth, as_of)
            if age < 45 or rng.random() >= 2 * mortality(age):
                continue
            death = as_of - days(1 + int(rng.random() * 729))
            if death > self.last_event(p):
                self.kill(p, death)

    def new_head(self, members: list[Person], head: Person) -> Person | None:
        """The householder after deaths: the widowed spouse, else the oldest adult (men first)."""
        if head.active:
            return head
        if head.partner is not None and head.partner in members and head.partner.active:
            return head.partner
        adults = [p for p in members if p.active and age_at(p.birth, self.as_of) >= 18]
        if not adults:
            adults = [p for p in members if p.active]
        if not adults:
            return None
        return min(adults, key=lambda p: (p.sex != "1", p.birth))

    def go_out(self, p: Person) -> None:
        """Make a registered person an outflow person (流出, away ≥ 3 months mostly)."""
        rng, as_of = self.rng, self.as_of
        lo = add_years(p.birth, 16)
        if p.moved_in:
            lo = max(lo, p.moved_in["date"] + days(1))
        r = rng.random()
        if r < 0.01:
            since = as_of - days(5 + int(rng.random() * 80))
        elif r < 0.3:
            since = self.rdate(as_of - days(730), as_of - days(92))
        else:
            since = self.rdate(as_of - days(12 * 365), as_of - days(731))
        if since < lo:
            if lo > as_of - days(92):
                return
            since = self.rdate(lo, as_of - days(92))
        dest = self.county_of(self.outflow_dest.pick(rng))
        reason = FLOW_REASONS[int(rng.random() * len(FLOW_REASONS))]
        p.mgmt, p.residence = "03", "3"
        p.flow = {"type": "outflow", "since": since, "place_code": dest, "place": region_name(dest), "reason": reason}

    def outflows(self, members: list[Person]) -> None:
        """Working-age registered persons away for work; some children go with both parents."""
        rng, as_of = self.rng, self.as_of
        for p in sorted(members, key=lambda q: q.sex != "1"):
            if not p.active or p.mgmt != "01":
                continue
            age = age_at(p.birth, as_of)
            if not 18 <= age <= 52:
                continue
            chance = (0.33 if age <= 45 else 0.15) if p.sex == "1" else (0.22 if age <= 40 else 0.08)
            if p.spouse is not None and p.spouse.mgmt == "03":
                chance = 0.6
            if rng.random() < chance:
                self.go_out(p)
        for p in members:
            m, f = p.mother, p.father
            if not (p.active and p.mgmt == "01" and m is not None and f is not None):
                continue
            if m.mgmt == "03" and f.mgmt == "03" and age_at(p.birth, as_of) < 16 and rng.random() < 0.45:
                flow = dict(m.flow)
                flow["since"], flow["reason"] = max(flow["since"], p.birth), "随同流动"
                if flow["since"] <= as_of - days(92):
                    p.mgmt, p.residence, p.flow = "03", "3", flow
