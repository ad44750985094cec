"""Reading and writing the rows of the file's extra tables (`store.interchange_tables`): export and upsert.

Export streams a table by id (bounded memory), the person column written as the person's key, a change event
as the items of its own line (:data:`store.interchange_tables.EVENT_KEY`), times as local
``YYYY-MM-DD HH:MM:SS``. Import writes the rows of a batch inside the import's transaction: a row whose
identifying items (:attr:`Section.key_items`) match a stored row updates it (when anything differs), any other
row is inserted, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from store import db
from store.interchange_tables import EVENT_KEY, EVENT_SECTION, Section

__all__ = ["event_ids", "event_key", "export_rows", "row_line", "write_rows"]

BATCH = 5000


def _moment(value: Any) -> str | None:
    """A stored time as local ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (PostgreSQL returns timestamptz values)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.isoformat(" ")


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _same(value: Any) -> Any:
    return value


_CONVERT = {"datetime": _moment, "date": _date, "bool": bool, "int": int}


def _plain(section: Section, row: Any) -> dict[str, Any]:
    """A fetched row (see :func:`_select`: the id, the columns, the person's key) as the file's items: dates
    ISO, times local, booleans as booleans, a change event as the items naming it."""
    out: dict[str, Any] = {"person": row["person_key"]} if section.person else {}
    for n, column in enumerate(section.columns):
        if column.kind == "event":
            out[column.name] = None if row[f"e{n}_id"] is None else _event(row, n)
            continue
        value = row[column.name]
        out[column.name] = None if value is None else _CONVERT.get(column.kind, _same)(value)
    return out


def _event(row: Any, n: int) -> dict[str, Any]:
    """The items naming the change event joined as ``e{n}`` (see :func:`_select`)."""
    out = {}
    for item in EVENT_KEY:
        value = row[f"e{n}_{item}"]
        column = next((c for c in EVENT_SECTION.columns if c.name == item), None)
        out[item] = value if value is None or column is None else _CONVERT.get(column.kind, _same)(value)
    return out


def row_line(section: Section, row: dict[str, Any]) -> str:
    """One line of the file."""
    return json.dumps({section.name: row}, ensure_ascii=False)


def _select(section: Section, unit: str = "") -> tuple[str, list[Any]]:
    """The rows of a section with every person column as the person's key (``p``: the row's own person) and
    every event column as the items naming the event (``e{n}``; with `unit`, only an event placed in it), and
    the parameters of the joins."""
    columns, joins, params = [], [], []
    for n, column in enumerate(section.columns):
        if column.kind == "person":
            columns.append(f"p{n}.key AS {column.name}")
            joins.append(f" LEFT JOIN person p{n} ON p{n}.id = t.{column.name}")
        elif column.kind == "event":
            columns.append(f"e{n}.id AS e{n}_id")
            columns.extend(f"e{n}.{i} AS e{n}_{i}" if i != "person" else f"q{n}.key AS e{n}_person" for i in EVENT_KEY)
            placed = f" AND substr(e{n}.{EVENT_SECTION.unit}, 1, ?) = ?" if unit else ""
            params += [len(unit), unit] if unit else []
            joins.append(f" LEFT JOIN change_event e{n} ON e{n}.id = t.{column.name}{placed}")
            joins.append(f" LEFT JOIN person q{n} ON q{n}.id = e{n}.{EVENT_SECTION.person}")
        else:
            columns.append(f"t.{column.name}")
    if section.person:
        columns.append("p.key AS person_key")
        joins.insert(0, f" LEFT JOIN person p ON p.id = t.{section.person}")
    return f"SELECT t.id, {', '.join(columns)} FROM {section.name} t{''.join(joins)}", params


def _scope(section: Section, unit: str) -> tuple[str, list[Any]]:
    """The WHERE clause placing rows in `unit` ('' : everything)."""
    if not unit:
        return "", []
    if section.unit is None:
        return " AND substr(p.household_id, 1, ?) = ?", [len(unit), unit]
    own = f" AND (substr(t.{section.unit}, 1, ?) = ?"
    if section.unit_kind == "household":
        return own + ")", [len(unit), unit]
    containing = [unit[:n] for n in (0, 6, 9, 12) if n < len(unit)]  # the closes of a county cover its villages
    return own + f" OR t.{section.unit} IN ({','.join('?' * len(containing))}))", [len(unit), unit, *containing]


async def export_rows(section: Section, unit: str = "") -> AsyncIterator[list[dict[str, Any]]]:
    """The rows of a section placed in `unit` (default all), in id order, in batches, as file items. A
    reference to a change event outside `unit` (not in the unit's file) is left out; a row that needs one is."""
    where, params = _scope(section, unit)
    select, joined = _select(section, unit)
    if unit:
        where += "".join(
            f" AND e{n}.id IS NOT NULL" for n, c in enumerate(section.columns) if c.kind == "event" and c.required
        )
    query = select + f" WHERE t.id > ?{where} ORDER BY t.id LIMIT {BATCH}"
    after = 0
    while True:
        rows = await db.fetch(query, [*joined, after, *params])
        if not rows:
            return
        yield [_plain(section, row) for row in rows]
        after = rows[-1]["id"]


def _hashable(value: Any) -> Any:
    """An item as compared: a change event's items as a tuple."""
    return tuple(value.values()) if isinstance(value, dict) else value


