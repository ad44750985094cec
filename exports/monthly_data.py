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
    FLOW_NEW,
    FLOW_NONE,
    FLOW_OLD,
    HUJI,
    MARRIED,
    ChildBirth,
    MonthlyCounter,
    MonthlyCounts,
    PersonRow,
    PregnancyRow,
    WomanFacts,
    legal_age_from,
)
from exports.request import Dates, Month, Progress
from exports.returns_spec import (
    CONTRACEPTION,
    FLOW_RETURNS,
    FLOWS,
    LATE_COLUMNS,
    MOVE_COLUMNS,
    POPULATION,
    REMOVALS,
)
from store import db
from store.events import EVENT_LABELS

BATCH = 20_000
#: the settled-group column value of a person who is not a married WCBA (no method code looks like this)
NOT_WCBA = "-"


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


async def woman_facts(prefix: str, month: Month | Dates) -> WomanFacts:
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
        "SELECT g.woman_id, g.lmp, g.outcome, g.outcome_date, g.reported FROM pregnancy g "
        "JOIN person w ON w.id = g.woman_id "
        "WHERE ((g.lmp <= ? AND (g.outcome_date IS NULL OR g.outcome_date > ?)) "
        "OR (g.outcome_date >= ? AND g.outcome_date <= ?) OR (g.reported >= ? AND g.reported <= ?) "
        "OR (g.reported IS NULL AND g.lmp >= ? AND g.lmp <= ?))" + where,
        [month.last, month.last, month.first, month.last, month.first, month.last, month.first, month.last, *params],
    )
    for r in rows:
        pregnancies[r[0]].append(PregnancyRow(_iso(r[1]), r[2], _iso(r[3]), _iso(r[4])))
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


def _codes(values: frozenset[str]) -> str:
    """An SQL list of code literals (the sets of :mod:`exports.monthly_calc`, never user input)."""
    return ", ".join(f"'{v}'" for v in sorted(values))


def _settled_sql(month: Month | Dates) -> tuple[str, list[Any]]:
    """An SQL condition on `p` (never NULL) for the persons :meth:`MonthlyCounter.add_settled` counts in
    groups: in the unit since before the month (entry before its first day), no death or cancellation
    recorded, and nothing of the month in their woman record — no history entry that may concern the month
    (a superset of :func:`woman_facts`), no contraception start and no first marriage in it. Everyone else is
    read row by row."""
    sql = (
        "(p.moved_in_date IS NOT NULL OR p.birth_date IS NOT NULL) AND COALESCE(p.moved_in_date, p.birth_date) < ? "
        "AND p.death_date IS NULL AND p.cancel_date IS NULL "
        "AND (p.contraception_since IS NULL OR p.contraception_since < ? OR p.contraception_since > ?) "
        "AND (p.first_marriage_date IS NULL OR p.first_marriage_date < ? OR p.first_marriage_date > ?) "
        "AND (NOT p.has_woman_record OR p.id NOT IN ("
        "SELECT c.woman_id FROM child c WHERE c.birth_date >= ? AND c.birth_date <= ? "
        "UNION ALL SELECT g.woman_id FROM pregnancy g WHERE g.lmp <= ? AND (g.outcome_date IS NULL OR g.outcome_date >= ?) "
        "UNION ALL SELECT h.woman_id FROM contraception_history h WHERE h.since >= ? AND h.since <= ?))"
    )
    first, last = month.first, month.last
    return sql, [first, first, last, first, last, first, last, last, first, first, last]


def _settled_groups_sql(counter: MonthlyCounter) -> tuple[str, list[Any]]:
    """Group columns of a settled person: her current method when she is a married WCBA at month end (as
    :meth:`MonthlyCounter.add` decides it for someone present then), else :data:`NOT_WCBA`; and the
    :func:`flow_position` of `flow.since`."""
    wcba = (
        f"CASE WHEN p.sex = '2' AND p.marital_status IN ({_codes(MARRIED)}) AND p.first_marriage_date IS NOT NULL "
        "AND p.first_marriage_date <= ? AND p.birth_date IS NOT NULL AND p.birth_date > ? AND p.birth_date <= ? "
        f"THEN COALESCE(p.contraception_method, '') ELSE '{NOT_WCBA}' END"
    )
    flow = (
        f"CASE WHEN p.flow_since IS NULL OR p.flow_since > ? THEN {FLOW_NONE} "
        f"WHEN p.flow_since >= ? THEN {FLOW_NEW} ELSE {FLOW_OLD} END"
    )
    last, first = dt.date.fromisoformat(counter.last), dt.date.fromisoformat(counter.first)
    oldest, youngest = dt.date.fromisoformat(counter.wcba_oldest), dt.date.fromisoformat(counter.wcba_youngest)
    return f"{wcba}, {flow}", [last, oldest, youngest, last, first]


