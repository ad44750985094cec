"""Fault planting: a quota of faults per village, rule codes taken in turn, one fault per household.

The per-rule mutation functions are in `store.demo.mutations`; the helpers they use in
`store.demo.toolkit` (the base of `FaultPlanter`).
"""

from __future__ import annotations

from store.demo.model import Household
from store.demo.mutations import MUTATIONS, PLANT_ORDER, RULE_CODES
from store.demo.toolkit import FaultTools, GeneratorContext
from store.demo.units import Village


class FaultPlanter(FaultTools):
    """Plans and plants faults: a quota per village, codes taken in turn from the catalogue.

    Uses its own random stream, so the clean data of a seed is the same whatever the error rate; IDs of
    mutated records use order codes 901–999 and extra households serials 9001+, never used by clean data.
    """

    def __init__(self, gen: GeneratorContext, error_rate: float) -> None:
        super().__init__(gen)
        n = gen.n
        total = round(error_rate * n) if error_rate > 0 else 0
        if total and n >= 2000:
            total = max(total, len(RULE_CODES))
        self.total = min(total, max(int(0.4 * n / 3), len(RULE_CODES) if total else 0))
        self.quota = self._quotas([v.budget for v in gen.villages])
        self.cursor = 0
        self.pending: list[str] = []
        self.debt = 0.0
        self.rate = 0.0
        self.village_index = 0
        self.planted = 0

    def _quotas(self, budgets: list[int]) -> list[int]:
        """Faults per village, proportional to its persons (largest remainder)."""
        total_budget = sum(budgets) or 1
        raw = [self.total * b / total_budget for b in budgets]
        out = [int(x) for x in raw]
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: self.total - sum(out)]:
            out[i] += 1
        return out

    def start_village(self, v: Village) -> None:
        q = self.quota[self.village_index]
        self.village_index += 1
        for _ in range(q):
            self.pending.append(PLANT_ORDER[self.cursor % len(PLANT_ORDER)])
            self.cursor += 1
        self.rate = q / max(1.0, 0.75 * v.budget / 3.0)

    def plant(self, hh: Household) -> list[Household]:
        """Try the pending codes on this household; at most one fault per household."""
        if not self.pending or hh.kind != "family":
            return []
        self.debt += self.rate
        if self.debt < 1:
            return []
        for code in self.pending[:24]:
            done = MUTATIONS[code](self, hh)
            if done is None:
                continue
            targets, extra = done
            faults = self.gen.manifest["faults"].setdefault(code, [])
            faults.extend({"household_code": c, "person_key": k} for c, k in targets)
            self.pending.remove(code)
            self.debt -= 1
            self.planted += 1
            return extra
        return []

    def finish(self) -> None:
        self.gen.manifest["planted"] = self.planted
        self.gen.manifest["unplanted"] = sorted(self.pending)
