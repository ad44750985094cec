"""Audit configuration: legal marriage ages, birth-policy ceilings and thresholds (`docs/spec/rules.md`).

Nothing of this lives as a literal in a rule. The defaults are those of `docs/spec/rules.md`; a region (province by
its 2-digit code, or a county by its 6-digit code) can override the marriage ages and the policy
ceilings, and every threshold can be changed. A database may store overrides as JSON in the `setting`
table under ``audit_config`` (see :func:`config_from_json`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_CONFIG",
    "AuditConfig",
    "MarriageAge",
    "PolicyPeriod",
    "RegionConfig",
    "config_from_json",
]


_Dated = TypeVar("_Dated", "MarriageAge", "PolicyPeriod")


def _in_force(items: tuple[_Dated, ...], on: dt.date) -> _Dated:
    """The last item of a date-ordered table whose `since` is on or before `on` (else the first)."""
    found = items[0]
    for item in items:
        if item.since <= on:
            found = item
    return found


@dataclass(frozen=True)
class MarriageAge:
    """Minimum legal marriage ages for marriages on or after `since`."""

    since: dt.date
    female: int
    male: int


@dataclass(frozen=True)
class PolicyPeriod:
    """The national (or provincial) birth ceiling for deliveries on or after `since` (CH07).

    A delivery whose lowest 孩次 exceeds `ceiling` cannot be 政策内; one within it should not be 政策外,
    unless `trust_within` (before 2016 a first or second child's recorded attribute is trusted, since
    provincial exceptions decided it).
    """

    since: dt.date
    ceiling: int
    trust_within: bool = False


@dataclass(frozen=True)
class RegionConfig:
    """What may differ between provinces or counties."""

    marriage_ages: tuple[MarriageAge, ...] = (
        MarriageAge(dt.date.min, female=18, male=20),
        MarriageAge(dt.date(1981, 1, 1), female=20, male=22),
    )
    policy: tuple[PolicyPeriod, ...] = (
        PolicyPeriod(dt.date.min, ceiling=2, trust_within=True),
        PolicyPeriod(dt.date(2016, 1, 1), ceiling=2),
        PolicyPeriod(dt.date(2021, 5, 31), ceiling=3),
    )

    def marriage_age(self, on: dt.date) -> MarriageAge:
        """The minimum ages in force on a date."""
        return _in_force(self.marriage_ages, on)

    def policy_at(self, on: dt.date) -> PolicyPeriod:
        """The policy period of a delivery date."""
        return _in_force(self.policy, on)


@dataclass(frozen=True)
class AuditConfig:
    """Thresholds of the catalogue plus per-region settings. Immutable; use :func:`dataclasses.replace`."""

    default_region: RegionConfig = field(default_factory=RegionConfig)
    #: region code prefix (2-digit province or 6-digit county) → settings; the longest match wins.
    regions: tuple[tuple[str, RegionConfig], ...] = ()
    id_min_birth: dt.date = dt.date(1890, 1, 1)
    infant_years: int = 1  # REQ1/REQ7: a child under this age may lack an ID
    adult_age: int = 15  # REQ2, REQ3
    wcba_min_age: int = 15
    wcba_max_age: int = 49
    delivery_gap_days: int = 1  # births at most this far apart are one delivery
    birth_spacing_days: int = 180  # CH03
    birth_min_age: int = 15  # CH04
    birth_max_age: int = 49  # CH04
    birth_min_years: int = 12  # CH05
    method_age_limit: int = 50  # CON2: methods 03–09 from this age
    method_min_age: int = 15  # CON4
    pregnancy_min_age: int = 10  # PRG1
    pregnancy_max_age: int = 55  # PRG1
    open_pregnancy_days: int = 300  # PRG2
    term_days: int = 280  # PRG3
    edd_tolerance_days: int = 14  # PRG3
    outcome_window_days: int = 30  # PRG5
    max_age: int = 110  # DAT2
    parent_gap_years: int = 15  # HH03
    child_gap_years: int = 15  # HH03
    grandchild_gap_years: int = 30  # HH03
    flow_min_months: int = 3  # FLW2
    reward_age: int = 60  # BEN1
    reward_born_from: dt.date = dt.date(1933, 1, 1)  # BEN1
    special_wife_age: int = 49  # BEN2
    special_disabled_grades: frozenset[str] = frozenset({"1", "2", "3"})  # BEN2
    #: rules counted by the logic-error rate (None: every E rule but REQ*, DUP* and ID01–ID03).
    logic_rules: frozenset[str] | None = None

    def region(self, code: str) -> RegionConfig:
        """Settings for a household, county or province code (longest configured prefix wins)."""
        best, length = self.default_region, 0
        for prefix, settings in self.regions:
            if code.startswith(prefix) and len(prefix) > length:
                best, length = settings, len(prefix)
        return best


DEFAULT_CONFIG = AuditConfig()


def _date(text: str) -> dt.date:
    return dt.date.min if text in ("", "min") else dt.date.fromisoformat(text)


def _region(data: dict[str, Any]) -> RegionConfig:
    base = RegionConfig()
    ages = data.get("marriage_ages")
    policy = data.get("policy")
    return RegionConfig(
        marriage_ages=tuple(MarriageAge(_date(a["since"]), int(a["female"]), int(a["male"])) for a in ages)
        if ages
        else base.marriage_ages,
        policy=tuple(PolicyPeriod(_date(p["since"]), int(p["ceiling"]), bool(p.get("trust_within"))) for p in policy)
        if policy
        else base.policy,
    )


def config_from_json(text: str | None, base: AuditConfig = DEFAULT_CONFIG) -> AuditConfig:
    """Apply JSON overrides: ``{"thresholds": {name: value}, "default_region": {...},
    "regions": {"43": {"marriage_ages": [{"since": "min", "female": 18, "male": 20}, …],
    "policy": [{"since": "2016-01-01", "ceiling": 2}, …]}}, "logic_rules": [...]}``."""
    if not text:
        return base
    data = json.loads(text)
    changes: dict[str, Any] = {}
    known = {f.name: f for f in fields(AuditConfig)}
    for name, value in (data.get("thresholds") or {}).items():
        if name not in known or name in ("default_region", "regions", "logic_rules"):
            raise ValueError(f"未知的审核参数 {name}")
        current = getattr(base, name)
        if isinstance(current, dt.date):
            value = dt.date.fromisoformat(value)
        elif isinstance(current, frozenset):
            value = frozenset(value)
        changes[name] = value
    if "default_region" in data:
        changes["default_region"] = _region(data["default_region"])
    if "regions" in data:
        changes["regions"] = tuple((code, _region(value)) for code, value in data["regions"].items())
    if data.get("logic_rules") is not None:
        changes["logic_rules"] = frozenset(data["logic_rules"])
    return replace(base, **changes)
