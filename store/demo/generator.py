"""The clean generator: builds the county household by household and streams interchange payloads.

`Generator` combines the generator mixins (`people` → `families` → `templates`, `life`, `women`) in the order
of a household's making: template → deaths → flows → woman records → benefits → relations; `FaultPlanter`
(`store.demo.faults`) plants the faults on the way, with its own random stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

from store.demo.faults import FaultPlanter
from store.demo.ids import IdAllocator
from store.demo.life import LifeEventsMixin
from store.demo.model import Household
from store.demo.names import BRIDE_ORIGINS, INFLOW_ORIGINS, OCCUPATIONS, OUTFLOW_DESTS, SURNAMES, group_name
from store.demo.payload import household_dict
from store.demo.relations import assign_relations
from store.demo.templates import TemplatesMixin
from store.demo.units import Village, plan_units
from store.demo.util import WeightedChoice
from store.demo.women import WomanRecordsMixin


class Generator(TemplatesMixin, LifeEventsMixin, WomanRecordsMixin):
    """Builds the county household by household (one `random.Random` for the clean data)."""

    def __init__(self, persons: int, seed: int, error_rate: float, as_of: date) -> None:
        self.n = persons
        self.seed = seed
        self.as_of = as_of
        self.rng = random.Random(seed)
        self.ids = IdAllocator()
        self.surnames = WeightedChoice(SURNAMES)
        self.occupations = WeightedChoice(OCCUPATIONS)
        self.bride_origin = WeightedChoice(BRIDE_ORIGINS)
        self.inflow_origin = WeightedChoice(INFLOW_ORIGINS)
        self.outflow_dest = WeightedChoice(OUTFLOW_DESTS)
        self._counties: dict[str, list[str]] = {}
        self.templates = WeightedChoice(
            (
                ("couple", 42.0),
                ("three_gen", 31.0),
                ("elder_single", 8.0),
                ("single", 6.0),
                ("inflow", 5.0),
                ("closed", 0.6),
            )
        )
        self.couple_age = WeightedChoice(
            [(a, 0.6) for a in range(24, 30)]
            + [(a, 1.7) for a in range(30, 50)]
            + [(a, 2.0) for a in range(50, 66)]
            + [(a, 1.6) for a in range(66, 80)]
            + [(a, 0.7) for a in range(80, 92)]
        )
        self.elder_age = WeightedChoice([(a, 1.5 if a < 75 else 1.0 if a < 85 else 0.4) for a in range(48, 90)])
        self.units, self.villages = plan_units(self.rng, self.n)
        self.manifest: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "seed": seed,
            "error_rate": error_rate,
            "persons": persons,
            "faults": {},
        }
        self.faults = FaultPlanter(self, error_rate)
        self.generated_persons = 0
        self.generated_households = 0

    # --- households ----------------------------------------------------------------------------------

    def household(self, code: str, prefix: str) -> Household:
        """One clean household (all members, relations, events, woman records, benefits)."""
        rng = self.rng
        kind = self.templates.pick(rng)
        members, head = getattr(self, "t_" + kind)()
        hh = Household(code, prefix, phone=self.phone())
        if kind == "inflow":
            hh.address_note = "（租住）"
        else:
            r = rng.random()
            hh.hukou_type = "2" if r < 0.9 else "1" if r < 0.95 else "3"
            for p in members:
                p.hukou, p.rural = hh.hukou_type, hh.hukou_type != "1"
        assign_relations(members, head)
        if kind == "closed":
            hh.status, hh.closed_date = "closed", head.cancel[1]
        else:
            self.deaths(members)
            new = self.new_head(members, head)
            if new is None:
                hh.status, hh.closed_date = "closed", max(p.cancel[1] for p in members)
            elif new is not head:
                assign_relations([p for p in members if p.active], new)
            if kind != "inflow":
                self.outflows(members)
        for p in members:
            if p.woman is not None and p.sex == "2":
                self.finish_woman(p)
        self.benefits(members)
        hh.members = members
        village = code[:12]
        for i, p in enumerate(members, start=1):
            p.key = f"{code}-{i}"
            if p.reg_place is None:
                p.reg_place = village
        return hh

    def collective_household(self, code: str, prefix: str) -> Household:
        hh = Household(code, prefix, kind="collective", address_note="（乡敬老院）")
        hh.members = self.collective()
        for i, p in enumerate(hh.members, start=1):
            p.key, p.reg_place = f"{code}-{i}", code[:12]
        return hh

    def village_households(self, v: Village) -> Iterator[dict[str, Any]]:
        """The households of one village, groups of 25–50 households, faults planted on the way."""
        rng = self.rng
        prefix_of = lambda g: f"{v.town}{v.name}{group_name(g)}组"  # noqa: E731
        group, serial, size = 1, 0, 25 + int(rng.random() * 26)
        persons = 0
        self.faults.start_village(v)
        if v.first and self.n >= 2000:
            serial = 1
            hh = self.collective_household(f"{v.code}{group:02d}{serial:04d}", prefix_of(group))
            persons += len(hh.members)
            yield from self._emit(hh)
        while persons < v.budget:
            serial += 1
            if serial > size:
                group, serial, size = group + 1, 1, 25 + int(rng.random() * 26)
            hh = self.household(f"{v.code}{group:02d}{serial:04d}", prefix_of(group))
            persons += len(hh.members)
            yield from self._emit(hh)

    def _emit(self, hh: Household) -> Iterator[dict[str, Any]]:
        extra = self.faults.plant(hh)
        for h in (hh, *extra):
            self.generated_households += 1
            self.generated_persons += len(h.members)
            yield household_dict(h)

    def households(self) -> Iterator[dict[str, Any]]:
        """Every household of the county, township by township."""
        town = -1
        for v in self.villages:
            if v.town_index != town:
                town = v.town_index
                self.ids.new_township(town)
            yield from self.village_households(v)
        self.faults.finish()
        self.manifest["generated"] = {"households": self.generated_households, "persons": self.generated_persons}
