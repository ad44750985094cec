"""Change events (变动) derived from two versions of a person record.

Every dated fact of a record (a birth, a marriage, a pregnancy …) is an event of the monthly change
report. Comparing the facts of the stored record with those of the new one gives the events a write
brings in; re-writing the same data brings none, so imports are idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

#: event kind → Chinese label used in the 变更清单 sheet and on screens.
EVENT_LABELS: dict[str, str] = {
    "birth": "出生",
    "death": "死亡",
    "move_in": "迁入",
    "move_out": "迁出",
    "first_marriage": "初婚",
    "remarriage": "再婚",
    "reunion": "复婚",
    "divorce": "离婚",
    "widowed": "丧偶",
    "inflow": "流入",
    "outflow": "流出",
    "pregnancy": "怀孕",
    "outcome": "妊娠结局",
    "contraception": "避孕措施",
    "cancel": "注销",
}

MOVE_OUT_REASONS = frozenset({"02", "03", "06"})
_CHANGE_KIND = {"22": "remarriage", "23": "reunion", "30": "widowed", "40": "divorce"}

Fact = tuple[str, dt.date]


def pregnancy_date(pregnancy: dict[str, Any]) -> dt.date | None:
    """The date of a pregnancy's 怀孕 change: the day it was reported (`docs/spec/returns.md`, 变更清单), the
    LMP only for a pregnancy recorded without a report date (older data)."""
    return pregnancy.get("reported") or pregnancy.get("lmp")


def facts(person: dict[str, Any] | None) -> set[Fact]:
    """The dated facts of a person record as (event kind, date) pairs."""
    if person is None:
        return set()
    out: set[Fact] = set()

    def add(kind: str, date: dt.date | None) -> None:
        if date is not None:
            out.add((kind, date))

    moved = person.get("moved_in")
    if moved is not None:
        add("move_in", moved.get("date"))
    add("death", person.get("death_date"))
    cancel = person.get("cancel")
    if cancel is not None and cancel.get("reason") != "01":
        add("move_out" if cancel.get("reason") in MOVE_OUT_REASONS else "cancel", cancel.get("date"))
    add("first_marriage", person.get("first_marriage_date"))
    change_kind = _CHANGE_KIND.get(person.get("marital_status") or "")
    if change_kind:
        add(change_kind, person.get("marriage_change_date"))
    flow = person.get("flow")
    if flow is not None and flow.get("type") in ("inflow", "outflow"):
        add(flow["type"], flow.get("since"))
    woman = person.get("woman")
    if woman is not None:
        for pregnancy in woman.get("pregnancies") or ():
            add("pregnancy", pregnancy_date(pregnancy))
            add("outcome", pregnancy.get("outcome_date"))
        contraception = woman.get("contraception")
        if contraception is not None:
            add("contraception", contraception.get("since"))
    return out


#: mgmt code of inflow persons (流入人口): they enter the data when they arrive, not at birth
INFLOW = "02"


def derive_events(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Fact]:
    """The events that writing `new` over `old` (None: a new record) brings in, in date order."""
    found = facts(new) - facts(old)
    born_here = new.get("moved_in") is None and new.get("mgmt") != INFLOW  # an inflow person was born elsewhere
    if old is None and born_here and new.get("birth_date") is not None:
        found.add(("birth", new["birth_date"]))
    return sorted(found, key=lambda fact: (fact[1], fact[0]))


#: a change line: (event kind, date, correction) — correction: it withdraws a fact of a closed month (更正)
Line = tuple[str, dt.date, bool]


def counted_facts(person: dict[str, Any] | None) -> set[Fact]:
    """:func:`facts` plus the birth of a person born here (the facts the monthly returns count)."""
    out = facts(person)
    born_here = person is not None and person.get("moved_in") is None and person.get("mgmt") != INFLOW
    if born_here and person is not None and person.get("birth_date") is not None:
        out.add(("birth", person["birth_date"]))
    return out


def derive_lines(old: dict[str, Any] | None, new: dict[str, Any], in_closed: Callable[[dt.date], bool]) -> list[Line]:
    """The change lines of writing `new` over `old`: the :func:`derive_events`, and for a fact of a closed
    month (`in_closed`) that the write withdraws or moves, a correction line (更正) — so a closed month's
    figures are corrected in the month the correction is entered, never silently (`docs/spec/returns.md`)."""
    lines: list[Line] = [(kind, date, False) for kind, date in derive_events(old, new)]
    if old is None:
        return lines
    before, after = counted_facts(old), counted_facts(new)
    seen = {(kind, date) for kind, date, _ in lines}
    for kind, date in sorted(before - after, key=lambda fact: (fact[1], fact[0])):
        if in_closed(date):
            lines.append((kind, date, True))
    for kind, date in sorted(after - before, key=lambda fact: (fact[1], fact[0])):
        if (kind, date) not in seen and in_closed(date):
            lines.append((kind, date, False))  # e.g. a birth date moved: derive_events lists births of new records
    return lines


#: events of household workflows that no record fact shows (a move within a village keeps the person's facts)
EVENT_LABELS.update({"transfer": "户间迁移", "split": "分户", "merge": "并户", "householder": "变更户主"})


async def record_event(kind: str, date: dt.date, person_key: str, household_code: str, operator: str,
                       client: Any = None) -> None:  # fmt: skip
    """Write one change event of a household workflow (inside the caller's transaction), with the month it
    is counted in (:func:`store.domain.months.counting_month`, as every other change line)."""
    from store import db, months
    from store.domain.months import counting_month

    now = dt.datetime.now().replace(microsecond=0)
    closed = months.months_closed_for(household_code[:12], await months.active_closes(client))
    await db.execute(
        "INSERT INTO change_event (kind, event_date, person_id, household_code, entered_at, operator, source, "
        "report_month) SELECT ?, ?, id, ?, ?, ?, 'app', ? FROM person WHERE key = ?",
        [kind, date, household_code, now, operator, counting_month(date, now, closed), person_key],
        client,
    )
