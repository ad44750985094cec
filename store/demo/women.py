"""Clean generator, woman records and benefits: pregnancies, contraception, only-child certificates,
奖励扶助 and 特别扶助."""

from __future__ import annotations

import zlib
from datetime import date

from store.demo.model import Person, Pregnancy, deliveries
from store.demo.people import PeopleMixin
from store.demo.util import WeightedChoice, add_years, age_at, days


class WomanRecordsMixin(PeopleMixin):
    """Finishing woman records consistent with the childbirth history, and benefits."""

    METHODS = (
        WeightedChoice((("00", 35), ("07", 35), ("05", 15), ("06", 5), ("09", 5), ("08", 5))),
        WeightedChoice(
            (
                ("03", 55),
                ("04", 8),
                ("07", 15),
                ("05", 6),
                ("06", 3),
                ("02", 4),
                ("01", 2),
                ("08", 2),
                ("09", 2),
                ("00", 3),
            )
        ),
        WeightedChoice((("02", 35), ("03", 40), ("01", 6), ("04", 6), ("07", 6), ("05", 3), ("09", 2), ("00", 2))),
    )
    OUTCOMES = WeightedChoice((("4", 45), ("5", 25), ("3", 20), ("6", 5), ("2", 2), ("7", 2), ("9", 1)))

    def finish_woman(self, w: Person) -> None:
        """Pregnancies, contraception and certificate of a woman record, consistent with her history."""
        rng, as_of = self.rng, self.as_of
        woman = w.woman
        dels = deliveries(w)
        last = dels[-1] if dels else None
        recent = add_years(as_of, -6)
        for d in dels:
            if d >= recent:
                lmp = d - days(266 + int(rng.random() * 22))
                woman.pregnancies.append(Pregnancy(lmp, lmp + days(280), "1", d))
        kids = woman.children
        one = len(kids) == 1 and kids[0].blood == "1" and kids[0].alive and 1980 <= kids[0].birth.year <= 2015
        if one and rng.random() < 0.65:
            b = kids[0].birth
            number = f"湘独{b.year}{int(rng.random() * 9000) + 1000}"
            woman.cert = (number, self.rdate(b + days(60), min(as_of, b + days(700))))
        if not w.active:
            return
        age = age_at(w.birth, as_of)
        if not w.married or age > 49:
            if age > 49 and len(dels) >= 2 and w.marital != "10" and rng.random() < 0.5:
                woman.has_contraception = True
                woman.method = "02" if rng.random() < 0.9 else "01"
                woman.since = self.rdate(last + days(42), min(as_of, last + days(400)))
            return
        self._wcba_status(w, dels, age)

    def _wcba_status(self, w: Person, dels: list[date], age: int) -> None:
        """Current pregnancy or contraception of a married woman aged 15–49."""
        rng, as_of, woman = self.rng, self.as_of, w.woman
        last = dels[-1] if dels else None
        start = w.mc if w.marital == "22" and w.mc else w.fm
        woman.has_contraception = True
        p_open = (0.07 if len(dels) <= 1 else 0.025) if age <= 40 else 0.0
        if rng.random() < p_open and (last is None or last <= as_of - days(400)):
            lo = max(as_of - days(265), start + days(30), (last + days(300)) if last else start)
            if lo <= as_of - days(14):
                lmp = self.rdate(lo, as_of - days(14))
                woman.pregnancies.append(Pregnancy(lmp, lmp + days(280)))
                woman.method = "00"
                return
        base = last or start
        if last is not None and age <= 44 and rng.random() < 0.05:
            outcome = self.OUTCOMES.pick(rng)
            weeks = days((100 + int(rng.random() * 60)) if outcome == "6" else (35 + int(rng.random() * 40)))
            if last + days(200) <= as_of - weeks:
                lmp = self.rdate(last + days(200), as_of - weeks)
                woman.pregnancies.append(Pregnancy(lmp, lmp + days(280), outcome, lmp + weeks))
                base = lmp + weeks
        if base + days(42) > as_of:
            woman.method = "00"
            return
        n = len(dels)
        method = self.METHODS[min(n, 2)].pick(rng)
        woman.method = method
        if method == "00":
            return
        if method in ("01", "02"):
            woman.since = self.rdate(base + days(42), min(as_of, base + days(400)))
        elif rng.random() < 0.2:
            woman.since = self.rdate(max(base + days(30), as_of - days(730)), as_of)
        else:
            woman.since = self.rdate(base + days(30), min(as_of, base + days(500)))

    def benefits(self, members: list[Person]) -> None:
        """奖励扶助 for eligible rural elders, 特别扶助 for couples whose only child died or is disabled."""
        as_of = self.as_of
        for p in members:
            if not p.active or not p.rural or p.birth < date(1933, 1, 1):
                continue
            wife = p if p.sex == "2" else p.spouse
            if wife is None or wife.woman is None or not wife.active or not wife.rural:
                continue
            kids = wife.woman.children
            if not kids or any(c.blood != "1" for c in kids):
                continue
            living = [c for c in kids if c.alive]
            special = not living or living[0].disabled in ("1", "2", "3")
            reward = len(living) == 1 or not living or (len(living) == 2 and all(c.sex == "2" for c in living))
            # about half of the families with a qualifying history get 奖扶 (the rest had an out-of-policy
            # birth 1973–2001 or did not apply); decided per wife so that both spouses agree
            reward = reward and (zlib.crc32(wife.name.encode()) + wife.birth.toordinal()) % 2 == 0
            if len(kids) == 1 and as_of.year - wife.birth.year >= 49 and special:
                p.benefits.append(("special", max(2008, wife.birth.year + 49)))
            elif as_of.year - p.birth.year >= 60 and reward:
                p.benefits.append(("reward", max(2004, p.birth.year + 60)))
