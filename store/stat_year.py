"""The statistical year of the database (统计年度): the month it starts in, kept in the ``setting`` table.

January (January–December) unless an admin chose October (October–September, `renkou settings stat-year 10`);
the change is written to the audit log. The periods themselves are in `store.domain.periods`.
"""

from __future__ import annotations

from store import audit, settings
from store.domain.periods import STAT_YEAR_STARTS
from store.errors import StoreError

__all__ = ["STAT_YEAR_SETTING", "set_stat_year_start", "stat_year_start"]

STAT_YEAR_SETTING = "stat_year_start"


async def stat_year_start() -> int:
    """The month the statistical year starts in (1 or 10; 1 when unset or unreadable)."""
    value = await settings.get_setting(STAT_YEAR_SETTING)
    try:
        month = int(value) if value is not None else 1
    except ValueError:
        return 1
    return month if month in STAT_YEAR_STARTS else 1


async def set_stat_year_start(month: int, *, by: str) -> None:
    """An admin sets the month the statistical year starts in (1 or 10); logged."""
    if month not in STAT_YEAR_STARTS:
        raise StoreError("统计年度只能从 1 月开始（1 月至 12 月）或从 10 月开始（上年 10 月至本年 9 月）。")
    await settings.put_setting(STAT_YEAR_SETTING, str(month))
    await audit.log_action(by, "setting", STAT_YEAR_SETTING, str(month))
