"""Base of the clean generator: random draws, names and single persons with their social items.

`PeopleMixin` holds no state of its own; the attributes it declares are set by `Generator.__init__`
(`store.demo.generator`), and the other generator mixins build on it.
"""

from __future__ import annotations

import random
from datetime import date

from store.demo.ids import IdAllocator
from store.demo.model import Person
from store.demo.names import COUNTY, GIVEN, cohort_of
from store.demo.util import WeightedChoice, add_years, age_at, days
from store.regions import county_codes_of_province, is_known_region


class PeopleMixin:
    """Persons and random helpers (one `random.Random` for the clean data)."""

    n: int
    seed: int
    as_of: date
    rng: random.Random
    ids: IdAllocator
    surnames: WeightedChoice
    occupations: WeightedChoice
    bride_origin: WeightedChoice
    inflow_origin: WeightedChoice
    outflow_dest: WeightedChoice
    _counties: dict[str, list[str]]

    def county_of(self, prefix: str, rng: random.Random | None = None) -> str:
        """A random county-level code of a province (never this county)."""
        codes = self._counties.get(prefix)
        if codes is None:
            codes = [c for c in county_codes_of_province(prefix) if c != COUNTY and is_known_region(c)]
            self._counties[prefix] = codes
        return codes[int((rng or self.rng).random() * len(codes))]

    # --- random helpers ----------------------------------------------------------------------------

    def rdate(self, lo: date, hi: date) -> date:
        """Uniform date in [lo, hi] (lo when hi < lo)."""
        span = (hi - lo).days
        return lo if span <= 0 else lo + days(int(self.rng.random() * (span + 1)))

    def birth_for_age(self, age: int) -> date:
        """A birth date giving exactly `age` completed years at as_of."""
        hi = add_years(self.as_of, -age)
        lo = add_years(self.as_of, -age - 1) + days(1)
        return self.rdate(lo, hi)

    def given_name(self, sex: str, year: int, avoid: str = "") -> str:
        pool = GIVEN[(sex, cohort_of(year))]
        name = pool[int(self.rng.random() * len(pool))]
        if name == avoid:
            name = pool[(pool.index(name) + 1) % len(pool)]
        return name

    def phone(self) -> str | None:
        if self.rng.random() < 0.35:
            return None
        head = ("139", "138", "137", "136", "135", "150", "151", "152", "158", "180", "186", "189", "191")
        return head[int(self.rng.random() * len(head))] + f"{int(self.rng.random() * 1e8):08d}"

    # --- persons -----------------------------------------------------------------------------------

    def person(self, sex: str, birth: date, surname: str, region: str = COUNTY, hukou: str = "2") -> Person:
        """A new person with name, ID and social items drawn for their age."""
        rng = self.rng
        p = Person(surname + self.given_name(sex, birth.year), sex, birth, surname, region)
        age = age_at(birth, self.as_of)
        if not (age == 0 and rng.random() < 0.2):
            p.id_number = self.ids.new(region, birth, sex)
        p.hukou = hukou
        p.rural = hukou != "1"
        if rng.random() < 0.02:
            p.ethnicity = ("06", "13", "15", "12")[int(rng.random() * 4)]
        self._social(p, age)
        return p

    def _social(self, p: Person, age: int) -> None:
        """Education, political status and occupation for the age and cohort."""
        rng, year = self.rng, p.birth.year
        r = rng.random()
        if age < 6:
            p.education = None
        elif age < 12:
            p.education = "80"
        elif age < 15:
            p.education = "70"
        elif year < 1950:
            p.education = "90" if r < 0.4 else "80" if r < 0.9 else "70"
        elif year < 1965:
            p.education = "80" if r < 0.45 else "70" if r < 0.85 else "60" if r < 0.97 else "90"
        elif year < 1980:
            p.education = "70" if r < 0.55 else "80" if r < 0.75 else "60" if r < 0.9 else "40" if r < 0.97 else "30"
        elif year < 1995:
            p.education = "70" if r < 0.45 else "60" if r < 0.65 else "40" if r < 0.8 else "30" if r < 0.92 else "20"
        else:
            p.education = "70" if r < 0.2 else "60" if r < 0.45 else "40" if r < 0.65 else "30" if r < 0.85 else "20"
        r = rng.random()
        if age < 14:
            p.political = None
        elif age <= 28:
            p.political = "03" if r < 0.4 else "01" if r < 0.44 else "13"
        else:
            p.political = "01" if r < 0.08 else "02" if r < 0.085 else "13"
        p.occupation = self.occupations.pick(rng) if 18 <= age <= 64 and rng.random() < 0.7 else None

    def surname(self) -> str:
        return self.surnames.pick(self.rng)

    def origin_region(self, choice: WeightedChoice) -> str:
        prefix = choice.pick(self.rng)
        return COUNTY if prefix == "local" else self.county_of(prefix)