async def read_counts(
    prefix: str, month: Month | Dates, villages: Sequence[str], *, progress: Progress | None = None, total: int = 0
) -> MonthlyCounts:
    """Count every figure sheet over the unit's persons: the settled majority in groups computed by the
    database, everyone else row by row through :meth:`MonthlyCounter.add`."""
    config = await load_config()
    women = await woman_facts(prefix, month)
    counter = MonthlyCounter(month.first, month.last, villages, women, legal_age_from(config))
    where, params = _within("p.household_id", prefix)
    settled, settled_params = _settled_sql(month)
    groups, group_params = _settled_groups_sql(counter)
    grouped = (
        f"SELECT substr(p.household_id, 1, 12), p.mgmt, {groups}, count(*) FROM person p "
        f"WHERE {settled}{where} GROUP BY 1, 2, 3, 4"
    )
    for village, mgmt, method, flow, n in await db.fetch_tuples(grouped, [*group_params, *settled_params, *params]):
        married_wcba = method != NOT_WCBA
        counter.add_settled(village, mgmt, married_wcba, method if married_wcba else None, int(flow), int(n))
    if progress:
        progress(counter.result.persons, max(total, counter.result.persons))
    sql = (
        f"SELECT p.id, substr(p.household_id, 1, 12), p.sex, p.mgmt, {_day('p.birth_date')}, "
        f"{_day('p.moved_in_date')}, {_day('p.death_date')}, p.cancel_reason, {_day('p.cancel_date')}, "
        f"p.marital_status, {_day('p.first_marriage_date')}, {_day('p.flow_since')}, p.contraception_method, "
        f"{_day('p.contraception_since')} FROM person p WHERE p.id > ? AND NOT ({settled}){where} "
        f"ORDER BY p.id LIMIT {BATCH}"
    )
    after = 0
    make = PersonRow._make
    while True:
        rows = await db.fetch_tuples(sql, [after, *settled_params, *params])
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


#: a change line's counting month: its report month (`store.domain.months`), or its own month for lines
#: recorded without one
_COUNTED_IN = "(e.report_month = ? OR (e.report_month IS NULL AND e.event_date >= ? AND e.event_date <= ?))"
#: a change line withdrawn by a reversal (`store.reversal`) of a month still open: counted nowhere
_NOT_WITHDRAWN = " AND NOT EXISTS (SELECT 1 FROM event_reversal r WHERE r.event_id = e.id AND r.withdrawn)"


def change_label(kind: str, date: dt.date | None, month: Month, correction: bool) -> str:
    """The 变更类型 of a change line: its kind, marked 补报 when it is dated before the month it is counted in
    (a closed month's change entered later) and 更正 when it withdraws a fact of a closed month."""
    label = EVENT_LABELS.get(kind, kind)
    if correction:
        return f"{label}（更正）"
    if date is not None and date < month.first:
        return f"{label}（补报）"
    return label


async def read_changes(prefix: str, month: Month, village_names: dict[str, str]) -> list[ChangeRow]:
    """Change lines counted in the month, by village, household, date (then member order and entry order):
    those dated in it and late reports of closed months (补报, see :func:`change_label`)."""
    where, params = _within("e.household_code", prefix)
    rows = await db.fetch(
        "SELECT e.household_code, e.kind, e.event_date, e.entered_at, e.operator, e.source, p.name, p.id_number, "
        "e.correction FROM change_event e LEFT JOIN person p ON p.id = e.person_id "
        f"WHERE {_COUNTED_IN}{_NOT_WITHDRAWN}" + where + " ORDER BY e.household_code, e.event_date, p.seq, e.id",
        [month.text, month.first, month.last, *params],
    )
    out = []
    for household, kind, date, entered_at, operator, source, name, id_number, correction in (tuple(r) for r in rows):
        village = str(household)[:12]
        by = str(operator or "")
        if source == "import":
            by = f"{by}（导入）"
        if entered_at is not None and entered_at.tzinfo is not None:
            entered_at = entered_at.astimezone().replace(tzinfo=None)  # PostgreSQL timestamptz → local time
        label = change_label(kind, date, month, bool(correction))
        village_name = village_names.get(village, village)
        row = ChangeRow(village_name, str(household), name or "", id_number or "", label, date, entered_at, by)
        out.append(row)
    return out


async def read_late(prefix: str, month: Month) -> dict[str, dict[str, int]]:
    """village → 补报 column → net count: change lines counted in the month but dated before it (late reports
    of closed months), of the unit's 户籍 persons; a correction line counts −1."""
    where, params = _within("e.household_code", prefix)
    rows = await db.fetch(
        "SELECT substr(e.household_code, 1, 12), e.kind, e.correction, count(*) FROM change_event e "
        "JOIN person p ON p.id = e.person_id "
        f"WHERE e.report_month = ? AND e.event_date < ? AND p.mgmt IN ({_codes(HUJI)}){_NOT_WITHDRAWN}"
        + where
        + " GROUP BY 1, 2, 3",
        [month.text, month.first, *params],
    )
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for village, kind, correction, n in (tuple(r) for r in rows):
        column = LATE_COLUMNS.get(str(kind))
        if column is not None:
            out[str(village)][column] += -int(n) if correction else int(n)
    return out


