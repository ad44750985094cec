"""Stored audit findings for the review and quality screens: a filtered, sorted page of the ``finding`` table,
the header counts and the choices of the filter row.

Everything is raw SQL through :mod:`store.db` on the ``finding`` table (filled by the whole audit and
refreshed per household after each save). A page joins the person and unit names only for the rows it
returns, so a county with tens of thousands of findings answers a page in a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from store import db
from store.scope import Who, prefixes, scope_sql

__all__ = [
    "PAGE_SIZE",
    "SEVERITIES",
    "SORTS",
    "STATUSES",
    "FindingCounts",
    "FindingFilter",
    "FindingPage",
    "FindingRow",
    "audit_date",
    "finding_counts",
    "finding_page",
    "rule_counts",
    "unit_name",
    "village_choices",
]

PAGE_SIZE = 200
#: severity filter → the severities it lets through (None: all, including I).
SEVERITIES: dict[str, tuple[str, ...] | None] = {"EW": ("E", "W"), "E": ("E",), "W": ("W",), "all": None}
#: status filter → the stored ``confirmed`` value it lets through (None: both).
STATUSES: dict[str, bool | None] = {"open": False, "confirmed": True, "all": None}
_RANK = "CASE f.severity WHEN 'E' THEN 0 WHEN 'W' THEN 1 ELSE 2 END"
#: sort name → ORDER BY over the finding alias ``f`` (always ending in the id, so pages never overlap).
SORTS: dict[str, str] = {
    "severity": f"{_RANK}, f.village_code, f.household_code, f.rule, f.id",
    "village": f"f.village_code, f.household_code, {_RANK}, f.rule, f.id",
    "household": f"f.household_code, {_RANK}, f.rule, f.id",
    "rule": "f.rule, f.village_code, f.household_code, f.id",
}


@dataclass(frozen=True)
class FindingFilter:
    """Which findings a list shows: a unit (code prefix: county, township or village; '' = all), a rule
    ('' = all), a severity key of :data:`SEVERITIES`, a status key of :data:`STATUSES`, a sort of :data:`SORTS`;
    `scope`: the acting account's unit prefixes (`store.scope`, ``()`` = all), never widened by `unit`."""

    unit: str = ""
    rule: str = ""
    severity: str = "EW"
    status: str = "open"
    sort: str = "severity"
    scope: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (over alias ``f``) and its parameters."""
        parts, params = _unit_condition(self.unit)
        scoped, in_scope = scope_sql(self.scope, "f.household_code")
        if scoped:
            parts.append(scoped.removeprefix(" AND "))
            params.extend(in_scope)
        if self.rule:
            parts.append("f.rule = ?")
            params.append(self.rule)
        severities = SEVERITIES[self.severity]
        if severities is not None:
            parts.append(f"f.severity IN ({','.join('?' * len(severities))})")
            params.extend(severities)
        status = STATUSES[self.status]
        if status is not None:
            parts.append("f.confirmed = ?")
            params.append(status)
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _unit_condition(unit: str) -> tuple[list[str], list[Any]]:
    """A village code is matched exactly (indexed); a shorter prefix by its leading digits."""
    if not unit:
        return [], []
    if len(unit) >= 12:
        return ["f.village_code = ?"], [unit[:12]]
    return [f"substr(f.village_code, 1, {len(unit)}) = ?"], [unit]


@dataclass(frozen=True)
class FindingRow:
    """One stored finding with the names a list shows."""

    id: int
    severity: str
    rule: str
    village_code: str
    village_name: str
    household_code: str
    person_key: str | None
    person_name: str
    message: str
    fields: tuple[str, ...]
    confirmed: bool
    #: the village group (村民小组) of the household: its unit name, else 一组 … from the group code
    group_name: str = ""

    @property
    def household_label(self) -> str:
        """Group and household number as clerks say it: ``二组0014`` (the serial alone repeats in every
        group)."""
        return f"{self.group_name}{self.household_code[-4:]}"


@dataclass(frozen=True)
class FindingPage:
    """A page of findings: its rows, where it starts in the filtered list, and the list's length."""

    rows: list[FindingRow]
    offset: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True)
class FindingCounts:
    """Header counts of a unit: open errors, open warnings, confirmed warnings (已核实), information."""

    errors: int = 0
    warnings: int = 0
    confirmed: int = 0
    infos: int = 0


