"""The record shapes every entry path shares: interchange-shaped household, person and woman dicts.

These TypedDicts describe the dicts of ``docs/spec/interchange.md`` §1 as the store loads them
(:mod:`store.records`), the import parses them (:mod:`store.interchange`), the forms edit them and the audit
reads them: dates are ``datetime.date``, absent values ``None``. Internal keys (``_id``, ``_version`` …) may
be present as well; they are never exported. The domain functions take and return these shapes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

__all__ = [
    "BLOCK_KEYS",
    "PERSON_KEYS",
    "Cancel",
    "Certificate",
    "Child",
    "Contraception",
    "Flow",
    "Household",
    "HouseholdRecord",
    "MovedIn",
    "Person",
    "Pregnancy",
    "SpouseExternal",
    "Woman",
]


class SpouseExternal(TypedDict):
    """A spouse without a record here."""

    name: str | None
    id_number: str | None
    registered_place_code: str | None


class Flow(TypedDict):
    """A flow (流入 / 流出) block."""

    type: str | None
    since: dt.date | None
    place_code: str | None
    place: str | None
    reason: str | None


class MovedIn(TypedDict):
    """Where and when a registered in-migrant came from."""

    date: dt.date | None
    from_code: str | None
    reason: str | None


class CancelFields(TypedDict):
    """The fields every cancellation has."""

    reason: str | None
    date: dt.date | None


class Cancel(CancelFields, total=False):
    """A cancellation (注销): reason code and date; a move-out's destination when known (Python 3.10 has no
    ``NotRequired``: the optional keys live in this ``total=False`` subclass)."""

    to_code: str | None  # a move-out's destination county (6 digits)
    to_place: str | None


class Child(TypedDict):
    """One entry of a woman's childbirth history (生养史)."""

    order: int | None
    name: str | None
    sex: str | None
    birth_date: dt.date | None
    policy: str | None
    blood: str | None
    alive: bool | None
    disabled_grade: str | None
    member: str | None


class PregnancyFields(TypedDict):
    """The fields every pregnancy has."""

    lmp: dt.date | None
    edd: dt.date | None
    outcome: str | None
    outcome_date: dt.date | None


class Pregnancy(PregnancyFields, total=False):
    """One pregnancy (孕情); the day it was reported, when known."""

    reported: dt.date | None  # the day it was reported: the date of its 怀孕 change


class Contraception(TypedDict):
    """The current contraceptive method."""

    method: str | None
    since: dt.date | None
    failure: str | None


class Certificate(TypedDict):
    """An only-child certificate (独生子女证)."""

    number: str | None
    date: dt.date | None


class Woman(TypedDict):
    """The woman block of a person (育龄妇女 facts)."""

    children: list[Child]
    pregnancies: list[Pregnancy]
    contraception: Contraception | None
    only_child_certificate: Certificate | None


class Person(TypedDict, total=False):
    """A person record (a member of a household)."""

    key: str
    name: str | None
    id_type: str | None
    id_number: str | None
    sex: str | None
    birth_date: dt.date | None
    relation: str | None
    ethnicity: str | None
    hukou_nature: str | None
    rural: bool | None
    education: str | None
    political_status: str | None
    occupation: str | None
    marital_status: str | None
    first_marriage_date: dt.date | None
    marriage_change_date: dt.date | None
    spouse: str | None
    mother: str | None
    father: str | None
    residence_status: str | None
    mgmt: str | None
    registered_place_code: str | None
    death_date: dt.date | None
    spouse_external: SpouseExternal | None
    flow: Flow | None
    moved_in: MovedIn | None
    cancel: Cancel | None
    benefits: list[dict[str, Any]]
    confirmations: list[dict[str, Any]]
    woman: Woman | None


class Household(TypedDict, total=False):
    """The household items of a household record."""

    code: str
    unit: str
    group: str
    address: str | None
    hukou_type: str | None
    kind: str | None
    status: str | None
    closed_date: dt.date | None
    phone: str | None


class HouseholdRecord(TypedDict, total=False):
    """One household line: its items and its members."""

    household: Household
    members: list[Person]


#: every key of a person record, in the order of the interchange format.
PERSON_KEYS: tuple[str, ...] = tuple(Person.__annotations__)
#: the keys of a person that hold a block (a dict) or a list rather than a scalar.
BLOCK_KEYS: tuple[str, ...] = (
    "spouse_external", "flow", "moved_in", "cancel", "benefits", "confirmations", "woman",
)  # fmt: skip
