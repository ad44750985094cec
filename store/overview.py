"""Unit overview queries for the first screen: persons and households per unit."""

from __future__ import annotations

from dataclasses import dataclass

from store import db


@dataclass(frozen=True)
class UnitCount:
    """A unit with its household and active-person counts."""

    code: str
    name: str
    level: str
    households: int
    persons: int


async def unit_counts() -> list[UnitCount]:
    """Every township and village with its counts, townships before their villages."""
    rows = await db.fetch(
        "SELECT h.village_id, count(DISTINCT h.code), count(p.id) FROM household h "
        "LEFT JOIN person p ON p.household_id = h.code AND p.cancel_reason IS NULL GROUP BY h.village_id"
    )
    per_village = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    units = await db.fetch("SELECT code, name, level FROM unit WHERE level IN ('township', 'village') ORDER BY code")
    out = []
    for code, name, level in ((u[0], u[1], u[2]) for u in units):
        if level == "village":
            households, persons = per_village.get(code, (0, 0))
        else:
            parts = [v for k, v in per_village.items() if k.startswith(code)]
            households, persons = sum(p[0] for p in parts), sum(p[1] for p in parts)
        out.append(UnitCount(code, name, level, households, persons))
    return out


async def database_title() -> str:
    """The name of the top unit (county or township) for the header."""
    row = await db.fetch("SELECT name FROM unit ORDER BY length(code), code LIMIT 1")
    return str(row[0][0]) if row else "（空数据库）"
