"""Reading what the monthly returns need from the database, with lean raw queries.

The person table is streamed once in id order (bounded batches); the small per-woman sets (births,
pregnancies and operations of the month) are read first so the single pass can use them. Dates of the
big pass come back as ISO text (see :mod:`exports.monthly_calc`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checks.engine import load_config
from exports.monthly_calc import (
    ChildBirth,
    MonthlyCounter,
    MonthlyCounts,
    PersonRow,
    PregnancyRow,
    WomanFacts,
    legal_age_from,
)
from exports.request import Month, Progress
from store import db
from store.events import EVENT_LABELS

BATCH = 20_000


def _day(column: str) -> str:
    """SQL for a DATE column as ``YYYY-MM-DD`` text on either backend."""
    if db.dialect() == "postgres":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return f"CAST({column} AS TEXT)"


def _within(column: str, prefix: str) -> tuple[str, list[Any]]:
    """A filter on a code column starting with `prefix` (empty: no filter)."""
    if not prefix:
        return "", []
    return f" AND substr({column}, 1, {len(prefix)}) = ?", [prefix]


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()[:10]


async def woman_facts(prefix: str, month: Month) -> WomanFacts:
    """Births, open or ending pregnancies and operations of the month, per woman of the unit."""
    where, params = _within("w.household_id", prefix)
    births: dict[int, list[ChildBirth]] = defaultdict(list)
    rows = await db.fetch(
        "SELECT c.woman_id, c.birth_date, c.birth_order, c.sex, c.policy FROM child c "
        "JOIN person w ON w.id = c.woman_id WHERE c.blood = '1' AND c.birth_date >= ? AND c.birth_date <= ?" + where,
        [month.first, month.last, *params],
    )
    for r in rows:
        births[r[0]].append(ChildBirth(_iso(r[1]) or "", r[2], r[3], r[4]))
    pregnancies: dict[int, list[PregnancyRow]] = defaultdict(list)
    rows = await db.fetch(
        "SELECT g.woman_id, g.lmp, g.outcome, g.outcome_date FROM pregnancy g JOIN person w ON w.id = g.woman_id "
        "WHERE ((g.lmp <= ? AND (g.outcome_date IS NULL OR g.outcome_date > ?)) "
        "OR (g.outcome_date >= ? AND g.outcome_date <= ?))" + where,
        [month.last, month.last, month.first, month.last, *params],
    )
    for r in rows:
        pregnancies[r[0]].append(PregnancyRow(_iso(r[1]), r[2], _iso(r[3])))
    former: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = await db.fetch(
        "SELECT h.woman_id, h.method, h.since FROM contraception_history h JOIN person w ON w.id = h.woman_id "
        "WHERE h.since >= ? AND h.since <= ? AND h.method IN ('01', '02', '03', '04')" + where,
        [month.first, month.last, *params],
    )
    for r in rows:
        former[r[0]].append((r[1], _iso(r[2]) or ""))
    return WomanFacts(births, pregnancies, former)


async def count_persons(prefix: str) -> int:
    """How many person records the unit has (for progress)."""
    where, params = _within("household_id", prefix)
    return int(await db.scalar("SELECT count(*) FROM person WHERE 1 = 1" + where, params) or 0)


async def read_counts(
    prefix: str, month: Month, villages: Sequence[str], *, progress: Progress | None = None, total: int = 0
) -> MonthlyCounts:
    """Stream the unit's persons once and count every figure sheet."""
    config = await load_config()
    women = await woman_facts(prefix, month)
    counter = MonthlyCounter(month.first, month.last, villages, women, legal_age_from(config))
    where, params = _within("p.household_id", prefix)
    sql = (
        f"SELECT p.id, substr(p.household_id, 1, 12), p.sex, p.mgmt, {_day('p.birth_date')}, "
        f"{_day('p.moved_in_date')}, {_day('p.death_date')}, p.cancel_reason, {_day('p.cancel_date')}, "
        f"p.marital_status, {_day('p.first_marriage_date')}, {_day('p.flow_since')}, p.contraception_method, "
        f"{_day('p.contraception_since')} FROM person p WHERE p.id > ?{where} ORDER BY p.id LIMIT {BATCH}"
    )
    after = 0
    make = PersonRow._make
    while True:
        rows = await db.fetch_tuples(sql, [after, *params])
        if not rows:
            break
        counter.add_all(map(make, rows))
        after = rows[-1][0]
        if progress:
            progress(counter.result.persons, max(total, counter.result.persons))
    return counter.result


@dataclass(frozen=True)
class ChangeRow:
    """One line of the 变更清单."""

    village: str
    household: str
    name: str
    id_number: str
    kind: str
    date: dt.date | None
    entered_at: dt.datetime | None
    entered_by: str


async def read_changes(prefix: str, month: Month, village_names: dict[str, str]) -> list[ChangeRow]:
    """Change events dated in the month, by village, household, date (then member order and entry order)."""
    where, params = _within("e.household_code", prefix)
    rows = await db.fetch(
        "SELECT e.household_code, e.kind, e.event_date, e.entered_at, e.operator, e.source, p.name, p.id_number "
        "FROM change_event e LEFT JOIN person p ON p.id = e.person_id "
        "WHERE e.event_date >= ? AND e.event_date <= ?"
        + where
        + " ORDER BY e.household_code, e.event_date, p.seq, e.id",
        [month.first, month.last, *params],
    )
    out = []
    for household, kind, date, entered_at, operator, source, name, id_number in (tuple(r) for r in rows):
        village = str(household)[:12]
        by = str(operator or "")
        if source == "import":
            by = f"{by}（导入）"
        if entered_at is not None and entered_at.tzinfo is not None:
            entered_at = entered_at.astimezone().replace(tzinfo=None)  # PostgreSQL timestamptz → local time
        label = EVENT_LABELS.get(kind, kind)
        village_name = village_names.get(village, village)
        row = ChangeRow(village_name, str(household), name or "", id_number or "", label, date, entered_at, by)
        out.append(row)
    return out


async def open_error_count(prefix: str) -> int:
    """Open (unconfirmed) E findings of the unit in the stored audit results."""
    where, params = _within("village_code", prefix)
    sql = "SELECT count(*) FROM finding WHERE severity = 'E' AND confirmed = ?" + where
    return int(await db.scalar(sql, [False, *params]) or 0)
