"""Clean generator, household templates: couple, three generations, elder, single, inflow, closed,
and the residents of a township old people's home."""

from __future__ import annotations

from store.demo.families import FamiliesMixin
from store.demo.model import Person, deliveries
from store.demo.util import WeightedChoice, add_years, age_at, days
from store.regions import region_name


class TemplatesMixin(FamiliesMixin):
    """Household templates: each returns (members, householder)."""

    couple_age: WeightedChoice
    elder_age: WeightedChoice

    def t_couple(self) -> tuple[list[Person], Person]:
        """A couple with the children who live at home (nuclear or elderly couple)."""
        h = self.person("1", self.birth_for_age(self.couple_age.pick(self.rng)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        head = w if self.rng.random() < 0.08 else h
        return [h, w, *self.home_children(w, h)], head

    def t_three_gen(self) -> tuple[list[Person], Person]:
        """Parents, a married child with spouse and grandchildren, and unmarried children."""
        rng, as_of = self.rng, self.as_of
        h = self.person("1", self.birth_for_age(self.elder_age.pick(rng)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        living = [c for c in w.woman.children if c.alive]
        sons = [c for c in living if c.sex == "1" and age_at(c.birth, as_of) >= 23]
        daughters = [c for c in living if c.sex == "2" and age_at(c.birth, as_of) >= 22]
        entry = None
        if sons:
            entry = sons[int(rng.random() * len(sons))]
        elif daughters and rng.random() < 0.5:
            entry = daughters[int(rng.random() * len(daughters))]
        members = [h, w]
        heir = None
        if entry is not None:
            heir = self.kid(entry, w, h)
            members.append(heir)
            spouse = self.spouse_for(heir)
            if spouse is not None:
                members.append(spouse)
                wife, husband = (spouse, heir) if heir.sex == "1" else (heir, spouse)
                members += self.home_children(wife, husband)
        members += self.home_children(w, h, skip=entry)
        old = age_at(h.birth, as_of) >= 70
        head = heir if old and heir is not None and heir.spouse is not None else h
        return members, head

    def widowed(self, age: int, *, with_kids: bool) -> list[Person]:
        """A widowed elder (spouse died more than two years ago, no record), maybe with children at home."""
        rng, as_of = self.rng, self.as_of
        h = self.person("1", self.birth_for_age(age), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h]
        survivor, gone = (w, h) if rng.random() < 0.72 else (h, w)
        dels = deliveries(w)
        lo = max(add_years(gone.birth, 40), (dels[-1] if dels else w.fm) + days(365))
        hi = as_of - days(731)
        if lo > hi:
            return [h, w, *(self.home_children(w, h) if with_kids else [])]
        death = self.rdate(lo, hi)
        survivor.marital, survivor.mc, survivor.spouse = "30", death, None
        kids = self.home_children(w, h) if with_kids else []
        for k in kids:
            if survivor is w:
                k.father = None
            else:
                k.mother = None
        return [survivor, *kids]

    def t_elder_single(self) -> tuple[list[Person], Person]:
        """A widowed or never-married elder."""
        rng = self.rng
        age = 64 + int(rng.random() ** 1.3 * 32)
        if rng.random() < 0.1:
            p = self.person("1", self.birth_for_age(age), self.surname())
            return [p], p
        members = self.widowed(age, with_kids=True)
        return members, members[0]

    def t_single(self) -> tuple[list[Person], Person]:
        """A never-married man, a divorced man, or a divorced/widowed mother with her children."""
        rng, as_of = self.rng, self.as_of
        r = rng.random()
        if r < 0.75:
            p = self.person("1", self.birth_for_age(26 + int(rng.random() * 38)), self.surname())
            if r >= 0.5 and age_at(p.birth, as_of) >= 28:
                fm = self.rdate(add_years(p.birth, 22), min(add_years(p.birth, 30), as_of - days(800)))
                p.marital, p.fm, p.mc = "40", fm, self.rdate(fm + days(365), as_of - days(1))
            return [p], p
        h = self.person("1", self.birth_for_age(30 + int(rng.random() * 26)), self.surname())
        w = self.spouse_for(h)
        if w is None:
            return [h], h
        dels = deliveries(w)
        start = w.mc if w.mc else w.fm
        lo = max(start + days(365), (dels[-1] + days(30)) if dels else start)
        if lo > as_of - days(1):
            return [h, w, *self.home_children(w, h)], h
        w.marital = "40" if rng.random() < 0.7 else "30"
        w.mc, w.spouse = self.rdate(lo, as_of - days(1)), None
        kids = self.home_children(w, h)
        for k in kids:
            k.father = None
        return [w, *kids], w

    def t_inflow(self) -> tuple[list[Person], Person]:
        """A family or a single worker registered in another county (流入人口)."""
        rng, as_of = self.rng, self.as_of
        origin = self.county_of(self.inflow_origin.pick(rng))
        r = rng.random()
        if r < 0.01:
            arrival = as_of - days(5 + int(rng.random() * 80))
        elif r < 0.33:
            arrival = self.rdate(as_of - days(730), as_of - days(92))
        else:
            arrival = self.rdate(as_of - days(10 * 365), as_of - days(731))
        h = None
        members: list[Person] = []
        if rng.random() < 0.7:
            h = self.person("1", self.birth_for_age(22 + int(rng.random() * 27)), self.surname(), origin)
            h.mgmt = "02"
            w = self.spouse_for(h, region=origin, moved=False)
            if w is not None:
                w.mgmt = "02"
                members = [h, w]
                for c in w.woman.children:
                    if c.alive and age_at(c.birth, as_of) < 16:
                        members.append(self.kid(c, w, h, origin))
        if not members:
            sex = "1" if rng.random() < 0.6 else "2"
            members = [self.person(sex, self.birth_for_age(18 + int(rng.random() * 18)), self.surname(), origin)]
        place = region_name(origin)
        for i, p in enumerate(members):
            p.mgmt, p.residence, p.reg_place = "02", "2", origin
            reason = "务工经商" if i == 0 else "随同流动"
            p.flow = {
                "type": "inflow",
                "since": max(arrival, p.birth),
                "place_code": origin,
                "place": place,
                "reason": reason,
            }
        return members, members[0]

    def t_closed(self) -> tuple[list[Person], Person]:
        """A one-person household closed after its member died or moved away."""
        rng, as_of = self.rng, self.as_of
        members = self.widowed(70 + int(rng.random() * 25), with_kids=False)
        p = members[0]
        if len(members) > 1 or p.spouse is not None:
            p = self.person("1", self.birth_for_age(70 + int(rng.random() * 20)), self.surname())
        last = max(d for d in (p.fm, p.mc, p.birth + days(1)) if d is not None)
        when = self.rdate(max(last + days(1), as_of - days(1000)), as_of - days(1))
        if rng.random() < 0.75:
            p.death = when
            p.cancel = ("01", min(as_of, when + days(int(rng.random() * 20))))
        else:
            p.cancel = ("02", when)
        return [p], p

    def collective(self) -> list[Person]:
        """Residents of the township old people's home (敬老院): a collective household."""
        rng = self.rng
        out = []
        for _ in range(5 + int(rng.random() * 8)):
            p = self.person("1", self.birth_for_age(62 + int(rng.random() * 30)), self.surname())
            if rng.random() < 0.2:
                p.marital, p.fm = "30", add_years(p.birth, 23) + days(int(rng.random() * 1500))
                p.mc = self.rdate(p.fm + days(3650), self.as_of - days(400))
            p.relation = "99"
            out.append(p)
        return out
