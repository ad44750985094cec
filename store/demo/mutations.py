"""The fault catalogue: every rule code of `docs/spec/rules.md`, the mutation planting it (registered with
``@plants`` in the family modules, see `store.demo.registry`), and the planting order."""

from __future__ import annotations

from store.demo import mut_family, mut_identity, mut_records, mut_woman
from store.demo.registry import Mutation, registered

#: The modules whose ``@plants`` functions make up the catalogue (imported for their registrations).
FAMILIES = (mut_identity, mut_family, mut_woman, mut_records)

# Every rule code of docs/spec/rules.md, in catalogue order.
RULE_CODES: tuple[str, ...] = (
    *(f"ID0{i}" for i in range(1, 8)),
    "DUP1",
    "DUP2",
    *(f"REQ{i}" for i in range(1, 9)),
    *(f"MAR{i}" for i in range(1, 10)),
    *(f"CH0{i}" for i in range(1, 8)),
    *(f"CON{i}" for i in range(1, 6)),
    *(f"PRG{i}" for i in range(1, 7)),
    "DTH1",
    "DTH2",
    "DTH3",
    "DAT1",
    "DAT2",
    *(f"HH0{i}" for i in range(1, 6)),
    *(f"FLW{i}" for i in range(1, 5)),
    "BEN1",
    "BEN2",
    "BEN3",
    "CRT1",
)


def _catalogue() -> dict[str, Mutation]:
    """The registered mutations in `RULE_CODES` order; every code has exactly one."""
    found = registered()
    if set(found) != set(RULE_CODES):
        missing, unknown = sorted(set(RULE_CODES) - set(found)), sorted(set(found) - set(RULE_CODES))
        raise RuntimeError(f"demo fault catalogue: no mutation for {missing}, unknown codes {unknown}")
    return {code: found[code] for code in RULE_CODES}


#: The fault catalogue: rule code → mutation planting exactly that fault on one record.
MUTATIONS: dict[str, Mutation] = _catalogue()
#: Planting order: codes whose hosts are scarce (infants, deaths, open pregnancies …) come first, so that
#: every code finds a household even in a small county.
_SCARCE = ("REQ7", "DUP2", "DTH3", "DTH2", "PRG2", "CON2", "MAR4", "PRG6", "PRG5", "PRG4", "BEN3", "DAT2", "PRG3",
           "MAR3", "BEN1", "CON3")  # fmt: skip
PLANT_ORDER: tuple[str, ...] = (*_SCARCE, *(c for c in RULE_CODES if c not in _SCARCE))
