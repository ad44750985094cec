"""The audit reads each person's contraception, marriage and management/flow state in force at the audit
date (`as_of`), from the histories (`store.histories`), not the state the record holds today.

Only persons with a history entry that starts after the audit date can differ (the rest are left as read):
the whole-database audit finds them once (:func:`changed_plan`), asks for their entries batch by batch
(:func:`in_force_plan`) and rewrites their
person rows (:func:`overlay_row`) before the views are built; the re-audit after a save overlays the loaded
records (:func:`overlay_records`). The rule of which entry is in force is
:func:`store.domain.histories.in_force`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from checks.plans import Plan
from checks.rows import COL, SPOUSE
from store.domain.histories import Entry, overlay
from store.histories import AUDITED, SPECS, histories_at

__all__ = ["changed_plan", "in_force_plan", "overlay_records", "overlay_row"]

#: kind → (table, person column, start column, state columns) of the histories the audit reads
_AUDITED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    kind: (SPECS[kind].table, SPECS[kind].person, SPECS[kind].start, SPECS[kind].columns) for kind in AUDITED
}

Histories = dict[int, dict[str, list[Entry]]]


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def changed_plan(day: dt.date) -> Plan:
    """The ids of the persons with an audited history entry that starts after `day` (one scan per history,
    once per audit: for nearly everyone the state on the audit date is the state of the record)."""
    out: set[int] = set()
    for table, person, start, _ in _AUDITED.values():
        rows = yield (f"SELECT DISTINCT {person} FROM {table} WHERE {start} > ?", (day,))
        out.update(int(r[0]) for r in rows)
    return out


def in_force_plan(person_ids: Sequence[int]) -> Plan:
    """The audited histories of the persons (person id → kind → entries)."""
    out: Histories = {}
    ids = sorted(set(person_ids))
    for start_at in range(0, len(ids), 500):
        chunk = ids[start_at : start_at + 500]
        marks = ", ".join("?" * len(chunk))
        for kind, (table, person, start, columns) in _AUDITED.items():
            rows = yield (
                f"SELECT h.{person}, h.{start}, h.until, {', '.join('h.' + c for c in columns)} FROM {table} h "
                f"WHERE h.{person} IN ({marks}) AND h.began IS NOT NULL ORDER BY h.{person}, h.id",
                tuple(chunk),
            )  # fmt: skip
            for r in rows:
                value = dict(zip(columns, tuple(r)[3:], strict=True))
                entry = Entry(kind, _date(r[1]), value, _date(r[2]))
                out.setdefault(int(r[0]), {}).setdefault(kind, []).append(entry)
    return out


def _person_of_row(r: Sequence[Any]) -> dict[str, Any]:
    get = lambda name: r[COL[name]]  # noqa: E731
    flow = None
    if get("flow_type") is not None:
        flow = {"type": get("flow_type"), "since": get("flow_since"), "place_code": get("flow_place_code"),
                "place": get("flow_place")}  # fmt: skip
    woman = None
    if get("has_woman_record"):
        woman = {"contraception": {"method": get("contraception_method"), "since": get("contraception_since"),
                                   "failure": get("contraception_failure")}}  # fmt: skip
    return {"marital_status": get("marital_status"), "first_marriage_date": get("first_marriage_date"),
            "marriage_change_date": get("marriage_change_date"), "spouse": r[SPOUSE], "mgmt": get("mgmt"),
            "flow": flow, "woman": woman, "spouse_external": {"name": get("spouse_ext_name")}}  # fmt: skip


def overlay_row(r: Sequence[Any], histories: Mapping[str, Sequence[Entry]], day: dt.date) -> tuple[Any, ...]:
    """A person row (`checks.rows.STREAM_SQL`) with the state in force on `day`."""
    then = overlay(_person_of_row(r), histories, day)
    out = list(r)
    for name in ("marital_status", "first_marriage_date", "marriage_change_date", "mgmt"):
        out[COL[name]] = then.get(name)
    out[SPOUSE] = then.get("spouse")
    if then.get("spouse_external") is None:
        for name in ("spouse_ext_name", "spouse_ext_id_number", "spouse_ext_place_code"):
            out[COL[name]] = None
    flow = then.get("flow") or {}
    for name, key in (("flow_type", "type"), ("flow_since", "since"), ("flow_place_code", "place_code"),
                      ("flow_place", "place")):  # fmt: skip
        out[COL[name]] = flow.get(key)
    contraception = (then.get("woman") or {}).get("contraception") or {}
    if then.get("woman") is not None:
        for name, key in (("contraception_method", "method"), ("contraception_since", "since"),
                          ("contraception_failure", "failure")):  # fmt: skip
            out[COL[name]] = contraception.get(key)
    return tuple(out)


async def overlay_records(records: dict[str, dict[str, Any]], day: dt.date) -> None:
    """Put the state in force on `day` on the members of household records (in place)."""
    ids = [p["_id"] for r in records.values() for p in r["members"] if p.get("_id") is not None]
    found = await histories_at(day, ids)
    if not found:
        return
    for record in records.values():
        record["members"] = [
            overlay(p, found[p["_id"]], day) if p.get("_id") in found else p for p in record["members"]
        ]
