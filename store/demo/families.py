"""Clean generator, marriages and births: spouses, childbirth histories, the children living at home."""

from __future__ import annotations

from datetime import date

from store.demo.model import ChildEntry, Person, WomanRecord
from store.demo.names import COUNTY
from store.demo.people import PeopleMixin
from store.demo.policy import POLICY_THREE, POLICY_TWO, policy_for
from store.demo.util import add_years, age_at, days
from store.idnumber import make_id


class FamiliesMixin(PeopleMixin):
    """Marriages, childbirth histories and children at home."""

    def marriage_date(self, husband: date, wife: date) -> date | None:
        """A first-marriage date at legal ages (women ≥ 20, men ≥ 22), early-skewed; None if too young."""
        lower = max(add_years(wife, 20), add_years(husband, 22))
        latest = self.as_of - days(1)
        if lower > latest:
            return None
        year = wife.year
        span = 3 * 365 if year < 1970 else 5 * 365 if year < 1990 else 8 * 365
        m = lower + days(int(self.rng.random() ** 1.6 * span))
        return m if m <= latest else self.rdate(lower, latest)

    def wed(self, h: Person, w: Person, m: date) -> None:
        h.marital = w.marital = "21"
        h.fm = w.fm = m
        h.spouse, w.spouse, h.partner, w.partner = w, h, w, h

    def spouse_for(self, p: Person, *, region: str | None = None, moved: bool = True) -> Person | None:
        """A spouse (wife for a man, in-marrying husband for a woman) with a first marriage; None if
        no legal date fits. The wife gets her childbirth history."""
        rng = self.rng
        region = region or self.origin_region(self.bride_origin)
        gap = days(int(rng.triangular(-2 * 365, 6 * 365, 2 * 365)))
        youngest = days(int(rng.random() * 900))
        if p.sex == "1":
            hb, wb = p.birth, min(p.birth + gap, add_years(self.as_of, -21) - youngest)
        else:
            hb, wb = min(p.birth - gap, add_years(self.as_of, -23) - youngest), p.birth
        m = self.marriage_date(hb, wb)
        if m is None:
            return None
        other_sex = "2" if p.sex == "1" else "1"
        s = self.person(other_sex, wb if p.sex == "1" else hb, self.surname(), region, p.hukou)
        s.ethnicity = p.ethnicity if rng.random() < 0.9 else s.ethnicity
        if moved:
            s.moved_in = {
                "date": self.rdate(m, min(self.as_of, m + days(120))),
                "from_code": region,
                "reason": "婚姻迁入",
            }
        h, w = (p, s) if p.sex == "1" else (s, p)
        self.wed(h, w, m)
        self._remarriage(h, w)
        self.history(w, h.surname if p.sex == "1" or rng.random() < 0.5 else w.surname)
        return s

    def _remarriage(self, h: Person, w: Person) -> None:
        """A few couples are remarried (22) or reunited (23): dates stay consistent with MAR/REQ rules."""
        rng, m = self.rng, h.fm
        r = rng.random()
        if r < 0.05:
            first = add_years(h.birth, 22) + days(int(rng.random() * 1500))
            if first < m - days(3 * 365):
                h.marital, h.fm, h.mc = "22", first, m
        elif r < 0.07:
            first = add_years(w.birth, 20) + days(int(rng.random() * 700))
            if first < m - days(2 * 365):
                w.marital, w.fm, w.mc = "22", first, m
        elif r < 0.085:
            later = m + days(3 * 365 + int(rng.random() * 4000))
            if later < self.as_of:
                h.marital = w.marital = "23"
                h.mc = w.mc = later

    def history(self, w: Person, surname: str) -> None:
        """Her childbirth history (生养史) from her first marriage, consistent with the policy eras."""
        rng = self.rng
        woman = w.woman = w.woman or WomanRecord()
        start = w.mc if w.marital == "22" and w.mc else w.fm
        stop = min(self.as_of, add_years(w.birth, 42))
        if rng.random() < 0.03:  # no births; half of these couples adopt
            born = start + days(2 * 365 + int(rng.random() * 1500))
            if rng.random() < 0.5 and born <= stop:
                sex = "1" if rng.random() < 0.55 else "2"
                woman.children.append(
                    ChildEntry(1, surname + self.given_name(sex, born.year), sex, born, "1", blood="2")
                )
            return
        d = start + days(280 + int(rng.random() ** 1.5 * 900))
        order, daughters_only = 0, True
        while d <= stop:
            n = 2 if rng.random() < 0.012 else 1
            exception = daughters_only if rng.random() < 0.9 else rng.random() < 0.3
            policy = policy_for(order + 1, d, exception)
            prev = ""
            for _ in range(n):
                sex = "1" if rng.random() < 0.53 else "2"
                given = self.given_name(sex, d.year, prev)
                prev = given
                alive = rng.random() >= (0.06 if d.year < 1980 else 0.02 if d.year < 2000 else 0.005)
                child = ChildEntry(order + 1, surname + given, sex, d, policy, alive=alive)
                if alive and rng.random() < 0.004:
                    child.disabled = str(1 + int(rng.random() * 4))
                woman.children.append(child)
                order += 1
                daughters_only = daughters_only and sex == "2"
            nxt = d + days(700 + int(rng.random() ** 1.3 * 2600))
            if rng.random() >= self._p_next(order, nxt, daughters_only):
                break
            d = nxt

    @staticmethod
    def _p_next(order: int, d: date, daughters_only: bool) -> float:
        """Probability of another birth after `order` births, by the era of the next birth."""
        if d.year < 1980:
            return (0.92, 0.8, 0.55, 0.3)[order - 1] if order <= 4 else 0.0
        if d < POLICY_TWO:
            return (0.8 if daughters_only else 0.35) if order == 1 else 0.1 if order == 2 else 0.0
        if d < POLICY_THREE:
            return 0.5 if order == 1 else (0.15 if daughters_only else 0.05) if order == 2 else 0.0
        return 0.42 if order == 1 else 0.12 if order == 2 else 0.03 if order == 3 else 0.0

    def kid(self, entry: ChildEntry, mother: Person, father: Person | None, region: str = COUNTY) -> Person:
        """The person record of a history entry that lives in the household."""
        surname = father.surname if father is not None and entry.name.startswith(father.surname) else mother.surname
        p = self.person(entry.sex, entry.birth, surname, region, mother.hukou)
        p.name = entry.name
        p.mother, p.father = mother, father
        p.adopted = entry.blood != "1"
        p.ethnicity = (father or mother).ethnicity
        entry.member = p
        return p

    def home_children(self, w: Person, h: Person | None, skip: ChildEntry | None = None) -> list[Person]:
        """Her living children who live at home: minors, unmarried adults, recently married-out daughters."""
        out: list[Person] = []
        if w.woman is None:
            return out
        rng, as_of = self.rng, self.as_of
        for c in w.woman.children:
            if not c.alive or c is skip:
                continue
            age = age_at(c.birth, as_of)
            if age < 18:
                out.append(self.kid(c, w, h))
            elif c.sex == "1":
                if rng.random() >= min(0.95, max(0.0, (age - 23) * 0.14)):
                    out.append(self.kid(c, w, h))
            else:
                married = rng.random() < min(0.97, max(0.0, (age - 21) * 0.2))
                if not married:
                    out.append(self.kid(c, w, h))
                    continue
                lo, hi = add_years(c.birth, 21), min(as_of - days(10), add_years(c.birth, 28))
                m = self.rdate(lo, hi)
                if m >= as_of - days(730) and rng.random() < 0.8:
                    out.append(self._married_out(self.kid(c, w, h), m))
        return out

    def _married_out(self, d: Person, m: date) -> Person:
        """A daughter who married and moved her registration away (cancelled 02 / 03)."""
        rng = self.rng
        region = self.origin_region(self.bride_origin)
        husband_birth = add_years(d.birth, -2)
        d.marital, d.fm = "21", m
        d.spouse_ext = {
            "name": self.surname() + self.given_name("1", husband_birth.year),
            "id_number": make_id(region, husband_birth, 951 + 2 * int(rng.random() * 20)),
            "registered_place_code": region,
        }
        reason = "03" if region[:2] != "43" else "02"
        d.cancel = (reason, self.rdate(m + days(10), min(self.as_of, m + days(120))))
        return d
