"""Field changes (字段变更): the items of a person record a save changed, with their values before and after.

The person save path (`store.service`) calls :func:`record` once per household, inside its transaction, after
the rows and change events are written: every tracked item (:data:`TRACKED`) of a stored person whose value
differs gets a ``field_change`` row (JSON values, who, when) tied to the change event the save brought in for
it, if any (:data:`EVENT_FIELDS`). A reversal (`store.reversal`) restores an event's items from these rows;
the timeline (`store.timeline`) lists them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from store import db

#: the items of a person record a clerk edits, as paths into the record (blocks are kept whole)
TRACKED: tuple[str, ...] = (
    "name", "id_type", "id_number", "sex", "birth_date", "relation", "ethnicity", "hukou_nature", "education",
    "political_status", "occupation", "marital_status", "first_marriage_date", "marriage_change_date", "spouse",
    "spouse_external", "mother", "father", "residence_status", "mgmt", "registered_place_code", "death_date",
    "flow", "moved_in", "cancel", "woman.contraception", "woman.pregnancies",
)  # fmt: skip

#: the Chinese name of each tracked item (on screens and in the timeline)
LABELS: Mapping[str, str] = {
    "name": "姓名", "id_type": "证件类型", "id_number": "身份证号", "sex": "性别", "birth_date": "出生日期",
    "relation": "与户主关系", "ethnicity": "民族", "hukou_nature": "户口性质", "education": "学历",
    "political_status": "政治面貌", "occupation": "职业", "marital_status": "婚姻状况",
    "first_marriage_date": "初婚日期", "marriage_change_date": "婚变日期", "spouse": "配偶",
    "spouse_external": "外地配偶", "mother": "母亲", "father": "父亲", "residence_status": "人户状况",
    "mgmt": "管理属性", "registered_place_code": "户籍地", "death_date": "死亡日期", "flow": "流动",
    "moved_in": "迁入", "cancel": "注销", "woman.contraception": "避孕节育", "woman.pregnancies": "孕情",
}  # fmt: skip

#: change event kind → the items whose change brings it in (`store.events.facts`)
EVENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "death": ("death_date", "cancel"),
    "move_in": ("moved_in",),
    "move_out": ("cancel",),
    "cancel": ("cancel",),
    "first_marriage": ("first_marriage_date", "marital_status", "spouse", "spouse_external"),
    "remarriage": ("marital_status", "marriage_change_date", "spouse", "spouse_external"),
    "reunion": ("marital_status", "marriage_change_date", "spouse", "spouse_external"),
    "divorce": ("marital_status", "marriage_change_date", "spouse", "spouse_external"),
    "widowed": ("marital_status", "marriage_change_date", "spouse", "spouse_external"),
    "inflow": ("flow", "mgmt", "residence_status"),
    "outflow": ("flow", "mgmt", "residence_status"),
    "pregnancy": ("woman.pregnancies",),
    "outcome": ("woman.pregnancies",),
    "contraception": ("woman.contraception",),
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def encode(value: Any) -> str | None:
    """A value as stored in ``field_change`` (JSON, dates as ISO text); None for an empty value."""
    plain = _plain(value)
    if plain in (None, "", [], {}):
        return None
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def decode(text: str | None) -> Any:
    """The value of :func:`encode` (dates stay ISO text, which the save path reads)."""
    return None if text is None else json.loads(text)


def value_at(person: Mapping[str, Any], path: str) -> Any:
    """The value of a tracked item (``woman.contraception``) of a person record (None when absent)."""
    value: Any = person
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def set_value(person: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at a tracked item of a person record (a woman block is created when needed)."""
    *parents, last = path.split(".")
    target = person
    for part in parents:
        if target.get(part) is None:
            target[part] = {"children": [], "pregnancies": [], "contraception": None}
        target = target[part]
    target[last] = value


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """The tracked items whose value differs: (item, before, after), encoded."""
    out = []
    for path in TRACKED:
        before, after = encode(value_at(old, path)), encode(value_at(new, path))
        if before != after:
            out.append((path, before, after))
    return out


async def event_mark(client: Any) -> int:
    """The highest change event id now: events written after it, in this transaction, are the save's own."""
    return int(await db.scalar("SELECT max(id) FROM change_event", (), client) or 0)


async def record(existing: Mapping[str, Any], persons: Iterable[Mapping[str, Any]], ids: Mapping[str, int], *,
                 operator: str, mark: int, now: dt.datetime, client: Any) -> int:  # fmt: skip
    """Write the field changes of the stored `persons` (new records have none) inside the caller's transaction;
    `existing`: ``"person:KEY"`` → the record before the save, `ids`: key → person id, `mark`: the
    :func:`event_mark` taken before the write. Returns how many rows were written."""
    found: dict[int, list[tuple[str, str | None, str | None]]] = {}
    for person in persons:
        old = existing.get("person:" + person["key"])
        if old is not None:
            diff = changes(old, person)
            if diff:
                found[ids[person["key"]]] = diff
    if not found:
        return 0
    marks = ",".join("?" * len(found))
    events: dict[int, list[tuple[int, str]]] = {}
    sql = f"SELECT id, person_id, kind FROM change_event WHERE id > ? AND person_id IN ({marks}) ORDER BY id"
    for event_id, pid, kind in await db.fetch(sql, [mark, *found], client):
        events.setdefault(int(pid), []).append((int(event_id), str(kind)))
    rows = []
    for pid, diff in found.items():
        for path, before, after in diff:
            event = next((e for e, kind in events.get(pid, ()) if path in EVENT_FIELDS.get(kind, ())), None)
            rows.append((pid, path, before, after, now, operator, event))
    await db.execute_many(
        "INSERT INTO field_change (person_id, field, before, after, changed_at, changed_by, event_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
        client,
    )
    return len(rows)
