"""In-memory records of the generator: person, household, woman record, child entry, pregnancy.

Dates are `date` objects and links are object references while a household is built; `payload`
turns a finished household into its interchange dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True)
class ChildEntry:
    """One childbirth-history entry."""

    order: int
    name: str | None
    sex: str | None
    birth: date | None
    policy: str | None
    blood: str = "1"
    alive: bool = True
    disabled: str | None = None
    member: Person | None = None


@dataclass(slots=True)
class Pregnancy:
    """One pregnancy."""

    lmp: date | None
    edd: date | None
    outcome: str | None = None
    outcome_date: date | None = None


@dataclass(slots=True)
class WomanRecord:
    """The woman record: history, contraception, pregnancies, only-child certificate."""

    children: list[ChildEntry] = field(default_factory=list)
    method: str | None = None
    since: date | None = None
    failure: str | None = None
    has_contraception: bool = False
    pregnancies: list[Pregnancy] = field(default_factory=list)
    cert: tuple[str, date] | None = None


@dataclass(slots=True, eq=False)
class Person:
    """A person while being generated (dates as `date`, links as objects)."""

    name: str | None
    sex: str | None
    birth: date
    surname: str
    region: str
    id_number: str | None = None
    id_type: str = "1"
    key: str = ""
    relation: str | None = None
    ethnicity: str | None = "01"
    hukou: str | None = "2"
    rural: bool = True
    education: str | None = None
    political: str | None = None
    occupation: str | None = None
    marital: str | None = "10"
    fm: date | None = None
    mc: date | None = None
    spouse: Person | None = None
    partner: Person | None = None  # generation only: the spouse, kept after a death
    spouse_ext: dict[str, Any] | None = None
    mother: Person | None = None
    father: Person | None = None
    residence: str = "1"
    mgmt: str = "01"
    reg_place: str | None = None
    flow: dict[str, Any] | None = None
    moved_in: dict[str, Any] | None = None
    death: date | None = None
    cancel: tuple[str, date] | None = None
    benefits: list[tuple[str, int]] = field(default_factory=list)
    woman: WomanRecord | None = None
    adopted: bool = False

    @property
    def active(self) -> bool:
        return self.cancel is None

    @property
    def married(self) -> bool:
        return self.marital in ("20", "21", "22", "23")


@dataclass(slots=True, eq=False)
class Household:
    """A household while being generated."""

    code: str
    prefix: str  # address up to the group, e.g. 城关镇东风村一组
    hukou_type: str = "2"
    kind: str = "family"
    status: str = "active"
    closed_date: date | None = None
    phone: str | None = None
    address_note: str = ""
    members: list[Person] = field(default_factory=list)

    @property
    def active_members(self) -> list[Person]:
        return [p for p in self.members if p.cancel is None]


def live_births(w: Person) -> list[ChildEntry]:
    """Her childbirth-history entries of own (blood) children."""
    return [c for c in w.woman.children if c.blood == "1"] if w.woman else []


def deliveries(w: Person) -> list[date]:
    """Dates of her deliveries (live births at most 1 day apart are one delivery), ascending."""
    out: list[date] = []
    for d in sorted(c.birth for c in live_births(w) if c.birth is not None):
        if not out or (d - out[-1]).days > 1:
            out.append(d)
    return out


def _renumber(w: Person) -> None:
    """孩次 1..n in birth-date order."""
    w.woman.children.sort(key=lambda c: c.birth)
    for i, c in enumerate(w.woman.children, start=1):
        c.order = i
