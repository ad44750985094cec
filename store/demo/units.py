"""Administrative units of the demo county: county, townships and villages with person budgets."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from store.demo.names import COUNTY, COUNTY_NAME, TOWNSHIPS, VILLAGES

SMALL_COUNTY = 20_000  # up to this many persons: one township
MAX_TOWNSHIPS = 20


@dataclass(slots=True)
class Village:
    """A village of the plan: code, names, township index, person budget, first of its township."""

    code: str
    name: str
    town: str
    town_index: int
    budget: int
    first: bool


def plan_units(rng: random.Random, n: int) -> tuple[list[dict[str, Any]], list[Village]]:
    """County, townships and villages with person budgets."""
    towns = 1 if n <= SMALL_COUNTY else min(MAX_TOWNSHIPS, math.ceil(n / 20_000))
    units: list[dict[str, Any]] = [{"code": COUNTY, "name": COUNTY_NAME, "level": "county", "parent": None}]
    villages: list[Village] = []
    town_weights = [rng.uniform(0.85, 1.15) for _ in range(towns)]
    for t in range(towns):
        tcode = f"{COUNTY}{101 + t}"
        units.append({"code": tcode, "name": TOWNSHIPS[t], "level": "township", "parent": COUNTY})
        tbudget = n * town_weights[t] / sum(town_weights)
        count = min(8, max(3, round(n / 2500))) if towns == 1 else min(14, max(3, round(tbudget / 1800)))
        weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
        names = rng.sample(VILLAGES, count)
        for v in range(count):
            vcode = f"{tcode}{201 + v}"
            units.append({"code": vcode, "name": f"{names[v]}村", "level": "village", "parent": tcode})
            budget = round(tbudget * weights[v] / sum(weights))
            villages.append(Village(vcode, f"{names[v]}村", TOWNSHIPS[t], t, budget, v == 0))
    return units, villages
