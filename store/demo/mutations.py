"""The fault catalogue: every rule code of `docs/spec/rules.md`, the mutation planting it, and the planting order."""

from __future__ import annotations

from collections.abc import Callable

from store.demo.hosts import Planted
from store.demo.model import Household
from store.demo.mut_family import (
    _m_ch01,
    _m_ch02,
    _m_ch03,
    _m_ch04,
    _m_ch05,
    _m_ch06,
    _m_ch07,
    _m_mar1,
    _m_mar2,
    _m_mar3,
    _m_mar4,
    _m_mar5,
    _m_mar6,
    _m_mar7,
    _m_mar8,
    _m_mar9,
)
from store.demo.mut_identity import (
    _m_dup1,
    _m_dup2,
    _m_id01,
    _m_id02,
    _m_id03,
    _m_id04,
    _m_id05,
    _m_id06,
    _m_id07,
    _m_req1,
    _m_req2,
    _m_req3,
    _m_req4,
    _m_req5,
    _m_req6,
    _m_req7,
    _m_req8,
)
from store.demo.mut_records import (
    _m_ben1,
    _m_ben2,
    _m_ben3,
    _m_crt1,
    _m_dat1,
    _m_dat2,
    _m_dth1,
    _m_dth2,
    _m_dth3,
    _m_flw1,
    _m_flw2,
    _m_flw3,
    _m_flw4,
    _m_hh01,
    _m_hh02,
    _m_hh03,
    _m_hh04,
    _m_hh05,
)
from store.demo.mut_woman import (
    _m_con1,
    _m_con2,
    _m_con3,
    _m_con4,
    _m_con5,
    _m_prg1,
    _m_prg2,
    _m_prg3,
    _m_prg4,
    _m_prg5,
    _m_prg6,
)
from store.demo.toolkit import FaultTools

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


Mutation = Callable[[FaultTools, Household], "Planted | None"]

#: The fault catalogue: rule code → mutation planting exactly that fault on one record.
MUTATIONS: dict[str, Mutation] = {
    "ID01": _m_id01, "ID02": _m_id02, "ID03": _m_id03, "ID04": _m_id04, "ID05": _m_id05, "ID06": _m_id06,
    "ID07": _m_id07, "DUP1": _m_dup1, "DUP2": _m_dup2,
    "REQ1": _m_req1, "REQ2": _m_req2, "REQ3": _m_req3, "REQ4": _m_req4, "REQ5": _m_req5, "REQ6": _m_req6,
    "REQ7": _m_req7, "REQ8": _m_req8,
    "MAR1": _m_mar1, "MAR2": _m_mar2, "MAR3": _m_mar3, "MAR4": _m_mar4, "MAR5": _m_mar5, "MAR6": _m_mar6,
    "MAR7": _m_mar7, "MAR8": _m_mar8, "MAR9": _m_mar9,
    "CH01": _m_ch01, "CH02": _m_ch02, "CH03": _m_ch03, "CH04": _m_ch04, "CH05": _m_ch05, "CH06": _m_ch06,
    "CH07": _m_ch07,
    "CON1": _m_con1, "CON2": _m_con2, "CON3": _m_con3, "CON4": _m_con4, "CON5": _m_con5,
    "PRG1": _m_prg1, "PRG2": _m_prg2, "PRG3": _m_prg3, "PRG4": _m_prg4, "PRG5": _m_prg5, "PRG6": _m_prg6,
    "DTH1": _m_dth1, "DTH2": _m_dth2, "DTH3": _m_dth3, "DAT1": _m_dat1, "DAT2": _m_dat2,
    "HH01": _m_hh01, "HH02": _m_hh02, "HH03": _m_hh03, "HH04": _m_hh04, "HH05": _m_hh05,
    "FLW1": _m_flw1, "FLW2": _m_flw2, "FLW3": _m_flw3, "FLW4": _m_flw4,
    "BEN1": _m_ben1, "BEN2": _m_ben2, "BEN3": _m_ben3, "CRT1": _m_crt1,
}  # fmt: skip
assert tuple(MUTATIONS) == RULE_CODES
#: Planting order: codes whose hosts are scarce (infants, deaths, open pregnancies …) come first, so that
#: every code finds a household even in a small county.
_SCARCE = ("REQ7", "DUP2", "DTH3", "DTH2", "PRG2", "CON2", "MAR4", "PRG6", "PRG5", "PRG4", "BEN3", "DAT2", "PRG3",
           "MAR3", "BEN1", "CON3")  # fmt: skip
PLANT_ORDER: tuple[str, ...] = (*_SCARCE, *(c for c in RULE_CODES if c not in _SCARCE))