def _comparable(section: Section, row: dict[str, Any]) -> tuple[Any, ...]:
    """A parsed row as text (what the file says), to compare with a stored one (an event as a tuple)."""
    out = []
    for item in section.items:
        value = row[item]
        column = next((c for c in section.columns if c.name == item), None)
        if value is None or column is None:
            out.append(value)
        elif column.kind == "datetime":
            out.append(value.isoformat(" ") if isinstance(value, dt.datetime) else value)
        elif column.kind == "date":
            out.append(value.isoformat())
        elif column.kind == "event":
            out.append(_comparable(EVENT_SECTION, value))
        else:
            out.append(value)
    return tuple(out)


async def _stored(section: Section, rows: Sequence[dict[str, Any]], ids: Mapping[str, int],
                  client: BaseDBAsyncClient) -> dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:  # fmt: skip
    """The stored rows that could match the batch: identifying items → [(id, every item)], in id order."""
    first = section.key_items[0]
    column = section.person if first == "person" else first
    values = list({ids.get(r["person"]) if first == "person" else _comparable_one(section, first, r) for r in rows})
    known = [v for v in values if v is not None]
    found: dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]] = {}
    position = {item: n for n, item in enumerate(section.items)}
    for start in range(0, max(len(known), 1), 500):
        chunk = known[start : start + 500]
        tests = [f"t.{column} IN ({','.join('?' * len(chunk))})"] if chunk else []
        if None in values:
            tests.append(f"t.{column} IS NULL")
        if not tests:
            break
        query = _select(section)[0] + f" WHERE {' OR '.join(tests)} ORDER BY t.id"
        for stored in await db.fetch(query, chunk, client):
            plain = _plain(section, stored)
            every = tuple(_hashable(plain[item]) for item in section.items)
            key = tuple(every[position[item]] for item in section.key_items)
            found.setdefault(key, []).append((int(stored["id"]), every))
    return found


def _comparable_one(section: Section, item: str, row: dict[str, Any]) -> Any:
    return _comparable(section, row)[section.items.index(item)]


def event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a change event: the items of its line, or of a reference to it, as compared."""
    return _comparable(EVENT_SECTION, event)


async def event_ids(refs: Sequence[dict[str, Any]], ids: Mapping[str, int],
                    client: BaseDBAsyncClient) -> dict[tuple[Any, ...], int]:  # fmt: skip
    """The stored change events named by `refs` (items of :data:`EVENT_KEY`): their items → the first id."""
    refs = [r for r in refs if r["person"] is None or r["person"] in ids]
    if not refs:
        return {}
    return {key: found[0][0] for key, found in (await _stored(EVENT_SECTION, refs, ids, client)).items()}


async def write_rows(section: Section, rows: Sequence[dict[str, Any]], ids: Mapping[str, int],
                     client: BaseDBAsyncClient, *, table_was_empty: bool) -> int:  # fmt: skip
    """Insert or update the parsed `rows` of a section (`ids`: person key → id); returns how many were new or
    changed. A change event named by a row is the stored one with the same items: the file's own
    ``change_event`` line, written before. Rows whose person or event has no id (an unresolved reference,
    reported by the importer) are skipped."""
    refs = [*(["person"] if section.person else []), *(c.name for c in section.columns if c.kind == "person")]
    rows = [r for r in rows if all(r[item] is None or r[item] in ids for item in refs)]
    named = [c.name for c in section.columns if c.kind == "event"]
    events = await event_ids([r[c] for r in rows for c in named if r[c] is not None], ids, client) if named else {}
    rows = [r for r in rows if all(r[c] is None or _comparable(EVENT_SECTION, r[c]) in events for c in named)]
    if not rows:
        return 0
    columns = [*([section.person] if section.person else []), *(c.name for c in section.columns)]

    def value(row: dict[str, Any], item: str) -> Any:
        if row[item] is None:
            return None
        if item in refs:
            return ids[row[item]]
        return events[_comparable(EVENT_SECTION, row[item])] if item in named else row[item]

    def values(row: dict[str, Any]) -> list[Any]:
        items = ["person"] if section.person else []
        return [value(row, i) for i in [*items, *columns[len(items) :]]]

    stored = {} if table_was_empty else await _stored(section, rows, ids, client)
    inserts, updates, pending = [], [], []
    position = {item: n for n, item in enumerate(section.items)}
    for row in rows:  # a stored row equal to a file row: nothing to do (each stored row is used once)
        every = _comparable(section, row)
        candidates = stored.get(tuple(every[position[item]] for item in section.key_items), [])
        same = next((c for c in candidates if c[1] == every), None)
        if same is not None:
            candidates.remove(same)
        else:
            pending.append((row, candidates))
    for row, candidates in pending:  # a stored row with the same identity is updated, other rows are new
        if candidates:
            updates.append([*values(row), candidates.pop(0)[0]])
        else:
            inserts.append(values(row))
    if inserts:
        marks = ", ".join("?" * len(columns))
        await db.execute_many(f"INSERT INTO {section.name} ({', '.join(columns)}) VALUES ({marks})", inserts, client)
    if updates:
        sets = ", ".join(f"{c} = ?" for c in columns)
        await db.execute_many(f"UPDATE {section.name} SET {sets} WHERE id = ?", updates, client)
    return len(inserts) + len(updates)
