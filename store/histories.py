"""The histories in the database (历史数据): contraception, marriage, management/flow and residence entries.

:func:`feed` is called by the save path (`store.service`) inside its transaction for every household it
writes: from the stored person records and the new ones it closes and opens entries by the rules of
:mod:`store.domain.histories`. A person with no entry of a kind yet (an imported record) first gets the entry
of the state being left. :func:`person_histories` is the one read function a timeline uses;
:func:`histories_at` gives the audit the entries of the persons whose state on a day differs from today's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from store import db
from store.codes import TABLES
from store.domain import histories as rules
from store.domain.histories import Entry

__all__ = ["SPECS", "HistoryEntry", "entries_of", "feed", "histories_at", "link_event", "link_move", "person_histories"]


@dataclass(frozen=True)
class Spec:
    """Where a history lives: its table, person column, start column, state columns and entry-time column."""

    table: str
    person: str
    start: str
    columns: tuple[str, ...]
    entered: str


SPECS: dict[str, Spec] = {
    "contraception": Spec("contraception_history", "woman_id", "since", ("method", "failure"), "replaced_at"),
    "marriage": Spec(
        "marriage_history",
        "person_id",
        "start",
        ("status", "spouse_id", "spouse_name", "spouse_id_number"),
        "entered_at",
    ),
    "mgmt": Spec(
        "mgmt_history", "person_id", "start", ("mgmt", "flow_type", "place_code", "place", "reason"), "entered_at"
    ),
    "residence": Spec("residence_history", "person_id", "start", ("household_code",), "entered_at"),
}

#: the change events that begin an entry, per history (linked as the entry's source event)
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "contraception": ("contraception",),
    "marriage": ("first_marriage", "remarriage", "reunion", "divorce", "widowed"),
    "mgmt": ("inflow", "outflow"),
    "residence": ("move_in", "transfer", "split", "merge"),
}

#: what a household workflow hands the save for a person it moves: (day, how) — see :func:`feed`
HINT = "_history"


# --- writing -------------------------------------------------------------------------------------------


def _row_value(kind: str, value: Mapping[str, Any], ids: Mapping[str, int]) -> dict[str, Any]:
    out = dict(value)
    if kind == "marriage":
        spouse = out.pop("spouse", None)
        out["spouse_id"] = ids.get(spouse) if spouse else out.get("spouse_id")
    return {c: out.get(c) for c in SPECS[kind].columns if c in out}


async def _with_spouse(value: Mapping[str, Any], ids: Mapping[str, int], client: Any) -> Mapping[str, int]:
    """`ids` with the id of the spouse `value` names when it is not among them (a spouse in another household)."""
    spouse = value.get("spouse")
    if not spouse or spouse in ids:
        return ids
    found = await db.scalar("SELECT id FROM person WHERE key = ?", [spouse], client)
    return {**ids, spouse: int(found)} if found is not None else ids


async def _insert(kind: str, pid: int, entry: Entry, ids: Mapping[str, int], now: dt.datetime, client: Any) -> int:
    spec = SPECS[kind]
    ids = await _with_spouse(entry.value, ids, client)
    value = _row_value(kind, entry.value, ids)
    columns = [spec.person, spec.start, *value, "until", "began", "ended", spec.entered]
    params = [pid, entry.start, *value.values(), entry.until, entry.began, entry.ended, now]
    marks = ", ".join("?" * len(columns))
    await db.execute(f"INSERT INTO {spec.table} ({', '.join(columns)}) VALUES ({marks})", params, client)
    # the person is locked by the save (its transaction; PostgreSQL advisory locks): the newest row is this one
    return int(await db.scalar(f"SELECT max(id) FROM {spec.table} WHERE {spec.person} = ?", [pid], client))


async def _open_id(kind: str, pid: int, client: Any) -> int | None:
    """The id of the person's latest entry of `kind` still open (None: none)."""
    spec = SPECS[kind]
    return await db.scalar(f"SELECT max(id) FROM {spec.table} WHERE {spec.person} = ? AND until IS NULL", [pid], client)