async def finding_page(
    flt: FindingFilter, offset: int = 0, limit: int = PAGE_SIZE, *, actor: Who = None
) -> FindingPage:
    """The findings of `flt` from `offset` (at most `limit`), with the filtered list's total; with `actor`,
    only those of its units (`store.scope`).

    An offset past the end is pulled back to the last page, so a page never comes back empty while the
    list has rows (e.g. after the last row of the last page was confirmed away)."""
    if prefixes(actor):
        flt = replace(flt, scope=prefixes(actor))
    where, params = flt.where()
    order = SORTS[flt.sort]
    total = int(await db.scalar(f"SELECT count(*) FROM finding f{where}", params) or 0)
    if offset >= total:
        offset = max(0, (total - 1) // limit * limit) if total else 0
    offset = max(0, offset)
    rows = await db.fetch(
        "SELECT f.id, f.severity, f.rule, f.village_code, u.name, f.household_code, f.person_key, p.name, "
        f"f.message, f.fields_json, f.confirmed, g.name FROM (SELECT f.id FROM finding f{where} ORDER BY {order} "
        "LIMIT ? OFFSET ?) page JOIN finding f ON f.id = page.id LEFT JOIN person p ON p.key = f.person_key "
        "LEFT JOIN unit u ON u.code = f.village_code "
        f"LEFT JOIN unit g ON g.code = substr(f.household_code, 1, 14) AND g.level = 'group' ORDER BY {order}",
        [*params, limit, offset],
    )
    return FindingPage([_row(r) for r in rows], offset, total)


def _row(r: Any) -> FindingRow:
    from store.browse import group_label

    try:
        fields = tuple(str(v) for v in json.loads(r[9] or "[]"))
    except ValueError:
        fields = ()
    household = str(r[5])
    return FindingRow(
        id=int(r[0]), severity=str(r[1]), rule=str(r[2]), village_code=str(r[3]), village_name=str(r[4] or r[3]),
        household_code=household, person_key=r[6], person_name=str(r[7] or ""), message=str(r[8] or ""),
        fields=fields, confirmed=bool(r[10]), group_name=str(r[11] or group_label(household[12:14])),
    )  # fmt: skip


async def finding_counts(unit: str = "", *, actor: Who = None) -> FindingCounts:
    """The header counts of `unit` (prefix, '' = all) in the actor's scope: open E, open W, confirmed (已核实), I."""
    where, params = FindingFilter(unit=unit, severity="all", status="all", scope=prefixes(actor)).where()
    rows = await db.fetch(f"SELECT f.severity, f.confirmed, count(*) FROM finding f{where} GROUP BY 1, 2", params)
    errors = warnings = confirmed = infos = 0
    for severity, is_confirmed, n in rows:
        if is_confirmed:
            confirmed += int(n)
        elif severity == "E":
            errors += int(n)
        elif severity == "W":
            warnings += int(n)
        else:
            infos += int(n)
    return FindingCounts(errors, warnings, confirmed, infos)


async def rule_counts(unit: str = "", *, status: str = "all", actor: Who = None) -> dict[str, int]:
    """Findings per rule under `unit` in the actor's scope (with a status key of :data:`STATUSES`), rules in
    code order."""
    flt = FindingFilter(unit=unit, severity="all", status=status, scope=prefixes(actor))
    where, params = flt.where()
    rows = await db.fetch(f"SELECT f.rule, count(*) FROM finding f{where} GROUP BY f.rule ORDER BY f.rule", params)
    return {str(r[0]): int(r[1]) for r in rows}


async def village_choices(unit: str = "", *, actor: Who = None) -> list[tuple[str, str]]:
    """(code, name) of the villages under `unit` ('' = all; a village gives itself) holding some of the actor's
    scope, in code order."""
    scope = prefixes(actor)
    if len(unit) >= 12:
        rows = await db.fetch("SELECT code, name FROM unit WHERE code = ?", [unit[:12]])
        found = [(str(r[0]), str(r[1])) for r in rows] or [(unit[:12], unit[:12])]
    else:
        where, params = ("", []) if not unit else (f" AND substr(code, 1, {len(unit)}) = ?", [unit])
        rows = await db.fetch(f"SELECT code, name FROM unit WHERE level = 'village'{where} ORDER BY code", params)
        found = [(str(r[0]), str(r[1])) for r in rows]
    return [v for v in found if not scope or any(v[0].startswith(p) or p.startswith(v[0]) for p in scope)]


async def unit_name(code: str = "", *, actor: Who = None) -> str:
    """The name of unit `code`; for '' the top unit of the database (county or township), or the unit of an
    actor with one unit."""
    if not code and len(prefixes(actor)) == 1:
        code = prefixes(actor)[0]
    if code:
        name = await db.scalar("SELECT name FROM unit WHERE code = ?", [code])
        return str(name) if name else code
    rows = await db.fetch("SELECT name FROM unit ORDER BY length(code), code LIMIT 1")
    return str(rows[0][0]) if rows else "全部"


async def audit_date() -> dt.date | None:
    """The reference date of the stored audit (None before the first whole audit)."""
    text = await db.scalar("SELECT value FROM setting WHERE key = 'audit_as_of'")
    return dt.date.fromisoformat(str(text)) if text else None
