"""Checks on what an export is asked for: the reporting month and the unit.

Every bad request ends in :class:`store.errors.StoreError` with a one-line Chinese message, before any
file is touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from store import db
from store.errors import StoreError

#: Progress callback of every export: (done, total).
Progress = Callable[[int, int], None]

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class Month:
    """A calendar reporting month: 00:00 of its first day to 24:00 of its last day."""

    year: int
    month: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def before(self) -> dt.date:
        """The day before the month (its end is the opening balance)."""
        return self.first - dt.timedelta(days=1)

    @property
    def text(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """``2026年10月``."""
        return f"{self.year}年{self.month}月"


@dataclass(frozen=True)
class Dates:
    """A stretch of whole days (the figures of several months at once: their counts over time are additive)."""

    first: dt.date
    last: dt.date


def parse_month(text: str, *, today: dt.date | None = None) -> Month:
    """The month named by ``YYYY-MM``; refuses malformed months and months that have not begun."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise StoreError(f"月份 {(text or '').strip() or '（空）'} 无效，应写成 YYYY-MM，例如 2026-10。")
    month = Month(int(match.group(1)), int(match.group(2)))
    today = today or dt.date.today()
    if month.first > today:
        raise StoreError(f"月份 {month.text} 还没有到，不能导出。请选择本月或以前的月份。")
    return month


@dataclass(frozen=True)
class Unit:
    """The unit an export covers ('' code: the whole database)."""

    code: str
    name: str
    level: str


async def resolve_unit(code: str) -> Unit:
    """The unit of `code`, or the top unit of the database for ''."""
    code = (code or "").strip()
    if code:
        rows = await db.fetch("SELECT code, name, level FROM unit WHERE code = ?", [code])
        if not rows:
            raise StoreError(
                f"单位代码 {code} 不存在。请检查代码（县 6 位、乡镇 9 位、村 12 位），或不指定单位导出全部。"
            )
        return Unit(str(rows[0][0]), str(rows[0][1]), str(rows[0][2]))
    roots = await db.fetch("SELECT code, name, level FROM unit WHERE parent_id IS NULL ORDER BY code")
    if not roots:
        raise StoreError("数据库中还没有任何单位和人口数据。请先用 renkou import 导入户文件。")
    if len(roots) == 1:
        return Unit("", str(roots[0][1]), str(roots[0][2]))
    return Unit("", "全部单位", "all")


async def same_name_villages(villages: list[tuple[str, str]]) -> list[str]:
    """For village names that occur more than once, a line naming each one's township and code."""
    names: dict[str, list[str]] = {}
    for code, name in villages:
        names.setdefault(name, []).append(code)
    repeated = {name: codes for name, codes in names.items() if len(codes) > 1}
    if not repeated:
        return []
    towns = {str(r[0]): str(r[1]) for r in await db.fetch("SELECT code, name FROM unit WHERE level = 'township'")}
    return [
        f"{name}：" + "、".join(f"{towns.get(code[:9], code[:9])}（{code}）" for code in codes)
        for name, codes in repeated.items()
    ]


async def villages_of(unit: Unit) -> list[tuple[str, str]]:
    """(code, name) of the declared villages of `unit` (or the village containing it), sorted by code."""
    rows = await db.fetch("SELECT code, name FROM unit WHERE level = 'village' ORDER BY code")
    return [
        (str(r[0]), str(r[1]))
        for r in rows
        if str(r[0]).startswith(unit.code) or (unit.code and unit.code.startswith(str(r[0])))
    ]


async def real_name(username: str) -> str:
    """The real name of account `username` (what printed pages show under 制表); the login itself when there
    is no such account or it has no real name."""
    from store.users import account

    found = await account(username) if username else None
    name = str((found or {}).get("real_name") or "").strip()
    return name or username