async def _has_entries(kind: str, pid: int, client: Any) -> bool:
    spec = SPECS[kind]
    return bool(await db.scalar(f"SELECT 1 FROM {spec.table} WHERE {spec.person} = ? LIMIT 1", [pid], client))


async def link_event(kind: str, entry_id: int, pid: int, start: dt.date | None, client: Any = None,
                     events: Sequence[str] | None = None) -> None:  # fmt: skip
    """Set the entry's source event: the person's latest change event of the history's kinds on `start`."""
    if start is None:
        return
    wanted = tuple(events or EVENT_KINDS[kind])
    marks = ",".join("?" * len(wanted))
    event = await db.scalar(
        f"SELECT max(id) FROM change_event WHERE person_id = ? AND event_date = ? AND kind IN ({marks})",
        [pid, start, *wanted], client,
    )  # fmt: skip
    if event is not None:
        await db.execute(f"UPDATE {SPECS[kind].table} SET event_id = ? WHERE id = ?", [event, entry_id], client)


async def _apply(kind: str, pid: int, old: Mapping[str, Any], old_code: str, step: rules.Step,
                 ids: Mapping[str, int], now: dt.datetime, client: Any) -> None:  # fmt: skip
    spec = SPECS[kind]
    if not await _has_entries(kind, pid, client):  # an imported record: first the state it leaves
        first = rules.opening(kind, old, old_code)
        if first is not None:
            await _insert(kind, pid, first, ids, now, client)
    open_id = await _open_id(kind, pid, client)
    if step.update and open_id is not None:
        value = dict(step.update)
        start = value.pop("start", None) if kind != "contraception" else value.pop("since", None)
        sets = _row_value(kind, value, await _with_spouse(value, ids, client))
        sets[spec.start] = start
        assignments = ", ".join(f"{c} = ?" for c in sets)
        await db.execute(f"UPDATE {spec.table} SET {assignments} WHERE id = ?", [*sets.values(), open_id], client)
    if step.reopen is not None and open_id is None:  # an exit withdrawn: the entry it ended is in force again
        until, how = step.reopen
        ended = await db.scalar(f"SELECT max(id) FROM {spec.table} WHERE {spec.person} = ? AND until = ? AND ended = ?",
                                [pid, until, how], client)  # fmt: skip
        if ended is not None:
            await db.execute(f"UPDATE {spec.table} SET until = NULL, ended = NULL WHERE id = ?", [ended], client)
    if step.close_on is not None and open_id is not None:
        await db.execute(f"UPDATE {spec.table} SET until = ?, ended = ? WHERE id = ?",
                         [step.close_on, step.ended, open_id], client)  # fmt: skip
    if step.opened is not None:
        entry_id = await _insert(kind, pid, step.opened, ids, now, client)
        await link_event(kind, entry_id, pid, step.opened.start, client)


async def feed(record: Mapping[str, Any], existing: Mapping[str, Any], ids: Mapping[str, int], client: Any,
               today: dt.date | None = None) -> None:  # fmt: skip
    """Keep the histories of the members of a household record just written (inside the caller's
    transaction). `existing`: ``"person:" + key`` → the stored person record before the write (with its
    ``_household``); `ids`: person key → database id. A member may carry ``_history`` = (day, how): the day
    of a change the record has no date for and the household workflow that moved it (``split`` …)."""
    code = record["household"]["code"]
    now = dt.datetime.now().replace(microsecond=0)
    day = today or dt.date.today()
    for person in record["members"]:
        pid = ids.get(person["key"])
        if pid is None:
            continue
        old = existing.get("person:" + person["key"])
        hint_day, how = person.get(HINT) or (None, None)
        if old is None:
            await _open_all(person, pid, code, ids, now, client)
            continue
        old_code = old.get("_household") or code
        for kind in rules.KINDS:
            step = rules.step(kind, old, person, old_code, code, hint_day or day, how)
            if step is not None:
                await _apply(kind, pid, old, old_code, step, ids, now, client)