async def open_error_count(prefix: str) -> int:
    """Open (unconfirmed) E findings of the unit in the stored audit results."""
    where, params = _within("village_code", prefix)
    sql = "SELECT count(*) FROM finding WHERE severity = 'E' AND confirmed = ?" + where
    return int(await db.scalar(sql, [False, *params]) or 0)


async def logic_errors_by_village(prefix: str, month: Month, villages: Sequence[str]) -> dict[str, int]:
    """Logic errors per village as the 质量 sheet counts them: E findings of the logic rules
    (:func:`checks.quality.logic_rules`) on the records of the unit's 户籍 married WCBA at month end — the
    women 避孕节育 counts (:meth:`MonthlyCounter.huji_married_wcba`) — one per (rule, woman)."""
    from checks.quality import logic_rules

    config = await load_config()
    rules = sorted(logic_rules(config))
    counter = MonthlyCounter(month.first, month.last, villages, WomanFacts(), legal_age_from(config))
    if not rules:
        return {}
    where, params = _within("p.household_id", prefix)
    marks = ", ".join("?" * len(rules))
    sql = (
        f"SELECT DISTINCT p.id, substr(p.household_id, 1, 12), p.sex, p.mgmt, {_day('p.birth_date')}, "
        f"{_day('p.moved_in_date')}, {_day('p.death_date')}, p.cancel_reason, {_day('p.cancel_date')}, "
        f"p.marital_status, {_day('p.first_marriage_date')}, {_day('p.flow_since')}, p.contraception_method, "
        f"{_day('p.contraception_since')}, f.rule FROM finding f JOIN person p ON p.key = f.person_key "
        f"WHERE f.severity = 'E' AND f.rule IN ({marks}){where}"
    )
    out: dict[str, int] = defaultdict(int)
    for row in await db.fetch_tuples(sql, [*rules, *params]):
        person = PersonRow._make(row[:14])
        if counter.huji_married_wcba(person):
            out[person.village] += 1
    return dict(out)


#: a history entry begun by a change event since withdrawn by a reversal (a wrong move): counted nowhere
_ENTRY_KEPT = " AND NOT EXISTS (SELECT 1 FROM event_reversal r WHERE r.event_id = h.event_id AND r.withdrawn)"
#: an IUD removal (取环) made by a wrong method since withdrawn: the entry that replaced the IUD on the day it
#: ended was begun by a withdrawn change event
_REMOVAL_KEPT = (
    " AND NOT EXISTS (SELECT 1 FROM contraception_history n JOIN event_reversal r ON r.event_id = n.event_id "
    "WHERE n.woman_id = h.woman_id AND n.since = h.until AND r.withdrawn)"
)


async def read_history_figures(prefix: str, month: Month) -> dict[str, dict[str, dict[str, int]]]:
    """sheet key → village → column → count, from the histories (`store.histories`), of the unit's 户籍
    persons (mgmt 01/03 now), in the village of the household they live in now — 本月取环: contraception
    entries ended by an IUD removal in the month; 本月流出返回: outflow entries ended by a return in the month;
    本月户间迁移 / 分户 / 并户: residence entries begun in the month by a move between households (the village of
    the household moved into)."""
    where, params = _within("p.household_id", prefix)
    huji = f"p.mgmt IN ({_codes(HUJI)})"
    first, last = month.first, month.last
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    rows = await db.fetch(
        "SELECT substr(p.household_id, 1, 12), count(*) FROM contraception_history h JOIN person p ON p.id = h.woman_id "
        f"WHERE h.ended = 'removed' AND h.until >= ? AND h.until <= ? AND {huji}{_REMOVAL_KEPT}{where} GROUP BY 1",
        [first, last, *params],
    )
    for village, n in (tuple(r) for r in rows):
        out[CONTRACEPTION.key][str(village)][REMOVALS] += int(n)
    rows = await db.fetch(
        "SELECT substr(p.household_id, 1, 12), count(*) FROM mgmt_history h JOIN person p ON p.id = h.person_id "
        f"WHERE h.mgmt = '03' AND h.ended = 'return' AND h.until >= ? AND h.until <= ?{where} GROUP BY 1",
        [first, last, *params],
    )
    for village, n in (tuple(r) for r in rows):
        out[FLOWS.key][str(village)][FLOW_RETURNS] += int(n)
    where, params = _within("h.household_code", prefix)
    marks = ", ".join("?" * len(MOVE_COLUMNS))
    rows = await db.fetch(
        "SELECT substr(h.household_code, 1, 12), h.began, count(*) FROM residence_history h "
        f"JOIN person p ON p.id = h.person_id WHERE h.began IN ({marks}) AND h.start >= ? AND h.start <= ? "
        f"AND {huji}{_ENTRY_KEPT}{where} GROUP BY 1, 2",
        [*MOVE_COLUMNS, first, last, *params],
    )
    for village, began, n in (tuple(r) for r in rows):
        out[POPULATION.key][str(village)][MOVE_COLUMNS[str(began)]] += int(n)
    return out
