"""The query-plan protocol and the plans that load person records.

A :data:`Plan` is a generator that yields SQL queries (``(sql, params)`` with ``?`` placeholders) and
receives their rows ("sans I/O"); it returns its result through ``StopIteration``. The drivers of
:mod:`checks.drive` run plans over a read-only `sqlite3` connection or over Tortoise. The plans here load
person records with their histories by database id, find active persons by ID number, and index the
duplicate candidates of a :class:`~checks.model.Context`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from typing import Any

from checks.model import Context, PersonView
from checks.rows import (
    BENEFIT_SQL,
    CHILD_SQL,
    CONFIRMATION_SQL,
    FATHER,
    HOUSEHOLD,
    ID,
    MOTHER,
    PERSON_SQL,
    PREGNANCY_SQL,
    SPOUSE,
    attach_histories,
    person_record,
)

__all__ = [
    "CHUNK",
    "Plan",
    "Query",
    "active_ids_with_numbers",
    "id_forms",
    "index_duplicates",
    "load_by_ids",
    "marks",
]

Query = tuple[str, Sequence[Any]]
Plan = Generator[Query, list[Any], Any]

#: keys or ids per ``IN (...)`` query.
CHUNK = 500


def marks(n: int) -> str:
    """`n` comma-separated ``?`` placeholders."""
    return ",".join("?" * n)


def _load_persons(where: str, params: Sequence[Any], order: str = "") -> Plan:
    """Person records (with their histories) selected by a WHERE clause on `p`."""
    rows = yield (PERSON_SQL + f"WHERE {where} {order}", params)
    persons = {r[ID]: person_record(r, r[SPOUSE], r[MOTHER], r[FATHER]) for r in rows}
    if not persons:
        return persons, rows
    hist = where.replace("p.", "w.")
    children = yield (CHILD_SQL + f"WHERE {hist} ORDER BY c.woman_id, c.seq", params)
    yield from _histories(persons, hist, params, children)
    return persons, rows


def _histories(persons: dict[int, dict[str, Any]], hist: str, params: Sequence[Any], children: list[Any]) -> Plan:
    """Load the pregnancies, benefits and confirmations of `persons` and attach them with `children`."""
    pregnancies = yield (PREGNANCY_SQL + f"WHERE {hist} ORDER BY g.woman_id, g.seq", params)
    benefits = yield (BENEFIT_SQL + f"WHERE {hist} ORDER BY b.person_id, b.id", params)
    confirmations = yield (CONFIRMATION_SQL + f"WHERE {hist} ORDER BY c.person_id, c.id", params)
    attach_histories(persons, children, pregnancies, benefits, confirmations)


def load_by_ids(ids: Sequence[int]) -> Plan:
    """Person records by database id, with the household code of each (as ``_household``)."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        persons, rows = yield from _load_persons(f"p.id IN ({marks(len(chunk))})", chunk)
        for r in rows:
            persons[r[ID]]["_household"] = r[HOUSEHOLD]
        out.update(persons)
    return out


def id_forms(canonical: str) -> list[str]:
    """Stored spellings under which a canonical number can be found by an indexed look-up."""
    forms = [canonical]
    if canonical.endswith("X"):
        forms.append(canonical[:-1] + "x")
    if len(canonical) == 18 and canonical[6:8] == "19":
        forms.append(canonical[:6] + canonical[8:17])
    return forms


def active_ids_with_numbers(numbers: set[str]) -> Plan:
    """Ids of the active persons whose stored ID number is one of `numbers` (an index look-up per chunk)."""
    found: set[int] = set()
    listed = sorted(numbers)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows = yield (f"SELECT p.id FROM person p WHERE p.cancel_reason IS NULL AND p.id_number IN "
                      f"({marks(len(chunk))})", chunk)  # fmt: skip
        found.update(r[0] for r in rows)
    return found


def index_duplicates(ctx: Context, views: Iterable[PersonView], least: int = 1) -> None:
    """Fill the duplicate indexes of a context with the active persons among `views` (groups of at least
    `least` persons)."""
    by_id: dict[str, list[str]] = defaultdict(list)
    by_nsb: dict[tuple[str, str, str, dt.date], list[str]] = defaultdict(list)
    for v in views:
        if not v.active:
            continue
        if v.id_canonical:
            by_id[v.id_canonical].append(v.key)
        if v.name and v.sex is not None and v.birth is not None:
            by_nsb[(v.household[:9], v.name, v.sex, v.birth)].append(v.key)
    ctx.by_id.update((k, v) for k, v in by_id.items() if len(v) >= least)
    ctx.by_nsb.update((k, v) for k, v in by_nsb.items() if len(v) >= least)