async def _open_all(person: Mapping[str, Any], pid: int, code: str, ids: Mapping[str, int], now: dt.datetime,
                    client: Any) -> None:  # fmt: skip
    """The first entries of a new person (born, moved in, flowed in, or keyed in the form)."""
    for kind in rules.KINDS:  # a person new to the database has no entries yet
        entry = rules.opening(kind, person, code)
        if entry is None:
            continue
        if entry.began == "opening":
            entry.began = "inflow" if kind == "mgmt" and person.get("mgmt") == "02" else None
        entry_id = await _insert(kind, pid, entry, ids, now, client)
        await link_event(kind, entry_id, pid, entry.start, client,
                         ("birth", "move_in") if kind == "residence" else None)  # fmt: skip


# --- reading -------------------------------------------------------------------------------------------


class HistoryEntry(TypedDict):
    """One entry of a person's histories, for the timeline: `kind` (contraception, marriage, mgmt,
    residence), its Chinese name `kind_label`, `start` / `end` (None: open), `value` (the state, in Chinese),
    `detail` (how it began and ended, in Chinese) and the change event that began it (`event_id`)."""

    kind: str
    kind_label: str
    start: dt.date | None
    end: dt.date | None
    value: str
    detail: str
    event_id: int | None


KIND_LABELS = {"contraception": "避孕节育", "marriage": "婚姻", "mgmt": "管理属性与流动", "residence": "居住户"}


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def _entries(kind: str, person_ids: Sequence[int], client: Any = None, *,
                   every: bool = False) -> dict[int, list[Entry]]:  # fmt: skip
    """The entries of `kind` of the persons, by person, in the order written; `every`: also the rows of a
    contraception history written before entries had a start and an end (no ``began``)."""
    spec = SPECS[kind]
    began = "" if every else " AND began IS NOT NULL"
    out: dict[int, list[Entry]] = {}
    for start in range(0, len(person_ids), 500):
        chunk = list(person_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        columns = ", ".join(spec.columns)
        rows = await db.fetch(
            f"SELECT id, {spec.person}, {spec.start}, until, began, ended, event_id, {columns} FROM {spec.table} "
            f"WHERE {spec.person} IN ({marks}){began} ORDER BY {spec.person}, id", chunk, client,
        )  # fmt: skip
        for r in rows:
            value = dict(zip(spec.columns, tuple(r)[7:], strict=True))
            out.setdefault(int(r[1]), []).append(
                Entry(kind, _as_date(r[2]), value, _as_date(r[3]), r[4], r[5], r[6], int(r[0]))
            )
    return out


def _code_label(table: str, code: Any) -> str:
    if not code:
        return ""
    return f"{code} {TABLES[table].label(str(code))}"


async def _value_text(entry: Entry, names: Mapping[int, str]) -> str:
    v = entry.value
    if entry.kind == "contraception":
        failure = f"，{_code_label('contraception_failure', v.get('failure'))}" if v.get("failure") else ""
        return _code_label("contraception_method", v.get("method")) + failure
    if entry.kind == "marriage":
        spouse = names.get(v.get("spouse_id") or 0) or v.get("spouse_name") or ""
        number = f"（{v['spouse_id_number']}）" if v.get("spouse_id_number") and not v.get("spouse_id") else ""
        who = "前配偶" if v.get("status") in ("30", "40") else "配偶"
        return _code_label("marital_status", v.get("status")) + (f"，{who}{spouse}{number}" if spouse or number else "")
    if entry.kind == "mgmt":
        place = v.get("place") or v.get("place_code") or ""
        where = {"02": "，户籍地", "03": "，流入地"}.get(v.get("mgmt") or "", "")
        return _code_label("mgmt", v.get("mgmt")) + (f"{where}{place}" if where and place else "")
    return f"户编码 {v.get('household_code')}"


def _detail(entry: Entry) -> str:
    parts = []
    if rules.ended_label(entry.began):
        parts.append(f"始于{rules.ended_label(entry.began)}")
    if rules.ended_label(entry.ended):
        parts.append(f"止于{rules.ended_label(entry.ended)}")
    return "，".join(parts)


async def person_histories(person_id: int) -> list[HistoryEntry]:
    """Every history entry of a person, in time order (entries without a start first), each kind's open
    entry last; a person without entries of a kind (an imported record) shows the current state."""
    found: list[Entry] = []
    for kind in rules.KINDS:
        found += (await _entries(kind, [person_id])).get(person_id, [])
    missing = [k for k in rules.KINDS if not any(e.kind == k for e in found)]
    if missing:
        from store.records import load_households

        code = await db.scalar("SELECT household_id FROM person WHERE id = ?", [person_id])
        record = (await load_households([str(code)])).get(str(code)) if code else None
        person = next((p for p in (record or {}).get("members", ()) if p.get("_id") == person_id), None)
        for kind in missing if person is not None else ():
            entry = rules.opening(kind, person, str(code))  # type: ignore[arg-type]
            if entry is not None and entry.value.get("spouse"):
                entry.value["spouse_id"] = await db.scalar(
                    "SELECT id FROM person WHERE key = ?", [entry.value["spouse"]]
                )
            if entry is not None:
                found.append(entry)
    spouses = sorted({int(e.value["spouse_id"]) for e in found if e.kind == "marriage" and e.value.get("spouse_id")})
    names: dict[int, str] = {}
    if spouses:
        marks = ",".join("?" * len(spouses))
        names = {int(r[0]): r[1] or "" for r in await db.fetch(f"SELECT id, name FROM person WHERE id IN ({marks})",
                                                                 spouses)}  # fmt: skip
    found.sort(key=lambda e: (e.start or dt.date.min, rules.KINDS.index(e.kind), e.id or 0))
    return [HistoryEntry(kind=e.kind, kind_label=KIND_LABELS[e.kind], start=e.start, end=e.until,
                         value=await _value_text(e, names), detail=_detail(e), event_id=e.event_id)
            for e in found]  # fmt: skip


async def entries_of(person_id: int, client: Any = None) -> dict[str, list[Entry]]:
    """Every history entry of a person, per kind, in the order written (a reversal derives the state before
    an event from them: `store.reversal_rules`)."""
    return {kind: (await _entries(kind, [person_id], client, every=True)).get(person_id, []) for kind in rules.KINDS}


#: the histories the audit reads at its audit date
AUDITED = ("contraception", "marriage", "mgmt")


async def histories_at(day: dt.date, person_ids: Iterable[int] | None = None, client: Any = None,
                       ) -> dict[int, dict[str, list[Entry]]]:  # fmt: skip
    """The contraception, marriage and management histories of the persons (all, or those of `person_ids`)
    with an entry that starts after `day` — the only persons whose state on `day` may differ from the state
    their record holds now (:func:`store.domain.histories.overlay`)."""
    wanted: set[int] = set()
    ids = None if person_ids is None else sorted(set(person_ids))
    for kind in AUDITED:
        spec = SPECS[kind]
        if ids is None:
            rows = await db.fetch(
                f"SELECT DISTINCT {spec.person} FROM {spec.table} WHERE {spec.start} > ?", [day], client
            )
            wanted.update(int(r[0]) for r in rows)
            continue
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await db.fetch(f"SELECT DISTINCT {spec.person} FROM {spec.table} WHERE {spec.start} > ? "
                                  f"AND {spec.person} IN ({marks})", [day, *chunk], client)  # fmt: skip
            wanted.update(int(r[0]) for r in rows)
    out: dict[int, dict[str, list[Entry]]] = {}
    listed = sorted(wanted)
    for kind in AUDITED:
        for pid, entries in (await _entries(kind, listed, client)).items():
            out.setdefault(pid, {})[kind] = entries
    return out


async def link_move(kind: str, key: str, client: Any = None) -> None:
    """After a household workflow recorded its change event (户间迁移, 分户, 并户): make it the source event
    of the person's open residence entry."""
    pid = await db.scalar("SELECT id FROM person WHERE key = ?", [key], client)
    if pid is None:
        return
    entry = await _open_id("residence", int(pid), client)
    if entry is None:
        return
    start = await db.scalar("SELECT start FROM residence_history WHERE id = ?", [entry], client)
    await link_event("residence", entry, int(pid), _as_date(start), client, (kind,))
