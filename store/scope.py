"""Unit scope: which records an actor may see and change (README "Roles", "Security").

An account has units (``app_user.unit_code``: one code or several, comma-separated); its actor's
:attr:`store.access.Actor.scope` holds them as code prefixes, and an empty scope is the whole database (a county
admin). A household is in scope when its code starts with one of the prefixes. The store's query functions take
the actor (``None``: an internal caller, unrestricted) and filter with :func:`scope_sql`; writes refuse records
out of scope and a unit asked for on the command line must lie within scope: those decisions, with their
Chinese refusals, are `store.access`'s (``require_in_scope``, ``enforce_in_scope``, ``enforce_records``,
``unit_within``), built on these helpers. This module imports nothing of the store but :mod:`store.sql`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from store import sql

__all__ = [
    "Scoped",
    "Who",
    "code_range",
    "household_of",
    "in_scope",
    "prefixes",
    "record_codes",
    "scope_sql",
    "unit_visible",
]


class Scoped(Protocol):
    """Anything with a unit scope: :class:`store.access.Actor`."""

    @property
    def scope(self) -> tuple[str, ...]: ...


#: an actor, its unit prefixes given directly, or None (an internal caller: everything)
Who = Scoped | Sequence[str] | None


def prefixes(who: Who) -> tuple[str, ...]:
    """The unit-code prefixes of an actor (or given directly); ``()`` is everything."""
    if who is None:
        return ()
    if isinstance(who, str):  # one unit code given as text, never its characters
        return (who,) if who else ()
    if isinstance(who, (tuple, list)):
        return tuple(who)
    return tuple(who.scope)  # type: ignore[union-attr]


def in_scope(who: Who, household_code: str) -> bool:
    """Whether a household (or unit, or person key that starts with its household code) lies in scope."""
    scope = prefixes(who)
    return not scope or any(str(household_code).startswith(p) for p in scope)


def unit_visible(who: Who, unit_code: str) -> bool:
    """Whether a unit shows in the tree: it lies in scope, or some of the scope lies under it (its totals
    then count only the part in scope)."""
    scope = prefixes(who)
    return not scope or any(unit_code.startswith(p) or p.startswith(unit_code) for p in scope)


def code_range(prefix: str) -> tuple[str, str]:
    """``[start, end)`` of the codes starting with `prefix` (digits), usable with an index."""
    end = "A" if set(prefix) == {"9"} else str(int(prefix) + 1).zfill(len(prefix))
    return prefix, end


def scope_sql(who: Who, column: str) -> tuple[str, list[Any]]:
    """``" AND (column in scope)"`` and its parameters (``("", [])`` for the whole database): one indexed
    range per prefix."""
    scope = prefixes(who)
    if not scope:
        return "", []
    params: list[Any] = []
    for prefix in scope:
        params.extend(code_range(prefix))
    ranges = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in scope)
    return f" AND ({ranges})", params


def record_codes(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every household a save of `records` writes: their own codes, and the households members move from."""
    codes: list[str] = []
    for record in records:
        codes.append(str(record["household"]["code"]))
        codes.extend(str(m["_from_household"]) for m in record.get("members", []) if m.get("_from_household"))
    return codes


async def household_of(person_key: str) -> str | None:
    """The household code of a person (None when there is no such person)."""
    code = await sql.scalar("SELECT household_id FROM person WHERE key = ?", [person_key])
    return None if code is None else str(code)
