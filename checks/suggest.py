"""Suggestions and early warnings for the monthly change lines that need the audit settings.

The change entry screen suggests 政策属性 from the birth-policy ceiling in force at the birth date (the
same table CH07 judges by) and warns, before saving, about a birth that the audit would question: a mother
younger than 15 or older than 49 (CH04), a birth soon after the previous one, a pregnancy with a mother
under age. Plain functions over plain data; no database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from checks.config import DEFAULT_CONFIG, AuditConfig
from store.domain.dates import age_on, date_or_none

#: births closer than this to the previous delivery are worth a second look (about ten months).
CLOSE_BIRTH_DAYS = 300


def suggest_policy(order: int, birth_date: dt.date, region_code: str = "", config: AuditConfig = DEFAULT_CONFIG) -> str:
    """1 政策内 when 孩次 is within the ceiling in force at the birth date, else 2 政策外."""
    period = config.region(region_code).policy_at(birth_date)
    return "1" if order <= period.ceiling else "2"


def birth_warnings(mother: dict[str, Any], birth_date: dt.date, config: AuditConfig = DEFAULT_CONFIG) -> list[str]:
    """Chinese warnings about a birth about to be keyed for `mother` (empty: nothing suspicious)."""
    out: list[str] = []
    age = age_on(mother.get("birth_date"), birth_date)
    if age is not None and not config.birth_min_age <= age <= config.birth_max_age:
        out.append(f"母亲生育时 {age} 岁，请核对出生日期")
    previous = [
        d for c in (mother.get("woman") or {}).get("children") or [] if (d := date_or_none(c.get("birth_date")))
    ]
    earlier = [d for d in previous if d <= birth_date]
    if earlier:
        gap = (birth_date - max(earlier)).days
        if config.delivery_gap_days < gap < CLOSE_BIRTH_DAYS:
            out.append(f"距上一孩出生仅 {gap} 天，请核对")
    return out


def pregnancy_warnings(woman: dict[str, Any], lmp: dt.date, config: AuditConfig = DEFAULT_CONFIG) -> list[str]:
    """Chinese warnings about a pregnancy about to be keyed (empty: nothing suspicious)."""
    age = age_on(woman.get("birth_date"), lmp)
    if age is not None and not config.birth_min_age <= age <= config.birth_max_age:
        return [f"末次月经时 {age} 岁，请核对"]
    return []
