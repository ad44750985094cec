"""What a mutation function may use: the fault random stream and fresh IDs, codes and persons, and the
`GeneratorContext` — the little of the generator that the fault planter reads (the generator passes itself).

Mutated records get ID order codes 901–999 and extra households serials 9001+, never used by clean data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from store.demo.model import Household, Person
from store.demo.names import COUNTY, GIVEN, cohort_of
from store.demo.units import Village
from store.demo.util import WeightedChoice, age_at, days
from store.idnumber import check_char


class GeneratorContext(Protocol):
    """The generator as the fault planter sees it (`store.demo.generator.Generator` satisfies it)."""

    n: int
    seed: int
    as_of: date
    surnames: WeightedChoice
    villages: list[Village]
    manifest: dict[str, Any]

    def county_of(self, prefix: str, rng: random.Random | None = None) -> str:
        """A random county-level code of a province (never this county)."""
        ...


class FaultTools:
    """Helpers for the mutation functions, on the fault random stream (independent of the clean data)."""

    def __init__(self, gen: GeneratorContext) -> None:
        self.gen = gen
        self.as_of = gen.as_of
        self.rng = random.Random(gen.seed * 1_000_003 + 99_991)
        self._extra: dict[str, int] = {}
        self._seq: dict[str, int] = {}

    def age(self, p: Person) -> int:
        return age_at(p.birth, self.as_of)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))] if items else None

    def rdate(self, lo: date, hi: date) -> date:
        """Uniform date in [lo, hi] from the fault stream."""
        span = (hi - lo).days
        return lo if span <= 0 else lo + days(int(self.rng.random() * (span + 1)))

    def days(self, lo: int, hi: int) -> timedelta:
        return days(lo + int(self.rng.random() * (hi - lo + 1)))

    def mut_number(self, first14: str, sex: str | None) -> str:
        """An ID number with these address and date digits, a fresh order code 901–999 (never used by
        clean records) and a correct check character."""
        k = self._seq.get(first14, 0)
        self._seq[first14] = k + 1
        first17 = f"{first14}{901 + 2 * (k % 49) + (0 if sex == '1' else 1)}"
        return first17 + check_char(first17)

    def mut_id(self, region: str, birth: date, sex: str | None) -> str:
        """A valid ID for this region, birth date and sex, unused by any other record."""
        return self.mut_number(f"{region}{birth:%Y%m%d}", sex)

    def new_code(self, hh: Household) -> str:
        """An unused household code in the same group (serial 9001+)."""
        group = hh.code[:14]
        k = self._extra.get(group, 0) + 1
        self._extra[group] = k
        return f"{group}{9000 + k:04d}"

    def person(self, sex: str, birth: date) -> Person:
        """A plain registered person for an extra household (fault stream only)."""
        surname = self.gen.surnames.pick(self.rng)
        pool = GIVEN[(sex, cohort_of(birth.year))]
        p = Person(surname + self.pick(pool), sex, birth, surname, COUNTY)
        p.id_number = self.mut_id(COUNTY, birth, sex)
        p.education, p.political = "70", "13"
        return p
