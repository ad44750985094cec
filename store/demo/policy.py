"""Family-planning policy eras and legal marriage ages.

The national ceiling on births by era (two children from 2016, three from 31 May 2021) that the clean
generator records as 政策属性 (CH07), and the legal marriage age in force at a date (MAR2).
"""

from __future__ import annotations

from datetime import date

from store.demo.util import add_years

POLICY_TWO = date(2016, 1, 1)
POLICY_THREE = date(2021, 5, 31)
LEGAL_AGE_CHANGE = date(1981, 1, 1)


def policy_for(order: int, born: date, exception: bool) -> str:
    """政策属性 consistent with the national ceiling at the birth date (CH07); pre-2016 order 2 as recorded."""
    if born >= POLICY_THREE:
        return "1" if order <= 3 else "2"
    if born >= POLICY_TWO:
        return "1" if order <= 2 else "2"
    if order == 1:
        return "1"
    if order == 2:
        return "1" if exception else "2"
    return "2"


def policy_consistent(order: int, born: date, policy: str | None) -> bool:
    """Whether a recorded policy agrees with CH07's ceiling (pre-2016 orders ≤ 2 trusted)."""
    if policy is None:
        return True
    if born >= POLICY_THREE:
        return (policy == "1") == (order <= 3)
    if born >= POLICY_TWO:
        return (policy == "1") == (order <= 2)
    return order <= 2 or policy == "2"


def legal_marriage_day(birth: date, sex: str, when: date) -> date:
    """The day a person reaches the legal marriage age in force at `when` (MAR2)."""
    if when < LEGAL_AGE_CHANGE:
        return add_years(birth, 18 if sex == "2" else 20)
    return add_years(birth, 20 if sex == "2" else 22)
